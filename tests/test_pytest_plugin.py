"""The pytest plugin: properties as items, readable counterexamples, JUnit XML, selection."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

MUTANT = f'''
import sys
from dataclasses import replace
sys.path.insert(0, {str(Path(__file__).resolve().parent.parent)!r})
from tests.mutants import mutant

def workflow():
    """A copy of the VTEX model with one seeded regression: a decline forgets handling."""
    return replace(mutant("decline_restores_previous_status"), name="vtex-regressed")
'''

TESTS = '''
from ordercheck.checks.pytest_plugin import check_model

test_documented = check_model("ordercheck.model.vtex:documented")
test_regressed = check_model("mymodel:workflow")
'''

PROPERTIES = [
    "no-deadlock", "no-livelock", "can-always-finish", "every-status-reachable",
    "every-transition-fires", "messages-handled", "final-statuses-absorbing",
    "agree-at-quiescence", "no-invoice-after-accepted-cancellation",
    "no-marketplace-invoiced-during-seller-cancellation",
    "decline-only-when-both-await-decision", "in-window-cancel-never-declined",
    "decline-restores-previous-status",
    "cancellation-request-answered", "can-be-invoiced", "can-be-canceled",
    "decline-reaches-marketplace",
]


def make_project(pytester):
    pytester.makepyfile(mymodel=MUTANT, test_models=TESTS)
    pytester.syspathinsert()


def test_each_property_is_an_item_and_the_regression_fails_on_the_right_one(pytester):
    make_project(pytester)
    result = pytester.runpytest("-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2 * len(PROPERTIES) - 1, failed=1)
    result.stdout.fnmatch_lines([
        "*test_regressed?decline-restores-previous-status? FAILED*",
        "*ordercheck property 'decline-restores-previous-status' (history) violated:*",
        "*#   actor*step*marketplace*seller*in flight*",
        "*17  seller*seller.decline*waiting-for-seller-decision*ready-for-handling*",
        "*trace: *.ordercheck/traces/*.jsonl",
    ])


def test_junit_xml_names_the_property(pytester):
    make_project(pytester)
    pytester.runpytest("-p", "no:cacheprovider", "--junitxml=report.xml")
    root = ET.parse(pytester.path / "report.xml").getroot()
    cases = {c.get("name"): c for c in root.iter("testcase")}
    assert len(cases) == 2 * len(PROPERTIES)
    failed = [name for name, c in cases.items() if c.find("failure") is not None]
    assert failed == ["test_regressed[decline-restores-previous-status]"]
    text = cases[failed[0]].find("failure").text
    assert "seller.decline" in text and "trace:" in text


def test_keyword_and_marker_selection(pytester):
    make_project(pytester)
    result = pytester.runpytest("-p", "no:cacheprovider", "-k", "deadlock")
    result.assert_outcomes(passed=2)
    result = pytester.runpytest("-p", "no:cacheprovider", "-m", "ordercheck_liveness")
    result.assert_outcomes(passed=2)


IMPLS = '''
from functools import cache
from ordercheck.checks.conformance.model_adapter import ModelAdapter
from ordercheck.checks.system import TransitionSystem
from ordercheck.model.vtex import documented, observed

@cache
def system(name):
    return TransitionSystem(documented() if name == "documented" else observed())

class Good(ModelAdapter):
    def __init__(self):
        super().__init__(system("documented"), frozenset({"platform"}))

class Production(ModelAdapter):
    def __init__(self):
        super().__init__(system("observed"), frozenset({"platform"}))
'''

CONFORMANCE_TESTS = '''
from ordercheck.checks.pytest_plugin import conformance

test_good = conformance("ordercheck.model.vtex:documented", adapter="python:impls:Good",
                        budget=20)
test_production = conformance("ordercheck.model.vtex:documented",
                              adapter="python:impls:Production", budget=200)
'''


def test_conformance_suite_is_one_short_test_file(pytester):
    pytester.makepyfile(impls=IMPLS, test_impl=CONFORMANCE_TESTS)
    pytester.syspathinsert()
    result = pytester.runpytest("-p", "no:cacheprovider", "-q")
    # 68 tour cases + 1 Hypothesis item each; production fails 14 cases (each item probes
    # every forbidden command itself: no probe is shared between items) and Hypothesis
    result.assert_outcomes(passed=69 + 54, failed=15)
    result.stdout.fnmatch_lines([
        "*step *: the implementation accepted seller.decline, which "
        "the model forbids here*",
    ])


REGISTRY_TESTS = '''
from ordercheck.checks.properties import Registry
from ordercheck.checks.pytest_plugin import check_model

props = Registry()


@props.always("seller-never-canceled-while-marketplace-invoiced",
              "A canceled seller order never faces an invoiced marketplace order.")
def _(v):
    return not (v["marketplace"] == "invoiced" and v["seller"] == "canceled")


@props.sometimes("decline-possible", "The seller can be back in handling after a request.")
def _(v):
    return v["marketplace"] == "payment-approved" and v["seller"] == "handling"


test_observed = check_model("ordercheck.model.vtex:observed", properties=props, builtin=())
'''


def test_properties_declared_with_a_registry_are_items(pytester):
    pytester.makepyfile(test_registry=REGISTRY_TESTS)
    result = pytester.runpytest("-p", "no:cacheprovider", "-v", "-k",
                                "seller-never or decline-possible")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["*test_observed?seller-never-canceled-while-marketplace-"
                                 "invoiced? PASSED*"])


def test_registry_refuses_a_duplicate_name():
    import pytest

    from ordercheck.checks.properties import Registry

    props = Registry()
    props.always("p", "d")(lambda v: True)
    with pytest.raises(ValueError, match="property 'p' is declared twice"):
        props.sometimes("p", "d")(lambda v: True)
    assert len(props) == 1
