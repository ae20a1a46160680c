"""The seller (fulfillment) order: VTEX's workflow instance named ``Fulfillment``.

Read it next to the seller flow of 'Order flow and status' (OFS) and 'Declining order
cancellation' (DCL).  Status ids are the values; python attribute names are those ids with
underscores.  Citations use the tags of :mod:`.sources` plus the reference's row ids
(N = normal flow, C = cancellation, REF §2).  A transition with ``inferred=`` is a *may*: no
document states it and the reason is given; every other one is a *must*.
"""

from __future__ import annotations

from statemachine import HistoryState, State, StateChart

from ordercheck.checks.protocol import transient, transition

from .options import Options, WindowClock
from .pairs import SOLO, Pair

SELLER = "seller"
PLATFORM = "platform"


def seller_chart(o: Options, p: Pair = SOLO) -> type[StateChart]:
    """Build the seller order chart of pair ``p`` for the given variation points."""

    class SellerOrder(StateChart):
        """Seller order statuses from order placement to invoiced or canceled."""

        catch_errors_as_events = False  # a guard error must fail loudly (dependency notes §1.1)
        # the checker reports stuck statuses itself, with traces
        validate_final_reachability = False
        validate_trap_states = False

        # -- statuses (OFS seller flow; REF §1). transient = changed automatically (OFS *) ----
        # OFS uses "Status Null" for an *incomplete* order; here `null` stands for "no seller
        # order yet", before checkout places it (REF §1: "status absent").  Inferred reading.
        null = State("No seller order yet (status absent)", value="null", initial=True)
        on_order_completed_ffm = transient(State("Order completed", value="on-order-completed-ffm"))
        order_accepted = transient(State("Order accepted", value="order-accepted"))
        waiting_for_manual_authorization = State(
            "Waiting for fulfillment authorization", value="waiting-for-manual-authorization")
        authorize_fulfillment = transient(
            State("Authorize fulfillment", value="authorize-fulfillment"))
        window_to_cancel = State("Cancellation window", value="window-to-cancel")

        class fulfilling(State.Compound):
            """'Ready for handling' or 'handling': where a declined request returns (DCL)."""

            ready_for_handling = State("Ready for handling", value="ready-for-handling",
                                       initial=True)
            start_handling = transient(State("Start handling", value="start-handling"))
            handling = State("Handling shipping", value="handling")
            previous = HistoryState()

            # N7: seller clicks "Start handling" or calls POST .../start-handling.
            begin_handling = transition(ready_for_handling.to(start_handling), actor=SELLER,
                                        cite="API start-handling; REF N7", happy=True)
            handling_started = transition(start_handling.to(handling), actor=PLATFORM,
                                          cite="OFS start-handling*; REF N7", happy=True)

        cancellation_requested = State("Cancellation requested", value="cancellation-requested")
        if o.seller_may_deny_own_request:
            cancellation_request_denied_ffm = State(
                "Cancellation request denied (stuck)", value="cancellation-request-denied-ffm")
        canceling = transient(State("Canceling", value="cancel"))
        canceled = State("Canceled", value="canceled", final=True)
        invoiced = State("Invoiced", value="invoiced", final=True)

        # -- normal flow -------------------------------------------------------------------------
        # N1: checkout creates the seller order from the marketplace order.
        order_placed = transition(null.to(on_order_completed_ffm), actor=PLATFORM,
                                  cite="API/EXTFF order placement; REF N1", happy=True)
        # N2: the seller confirms the order automatically.
        confirm_order = transition(on_order_completed_ffm.to(order_accepted), actor=PLATFORM,
                                   sends=p.m("order-confirmation"),
                                   cite="OFS order-accepted; REF N2", happy=True)
        await_authorization = transition(order_accepted.to(waiting_for_manual_authorization),
                                         actor=PLATFORM, cite="OFS seller flow; REF §1 happy path",
                                         happy=True)
        # N5: the marketplace authorizes fulfillment once payment is approved.
        fulfillment_authorized = transition(
            waiting_for_manual_authorization.to(authorize_fulfillment), actor=PLATFORM,
            cite="OFS authorize-fulfillment; REF N5", happy=True)
        open_window = transition(authorize_fulfillment.to(window_to_cancel), actor=PLATFORM,
                                 cite="OFS window-to-cancel; GRACE", happy=True)
        # N6: the grace period elapses (default 30 min).
        if o.window_clock is WindowClock.REQUEST:
            # Request clock: a cancel request made inside the window is "automatically
            # canceled" (DCL step 3; CUST) even if it reaches the seller order later, so the
            # window is not judged over against a request still in flight (option
            # window_clock; REF §6 q. 8-9).
            window_elapsed = transition(
                window_to_cancel.to(fulfilling, unless=p.g("cancel_request_in_flight")),
                actor=PLATFORM, cite="GRACE; OFS; REF N6; DCL step 3; CUST", happy=True)
        else:
            window_elapsed = transition(window_to_cancel.to(fulfilling), actor=PLATFORM,
                                        cite="GRACE; OFS; REF N6", happy=True)
        # N10: OFS gives the 30-day auto-cancel on `authorize-fulfillment` /
        # `waiting-for-fulfillment` ("if the marketplace does not authorize within 30 days").
        # Here `authorize-fulfillment` is the pass-through *after* authorization, so the timer
        # sits on the status that waits for it.
        authorization_timeout = transition(
            waiting_for_manual_authorization.to(canceling), actor=PLATFORM,
            sends=p.m("seller-cancellation"), cite="OFS authorize-fulfillment 30 days; REF N10",
            inferred="OFS states the 30-day rule on authorize-fulfillment/"
                     "waiting-for-fulfillment; the model moves it to the status that waits "
                     "for the marketplace's authorization")
        # Item 5: a marketplace order canceled before payment approval (payment denied, or a
        # cancel in payment-pending) cancels the seller order that waits for authorization.
        marketplace_canceled = transition(
            waiting_for_manual_authorization.to(canceling), actor=PLATFORM,
            cite="OFS Payment denied; OVW marketplace diagram; KI-1198719",
            inferred="no document says how the seller order learns of a marketplace "
                     "cancellation before payment approval; KI-1198719 shows both orders are "
                     "expected to end canceled")
        # N8: the seller sends the invoice; it reaches the marketplace as a message.
        invoice = transition(fulfilling.handling.to(invoiced), actor=SELLER, sends=p.m("invoice"),
                             cite="API invoice; OFS; REF N8", happy=True)

        # -- cancellation requested by the shopper or the marketplace ------------------------------
        # DCL step 3: "If the order is within the cancellation window, the order is
        # automatically canceled, which is the platform's default behavior."
        # DCL step 2 puts the marketplace in `waiting-for-seller-decision` *before* step 3's
        # window check (OCI step 2; APIPII timeline request-cancel -> waiting-for-seller-
        # decision -> cancel): the seller order takes the request, then cancels.
        cancel_requested = (
            transition(window_to_cancel.to(canceling), actor=PLATFORM,
                       sends=(p.m("cancellation-request-received"), p.m("seller-cancellation")),
                       cite="DCL steps 2-3; OCI; GRACE; CUST; REF C1")
            # A request that overtakes the fulfilment authorization is inside the window too
            # (GRACE: the grace period starts at payment approval).
            | transition(waiting_for_manual_authorization.to(canceling), actor=PLATFORM,
                         sends=(p.m("cancellation-request-received"), p.m("seller-cancellation")),
                         cite="DCL step 3; GRACE; REF C1",
                         inferred="only when the request overtakes the authorization message; "
                                  "GRACE starts the window at payment approval")
            # DCL step 4: "The seller receives the cancel order request"; seller status
            # `cancellation-requested` (DCL step 4 note; OCI).
            | transition(fulfilling.to(cancellation_requested), actor=PLATFORM,
                         sends=p.m("cancellation-request-received"), cite="DCL step 4; OCI; REF C2")
            # The seller had already asked to cancel: the request joins it (INF, REF C7).
            | transition(cancellation_requested.to.itself(internal=True), actor=PLATFORM,
                         sends=p.m("cancellation-request-received"), cite="REF C2, C7",
                         inferred="a request that meets the seller's own pending request joins it")
        )
        # DCL step 4 "decides whether to accept it": accepting is cancelling again (REF C3,
        # open question 5); the seller's own first click asks for cancellation (HTC; REF C7).
        cancel = (
            transition(fulfilling.to(cancellation_requested), actor=SELLER,
                       cite="HTC; TRKCAN first click; REF C7")
            | transition(cancellation_requested.to(canceling), actor=SELLER,
                         sends=p.m("seller-cancellation"), cite="OCI; HTC second click; REF C3")
            | transition(window_to_cancel.to(canceling)
                         | waiting_for_manual_authorization.to(canceling),
                         actor=SELLER, sends=p.m("seller-cancellation"), cite="HTC; REF C7",
                         inferred="HTC describes the two-click cancel only from "
                                  "ready-for-handling/handling; before that the seller's cancel "
                                  "is taken as direct")
        )
        # DCL step 5: "The seller declines the order cancellation and notifies the
        # marketplace"; the seller returns to "ready for handling or handling, depending on
        # which was the status before the cancel request" (DCL, last section).
        decline = transition(
            cancellation_requested.to(
                fulfilling.previous, cond=p.g("marketplace_awaits_decision")),
            actor=SELLER,
            sends=p.m("cancellation-denied"),
            cite="DCL steps 4-5; OCI deny endpoint (400 unless marketplace "
                 "waiting-for-seller-decision and seller cancellation-requested); REF C4")
        if o.seller_may_deny_own_request:
            # KI-1004978: "when requesting cancellation, then refuse this cancellation": the
            # seller refuses the cancellation *it* requested (no marketplace request open);
            # "the order is stuck at the seller, in the cancellation-request-denied-ffm status".
            decline |= transition(cancellation_requested.to(cancellation_request_denied_ffm,
                                                            cond=p.g("seller_request_is_own")),
                                  actor=SELLER, cite="KI-1004978 Summary; simulation steps 3-4")
        # DCL: "If within 30 days the seller takes no action regarding a cancellation
        # order request, the order is automatically canceled by the VTEX platform."
        decision_timeout = (
            transition(cancellation_requested.to(canceling, unless=p.g("seller_request_is_own")),
                       actor=PLATFORM, sends=p.m("seller-cancellation"),
                       cite="DCL (30 days); REF C5")
            | transition(cancellation_requested.to(canceling, cond=p.g("seller_request_is_own")),
                         actor=PLATFORM, sends=p.m("seller-cancellation"),
                         cite="DCL (30 days); REF C5",
                         inferred="DCL's 30-day rule speaks of a cancellation request by "
                                  "the customer or marketplace; applied to the seller's own "
                                  "request")
        )
        # HTC / TRKCAN: "to continue with this order, simply enter the invoice" (REF C6).
        invoice |= transition(cancellation_requested.to(invoiced), actor=SELLER,
                              sends=p.m("invoice"), cite="HTC; TRKCAN; REF C6")
        if not o.change_seller:
            # C9: `cancel` waits for Payments to finish, then `canceled`.
            payment_canceled = transition(canceling.to(canceled), actor=PLATFORM,
                                          cite="OFS cancel*; REF C9")
        else:
            # With change-seller (CHSELL; REF C7) the pair's seller order is the *seller
            # slot* of its marketplace order: the slot stays in `cancel` until the
            # marketplace order can no longer change the seller (it is canceling, canceled
            # or invoiced); a change places a new seller order, which starts from `null`
            # (no seller order yet) like the first.
            payment_canceled = transition(
                canceling.to(canceled, cond=p.g("seller_slot_closed")), actor=PLATFORM,
                cite="OFS cancel*; REF C9; CHSELL",
                inferred="the slot's `cancel` lasts until its marketplace order can no longer "
                         "change the seller (CHSELL window)")
            new_seller_order = transition(
                canceling.to(null, cond=p.g("new_seller_order_placed")), actor=PLATFORM,
                cite="CHSELL; REF C7",
                inferred="CHSELL's new seller order modelled as the pair's seller slot "
                         "starting over; no document describes the slot")

    return SellerOrder
