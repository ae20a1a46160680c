"""Conformance on real implementations: an independent reference OMS (Python, Node over the
process adapter, HTTP) passes with full coverage; seven buggy OMSes each fail the tour alone
and Hypothesis with a 1-minimal replayable trace;
broken adapters are errors naming the step, never hangs."""

from __future__ import annotations

import shutil
import sys
import threading

import pytest

from docs.examples.vtex_oms import buggy
from docs.examples.vtex_oms.http_server import make_server
from docs.examples.vtex_oms.reference import ReferenceOMS
from ordercheck.checks.cli import main
from ordercheck.checks.conformance.adapter import adapter_factory
from ordercheck.checks.conformance.session import ConformanceModel
from ordercheck.checks.conformance.stateful import run_stateful
from ordercheck.checks.conformance.tour import run_tour
from ordercheck.checks.explore import explore
from ordercheck.checks.system import TransitionSystem
from ordercheck.model.vtex import documented
from ordercheck.model.vtex.catalog import ENTRY as VTEX

HEADER = {"model_spec": "ordercheck.model.vtex:documented", "delivery": "fifo"}


@pytest.fixture(scope="module")
def model():
    return ConformanceModel(explore(TransitionSystem(documented())), frozenset({"platform"}))


def test_reference_oms_conforms(model):
    tour = run_tour(model, ReferenceOMS)
    assert (tour.passed, tour.failures, tour.errors) == (68, [], [])
    required = model.targets.drivable(tour.visited)
    assert (len(required), required <= tour.covered_targets) == (101, True)
    outcome = run_stateful(model, ReferenceOMS, budget=60, seed=0)
    assert outcome.failure is None and outcome.error is None


@pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")
def test_node_sample_conforms_over_the_process_adapter(model):
    make = adapter_factory("process:node docs/examples/node-adapter/oms.js", timeout=10)
    tour = run_tour(model, make)
    assert (tour.passed, tour.failures, tour.errors) == (68, [], [])
    assert model.targets.drivable(tour.visited) <= tour.covered_targets
    outcome = run_stateful(model, make, budget=15, seed=0)
    assert outcome.failure is None and outcome.error is None


