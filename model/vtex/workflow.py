"""The VTEX marketplace × seller workflow: both charts plus the environment that couples them.

The two accounts talk only by asynchronous messages (REF §2.3: "VTEX does not publish the
internal protocol; what the docs state" is listed there and mirrored below); timers are
logical (REF §2.1 N6, N10; §2.2 C5; CHSELL).  Guards are the synchronous checks the
platform's endpoints make.

An *order group* (``sellers >= 2``, :func:`build_group`) repeats the pair per seller with
suffixed names (:mod:`.pairs`), adds the shared payment (:mod:`.payment`) and change-seller
(CHSELL; REF C7), and declares the pairs interchangeable for symmetry reduction.
"""

from __future__ import annotations

from dataclasses import replace

from ordercheck.checks.protocol import (
    Guard,
    Message,
    Party,
    StatusView,
    Timer,
    Workflow,
    reads_messages,
)

from .marketplace import marketplace_chart
from .options import VARIANTS, Options, WindowClock
from .pairs import SOLO, Pair
from .payment import PAYMENT, group_payment_approved, group_payment_denied, payment_chart
from .properties import catalogue, group_catalogue
from .seller import seller_chart
from .sources import SOURCES

M, S = "marketplace", "seller"


def messages(p: Pair = SOLO) -> tuple[Message, ...]:
    """The messages between pair ``p``'s two orders (REF §2.3)."""
    m, s = p.marketplace, p.seller
    return (
        Message(name=p.m("order-placed"), sender=m, receiver=s, event="order_placed",
                cite="REF N1, §2.3",
                description="order placement (checkout creates the seller order)"),
        Message(name=p.m("order-confirmation"), sender=s, receiver=m, event="seller_confirmed",
                cite="REF N2, §2.3", description="seller confirmation"),
        Message(name=p.m("authorize-fulfillment"), sender=m, receiver=s,
                event="fulfillment_authorized", cite="REF N5, §2.3; KI-376646",
                description="payment approved, authorize fulfillment"),
        Message(name=p.m("cancel-request"), sender=m, receiver=s, event="cancel_requested",
                cite="DCL step 2; OCI; REF C2",
                description="cancellation request (reason, requestedByUser)"),
        Message(name=p.m("marketplace-cancellation"), sender=m, receiver=s,
                event="marketplace_canceled", cite="OFS Payment denied; KI-1198719 [INF]",
                description="the marketplace order was canceled before payment approval"),
        Message(name=p.m("cancellation-request-received"), sender=s, receiver=m,
                event="cancellation_acknowledged", cite="OCI; REF C2 [INF]",
                description="the seller order took the request (cancellation-requested)"),
        Message(name=p.m("cancellation-denied"), sender=s, receiver=m,
                event="cancellation_denied", cite="DCL step 5; OCI",
                description="deny, with denyReason"),
        Message(name=p.m("seller-cancellation"), sender=s, receiver=m, event="seller_canceled",
                cite="REF C3, C7; OCI", description="the seller order was canceled"),
        Message(name=p.m("invoice"), sender=s, receiver=m, event="invoice_received",
                cite="API invoice; REF N8", description="invoice"),
    )


def timers(p: Pair = SOLO) -> tuple[Timer, ...]:
    """Pair ``p``'s logical timers (each order has its own clocks)."""
    return (
        Timer(name=p.m("cancellation-window"), party=p.seller, event="window_elapsed",
              duration="grace period, default 30 min", cite="GRACE; OFS window-to-cancel"),
        Timer(name=p.m("authorization-30-days"), party=p.seller, event="authorization_timeout",
              duration="30 days",
              cite="OFS authorize-fulfillment / waiting-for-fulfillment (REF N10); "
                   "on waiting-for-manual-authorization [INF]"),
        Timer(name=p.m("seller-decision-30-days"), party=p.seller, event="decision_timeout",
              duration="30 days", cite="DCL ('If within 30 days the seller takes no action')"),
        Timer(name=p.m("change-seller-window"), party=p.marketplace,
              event="change_seller_window_elapsed",
              duration="2 days (default)", cite="CHSELL; OFS window-to-change-seller"),
    )


MESSAGES = messages()
TIMERS = timers()

ACTORS = {
    "shopper": "the customer, through My Account",
    "customer-care": "the marketplace's customer care, through the Admin or the cancel API",
    "seller": "the seller's operators or ERP, through the Admin or the Orders API",
    "platform": "VTEX automation: workflow steps, payment gateway callbacks",
    "timer": "the platform clock (cancellation window, 30-day and 2-day timers)",
    "network": "delivery of messages between the two accounts",
}

#: Marketplace statuses from which the order can no longer change its seller (CHSELL): the
#: seller slot's `cancel` may end (a seller cancellation they receive changes nothing).
SLOT_CLOSED = frozenset({"cancel", "canceled", "invoice", "invoiced"})


