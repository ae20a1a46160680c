"""The conformance harness, proved on implementations made from the model itself."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from ordercheck.checks.cli import main
from ordercheck.checks.conformance.session import ConformanceModel
from ordercheck.checks.conformance.stateful import run_stateful
from ordercheck.checks.conformance.tour import cases, run_tour
from ordercheck.checks.conformance.vectors import run_vector, vectors
from ordercheck.checks.explore import explore
from ordercheck.checks.system import TransitionSystem
from ordercheck.model.vtex import documented

from .adapters import DocumentedImpl, FullControlImpl, ObservedImpl

SCHEMA = Path(__file__).parent.parent / "checks" / "schemas" / "vector.schema.json"


@pytest.fixture(scope="module")
def graph():
    return explore(TransitionSystem(documented()))


def test_tour_plans_one_finished_case_per_joint_context(graph):
    model = ConformanceModel(graph, frozenset({"platform"}))
    suite = cases(model)
    assert (len(model.targets.targets), len(suite)) == (104, 68)
    assert sum(len(c.commands) for c in suite) == 571
    assert set().union(*(c.covers for c in suite)) == set(model.targets.reachable())
    # every case finishes the story: nothing is left in flight at its planned end
    assert all(not model.tracker.in_flight(c.states[-1]) for c in suite)
    full = ConformanceModel(graph, frozenset())
    assert (len(full.targets.targets), len(cases(full))) == (221, 129)


def test_conforming_implementation_passes_with_full_coverage(graph):
    model = ConformanceModel(graph, frozenset({"platform"}))
    tour = run_tour(model, DocumentedImpl)
    assert (tour.passed, tour.failures, tour.errors) == (68, [], [])
    required = model.targets.drivable(tour.visited)
    assert (len(required), len(required - tour.covered_targets)) == (101, 0)
    outcome = run_stateful(model, DocumentedImpl, budget=30, seed=1)
    assert outcome.failure is None and outcome.error is None


def test_full_control_implementation_passes_the_tour(graph):
    model = ConformanceModel(graph, frozenset())
    tour = run_tour(model, FullControlImpl)
    assert tour.passed == 129
    assert tour.covered_targets == set(model.targets.reachable())


def test_an_implementation_that_never_takes_its_own_steps_is_caught(graph):
    """Declared automatic but never moving by itself: the settled-state oracle names the
    step it owes (before it, "not yet" and "never" looked the same)."""
    tour = run_tour(ConformanceModel(graph, frozenset({"platform"})), FullControlImpl)
    assert tour.passed == 0
    assert str(tour.failures[0][1]) == (
        "step 0 (fresh order) the implementation settled showing {marketplace: "
        "order-created, seller: null} but owes its own step: platform: "
        "marketplace.complete_checkout")


def test_production_behaviour_is_caught_by_the_tour(graph):
    model = ConformanceModel(graph, frozenset({"platform"}))
    tour = run_tour(model, ObservedImpl)
    assert tour.passed == 60
    reasons = {str(div).split(": ", 1)[1] for _, div in tour.failures}
    assert reasons == {
        "the implementation accepted seller.decline, which the model forbids here (statuses "
        "{marketplace: payment-approved, seller: cancellation-requested})",
        # KI-1400005: the invoice that overtakes the cancel request is dropped
        "the implementation shows {marketplace: request-cancel, seller: invoiced}; the model "
        "expects {marketplace: invoice, seller: invoiced} or {marketplace: invoiced, seller: "
        "invoiced}",
    }


def test_production_behaviour_is_caught_by_hypothesis_with_a_short_replayable_trace(
        graph, tmp_path, capsys):
    model = ConformanceModel(graph, frozenset({"platform"}))
    header = {"model_spec": "ordercheck.model.vtex:documented", "delivery": "fifo"}
    outcome = run_stateful(model, ObservedImpl, budget=200, seed=0, header=header)
    assert outcome.failure is not None
    assert len(outcome.failure.session.history) <= 12
    path = tmp_path / "failure.jsonl"
    path.write_text(outcome.trace)
    lines = path.read_text().splitlines()
    assert main(["replay", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"REJECTED at {path}:{len(lines)}" in out


def test_hypothesis_is_deterministic_per_seed(graph):
    model = ConformanceModel(graph, frozenset({"platform"}))
    a = run_stateful(model, ObservedImpl, budget=200, seed=0)
    b = run_stateful(model, ObservedImpl, budget=200, seed=0)
    assert a.trace == b.trace


def test_vectors_validate_and_pass_on_a_full_control_implementation(graph):
    vecs = vectors(graph, "vtex-documented")
    assert len(vecs) == 129
    schema = json.loads(SCHEMA.read_text())
    for v in vecs:
        jsonschema.validate(v, schema)
    impl = FullControlImpl()
    assert [run_vector(impl, v) for v in vecs] == [None] * 129


def test_vectors_at_settled_points_replay_literally_on_an_automatic_implementation(graph):
    from docs.examples.vtex_oms.reference import ReferenceOMS

    vecs = vectors(graph, "vtex-documented", frozenset({"platform"}))
    assert len(vecs) == 68
    schema = json.loads(SCHEMA.read_text())
    for v in vecs:
        jsonschema.validate(v, schema)
    impl = ReferenceOMS()
    assert [run_vector(impl, v) for v in vecs] == [None] * 68
    # end-of-life probes: an invoice where the story ended (canceled, invoiced) is refused
    invoice = {"kind": "fire", "party": "seller", "event": "invoice"}
    assert sum(invoice in v["final_must_reject"] for v in vecs) == 58
    canceled = [v for v in vecs if v["steps"][-1]["expect"]["seller"] == "canceled"]
    assert canceled and all(invoice in v["final_must_reject"] for v in canceled)


def test_vectors_catch_production_behaviour(graph):
    from ordercheck.checks.conformance.model_adapter import ModelAdapter
    from ordercheck.model.vtex import observed

    impl = ModelAdapter(observed(), frozenset())
    failures = [r for r in (run_vector(impl, v) for v in vectors(graph, "x")) if r]
    reasons = {r.split(": ", 1)[1] for r in failures}
    assert reasons == {"accepted forbidden seller.decline",
                       "got {'marketplace': 'request-cancel', 'seller': 'invoiced'}, expected "
                       "{'marketplace': 'invoice', 'seller': 'invoiced'}"}


def test_vectors_command_is_deterministic(tmp_path, capsys):
    assert main(["vectors", "--out", str(tmp_path / "a")]) == 0
    assert main(["vectors", "--out", str(tmp_path / "b")]) == 0
    capsys.readouterr()
    a = (tmp_path / "a" / "vectors.jsonl").read_bytes()
    assert a == (tmp_path / "b" / "vectors.jsonl").read_bytes()


def test_conform_cli_exit_codes(capsys, tmp_path):
    assert main(["conform", "--adapter", "python:tests.adapters:DocumentedImpl",
                 "--budget", "20"]) == 0
    assert "verdict: CONFORMS" in capsys.readouterr().out
    assert main(["conform", "--adapter", "python:tests.adapters:ObservedImpl",
                 "--no-hypothesis", "--out", str(tmp_path)]) == 1
    report = json.loads((tmp_path / "conformance.json").read_text())
    assert report["verdict"] == "NONCONFORMING"
    # one root cause reported once, with the number of cases it broke
    assert [f["cases_broken"] for f in report["tour"]["failures"]] == [2, 6]
    assert main(["conform", "--adapter", "python:tests.adapters:Nope"]) == 2


def test_uncovered_targets_make_the_verdict_inconclusive(capsys, tmp_path):
    """Refusing a *may* command conforms, but what it leaves unexercised is not a pass."""
    adapter = "python:tests.adapters:RefusesMayTimeout"
    assert main(["conform", "--adapter", adapter, "--no-hypothesis",
                 "--out", str(tmp_path)]) == 3
    out = capsys.readouterr().out
    assert "  coverage targets: 94/101 (93.1%); 3 more behind choices the implementation " \
           "never made\n" in out
    assert "    uncovered: seller: waiting-for-manual-authorization --authorization_timeout--> " \
           "cancel (from waiting-for-manual-authorization) when {marketplace: " \
           "payment-approved, seller: waiting-for-manual-authorization}; in flight: " \
           "marketplace->seller:authorize-fulfillment\n" in out
    assert "  verdict: INCONCLUSIVE (7 coverage target(s) not covered)\n" in out
    report = json.loads((tmp_path / "conformance.json").read_text())
    assert (report["verdict"], len(report["coverage"]["targets"]["missed"])) == (
        "INCONCLUSIVE", 7)
    assert main(["conform", "--adapter", adapter, "--no-hypothesis",
                 "--min-coverage", "90"]) == 0
    assert "verdict: CONFORMS" in capsys.readouterr().out
    assert main(["conform", "--adapter", adapter, "--min-coverage", "0"]) == 2


def test_automatic_may_name_single_events(graph):
    """The gateway exposed as a command: its denial branch becomes drivable and covered."""
    from .adapters import PLATFORM_BUT_GATEWAY, GatewayAsCommand

    model = ConformanceModel(graph, PLATFORM_BUT_GATEWAY)
    tour = run_tour(model, GatewayAsCommand)
    assert (tour.passed, tour.failures, tour.errors) == (tour.cases, [], [])
    required = model.targets.drivable(tour.visited)
    assert required == model.targets.reachable()
    assert required <= tour.covered_targets
    assert (len(required), tour.cases) == (115, 75)


def test_vectors_run_exit_codes(tmp_path, capsys):
    assert main(["vectors", "--out", str(tmp_path)]) == 0
    vecs = str(tmp_path / "vectors.jsonl")
    assert main(["vectors", "run", "--adapter",
                 "python:docs.examples.vtex_oms.reference:ReferenceOMS", "--vectors", vecs]) == 0
    assert capsys.readouterr().out.endswith("68/68 vectors passed\n")
    assert main(["vectors", "run", "--adapter",
                 "python:docs.examples.vtex_oms.buggy:InvoiceWrongOnSecondRoute",
                 "--vectors", vecs]) == 1
    assert capsys.readouterr().out.endswith("64/68 vectors passed\n")
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert main(["vectors", "run", "--adapter", "python:tests.adapters:DocumentedImpl",
                 "--vectors", str(empty)]) == 3
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "v001"}\n')
    assert main(["vectors", "run", "--adapter", "python:tests.adapters:DocumentedImpl",
                 "--vectors", str(bad)]) == 2
    assert f"{bad}:1: not a vector" in capsys.readouterr().err
    # vectors written for no automatic actor do not fit an implementation that has some
    assert main(["vectors", "--automatic", "", "--out", str(tmp_path / "full")]) == 0
    assert main(["vectors", "run", "--adapter", "python:tests.adapters:DocumentedImpl",
                 "--vectors", str(tmp_path / "full" / "vectors.jsonl")]) == 2


@pytest.mark.skipif(shutil.which("node") is None, reason="node not installed")
def test_reference_vector_runner_in_node(tmp_path):
    assert main(["vectors", "--out", str(tmp_path)]) == 0
    done = subprocess.run(["node", "docs/examples/vectors-runner/run_vectors.js",
                           str(tmp_path / "vectors.jsonl"), "node",
                           "docs/examples/node-adapter/oms.js"],
                          capture_output=True, text=True, timeout=120, check=False)
    assert (done.returncode, done.stdout) == (0, "68/68 vectors passed\n")
