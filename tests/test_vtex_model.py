"""The VTEX model: pinned state spaces, exact findings, known-issue traces, seeded defects."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from ordercheck.checks.analyses import analyse
from ordercheck.checks.explore import explore
from ordercheck.checks.system import TransitionSystem
from ordercheck.checks.trace import load, replay
from ordercheck.model.vtex import build, documented, observed
from ordercheck.model.vtex.options import DOCUMENTED

from . import mutants

SCENARIO = Path(__file__).parent.parent / "model" / "vtex" / "scenarios" / "ki-1004978.jsonl"


def check(workflow, delivery="fifo"):
    graph = explore(TransitionSystem(workflow, delivery=delivery))
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
    graph = explore(TransitionSystem(workflow, delivery=delivery))
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
    system = TransitionSystem(observed())
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
    result = replay(TransitionSystem(documented()), records)
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
    """Each seeded defect (tests/mutants.py patches the model's source; the KI-1400005
    switch is a real option of the model) is caught by exactly the expected findings."""
    mutant = (build(replace(DOCUMENTED, **{switch: False}), name=f"mutant-{switch}")
              if switch == "invoice_answers_cancel_request" else mutants.mutant(switch))
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
    graph, analysis = check(mutants.mutant("decline_restores_previous_status"))
    (finding,) = [f for f in analysis.findings if f.severity == "error"]
    statuses = [graph.system.state_view(graph.states[i])["seller"] for _, i in finding.path]
    assert statuses[-4:] == ["handling", "cancellation-requested", "cancellation-requested",
                             "ready-for-handling"]


def test_exploration_is_deterministic():
    a, _ = check(observed(), "unordered")
    b, _ = check(observed(), "unordered")
    assert a.states == b.states
    assert list(a.succ) == list(b.succ)


# -- issue 11: the documents' promises, may/must, statuses -----------------------------------

from ordercheck.checks.chart import compile_chart  # noqa: E402
from ordercheck.model.vtex import documented_receipt_clock, observed_receipt_clock  # noqa: E402
from ordercheck.model.vtex.statuses import (  # noqa: E402
    KNOWN_OUTSIDE_FLOW,
    StatusKind,
    classify,
    modelled_statuses,
)

IN_WINDOW = "in-window-cancel-never-declined"


@pytest.mark.parametrize("make", [documented, observed])
@pytest.mark.parametrize("delivery", ["fifo", "unordered", "duplicate", "lossy"])
def test_request_clock_keeps_the_in_window_promise(make, delivery):
    _, analysis = check(make(), delivery)
    assert IN_WINDOW not in {f.property for f in analysis.findings}


@pytest.mark.parametrize("make", [documented_receipt_clock, observed_receipt_clock])
def test_receipt_clock_breaks_the_in_window_promise(make):
    """A finding about the documents: read by the seller's clock, a cancel made before the
    window opened can reach the seller after it closed and be declined (15 steps)."""
    graph, analysis = check(make())
    (finding,) = [f for f in analysis.findings if f.property == IN_WINDOW]
    assert finding.severity == "error"
    assert events(graph, finding) == [
        *ORDER_TO_WINDOW,
        "customer-care: marketplace.care_cancels",
        "network delivers authorize-fulfillment to seller",
        "platform: seller.open_window",
        "timer: seller.window_elapsed",
        "network delivers cancel-request to seller",
        "network delivers cancellation-request-received to marketplace",
        "seller: seller.decline",
    ]


def reachable_pairs(workflow, delivery="fifo"):
    graph = explore(TransitionSystem(workflow, delivery=delivery))
    views = [graph.system.state_view(s) for s in graph.states]
    return graph, {(v["marketplace"], v["seller"]) for v in views}


def test_in_window_cancel_passes_through_waiting_for_seller_decision():
    """DCL step 2 before step 3; APIPII timeline request-cancel -> waiting-for-seller-decision
    -> cancel."""
    _, pairs = reachable_pairs(documented())
    assert ("waiting-for-seller-decision", "window-to-cancel") not in pairs  # seller moved on
    assert ("waiting-for-seller-decision", "cancel") in pairs
    _, analysis = check(documented())
    assert not [f for f in analysis.findings if f.severity == "error"]


def test_own_request_refusal_only_without_a_marketplace_request():
    """KI-1004978 concerns the seller's own request: declining the marketplace's request never
    lands in cancellation-request-denied-ffm."""
    _, pairs = reachable_pairs(observed(), "unordered")
    stuck_while_asked = {m for m, s in pairs if s == "cancellation-request-denied-ffm"}
    assert "waiting-for-seller-decision" not in stuck_while_asked


@pytest.mark.parametrize("delivery", ["fifo", "unordered"])
def test_marketplace_cancel_before_approval_reaches_the_seller(delivery):
    graph = explore(TransitionSystem(documented(), delivery=delivery))
    for s in graph.states:
        v = graph.system.state_view(s)
        if v["marketplace"] in ("cancel", "canceled") and \
                v["seller"] == "waiting-for-manual-authorization":
            assert "marketplace->seller:marketplace-cancellation" in graph.system.in_flight(s)


def test_seller_cancel_before_approval_opens_the_change_seller_window():
    """CHSELL: the marketplace gets a window to choose a new seller (not a direct cancel)."""
    _, pairs = reachable_pairs(documented())
    assert ("window-to-change-seller", "canceled") in pairs


def transitions(workflow):
    return [t for p in workflow.parties for t in compile_chart(p.name, p.chart).transitions]


MAY = {  # documented variant: every inferred transition, with the start of its reason
    "marketplace: waiting-for-authorization --seller_canceled--> window-to-change-seller":
        "only when the seller's cancellation overtakes its confirmation",
    "marketplace: payment-pending --seller_canceled--> window-to-change-seller":
        "CHSELL allows a seller change in payment-pending",
    "marketplace: request-cancel --cancellation_acknowledged--> waiting-for-seller-decision":
        "the marketplace leaves request-cancel",
    "marketplace: request-cancel --seller_canceled--> cancel":
        "only when the seller's cancellation overtakes its acknowledgement",
    "marketplace: request-cancel --invoice_received--> invoice":
        "HTC's 'simply enter the invoice'",
    "seller: waiting-for-manual-authorization --authorization_timeout--> cancel":
        "OFS states the 30-day rule on authorize-fulfillment",
    "seller: waiting-for-manual-authorization --marketplace_canceled--> cancel":
        "no document says how the seller order learns",
    "seller: waiting-for-manual-authorization --cancel_requested--> cancel":
        "only when the request overtakes the authorization message",
    "seller: waiting-for-manual-authorization --cancel--> cancel":
        "HTC describes the two-click cancel only",
    "seller: window-to-cancel --cancel--> cancel": "HTC describes the two-click cancel only",
    "seller: cancellation-requested --cancel_requested--> cancellation-requested":
        "a request that meets the seller's own pending request joins it",
    "seller: cancellation-requested --decision_timeout--> cancel":
        "DCL's 30-day rule speaks of a cancellation request by the customer",
}


def test_every_transition_is_must_or_may_with_its_reason():
    trs = transitions(documented())
    may = {t.label: t.meta.inferred for t in trs if not t.meta.documented}
    assert sorted(may) == sorted(MAY)
    for label, reason in may.items():
        assert reason.startswith(MAY[label]), label
    assert len(trs) - len(may) == 36  # must
    for t in trs:
        assert t.meta.cite and "[INF]" not in t.meta.cite, t.label  # inference lives in may


def test_statuses_are_modelled_known_outside_or_unknown():
    assert classify("cancellation-requested") is StatusKind.MODELLED
    assert classify("waiting-for-sellers-confirmation") is StatusKind.MODELLED  # alias
    for status in ("cancellation-request-denied", "invoice-after-cancellation-deny",
                   "waiting-ffmt-authorization"):
        assert classify(status) is StatusKind.KNOWN_OUTSIDE_FLOW
    assert classify("cancelled") is StatusKind.UNKNOWN  # third-party spelling: still an error
    assert not modelled_statuses() & set(KNOWN_OUTSIDE_FLOW)
    feed_filter = [  # REF §1: the FromWorkflow filter list (FEEDCFG)
        "order-created", "on-order-completed", "on-order-completed-ffm", "payment-pending",
        "waiting-for-order-authorization", "approve-payment", "payment-approved",
        "request-cancel", "waiting-for-seller-decision", "waiting-ffmt-authorization",
        "waiting-for-authorization", "waiting-for-manual-authorization",
        "authorize-fulfillment", "order-create-error", "order-creation-error",
        "window-to-cancel", "window-to-change-seller", "waiting-for-mkt-authorization",
        "waiting-seller-handling", "ready-for-handling", "start-handling", "handling",
        "invoice-after-cancellation-deny", "order-accepted", "invoice", "invoiced", "replaced",
        "cancellation-requested", "cancel", "canceled"]
    assert [s for s in feed_filter if classify(s) is StatusKind.UNKNOWN] == []


def test_every_citation_tag_is_a_known_source():
    import re

    from ordercheck.model.vtex.sources import SOURCES

    for wf in (documented(), observed()):
        cites = [t.meta.cite for t in transitions(wf)] + [m.cite for m in wf.messages] \
            + [t.cite for t in wf.timers] + [p.cite for p in wf.properties]
        tags = {tag for c in cites
                for tag in re.findall(r"\b(KI-\d+|[A-Z]{2,}[A-Z0-9]*)\b", c)} - {"INF"}
        assert tags <= set(SOURCES), sorted(tags - set(SOURCES))


def test_a_mutant_whose_patch_no_longer_applies_fails_loudly(tmp_path, monkeypatch):
    """A model edit that moves a patched line must not silently test the unmutated model."""
    monkeypatch.setitem(mutants.PATCHES, "stale", [("seller.py", "no such text", "x")])
    with pytest.raises(mutants.PatchDoesNotApply, match=r"seller\.py has 0 copies"):
        mutants.patched_package("stale", tmp_path)


def test_the_shipped_model_has_no_seeded_defect_switch():
    from ordercheck.model.vtex.options import Options

    assert not {"no_decision_timer", "decline_checks_marketplace", "invoiced_is_final",
                "decline_restores_previous_status", "decline_notifies_marketplace"} & set(
        Options.__dataclass_fields__)