def pair_guards(p: Pair = SOLO) -> dict[str, Guard]:
    """The synchronous checks of pair ``p``'s endpoints, over the pair's own statuses and
    messages (one closure per pair: the same code for every pair, so pairs are
    interchangeable)."""
    m, s = p.marketplace, p.seller
    denied, request, placed = p.m("cancellation-denied"), p.m("cancel-request"), p.m("order-placed")

    @reads_messages
    def marketplace_awaits_decision(v: StatusView) -> bool:
        """OCI deny endpoint: 400 unless the marketplace is waiting for the seller's decision
        and the request is still open.  A denied request is marked at once on the platform's
        shared record (OCI: both sides see the same ``cancellationRequests``), before the
        marketplace processes the denial: so a denial already in flight closes it.
        """
        return v[m] == "waiting-for-seller-decision" and denied not in v.in_flight

    def seller_stuck_after_denying(v: StatusView) -> bool:
        """KI-1004978: the seller order sits in cancellation-request-denied-ffm."""
        return v[s] == "cancellation-request-denied-ffm"

    @reads_messages
    def cancel_request_in_flight(v: StatusView) -> bool:
        """Request clock (``WindowClock.REQUEST``): a cancel request is on its way to the
        seller order.  While the seller order is still in ``window-to-cancel`` such a request
        was made inside the window (the seller order never returns there), so the window is
        not judged over against it (DCL step 3; CUST)."""
        return request in v.in_flight

    @reads_messages
    def seller_request_is_own(v: StatusView) -> bool:
        """The pending cancellation at the seller is the seller's own (REF C7), not the
        marketplace's: no marketplace request is open or on its way.  KI-1004978 concerns
        only this case ("when requesting cancellation, then refuse this cancellation")."""
        return v[m] not in ("request-cancel", "waiting-for-seller-decision") \
            and request not in v.in_flight

    def seller_slot_closed(v: StatusView) -> bool:
        """CHSELL: the marketplace order can no longer change this slot's seller."""
        return v[m] in SLOT_CLOSED

    @reads_messages
    def new_seller_order_placed(v: StatusView) -> bool:
        """CHSELL: the marketplace placed a new seller order for this slot."""
        return placed in v.in_flight

    pair_messages = frozenset(msg.name for msg in messages(p))

    @reads_messages
    def pair_quiet(v: StatusView) -> bool:
        """No message between the pair's two orders is in flight."""
        return not pair_messages & v.in_flight

    guards: list[Guard] = [marketplace_awaits_decision, seller_stuck_after_denying,
                           cancel_request_in_flight, seller_request_is_own]
    if p.index:
        guards += [seller_slot_closed, new_seller_order_placed, pair_quiet]
    return {p.g(g.__name__): g for g in guards}


GUARDS = pair_guards()


def build(options: Options, name: str = "vtex", sellers: int = 1) -> Workflow:
    """The VTEX workflow for ``options`` (see :mod:`.options` for the switches); with
    ``sellers >= 2`` an order group (:func:`build_group`)."""
    if isinstance(sellers, bool) or not isinstance(sellers, int) or sellers < 1:
        raise ValueError(f"sellers must be an integer >= 1, got {sellers!r}")
    if sellers != 1:
        return build_group(options, name, sellers)
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


def build_group(options: Options, name: str, sellers: int) -> Workflow:
    """An order group of ``sellers`` (marketplace order, seller order) pairs sharing one
    payment (:mod:`.payment`), with change-seller (CHSELL): parties ``marketplace-i``,
    ``seller-i`` for i = 1..N, then ``payment``.  The pairs are declared interchangeable
    (``Workflow.symmetric``), so ``--symmetry`` may explore one state per orbit."""
    o = replace(options, group_payment=True, change_seller=True)
    pairs = [Pair(i) for i in range(1, sellers + 1)]
    parties: list[Party] = []
    guards: dict[str, Guard] = {"group_payment_approved": group_payment_approved,
                                "group_payment_denied": group_payment_denied}
    for p in pairs:
        parties += [Party(name=p.marketplace, chart=marketplace_chart(o, p),
                          title=f"Marketplace order {p.index}"),
                    Party(name=p.seller, chart=seller_chart(o, p),
                          title=f"Seller (fulfillment) order {p.index}")]
        guards.update(pair_guards(p))
    parties.append(Party(name=PAYMENT, chart=payment_chart(), title="The group's payment"))
    return Workflow(
        name=f"{name}-{sellers}-sellers",
        parties=tuple(parties),
        messages=tuple(m for p in pairs for m in messages(p)),
        timers=tuple(t for p in pairs for t in timers(p)),
        guards=guards,
        actors=ACTORS,
        properties=group_catalogue(pairs, [m.name for m in MESSAGES]),
        description=f"VTEX order group: {sellers} marketplace orders and their seller orders, "
                    "one payment, change-seller",
        sources=SOURCES,
        symmetric=tuple((p.marketplace, p.seller) for p in pairs),
    )


def variant(name: str, sellers: int = 1) -> Workflow:
    """``documented`` or ``observed``; ``sellers >= 2`` makes an order group."""
    try:
        options = VARIANTS[name]
    except KeyError:
        raise ValueError(f"unknown VTEX variant {name!r}; choose {sorted(VARIANTS)}") from None
    return build(options, name=f"vtex-{name}", sellers=sellers)


def receipt_clock(name: str, sellers: int = 1) -> Workflow:
    """Variant ``name`` under the other reading of "inside the window"
    (:attr:`WindowClock.RECEIPT`): the seller order's clock at receipt decides."""
    return build(replace(VARIANTS[name], window_clock=WindowClock.RECEIPT),
                 name=f"vtex-{name}-receipt-clock", sellers=sellers)


# The factories the catalogue names.  ``sellers`` is the model parameter ``--sellers N``
# passes (a keyword of the factory: the engine knows no VTEX name).
def documented_receipt_clock(sellers: int = 1) -> Workflow:
    """``--model ordercheck.model.vtex:documented_receipt_clock``."""
    return receipt_clock("documented", sellers)


def observed_receipt_clock(sellers: int = 1) -> Workflow:
    """``--model ordercheck.model.vtex:observed_receipt_clock``."""
    return receipt_clock("observed", sellers)


def documented(sellers: int = 1) -> Workflow:
    return variant("documented", sellers)


def observed(sellers: int = 1) -> Workflow:
    return variant("observed", sellers)