def test_http_service_conforms():
    server = make_server(0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        model = ConformanceModel(explore(TransitionSystem(documented())), frozenset({"platform"}))
        tour = run_tour(model, adapter_factory(url, http=VTEX.http))
        assert (tour.passed, tour.failures, tour.errors) == (68, [], [])
        assert model.targets.drivable(tour.visited) <= tour.covered_targets
    finally:
        server.shutdown()


BUGGY = {
    # variant: (failing tour cases, at most this many commands in the 1-minimal Hypothesis
    # trace at seed 0; 1-minimality itself: test_minimal_counterexample_is_one_minimal)
    buggy.SellerDeniesOwnRequest: (8, 6),
    buggy.CancelRacesInvoice: (6, 8),
    buggy.DeclineFromWrongStatus: (8, 6),
    buggy.DeclineForgetsHandling: (1, 9),
    # issue 12: one per new oracle capability
    buggy.NeverApprovesPayment: (68, 2),  # settled-state oracle: an owed automatic step
    buggy.NeverAcknowledgesRequest: (30, 7),  # settled/finished story: a message never sent
    buggy.InvoiceWrongOnSecondRoute: (4, 10),  # joint-context targets: the second route
}


@pytest.mark.parametrize("impl", list(BUGGY), ids=lambda c: c.__name__)
def test_each_buggy_oms_fails_the_tour(model, impl):
    tour = run_tour(model, impl)
    assert len(tour.failures) == BUGGY[impl][0]


@pytest.mark.parametrize("impl", list(BUGGY), ids=lambda c: c.__name__)
def test_each_buggy_oms_fails_hypothesis_with_a_minimal_replayable_trace(model, impl, tmp_path,
                                                                         capsys):
    outcome = run_stateful(model, impl, seed=0, header=HEADER)  # the default budget
    assert outcome.failure is not None, impl.__name__
    assert len(outcome.failure.session.history) <= BUGGY[impl][1]
    path = tmp_path / "failure.jsonl"
    path.write_text(outcome.trace)
    assert main(["replay", str(path)]) == 1
    assert f"REJECTED at {path}:{len(path.read_text().splitlines())}" in capsys.readouterr().out


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("impl", list(BUGGY), ids=lambda c: c.__name__)
def test_each_buggy_oms_fails_hypothesis_on_seeds_1_to_4(model, impl, seed):
    outcome = run_stateful(model, impl, seed=seed)  # the default budget
    assert outcome.failure is not None, (impl.__name__, seed)


def test_minimal_counterexample_is_one_minimal(model):
    """Dropping any single command of the reported trace loses the failure."""
    from ordercheck.checks.conformance.minimize import replay, root_cause, run_of

    outcome = run_stateful(model, buggy.CancelRacesInvoice, seed=0)
    assert outcome.failure is not None
    run = run_of(outcome.failure.session)
    cause = root_cause(outcome.failure)
    for k in range(len(run)):
        div = replay(model, buggy.CancelRacesInvoice, run[:k] + run[k + 1:], timeout=5)
        assert div is None or root_cause(div) != cause


class Raising(ReferenceOMS):
    def send(self, command):
        if command.name == "window_elapsed":
            raise RuntimeError("database is down")
        return super().send(command)


class Hanging(ReferenceOMS):
    def send(self, command):
        if command.name == "window_elapsed":
            threading.Event().wait(30)
        return super().send(command)


class Garbage(ReferenceOMS):
    def status(self):
        return "marketplace=approved"


@pytest.mark.parametrize(("impl", "message"), [
    (Raising, "send(seller.window_elapsed): the adapter raised RuntimeError: database is down"),
    (Hanging, "send(seller.window_elapsed): no answer within 0.5s (the adapter hangs)"),
    (Garbage, "status(): expected {party: status}, got 'marketplace=approved'"),
])
def test_broken_python_adapters_are_errors_naming_the_step(model, impl, message):
    tour = run_tour(model, impl, timeout=0.5)
    (_case, error, partial) = tour.errors[0]
    assert message in str(error)
    assert str(error).startswith(("step ", "before step "))
    assert '"kind": "start"' in partial  # the partial trace is kept
    assert tour.passed < 24


@pytest.mark.parametrize(("script", "message"), [
    ("import sys; sys.stdout.write('hello\\n'); sys.stdout.flush()", "answer is not JSON"),
    ("import sys; sys.exit(3)", "the process exited"),
    ("import time; time.sleep(30)", "no answer within 0.5s; process killed"),
])
def test_broken_processes_are_errors(script, message, capsys, tmp_path):
    code = main(["conform", "--adapter", f"process:{sys.executable} -c \"{script}\"",
                 "--timeout", "0.5", "--out", str(tmp_path)])
    assert code == 2
    assert message in capsys.readouterr().err


def test_conform_cli_passes_reference_and_fails_a_buggy_one(capsys, tmp_path):
    assert main(["conform", "--adapter", "python:docs.examples.vtex_oms.reference:ReferenceOMS",
                 "--budget", "30"]) == 0
    assert main(["conform", "--adapter",
                 "python:docs.examples.vtex_oms.buggy:DeclineForgetsHandling",
                 "--no-hypothesis", "--out", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert ("FAIL tour case for seller: cancellation-requested --decline--> fulfilling.H "
            "(from cancellation-requested, fulfilling.H = handling) when {marketplace: "
            "waiting-for-seller-decision, seller: cancellation-requested} (this root cause "
            "broke 1 case(s))") in out
    assert (tmp_path / "traces" / "tour-01.jsonl").exists()
    assert main(["replay", str(tmp_path / "traces" / "tour-01.jsonl")]) == 1
