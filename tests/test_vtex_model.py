"""The VTEX model: pinned state spaces, exact findings, known-issue traces, seeded defects."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from ordercheck.checks.analysis import analyse
from ordercheck.checks.explore import explore
from ordercheck.checks.system import JointSystem
from ordercheck.checks.trace import load, replay
from ordercheck.model.vtex import build, documented, observed
from ordercheck.model.vtex.options import DOCUMENTED

SCENARIO = Path(__file__).parent.parent / "model" / "vtex" / "scenarios" / "ki-1004978.jsonl"


def check(workflow, delivery="fifo"):
    graph = explore(JointSystem(workflow, delivery=delivery))
    return graph, analyse(graph, workflow.properties)


# (variant, delivery) -> (states, transitions, max depth)
COUNTS = {
    ("documented", "fifo"): (105, 244, 18),
    ("documented", "unordered"): (132, 305, 20),
    ("documented", "duplicate"): (2519, 17892, 21),
    ("documented", "lossy"): (164, 456, 18),
    ("observed", "fifo"): (110, 249, 18),
    ("observed", "unordered"): (137, 309, 20),
    ("observed", "duplicate"): (3031, 21220, 23),
    ("observed", "lossy"): (167, 459, 18),
}


@pytest.mark.parametrize(("variant", "delivery"), sorted(COUNTS))
def test_state_space_is_pinned(variant, delivery):
    workflow = documented() if variant == "documented" else observed()
    graph = explore(JointSystem(workflow, delivery=delivery))
    assert graph.complete
    assert (graph.n_states, graph.n_edges, graph.max_depth) == COUNTS[variant, delivery]


def test_documented_fifo_holds_every_property():
    _, analysis = check(documented())
    assert [(f.severity, f.title) for f in analysis.findings] == [
        ("warning", "dead transition: marketplace: waiting-for-authorization "
                    "--seller_canceled--> window-to-change-seller"),
        ("warning", "dead transition: seller: waiting-for-manual-authorization "
                    "--cancel_requested--> cancel"),
    ]
    assert sorted(analysis.witnesses) == ["can-be-canceled", "can-be-invoiced",
                                          "decline-reaches-marketplace"]


def test_documented_dead_transitions_fire_once_messages_may_overtake():
    _, analysis = check(documented(), "unordered")
    assert not [f for f in analysis.findings if f.kind == "dead-transition"]


OBSERVED_ERRORS = [
    ("deadlock", "deadlock: marketplace request-cancel, seller cancellation-request-denied-ffm"),
    ("deadlock", "deadlock: marketplace invoiced, seller cancellation-request-denied-ffm"),
    ("deadlock", "deadlock: marketplace request-cancel, seller invoiced"),
    ("doomed", "doomed: marketplace payment-approved, seller cancellation-request-denied-ffm"),
    ("doomed", "doomed: marketplace request-cancel, seller invoiced"),
    ("doomed", "doomed: marketplace request-cancel, seller cancellation-request-denied-ffm"),
    ("doomed", "doomed: marketplace invoice, seller cancellation-request-denied-ffm"),
    ("invariant", "agree-at-quiescence violated"),
    ("invariant", "no-marketplace-invoiced-during-seller-cancellation violated"),
    ("action", "decline-only-when-both-await-decision violated by seller: seller.decline"),
    ("liveness", "cancellation-request-answered violated"),
]


def test_observed_reports_the_known_issues():
    _, analysis = check(observed())
    errors = [(f.kind, f.title) for f in analysis.findings if f.severity == "error"]
    assert errors == OBSERVED_ERRORS
    warnings = [f.title for f in analysis.findings if f.severity == "warning"]
    assert "unhandled message: invoice reaches marketplace in request-cancel" in warnings
    assert "unhandled message: cancel-request reaches seller in cancellation-request-denied-ffm" \
        in warnings


def events(graph, finding):
    labels = graph.system.labels
    return [labels[lab].describe() for lab, _ in finding.path[1:]]


ORDER_TO_WINDOW = [
    "platform: marketplace.complete_checkout",
    "platform: marketplace.ask_seller",
    "network delivers order-placed to seller",
    "platform: seller.confirm_order",
    "platform: seller.await_authorization",
    "network delivers order-confirmation to marketplace",
    "platform: marketplace.gateway_approves",
    "platform: marketplace.settle_approval",
]


def test_ki_1004978_stuck_seller_shortest_trace():
    graph, analysis = check(observed())
    finding = analysis.findings[0]
    assert events(graph, finding) == [
        *ORDER_TO_WINDOW,
        "network delivers authorize-fulfillment to seller",
        "platform: seller.open_window",
        "timer: seller.window_elapsed",
        "seller: seller.cancel",
        "seller: seller.decline",
        "customer-care: marketplace.care_cancels",
        "network delivers cancel-request to seller — ignored, no transition",
    ]


def test_ki_1400005_race_shortest_trace():
    graph, analysis = check(observed())
    finding = next(f for f in analysis.findings
                   if f.title == "deadlock: marketplace request-cancel, seller invoiced")
    assert events(graph, finding)[-4:] == [
        "seller: seller.cancel",
        "seller: seller.invoice",
        "network delivers cancel-request to seller — ignored, no transition",
        "network delivers invoice to marketplace — ignored, no transition",
    ]


def test_marketplace_invoiced_while_seller_stuck():
    graph, analysis = check(observed())
    finding = next(f for f in analysis.findings if f.property ==
                   "no-marketplace-invoiced-during-seller-cancellation")
    last = graph.system.state_view(graph.states[finding.state])
    assert (last["marketplace"], last["seller"]) == ("invoiced", "cancellation-request-denied-ffm")
    assert events(graph, finding)[-4:] == [
        "seller: seller.cancel", "seller: seller.decline",
        "seller: marketplace.seller_posts_invoice", "platform: marketplace.settle_invoice"]


def test_ki_1004978_simulation_replays_into_the_deadlock():
    """The known issue's own simulation steps 1-6, as a trace, end in finding 1's deadlock."""
    _, records = load(SCENARIO)
    system = JointSystem(observed())
    result = replay(system, records)
    assert result.ok, result.reason
    graph, _analysis = check(observed())
    end = result.steps[-1]
    assert end.status == {"marketplace": "request-cancel",
                          "seller": "cancellation-request-denied-ffm"}
    deadlocks = [i for i in range(graph.n_states) if graph.off[i] == graph.off[i + 1]
                 and not system.is_final(graph.states[i])]
    stuck = {(graph.system.state_view(graph.states[i])["marketplace"],
              graph.system.state_view(graph.states[i])["seller"]) for i in deadlocks}
    assert (end.status["marketplace"], end.status["seller"]) in stuck


def test_ki_1004978_simulation_is_rejected_by_the_documented_model():
    _, records = load(SCENARIO)
    result = replay(JointSystem(documented()), records)
    assert not result.ok
    assert result.failed_at == 17  # line of "seller.decline" (step 4 of the simulation)
    assert "decline" in result.reason


MUTANTS = {
    # switch turned off: (expected error findings as (kind, property))
    "no_decision_timer": [("liveness", "cancellation-request-answered")],
    "decline_checks_marketplace": [("action", "decline-only-when-both-await-decision")],
    "decline_restores_previous_status": [("history", "decline-restores-previous-status")],
    "decline_notifies_marketplace": [("liveness", "cancellation-request-answered"),
                                     ("witness", "decline-reaches-marketplace")],
    "invoiced_is_final": [("action", "final-statuses-absorbing"),
                          ("invariant", "agree-at-quiescence"),
                          ("invariant", "no-marketplace-invoiced-during-seller-cancellation")],
    "invoice_answers_cancel_request": [("deadlock", "no-deadlock"),
                                       ("doomed", "can-always-finish"),
                                       ("invariant", "agree-at-quiescence"),
                                       ("liveness", "cancellation-request-answered")],
}


@pytest.mark.parametrize("switch", sorted(MUTANTS))
def test_seeded_defect_is_caught(switch):
    mutant = build(replace(DOCUMENTED, **{switch: False}), name=f"mutant-{switch}")
    graph, analysis = check(mutant)
    # Without the deny endpoint's check the seller can decline again and again while the
    # marketplace has not processed the first denial: unbounded channel, so UNKNOWN elsewhere.
    assert graph.complete == (switch != "decline_checks_marketplace")
    errors = [(f.kind, f.property) for f in analysis.findings if f.severity == "error"]
    assert errors == MUTANTS[switch]
    for f in analysis.findings:
        if f.severity == "error" and f.kind != "witness":
            assert f.path and f.path[0] == (-1, 0)  # a trace from the initial state


def test_mutant_history_lost_trace_shows_handling_then_ready():
    mutant = build(replace(DOCUMENTED, decline_restores_previous_status=False))
    graph, analysis = check(mutant)
    (finding,) = [f for f in analysis.findings if f.severity == "error"]
    statuses = [graph.system.state_view(graph.states[i])["seller"] for _, i in finding.path]
    assert statuses[-4:] == ["handling", "cancellation-requested", "cancellation-requested",
                             "ready-for-handling"]


def test_exploration_is_deterministic():
    a, _ = check(observed(), "unordered")
    b, _ = check(observed(), "unordered")
    assert a.states == b.states
    assert list(a.succ) == list(b.succ)
