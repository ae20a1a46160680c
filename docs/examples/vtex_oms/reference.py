"""A hand-written in-memory OMS of the VTEX marketplace × seller flow, and its adapter.

Written from the documents (DCL, the OMS order flow, the cancel and deny endpoints), not
generated from ``model/``: two accounts each hold an order status and an inbox, and talk
only by messages.  The platform's automatic steps (payment approval, pass-through statuses,
payment cancellation) run to completion after every call; people's actions, timers and
message delivery are calls.  A call the real OMS would answer with 400/409 raises
:class:`Refused`.

``ReferenceOMS`` adapts it to ordercheck's conformance protocol (commands named after the
model's events).  ``buggy.py`` holds four variants with one bug each.
"""

from __future__ import annotations

from collections import deque

from ordercheck.checks.conformance.adapter import Command


class Refused(Exception):
    """The OMS rejects the call (HTTP 400/409 in the real API)."""


class Account:
    def __init__(self, status: str) -> None:
        self.status = status
        self.inbox: deque[str] = deque()  # messages sent to this account, in order


class OMS:
    """One order: the marketplace's and the seller's."""

    def __init__(self) -> None:
        self.marketplace = Account("order-created")
        self.seller = Account("null")
        self.before_request = ""  # seller status a declined request returns to (DCL)
        self.settle()

    # -- messaging -------------------------------------------------------------------------
    def to_seller(self, message: str) -> None:
        self.seller.inbox.append(message)

    def to_marketplace(self, message: str) -> None:
        self.marketplace.inbox.append(message)

    # -- platform automation, run to completion ----------------------------------------------
    def settle(self) -> None:
        m, s = self.marketplace, self.seller
        while True:
            if m.status == "order-created":
                m.status = "on-order-completed"
                self.to_seller("order-placed")
            elif m.status == "on-order-completed":
                m.status = "waiting-for-authorization"
            elif m.status == "payment-pending":
                m.status = "approve-payment"  # the gateway approves (never denies here)
            elif m.status == "approve-payment":
                m.status = "payment-approved"
                self.to_seller("authorize-fulfillment")
            elif m.status == "invoice":
                m.status = "invoiced"
            elif m.status == "cancel":
                m.status = "canceled"
            elif s.status == "on-order-completed-ffm":
                s.status = "order-accepted"
                self.to_marketplace("order-confirmation")
            elif s.status == "order-accepted":
                s.status = "waiting-for-manual-authorization"
            elif s.status == "authorize-fulfillment":
                s.status = "window-to-cancel"
            elif s.status == "start-handling":
                s.status = "handling"
            elif s.status == "cancel":
                s.status = "canceled"
            else:
                return

    # -- shopper and customer care (marketplace account) --------------------------------------
    def cancel_order(self) -> None:
        """POST /api/oms/pvt/orders/{id}/cancel on the marketplace order (or My Account)."""
        m = self.marketplace
        if m.status == "payment-pending":
            m.status = "cancel"
            self.to_seller("marketplace-cancellation")
        elif m.status == "window-to-change-seller":
            m.status = "cancel"  # CHSELL: cancel the purchase instead of changing seller
        elif m.status == "payment-approved":
            m.status = "request-cancel"
            self.to_seller("cancel-request")
        else:
            raise Refused(f"marketplace order is {m.status}")
        self.settle()

    def user_cancel_request(self) -> None:
        """My Account's request (user-cancel-request): the shopper has no say in the window
        to change seller, which is the marketplace's decision (CHSELL)."""
        if self.marketplace.status == "window-to-change-seller":
            raise Refused("the marketplace decides in the window to change seller")
        self.cancel_order()

    # -- seller account ---------------------------------------------------------------------
    def start_handling(self) -> None:
        if self.seller.status != "ready-for-handling":
            raise Refused("OMS003 Order status should be ready-for-handling")
        self.seller.status = "start-handling"
        self.settle()

    def invoice(self) -> None:
        s = self.seller
        if s.status not in ("handling", "cancellation-requested"):
            raise Refused(f"seller order is {s.status}")
        s.status = "invoiced"
        self.to_marketplace("invoice")
        self.settle()

    def seller_cancel(self) -> None:
        """The seller's Cancel button: first click requests, second click confirms (HTC)."""
        s = self.seller
        if s.status in ("ready-for-handling", "handling"):
            self.before_request = s.status
            s.status = "cancellation-requested"
        elif s.status in ("cancellation-requested", "window-to-cancel",
                          "waiting-for-manual-authorization"):
            s.status = "cancel"
            self.to_marketplace("seller-cancellation")
        else:
            raise Refused(f"seller order is {s.status}")
        self.settle()

    def deny_cancellation_request(self) -> None:
        """POST .../deny-cancellation-request: 400 unless marketplace waiting for the
        seller's decision and seller cancellation-requested (OCI)."""
        if not self.may_deny():
            raise Refused("status invalid for deny-cancellation-request")
        self.seller.status = self.before_request
        self.to_marketplace("cancellation-denied")
        self.settle()

    def may_deny(self) -> bool:
        return (self.marketplace.status == "waiting-for-seller-decision"
                and self.seller.status == "cancellation-requested"
                # the request's record is marked denied at once (OCI): a denial on its way
                # to the marketplace has closed it, even if the seller asks again meanwhile
                and "cancellation-denied" not in self.marketplace.inbox)

    # -- timers ---------------------------------------------------------------------------
    def grace_period_elapsed(self) -> None:
        if self.seller.status != "window-to-cancel":
            raise Refused("no cancellation window open")
        if "cancel-request" in self.seller.inbox:
            raise Refused("a cancel request made inside the window is still on its way")
        self.seller.status = "ready-for-handling"
        self.settle()

    def thirty_days_without_decision(self) -> None:
        if self.seller.status != "cancellation-requested":
            raise Refused("no pending cancellation request")
        self.seller.status = "cancel"
        self.to_marketplace("seller-cancellation")
        self.settle()

    def thirty_days_without_authorization(self) -> None:
        if self.seller.status != "waiting-for-manual-authorization":
            raise Refused("fulfillment already authorized")
        self.seller.status = "cancel"
        self.to_marketplace("seller-cancellation")
        self.settle()

    def change_seller_window_elapsed(self) -> None:
        if self.marketplace.status != "window-to-change-seller":
            raise Refused("no window to change seller")
        self.marketplace.status = "cancel"
        self.settle()

    # -- message delivery ---------------------------------------------------------------------
    def deliver(self, party: str, message: str) -> None:
        account = self.marketplace if party == "marketplace" else self.seller
        if not account.inbox or account.inbox[0] != message:
            raise Refused(f"{message} is not the next message for {party}")
        account.inbox.popleft()
        if party == "seller":
            self.seller_receives(message)
        else:
            self.marketplace_receives(message)
        self.settle()

    def seller_receives(self, message: str) -> None:
        s = self.seller
        if message == "order-placed" and s.status == "null":
            s.status = "on-order-completed-ffm"
        elif message == "authorize-fulfillment" and s.status == "waiting-for-manual-authorization":
            s.status = "authorize-fulfillment"
        elif message == "marketplace-cancellation" and \
                s.status == "waiting-for-manual-authorization":
            s.status = "cancel"
        elif message == "cancel-request":
            if s.status in ("window-to-cancel", "waiting-for-manual-authorization"):
                # DCL steps 2-3: the request is taken, then canceled automatically
                s.status = "cancel"
                self.to_marketplace("cancellation-request-received")
                self.to_marketplace("seller-cancellation")
            elif s.status in ("ready-for-handling", "handling"):
                self.before_request = s.status
                s.status = "cancellation-requested"
                self.to_marketplace("cancellation-request-received")
            elif s.status == "cancellation-requested":
                self.to_marketplace("cancellation-request-received")
        # anything else is dropped: the seller order cannot take it

    def marketplace_receives(self, message: str) -> None:
        m = self.marketplace
        if message == "order-confirmation" and m.status == "waiting-for-authorization":
            m.status = "payment-pending"
        elif message == "cancellation-request-received" and m.status == "request-cancel":
            m.status = "waiting-for-seller-decision"
        elif message == "cancellation-denied" and m.status == "waiting-for-seller-decision":
            m.status = "payment-approved"
        elif message == "seller-cancellation":
            if m.status in ("payment-approved", "payment-pending", "waiting-for-authorization"):
                m.status = "window-to-change-seller"  # CHSELL
            elif m.status in ("request-cancel", "waiting-for-seller-decision"):
                m.status = "cancel"
        elif message == "invoice" and m.status in self.invoice_accepted_in():
            m.status = "invoice"

    def invoice_accepted_in(self) -> tuple[str, ...]:
        return ("payment-approved", "waiting-for-seller-decision", "request-cancel")


