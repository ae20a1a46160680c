"""The VTEX marketplace × seller workflow: both charts plus the environment that couples them.

The two accounts talk only by asynchronous messages (REF §2.3: "VTEX does not publish the
internal protocol; what the docs state" is listed there and mirrored below); timers are
logical (REF §2.1 N6, N10; §2.2 C5; CHSELL).  Guards are the synchronous checks the
platform's endpoints make.
"""

from __future__ import annotations

from dataclasses import replace

from ordercheck.checks.protocol import Message, Party, StatusView, Timer, Workflow, reads_messages

from .marketplace import marketplace_chart
from .options import VARIANTS, Options, WindowClock
from .properties import catalogue
from .seller import seller_chart
from .sources import SOURCES

M, S = "marketplace", "seller"

MESSAGES = (
    Message(name="order-placed", sender=M, receiver=S, event="order_placed",
            cite="REF N1, §2.3", description="order placement (checkout creates the seller order)"),
    Message(name="order-confirmation", sender=S, receiver=M, event="seller_confirmed",
            cite="REF N2, §2.3", description="seller confirmation"),
    Message(name="authorize-fulfillment", sender=M, receiver=S, event="fulfillment_authorized",
            cite="REF N5, §2.3; KI-376646", description="payment approved, authorize fulfillment"),
    Message(name="cancel-request", sender=M, receiver=S, event="cancel_requested",
            cite="DCL step 2; OCI; REF C2",
            description="cancellation request (reason, requestedByUser)"),
    Message(name="marketplace-cancellation", sender=M, receiver=S, event="marketplace_canceled",
            cite="OFS Payment denied; KI-1198719 [INF]",
            description="the marketplace order was canceled before payment approval"),
    Message(name="cancellation-request-received", sender=S, receiver=M,
            event="cancellation_acknowledged", cite="OCI; REF C2 [INF]",
            description="the seller order took the request (cancellation-requested)"),
    Message(name="cancellation-denied", sender=S, receiver=M, event="cancellation_denied",
            cite="DCL step 5; OCI", description="deny, with denyReason"),
    Message(name="seller-cancellation", sender=S, receiver=M, event="seller_canceled",
            cite="REF C3, C7; OCI", description="the seller order was canceled"),
    Message(name="invoice", sender=S, receiver=M, event="invoice_received",
            cite="API invoice; REF N8", description="invoice"),
)

TIMERS = (
    Timer(name="cancellation-window", party=S, event="window_elapsed",
          duration="grace period, default 30 min", cite="GRACE; OFS window-to-cancel"),
    Timer(name="authorization-30-days", party=S, event="authorization_timeout",
          duration="30 days",
          cite="OFS authorize-fulfillment / waiting-for-fulfillment (REF N10); "
               "on waiting-for-manual-authorization [INF]"),
    Timer(name="seller-decision-30-days", party=S, event="decision_timeout",
          duration="30 days", cite="DCL ('If within 30 days the seller takes no action')"),
    Timer(name="change-seller-window", party=M, event="change_seller_window_elapsed",
          duration="2 days (default)", cite="CHSELL; OFS window-to-change-seller"),
)

ACTORS = {
    "shopper": "the customer, through My Account",
    "customer-care": "the marketplace's customer care, through the Admin or the cancel API",
    "seller": "the seller's operators or ERP, through the Admin or the Orders API",
    "platform": "VTEX automation: workflow steps, payment gateway callbacks",
    "timer": "the platform clock (cancellation window, 30-day and 2-day timers)",
    "network": "delivery of messages between the two accounts",
}


@reads_messages
def marketplace_awaits_decision(v: StatusView) -> bool:
    """OCI deny endpoint: 400 unless the marketplace is waiting for the seller's decision
    and the request is still open.  A denied request is marked at once on the platform's
    shared record (OCI: both sides see the same ``cancellationRequests``), before the
    marketplace processes the denial: so a denial already in flight closes it.
    """
    return v[M] == "waiting-for-seller-decision" and "cancellation-denied" not in v.in_flight


def seller_stuck_after_denying(v: StatusView) -> bool:
    """KI-1004978: the seller order sits in cancellation-request-denied-ffm."""
    return v[S] == "cancellation-request-denied-ffm"


@reads_messages
def cancel_request_in_flight(v: StatusView) -> bool:
    """Request clock (``WindowClock.REQUEST``): a cancel request is on its way to the seller
    order.  While the seller order is still in ``window-to-cancel`` such a request was made
    inside the window (the seller order never returns there), so the window is not judged
    over against it (DCL step 3; CUST)."""
    return "cancel-request" in v.in_flight


@reads_messages
def seller_request_is_own(v: StatusView) -> bool:
    """The pending cancellation at the seller is the seller's own (REF C7), not the
    marketplace's: no marketplace request is open or on its way.  KI-1004978 concerns only
    this case ("when requesting cancellation, then refuse this cancellation")."""
    return v[M] not in ("request-cancel", "waiting-for-seller-decision") \
        and "cancel-request" not in v.in_flight


GUARDS = {
    "marketplace_awaits_decision": marketplace_awaits_decision,
    "seller_stuck_after_denying": seller_stuck_after_denying,
    "cancel_request_in_flight": cancel_request_in_flight,
    "seller_request_is_own": seller_request_is_own,
}


def build(options: Options, name: str = "vtex") -> Workflow:
    """The VTEX workflow for ``options`` (see :mod:`.options` for the switches)."""
    return Workflow(
        name=name,
        parties=(
            Party(name=M, chart=marketplace_chart(options), title="Marketplace order"),
            Party(name=S, chart=seller_chart(options), title="Seller (fulfillment) order"),
        ),
        messages=MESSAGES,
        timers=TIMERS,
        guards=GUARDS,
        actors=ACTORS,
        properties=catalogue(),
        description="VTEX marketplace order and seller (fulfillment) order",
        sources=SOURCES,
    )


def variant(name: str) -> Workflow:
    """``documented`` or ``observed``."""
    try:
        options = VARIANTS[name]
    except KeyError:
        raise ValueError(f"unknown VTEX variant {name!r}; choose {sorted(VARIANTS)}") from None
    return build(options, name=f"vtex-{name}")


def receipt_clock(name: str) -> Workflow:
    """Variant ``name`` under the other reading of "inside the window"
    (:attr:`WindowClock.RECEIPT`): the seller order's clock at receipt decides."""
    return build(replace(VARIANTS[name], window_clock=WindowClock.RECEIPT),
                 name=f"vtex-{name}-receipt-clock")


def documented_receipt_clock() -> Workflow:
    """``--model ordercheck.model.vtex:documented_receipt_clock``."""
    return receipt_clock("documented")


def observed_receipt_clock() -> Workflow:
    """``--model ordercheck.model.vtex:observed_receipt_clock``."""
    return receipt_clock("observed")


def documented() -> Workflow:
    return variant("documented")


def observed() -> Workflow:
    return variant("observed")
