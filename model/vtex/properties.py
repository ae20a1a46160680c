"""The order-workflow property catalogue, applied to the VTEX model.

Each property is a plain-language sentence plus a predicate; the names are what reports,
tests and ``--property`` filters use.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from ordercheck.checks.properties import (
    Always,
    AlwaysStep,
    JointView,
    LeadsTo,
    NeverAfter,
    Property,
    Sometimes,
    SometimesStep,
    StepView,
)

from .pairs import Pair

M, S = "marketplace", "seller"
OUTCOMES = {"invoiced": "invoiced", "canceled": "canceled"}
SELLER_CANCELLATION = {"cancellation-requested", "cancellation-request-denied-ffm", "cancel",
                       "canceled"}
PENDING_REQUEST = {"request-cancel", "waiting-for-seller-decision"}
#: Seller statuses up to and including the cancellation window (GRACE: the grace period
#: starts at payment approval, so a request made before the window opened is inside it).
INSIDE_WINDOW = {"null", "on-order-completed-ffm", "order-accepted",
                 "waiting-for-manual-authorization", "authorize-fulfillment", "window-to-cancel"}


def _absorbing(s: StepView) -> bool:
    return all(s.before.status[p] not in OUTCOMES or s.after.status[p] == s.before.status[p]
               for p in (M, S))


def _agree(v: JointView) -> bool:
    if not v.quiescent:
        return True
    outcome = {p: OUTCOMES.get(v.status[p]) for p in (M, S)}
    if outcome[M] and outcome[S]:
        return outcome[M] == outcome[S]
    return outcome[M] is None and outcome[S] is None


def _accepted(s: StepView) -> bool:
    """The seller canceled while a cancellation was requested of it (accept or auto-cancel)."""
    return s.party == S and s.after.status[S] == "cancel" and (
        s.before.status[S] == "cancellation-requested" or s.label.message == "cancel-request")


def _invoices(s: StepView) -> bool:
    return s.entered(M, "invoiced") or s.entered(S, "invoiced")


def _requested_inside_window(s: StepView) -> bool:
    """The marketplace sends a cancel request while the seller order is inside the window."""
    return (s.party == M and s.entered(M, "request-cancel")
            and s.before.status[S] in INSIDE_WINDOW)


def _declined(s: StepView) -> bool:
    return s.party == S and s.event == "decline"


def _decline_from_right_status(s: StepView) -> bool:
    if not (s.party == S and s.event == "decline"):
        return True
    return (s.before.status[M] == "waiting-for-seller-decision"
            and s.before.status[S] == "cancellation-requested")


def catalogue() -> tuple[Property, ...]:
    return (
        AlwaysStep(
            name="final-statuses-absorbing",
            description="Invoiced and canceled orders never change status again.",
            cite="HTC; CUST; API invoice", holds=_absorbing),
        Always(
            name="agree-at-quiescence",
            description="With no message in flight and no timer armed, both orders are final "
                        "with the same outcome, or both are still live.",
            cite="REF §2.3 (both sides see the same cancellationData)", holds=_agree),
        NeverAfter(
            name="no-invoice-after-accepted-cancellation",
            description="Once the seller accepted a cancellation, no order is invoiced.",
            cite="DCL; OCI", after=_accepted, then=_invoices),
        Always(
            name="no-marketplace-invoiced-during-seller-cancellation",
            description="The marketplace never reaches invoiced while the seller order is in a "
                        "cancellation status.",
            cite="KI-1004978",
            holds=lambda v: not (v[M] == "invoiced" and v[S] in SELLER_CANCELLATION)),
        AlwaysStep(
            name="decline-only-when-both-await-decision",
            description="A seller decline happens only with the marketplace in "
                        "waiting-for-seller-decision and the seller in cancellation-requested.",
            cite="DCL step 4 note; OCI deny endpoint 400", holds=_decline_from_right_status),
        NeverAfter(
            name="in-window-cancel-never-declined",
            description="A cancellation requested inside the cancellation window is never "
                        "declined: the order is canceled automatically.",
            cite="DCL step 3 and intro ('Except for that period, the seller can decline'); "
                 "CUST ('automatically canceled without needing the store's authorization')",
            after=_requested_inside_window, then=_declined),
        NeverAfter(
            name="decline-restores-previous-status",
            description="A seller who was handling when the request came back to handling "
                        "after declining it, not to ready-for-handling.",
            cite="DCL ('ready for handling or handling, depending on which was the status "
                 "before the cancel request')",
            after=lambda s: s.before.status[S] == "handling"
            and s.after.status[S] == "cancellation-requested",
            then=lambda s: s.event == "decline" and s.entered(S, "ready-for-handling")),
        LeadsTo(
            name="cancellation-request-answered",
            description="Every cancellation request is eventually answered: the marketplace "
                        "leaves request-cancel / waiting-for-seller-decision.",
            cite="DCL (30 days); OCI",
            trigger=lambda v: v[M] in PENDING_REQUEST,
            response=lambda v: v[M] not in PENDING_REQUEST),
        Sometimes(
            name="can-be-invoiced", description="Some order ends invoiced on both sides.",
            cite="OFS", holds=lambda v: v[M] == "invoiced" and v[S] == "invoiced"),
        Sometimes(
            name="can-be-canceled", description="Some order ends canceled on both sides.",
            cite="OFS", holds=lambda v: v[M] == "canceled" and v[S] == "canceled"),
        SometimesStep(
            name="decline-reaches-marketplace",
            description="A seller's decline can reach the marketplace, which moves on.",
            cite="DCL steps 5-6",
            holds=lambda s: s.label.message == "cancellation-denied"
            and s.after.status[M] == "payment-approved"),
    )


#: How the group states the pair properties it quantifies (the predicates are the same).
GROUP_WORDING = {
    "agree-at-quiescence": "With no message in flight and no timer armed, the two orders of "
                           "every pair are final with the same outcome, or both still live.",
    "no-marketplace-invoiced-during-seller-cancellation":
        "No marketplace order reaches invoiced while its seller order is in a cancellation "
        "status.",
    "decline-only-when-both-await-decision":
        "A seller decline happens only with its marketplace order in "
        "waiting-for-seller-decision and the seller in cancellation-requested.",
    "can-be-invoiced": "Some pair ends invoiced on both sides.",
    "can-be-canceled": "Some pair ends canceled on both sides.",
    "decline-reaches-marketplace": "A seller's decline can reach its marketplace order, which "
                                   "moves on.",
}


def group_catalogue(pairs: Sequence[Pair], messages: Sequence[str]) -> tuple[Property, ...]:
    """The catalogue for an order group: each state and step property of :func:`catalogue`,
    stated once for every pair (``each``: the roles ``marketplace``, ``seller`` and the
    pair's ``messages`` bound to the pair's names), plus change-seller's witness.  One
    property per name for all pairs, so the group's properties are as interchangeable as
    its pairs (symmetry reduction needs it).

    Left out: the three ``NeverAfter`` properties and ``cancellation-request-answered``
    (``LeadsTo``): the engine quantifies state and step properties only (a history or a
    liveness property per pair needs the product with a monitor per pair).  The two-party
    model (``sellers=1``) checks them all.
    """
    each = tuple({M: p.marketplace, S: p.seller, **{m: p.m(m) for m in messages}}
                 for p in pairs)
    quantified = tuple(
        replace(prop, each=each, description=GROUP_WORDING.get(prop.name, prop.description))
        for prop in catalogue()
        if isinstance(prop, Always | AlwaysStep | Sometimes | SometimesStep))
    return (*quantified,
            SometimesStep(
                name="seller-can-be-changed",
                description="A marketplace order can change its seller after the seller "
                            "canceled.",
                cite="CHSELL; REF C7",
                holds=lambda s: s.event == "change_seller", each=each))
