"""Four OMS variants with one bug each; ordercheck's conformance suite must catch each."""

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


class SellerDeniesOwnRequest(ReferenceOMS):
    oms_class = _SelfDenyOMS


class CancelRacesInvoice(ReferenceOMS):
    oms_class = _RaceOMS


class DeclineFromWrongStatus(ReferenceOMS):
    oms_class = _WrongStatusDeclineOMS


class DeclineForgetsHandling(ReferenceOMS):
    oms_class = _ForgetfulDeclineOMS
