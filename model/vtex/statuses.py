"""Every VTEX status id a feed or hook consumer may meet, and what the model says about it.

A feed/hook consumer of the two orders sees more status ids than the model's charts hold
(REF §1: the FromWorkflow filter list, plus ids found only in a guide or a known issue).
A later log checker must tell three cases apart: a status the model has (check it), a status
VTEX documents but outside the marketplace × seller flow modelled here (say "known status,
not modelled" and why), and a string no document knows (an error, as before).  The reasons
below quote where the reference (REF) found each id.
"""

from __future__ import annotations

from enum import Enum
from functools import cache

from .workflow import observed


class StatusKind(Enum):
    """What the model knows about a status id."""

    MODELLED = "modelled"
    KNOWN_OUTSIDE_FLOW = "known outside the modelled flow"
    UNKNOWN = "unknown"


#: Documented status ids the model leaves out, each with the reason (REF §1 table, §6).
KNOWN_OUTSIDE_FLOW: dict[str, str] = {
    "order-completed": "appears only in Feed v3 configuration examples, not in the FromWorkflow "
                       "filter list (REF §1, FEED)",
    "waiting-for-order-authorization": "order-authorization rules of the marketplace (ESTAB; "
                                       "FEEDCFG), an optional step before the two orders talk",
    "window-to-change-payment": "payment change (OFS); no seller message depends on it",
    "waiting-ffmt-authorization": "OFS: the seller order 'awaiting the marketplace "
                                  "authorization', the same wait the model calls "
                                  "waiting-for-manual-authorization (REF §1 happy path: 'or'); "
                                  "which of the two a VTEX seller shows is not stated",
    "waiting-for-fulfillment": "WMS stores only (OFS)",
    "release-to-fulfillment": "only in the My Account stage-3 list of OVW",
    "waiting-for-mkt-authorization": "chain orders (OFS), a third account",
    "waiting-seller-handling": "multilevel omnichannel main account (OFS), a third account",
    "ready-for-invoicing": "pick-and-pack stores (OFS)",
    "invoice-after-cancellation-deny": "no English definition; ESTAB lists it between handling "
                                       "and order-accepted; probably the C6 invoice that answers "
                                       "a request (REF §6 q. 4): side and successor unknown",
    "cancellation-request-denied": "only in OCI step 7 ('payment-approved and "
                                   "cancellation-request-denied status' webhooks); side, "
                                   "duration and successor undocumented (REF §6 q. 4); the "
                                   "model's marketplace returns to payment-approved (DCL)",
    "replaced": "order replacement (ESTAB; FEEDCFG): a new order, a third instance",
    "order-create-error": "creation error before the flow starts (ESTAB; FEEDCFG; KI-1089344)",
    "order-creation-error": "creation error before the flow starts (ESTAB; FEEDCFG)",
    "payment-denied": "third-party constant; OFS's 'Payment denied' has no API id and goes to "
                      "cancel, modelled as marketplace.gateway_denies",
}

#: Other spellings of modelled statuses found in VTEX material (REF §6 q. 12).
ALIASES: dict[str, str] = {
    "waiting-for-sellers-confirmation": "waiting-for-authorization",  # List orders f_status
}


@cache
def modelled_statuses() -> frozenset[str]:
    """Status ids of both charts of the ``observed`` variant (a superset of ``documented``)."""
    values: set[str] = set()
    for party in observed().parties:
        values.update(s.value for s in party.chart.states_map.values()
                      if not getattr(s, "states", None))
    return frozenset(values)


def classify(status_id: str) -> StatusKind:
    """What the model knows about ``status_id`` (aliases count as modelled)."""
    if status_id in modelled_statuses() or status_id in ALIASES:
        return StatusKind.MODELLED
    if status_id in KNOWN_OUTSIDE_FLOW:
        return StatusKind.KNOWN_OUTSIDE_FLOW
    return StatusKind.UNKNOWN