class ReferenceOMS:
    """Conformance adapter: model commands -> OMS calls; Refused -> refused."""

    automatic = frozenset({"platform"})
    oms_class: type[OMS] = OMS

    def __init__(self) -> None:
        self.oms = self.oms_class()

    def reset(self) -> None:
        self.oms = self.oms_class()

    def send(self, command: Command) -> bool:
        o = self.oms
        if command.kind == "deliver":
            action = lambda: o.deliver(command.party, command.name)  # noqa: E731
        else:
            action = {
                ("marketplace", "shopper_cancels"): o.user_cancel_request,
                ("marketplace", "care_cancels"): o.cancel_order,
                ("seller", "begin_handling"): o.start_handling,
                ("seller", "invoice"): o.invoice,
                ("seller", "cancel"): o.seller_cancel,
                ("seller", "decline"): o.deny_cancellation_request,
                ("seller", "window_elapsed"): o.grace_period_elapsed,
                ("seller", "decision_timeout"): o.thirty_days_without_decision,
                ("seller", "authorization_timeout"): o.thirty_days_without_authorization,
                ("marketplace", "change_seller_window_elapsed"):
                    o.change_seller_window_elapsed,
            }.get((command.party, command.name))
            if action is None:
                return False  # this OMS offers no such action
        try:
            action()
        except Refused:
            return False
        return True

    def status(self) -> dict[str, str]:
        return {"marketplace": self.oms.marketplace.status, "seller": self.oms.seller.status}

    def close(self) -> None:
        pass
