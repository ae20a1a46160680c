"""User models through the CLI: the documented two-party example, and the hand-known toys.

This is the path a user takes (``ordercheck check --model ...``), so everything goes through
``cli.main`` and is read back from the JSON report: exact state counts, exact findings
(severity, kind, title, count), exact traces and exit codes.  The engine-level counts of the
toys (``explore`` called directly) are in ``test_engine.py``; here they are the closed forms
of ``tests/toys.py``'s docstring, so a change to the toys or the engine that breaks the
documented arithmetic fails.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from ordercheck.checks.cli import main
from ordercheck.checks.explore import explore
from ordercheck.checks.system import DELIVERY_MODES, TransitionSystem

from .toys import n_sellers

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = "docs/examples/two_party.py"


def check(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    """Run ``ordercheck check ... --format json``; the exit code and the parsed report."""
    code = main(["check", *argv, "--format", "json", "--quiet"])
    return code, json.loads(capsys.readouterr().out)


def findings(report: dict[str, Any]) -> list[tuple[str, str, str, int]]:
    return [(f["severity"], f["kind"], f["title"], f["count"]) for f in report["findings"]]


def events(trace: list[dict[str, Any]]) -> list[str]:
    """A trace as its step events (the start record has none)."""
    return [step["event"] for step in trace if step["kind"] != "start"]


# -- the two-party example ---------------------------------------------------------------------

RACE = ["submit", "order", "pack", "lapse", "ship", "withdrawal", "confirmation", "shipment"]


def test_two_party_example_finds_the_race(capsys):
    code, report = check(capsys, "--model", f"{EXAMPLE}:workflow")
    assert code == 1
    assert (report["model"], report["verdict"], report["complete"]) == (
        "purchase-order", "VIOLATED", True)
    stats = report["stats"]
    assert (stats["states"], stats["edges"], stats["max_depth"], stats["final_states"]) == (
        23, 39, 8, 2)
    assert findings(report) == [
        ("error", "deadlock", "deadlock: buyer withdrawing, supplier shipped", 1),
        ("error", "doomed", "doomed: buyer withdrawing, supplier shipped", 5),
        ("warning", "unhandled-message",
         "unhandled message: shipment reaches buyer in withdrawing", 2),
        ("error", "invariant", "agree-when-settled violated", 1),
        ("error", "liveness", "withdrawal-answered violated", 8),
    ]
    deadlock, _, _, invariant, liveness = report["findings"]
    assert events(deadlock["trace"]) == RACE
    assert events(invariant["trace"]) == RACE
    assert events(liveness["trace"]) == RACE
    assert [s["ignored"] for s in deadlock["trace"][1:]] == [False] * 5 + [True, False, True]
    assert deadlock["trace"][-1]["status"] == {"buyer": "withdrawing", "supplier": "shipped"}
    assert list(report["witnesses"]) == ["can-be-received"]


def test_two_party_text_report_names_the_race(capsys):
    assert main(["check", "--model", f"{EXAMPLE}:workflow", "--quiet"]) == 1
    out = capsys.readouterr().out
    assert "purchase-order (delivery fifo)\n  23 states, 39 transitions, depth 8, 2 final" in out
    assert "4  timer     buyer.lapse" in out
    assert "8  network   deliver shipment -> buyer [ignored]" in out


def test_fixed_example_is_clean(capsys):
    code, report = check(capsys, "--model", f"{EXAMPLE}:fixed_workflow")
    assert code == 0
    assert (report["verdict"], report["stats"]["states"], report["stats"]["edges"]) == (
        "OK", 22, 39)
    assert findings(report) == []


@pytest.mark.parametrize(("cwd", "spec"), [
    (".", "docs/examples/two_party.py:workflow"),
    (".", "docs.examples.two_party:workflow"),
    ("docs/examples", "two_party:workflow"),
])
def test_documented_commands_work(capsys, monkeypatch, cwd, spec):
    """The three commands docs/examples/README.md gives, each from its stated directory."""
    monkeypatch.chdir(ROOT / cwd)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the CLI adds the cwd; undone after
    try:
        code, report = check(capsys, "--model", spec)
    finally:
        sys.modules.pop("two_party", None)
    assert (code, report["model"], report["stats"]["states"]) == (1, "purchase-order", 23)


# -- toys: hand-known graphs through the CLI ---------------------------------------------------

@pytest.mark.parametrize("delivery", DELIVERY_MODES)
def test_deadlock_toy_exact_finding_and_trace(capsys, delivery):
    code, report = check(capsys, "--model", "tests.toys:deadlock_toy", "--delivery", delivery)
    assert code == 1
    assert (report["stats"]["states"], report["stats"]["edges"]) == (3, 2)
    assert findings(report) == [("error", "deadlock", "deadlock: p b", 1)]
    (finding,) = report["findings"]
    assert events(finding["trace"]) == ["go"]
    assert [s["status"] for s in finding["trace"]] == [{"p": "a"}, {"p": "b"}]


def test_livelock_toy_exact_finding(capsys):
    code, report = check(capsys, "--model", "tests.toys:livelock_toy")
    assert code == 1
    assert (report["stats"]["states"], report["stats"]["edges"]) == (4, 4)
    assert report["stats"]["deadlock_states"] == 0
    assert findings(report) == [("error", "livelock", "livelock: p l1 | p l2", 2)]
    assert events(report["findings"][0]["trace"]) == ["stay"]


@pytest.mark.parametrize(("delivery", "states", "edges"), [
    ("fifo", 4, 3), ("unordered", 4, 3), ("duplicate", 8, 17), ("lossy", 6, 5)])
def test_ping_pong_counts_through_the_cli(capsys, delivery, states, edges):
    code, report = check(capsys, "--model", "tests.toys:ping_pong", "--delivery", delivery)
    assert (report["stats"]["states"], report["stats"]["edges"]) == (states, edges)
    assert code == (1 if delivery == "lossy" else 0)  # a lost message strands the sender


@pytest.mark.parametrize("cap", [1, 2, 3])
def test_max_states_below_the_space_is_unknown(capsys, cap):
    code, report = check(capsys, "--model", "tests.toys:ping_pong", "--max-states", str(cap))
    assert (report["verdict"], report["complete"], report["bounds_hit"]) == (
        "UNKNOWN", False, ["max-states"])
    assert report["stats"]["states"] == cap
    assert findings(report) == []
    assert code == 3


def test_max_states_equal_to_the_space_is_no_bound(capsys):
    code, report = check(capsys, "--model", "tests.toys:ping_pong", "--max-states", "4")
    assert (code, report["verdict"], report["bounds_hit"]) == (0, "OK", [])


def test_an_unexpanded_state_is_not_a_deadlock(capsys):
    """The deadlock toy's deadlock (state 1) is discovered but, cut off by the bound before
    being expanded, not reported: nobody knows it has no successors.  So: UNKNOWN, exit 3."""
    code, report = check(capsys, "--model", "tests.toys:deadlock_toy", "--max-states", "2")
    assert (report["verdict"], report["bounds_hit"], report["stats"]["states"]) == (
        "UNKNOWN", ["max-states"], 2)
    assert findings(report) == []
    assert code == 3


def test_unknown_through_a_zero_argument_callable(capsys):
    """``--model module:attr`` calls a function: ``two_sellers`` stands for n_sellers(2)."""
    code, report = check(capsys, "--model", "tests.toys:two_sellers", "--max-states", "50")
    assert (code, report["verdict"], report["stats"]["states"]) == (3, "UNKNOWN", 50)
    code, report = check(capsys, "--model", "tests.toys:two_sellers")
    assert (code, report["verdict"], report["stats"]["states"]) == (0, "OK", 99)


# -- toys: the closed forms in tests/toys.py -------------------------------------------------

CLOSED_FORMS = {
    "fifo": (lambda n: 1 + 2 * 7**n, lambda n: 1 + (2 * n + 1) * 7**n),
    "unordered": (lambda n: 1 + 2 * 7**n, lambda n: 1 + (2 * n + 1) * 7**n),
    "lossy": (lambda n: 1 + 2 * 8**n, lambda n: 1 + 4 * (5 * n + 2) * 8 ** (n - 1)),
    "duplicate": (lambda n: 1 + 2 * 13**n, lambda n: 1 + (60 * n + 13) * 13 ** (n - 1)),
}


@pytest.mark.parametrize("delivery", DELIVERY_MODES)
@pytest.mark.parametrize("n", [1, 2, 3])
def test_n_sellers_matches_its_closed_form(delivery, n):
    states, edges = CLOSED_FORMS[delivery]
    graph = explore(TransitionSystem(n_sellers(n), delivery=delivery))
    assert (graph.n_states, graph.n_edges) == (states(n), edges(n))
