"""The marketplace order: VTEX's workflow instance named ``Marketplace``.

Read it next to the marketplace flow of 'Order flow and status' (OFS), 'Declining order
cancellation' (DCL) and 'Order canceling improvements' (OCI).  Where the documents disagree
the choice is stated at the transition, with the open-question number of the reference (§6).

DCL's second section swaps the two parties' status names ("`cancellation requested` for the
marketplace and `waiting for seller decision` for the seller").  This model follows DCL
step 2, OCI and the deny endpoint's 400 text, which agree: marketplace
``waiting-for-seller-decision``, seller ``cancellation-requested`` (open question 2).
A transition with ``inferred=`` is a *may* (no document states it; the reason is given).
"""

from __future__ import annotations

from statemachine import State, StateChart

from ordercheck.checks.protocol import transient, transition

from .options import Options
from .pairs import SOLO, Pair

PLATFORM = "platform"
SHOPPER = "shopper"
CARE = "customer-care"


def marketplace_chart(o: Options, p: Pair = SOLO) -> type[StateChart]:
    """Build the marketplace order chart of pair ``p`` for the given variation points."""

    class MarketplaceOrder(StateChart):
        """Marketplace order statuses from checkout to invoiced or canceled."""

        catch_errors_as_events = False  # a guard error must fail loudly
        validate_final_reachability = False  # the checker reports stuck statuses, with traces
        validate_trap_states = False

        # -- statuses (OFS marketplace flow; REF §1). transient = changed automatically -----------
        order_created = transient(State("Order created", value="order-created", initial=True))
        on_order_completed = transient(State("Order completed", value="on-order-completed"))
        waiting_for_authorization = State("Waiting for seller confirmation",
                                          value="waiting-for-authorization")
        payment_pending = State("Payment pending", value="payment-pending")
        approve_payment = transient(State("Approve payment", value="approve-payment"))
        payment_approved = State("Payment approved", value="payment-approved")
        window_to_change_seller = State("Window to change seller",
                                        value="window-to-change-seller")
        request_cancel = State("Cancellation requested", value="request-cancel")
        waiting_for_seller_decision = State("Waiting for the seller decision",
                                            value="waiting-for-seller-decision")
        verifying_invoice = transient(State("Verifying invoice", value="invoice"))
        invoiced = State("Invoiced", value="invoiced", final=True)
        canceling = transient(State("Canceling", value="cancel"))
        canceled = State("Canceled", value="canceled", final=True)

        # -- normal flow (OFS marketplace flow; REF §2.1) ---------------------------------------
        # N1: checkout completes; the seller's order is placed by message.
        complete_checkout = transition(order_created.to(on_order_completed), actor=PLATFORM,
                                       sends=p.m("order-placed"), cite="API checkout; REF N1",
                                       happy=True)
        ask_seller = transition(on_order_completed.to(waiting_for_authorization), actor=PLATFORM,
                                cite="OFS marketplace flow", happy=True)
        # N2: "Seller confirms the order (automatic)".
        seller_confirmed = transition(waiting_for_authorization.to(payment_pending), actor=PLATFORM,
                                      cite="OFS; TRKFLOW; REF N2", happy=True)
        # N3: the gateway approves; N5: the marketplace then authorizes fulfillment.
        if o.group_payment:
            # An order group has one payment (REF §2.3: one cart, one transaction): each
            # marketplace order follows the group's payment, decided once for all (N3, N4).
            gateway_approves = transition(
                payment_pending.to(approve_payment, cond="group_payment_approved"),
                actor=PLATFORM, cite="API payment-notification; REF N3", happy=True)
        else:
            gateway_approves = transition(payment_pending.to(approve_payment), actor=PLATFORM,
                                          cite="API payment-notification; REF N3", happy=True)
        settle_approval = transition(approve_payment.to(payment_approved), actor=PLATFORM,
                                     sends=p.m("authorize-fulfillment"), cite="OFS; REF N3, N5",
                                     happy=True)
        # N4: "Gateway denies payment" -> cancel -> canceled.
        gateway_denies = transition(
            payment_pending.to(canceling, cond="group_payment_denied")
            if o.group_payment else payment_pending.to(canceling),
            actor=PLATFORM, sends=p.m("marketplace-cancellation"),
            cite="OFS Payment denied; REF N4")
        # N8: the seller's invoice arrives; "Verifying invoice" then "Invoiced".
        invoice_received = transition(payment_approved.to(verifying_invoice), actor=PLATFORM,
                                      cite="API invoice; OFS; REF N8", happy=True)
        settle_invoice = transition(verifying_invoice.to(invoiced), actor=PLATFORM,
                                    cite="OFS invoice*; REF N8", happy=True)

        # -- cancellation (DCL; OCI; REF §2.2) ----------------------------------------------------
        # DCL step 1: "The customer contacts the marketplace to cancel an order or does it
        # via My Account."  DCL step 2: "The marketplace sends a cancellation request to the
        # seller."  Before payment approval there is no seller decision (OVW marketplace
        # diagram: Payment pending -> Canceling); the seller order is told (item 5).
        # CHSELL: in the window to change seller the marketplace "decide[s] whether to cancel
        # the purchase or change the seller"; the seller order is already canceled.
        shopper_cancels = (
            transition(payment_pending.to(canceling), actor=SHOPPER,
                                          sends=p.m("marketplace-cancellation"),
                       cite="OVW marketplace diagram")
            | transition(payment_approved.to(request_cancel), actor=SHOPPER,
                         sends=p.m("cancel-request"),
                         cite="DCL steps 1-2; API user-cancel-request; REF C2")
        )
        care_cancels = (
            transition(payment_pending.to(canceling), actor=CARE,
                       sends=p.m("marketplace-cancellation"), cite="OVW marketplace diagram")
            | transition(payment_approved.to(request_cancel), actor=CARE,
                         sends=p.m("cancel-request"), cite="DCL steps 1-2; API cancel; REF C2")
            | transition(window_to_change_seller.to(canceling), actor=CARE,
                         cite="CHSELL ('decide whether to cancel the purchase or change the "
                              "seller')")
        )
        # The seller order took the request: the marketplace waits for the decision (DCL
        # step 2, OCI).  That request-cancel waits for the seller's side is inferred from
        # KI-1400005 and KI-1004978, where the marketplace stays in request-cancel when the
        # seller cannot take the request.
        cancellation_acknowledged = transition(
            request_cancel.to(waiting_for_seller_decision), actor=PLATFORM,
            cite="DCL step 2; OCI; KI-1400005",
            inferred="the marketplace leaves request-cancel when the seller order has taken the "
                     "request (KI-1400005, KI-1004978: it stays there when the seller cannot)")
        # The seller canceled in answer to the request (DCL step 3 window; C3 accept; C5 30
        # days): the request was taken first, so the marketplace waits for the decision.
        seller_canceled = (
            transition(waiting_for_seller_decision.to(canceling), actor=PLATFORM,
                       cite="DCL steps 2-3; OCI; REF C1, C3, C5")
            | transition(request_cancel.to(canceling), actor=PLATFORM, cite="OCI; REF C1, C3",
                         inferred="only when the seller's cancellation overtakes its "
                                  "acknowledgement of the request")
            # Unasked, the seller canceled: the marketplace gets the window to choose a new
            # seller; a seller change is allowed in payment-pending and
            # waiting-for-authorization too (CHSELL; REF C7).
            | transition(payment_approved.to(window_to_change_seller), actor=PLATFORM,
                         cite="CHSELL; OFS window-to-change-seller; REF C7")
            | transition(payment_pending.to(window_to_change_seller), actor=PLATFORM,
                         cite="CHSELL; REF C7",
                         inferred="CHSELL allows a seller change in payment-pending; that a seller "
                                  "cancellation there opens the window is inferred")
            | transition(waiting_for_authorization.to(window_to_change_seller), actor=PLATFORM,
                         cite="CHSELL; REF C7",
                         inferred="only when the seller's cancellation overtakes its confirmation")
        )
        # CHSELL: the window to change seller lasts 2 days by default.  Without the option
        # change_seller the new seller order (CHSELL) is left out: the window only elapses.
        if o.change_seller:
            # CHSELL; REF C7: in the window the marketplace changes the seller
            # (PUT /api/checkout/pvt/orders/{id}/sellers): a new seller order is placed for
            # this marketplace order, which starts over from checkout's placement (N1).
            # VTEX routes messages by order id, so the old seller order's messages never reach
            # the new one; the model's channels are per pair, so the change waits until none
            # of the pair's messages is in flight (guard pair_quiet).  That also keeps the
            # space finite without counting changes: every change starts from empty channels.
            change_seller = transition(
                window_to_change_seller.to(order_created, cond=p.g("pair_quiet")), actor=CARE,
                cite="CHSELL (change seller in window-to-change-seller); REF C7; KI-656815",
                inferred="CHSELL does not name the status the marketplace order takes after "
                         "the change; the model places the new seller order as checkout does "
                         "(REF N1), so the new order is confirmed and authorized again")
        change_seller_window_elapsed = transition(window_to_change_seller.to(canceling),
                                                  actor=PLATFORM, cite="CHSELL; OFS")
        # DCL step 6: "After the marketplace receives the declined request, the order moves on
        # in the order workflow"; DCL: "For the marketplace: payment approved" (open question 1:
        # OFS says payment-pending; DCL and OCI agree on payment-approved, which we follow).
        cancellation_denied = transition(waiting_for_seller_decision.to(payment_approved),
                                         actor=PLATFORM,
                                         cite="DCL step 6 and last section; OCI; REF C4")
        # HTC/TRKCAN: a seller may "simply enter the invoice" instead of answering (C6).
        invoice_received |= transition(waiting_for_seller_decision.to(verifying_invoice),
                                       actor=PLATFORM, cite="HTC; TRKCAN; REF C6")
        if o.invoice_answers_cancel_request:
            # Documented reading: invoiced orders continue (HTC) even when the invoice
            # overtakes the request.  KI-1400005 shows production does not do this.
            invoice_received |= transition(request_cancel.to(verifying_invoice), actor=PLATFORM,
                                           cite="HTC; TRKCAN; REF C6",
                                           inferred="HTC's 'simply enter the invoice' applied to "
                                                    "an invoice that overtakes the request")
        if o.stuck_seller_invoices_marketplace:
            # KI-1004978: "the marketplace does not receive this cancellation notification and
            # continues with your order until the Invoiced status"; the seller posts the
            # invoice to the marketplace order (API invoice text).
            seller_posts_invoice = transition(
                payment_approved.to(verifying_invoice, cond=p.g("seller_stuck_after_denying")),
                actor="seller", cite="KI-1004978 Summary and simulation; API invoice")
        # C9: `cancel` "waits for Payments to finish cancelling", then `canceled`.
        payment_canceled = transition(canceling.to(canceled), actor=PLATFORM,
                                                   cite="OFS cancel*; REF C9")

    return MarketplaceOrder
