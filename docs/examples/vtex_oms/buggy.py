"""Seven OMS variants with one bug each; ordercheck's conformance suite must catch each.

The last three each need one oracle capability of issue 12: the settled-state oracle (an
automatic step never taken, a message never sent) and joint-context coverage targets (a
defect only on the second route to a transition)."""

from __future__ import annotations

from .reference import OMS, ReferenceOMS


class _SelfDenyOMS(OMS):
    def deny_cancellation_request(self) -> None:
        if self.seller.status == "cancellation-requested" and not self.may_deny():
            # KI-1004978: the seller refuses a cancellation it requested itself
            self.seller.status = "cancellation-request-denied-ffm"
            return
        super().deny_cancellation_request()


class _RaceOMS(OMS):
    def invoice_accepted_in(self) -> tuple[str, ...]:
        # KI-1400005: in request-cancel the marketplace drops an arriving invoice
        return ("payment-approved", "waiting-for-seller-decision")


class _WrongStatusDeclineOMS(OMS):
    def may_deny(self) -> bool:
        # the deny endpoint forgets to check the marketplace's status
        return self.seller.status == "cancellation-requested"

    def deny_cancellation_request(self) -> None:
        if not self.may_deny():
            super().deny_cancellation_request()
            return
        self.seller.status = self.before_request
        self.to_marketplace("cancellation-denied")
        self.settle()


class _ForgetfulDeclineOMS(OMS):
    def deny_cancellation_request(self) -> None:
        super().deny_cancellation_request()
        if self.seller.status == "handling":
            self.seller.status = "ready-for-handling"  # history lost on decline


class _NoApprovalOMS(OMS):
    def settle(self) -> None:
        # the payment gateway's answer is never processed: the order waits in payment-pending
        # although the platform owes the approval (or denial) step
        if self.marketplace.status == "payment-pending":
            return
        super().settle()

    def cancel_order(self) -> None:
        super().cancel_order()
        if self.marketplace.status == "payment-pending":
            return
        super().settle()


class _SilentAcknowledgeOMS(OMS):
    def to_marketplace(self, message: str) -> None:
        # the seller order takes a cancellation request but never tells the marketplace
        if message == "cancellation-request-received" and \
                self.seller.status == "cancellation-requested":
            return
        super().to_marketplace(message)


class _SecondRouteOMS(OMS):
    def invoice(self) -> None:
        # an invoice while the *marketplace's* request is pending keeps the seller order in
        # cancellation-requested (right after the seller's own request, the shortest route)
        if self.seller.status == "cancellation-requested" and \
                self.marketplace.status == "waiting-for-seller-decision":
            self.to_marketplace("invoice")
            self.settle()
            return
        super().invoice()


class SellerDeniesOwnRequest(ReferenceOMS):
    oms_class = _SelfDenyOMS


class CancelRacesInvoice(ReferenceOMS):
    oms_class = _RaceOMS


class DeclineFromWrongStatus(ReferenceOMS):
    oms_class = _WrongStatusDeclineOMS


class DeclineForgetsHandling(ReferenceOMS):
    oms_class = _ForgetfulDeclineOMS


class NeverApprovesPayment(ReferenceOMS):
    """Never takes its own step: the platform's payment approval."""

    oms_class = _NoApprovalOMS


class NeverAcknowledgesRequest(ReferenceOMS):
    """Never sends a message it owes: cancellation-request-received."""

    oms_class = _SilentAcknowledgeOMS


class InvoiceWrongOnSecondRoute(ReferenceOMS):
    """Wrong only on the second route to a transition: invoice from cancellation-requested
    when the request came from the marketplace."""

    oms_class = _SecondRouteOMS
