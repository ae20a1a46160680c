"""Variation points of the VTEX model.

The two shipped variants are presets of these switches (:data:`DOCUMENTED`,
:data:`OBSERVED`); the window clock is the reading the documents leave open.  Seeded-defect
models (mutants) are not switches here: the tests make them by patching this package's
source (``tests/mutants.py``), so the shipped model carries no defect on purpose.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import Enum


class WindowClock(Enum):
    """Whose clock decides that a cancel request came "inside the window" (issue 11 item 1).

    DCL step 3 ("If the order is within the cancellation window, the order is automatically
    canceled") and CUST ("When the customer requests to cancel an order during the grace
    period, the order is automatically canceled") do not say which moment counts when the
    request is still travelling to the seller order as the window closes (REF §6 q. 8-9).
    """

    #: The moment the request is made: a request stamped inside the window is honoured even
    #: if it reaches the seller order after the window elapsed (the documents' promise).
    REQUEST = "request"
    #: The moment the seller order receives it: a request that arrives after the window is a
    #: late one, which the seller may decline (the model before issue 11).
    RECEIPT = "receipt"


@dataclass(frozen=True, slots=True, kw_only=True)
class Options:
    # -- what production does beyond the documents (the `observed` variant) -----------------
    #: KI-1004978: the seller can refuse a cancellation it requested itself.
    seller_may_deny_own_request: bool = False
    #: KI-1004978: "the Marketplace order continues ... and goes to invoice, when it sends
    #: the invoice" although the seller order is stuck.
    stuck_seller_invoices_marketplace: bool = False
    #: KI-1400005: an invoice that overtakes the marketplace's cancellation request ends it.
    #: The documents say invoiced orders continue (HTC; TRKCAN); production gets stuck.
    invoice_answers_cancel_request: bool = True
    #: Which reading of "inside the window" the platform applies (see :class:`WindowClock`).
    window_clock: WindowClock = WindowClock.REQUEST
    # -- order groups (``sellers >= 2``; :func:`.workflow.build` sets both) -------------------
    #: The marketplace orders of a group share one payment (party ``payment``): the gateway
    #: approves or denies it once for the whole group (REF N3, N4).
    group_payment: bool = False
    #: A seller's cancellation may be followed by a change of seller (CHSELL; REF C7).
    change_seller: bool = False



DOCUMENTED = Options()
OBSERVED = replace(
    DOCUMENTED,
    seller_may_deny_own_request=True,
    stuck_seller_invoices_marketplace=True,
    invoice_answers_cancel_request=False,
)
VARIANTS: dict[str, Options] = {"documented": DOCUMENTED, "observed": OBSERVED}
