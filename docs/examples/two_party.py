"""A two-party workflow that is not VTEX: a buyer's purchase order and a supplier's sales order.

It is written the way the VTEX model is (``model/vtex``): one ``StateChart`` per party, every
transition wrapped in ``transition()`` with its actor, the messages it sends and a citation.  The
citations point at an imaginary procurement spec, "PO":

* PO §1  the buyer submits a purchase order to the supplier;
* PO §2  the supplier opens a sales order and confirms it;
* PO §3  the supplier packs (only with no withdrawal waiting in its inbox) and ships;
* PO §4  the buyer may withdraw an order until the goods arrive; the supplier cancels and
         confirms the withdrawal;
* PO §5  an order not confirmed within 7 days lapses: it is withdrawn automatically, and a
         confirmation arriving after that is ignored.

Check it (any of these, exit code 1)::

    ordercheck check --model docs/examples/two_party.py:workflow     # from the repository root
    ordercheck check --model docs.examples.two_party:workflow        # from the repository root
    ordercheck check --model two_party:workflow                      # from docs/examples

The finding: the spec lets the buyer withdraw (§4, or the §5 lapse) while the supplier ships
(§3).  The supplier's order is already shipped and ignores the withdrawal; the buyer,
waiting for a withdrawal confirmation, ignores the shipment.  Neither side ever moves again
(a deadlock), the two orders disagree, and the withdrawal is never answered.  The §3 guard
narrows the race (no packing with a withdrawal in the inbox) but cannot close it: the timer
can fire after packing.  ``fixed_workflow()`` adds the missing rule ("§4a: goods that
arrive while a withdrawal is pending are received") and checks clean (exit 0).
"""

from __future__ import annotations

from statemachine import State, StateChart

from ordercheck.checks.properties import Always, JointView, LeadsTo, Sometimes
from ordercheck.checks.protocol import (
    Message,
    Party,
    StatusView,
    Timer,
    Workflow,
    reads_messages,
    transition,
)

BUYER, SUPPLIER, PLATFORM = "buyer", "supplier", "platform"


def purchase_order_chart(fixed: bool) -> type[StateChart]:
    """The buyer's chart; ``fixed`` adds the §4a rule that removes the finding.

    A function, like the VTEX ``seller_chart(options)``, so that both variants are classes
    of their own (a chart class is compiled once per class).
    """

    class PurchaseOrder(StateChart):
        """The buyer's purchase order, from draft to received or withdrawn."""

        catch_errors_as_events = False  # a failing guard must fail the check, not be an event
        validate_trap_states = False  # the checker reports stuck statuses, with traces
        validate_final_reachability = False

        draft = State("Draft", value="draft", initial=True)
        sent = State("Sent", value="sent")
        confirmed = State("Confirmed", value="confirmed")
        withdrawing = State("Withdrawing", value="withdrawing")
        received = State("Received", value="received", final=True)
        withdrawn = State("Withdrawn", value="withdrawn", final=True)

        submit = transition(draft.to(sent), actor=BUYER, sends="order", cite="PO §1", happy=True)
        confirmation = (
            transition(sent.to(confirmed), actor=PLATFORM, cite="PO §2", happy=True)
            # a confirmation that crosses the lapse is expected, and dropped on purpose
            | transition(withdrawing.to.itself(internal=True), actor=PLATFORM, cite="PO §5"))
        withdraw = transition(sent.to(withdrawing) | confirmed.to(withdrawing), actor=BUYER,
                              sends="withdrawal", cite="PO §4")
        lapse = transition(sent.to(withdrawing), actor=PLATFORM, sends="withdrawal", cite="PO §5")
        withdrawal_confirmed = transition(withdrawing.to(withdrawn), actor=PLATFORM, cite="PO §4")
        if fixed:
            shipment = (transition(confirmed.to(received), actor=PLATFORM, cite="PO §3", happy=True)
                        | transition(withdrawing.to(received), actor=PLATFORM, cite="PO §4a"))
        else:
            shipment = transition(confirmed.to(received), actor=PLATFORM, cite="PO §3", happy=True)

    return PurchaseOrder


class SalesOrder(StateChart):
    """The supplier's sales order, from the order's arrival to shipped or cancelled."""

    catch_errors_as_events = False
    validate_trap_states = False
    validate_final_reachability = False

    waiting = State("Waiting for an order", value="waiting", initial=True)
    open_ = State("Open", value="open")
    packed = State("Packed", value="packed")
    shipped = State("Shipped", value="shipped", final=True)
    cancelled = State("Cancelled", value="cancelled", final=True)

    order = transition(waiting.to(open_), actor=PLATFORM, sends="confirmation", cite="PO §2",
                       happy=True)
    pack = transition(open_.to(packed, cond="no_withdrawal_waiting"), actor=SUPPLIER, cite="PO §3",
                      happy=True)
    ship = transition(packed.to(shipped), actor=SUPPLIER, sends="shipment", cite="PO §3",
                                happy=True)
    # FIFO: the order always arrives before a withdrawal, so `waiting` needs no withdrawal
    withdrawal = transition(open_.to(cancelled) | packed.to(cancelled), actor=PLATFORM,
                            sends="withdrawal-confirmed", cite="PO §4")


@reads_messages
def no_withdrawal_waiting(v: StatusView) -> bool:
    """PO §3: the warehouse reads its inbox before packing.

    A message in flight to the supplier is one its inbox holds but it has not processed, so
    the guard reads ``in_flight`` (hence ``@reads_messages``: guards are then evaluated per
    channel contents, not only per status).
    """
    return "withdrawal" not in v.in_flight


def _agree_when_settled(v: JointView) -> bool:
    """When only people could move and one side has ended, both ended the same way."""
    if not v.quiescent or not (v.final[BUYER] or v.final[SUPPLIER]):
        return True
    return (v[BUYER], v[SUPPLIER]) in {("received", "shipped"), ("withdrawn", "cancelled")}


def _build(fixed: bool) -> Workflow:
    return Workflow(
        name="purchase-order-fixed" if fixed else "purchase-order",
        parties=(Party(name=BUYER, chart=purchase_order_chart(fixed), title="Purchase order"),
                 Party(name=SUPPLIER, chart=SalesOrder, title="Sales order")),
        messages=(
            Message(name="order", sender=BUYER, receiver=SUPPLIER, event="order",
                    cite="PO §1"),
            Message(name="confirmation", sender=SUPPLIER, receiver=BUYER,
                    event="confirmation", cite="PO §2"),
            Message(name="withdrawal", sender=BUYER, receiver=SUPPLIER, event="withdrawal",
                    cite="PO §4"),
            Message(name="withdrawal-confirmed", sender=SUPPLIER, receiver=BUYER,
                    event="withdrawal_confirmed", cite="PO §4"),
            Message(name="shipment", sender=SUPPLIER, receiver=BUYER, event="shipment",
                    cite="PO §3"),
        ),
        timers=(Timer(name="confirmation-7-days", party=BUYER, event="lapse",
                      duration="7 days", cite="PO §5"),),
        guards={"no_withdrawal_waiting": no_withdrawal_waiting},
        actors={BUYER: "the buyer's purchasing department",
                SUPPLIER: "the supplier's warehouse",
                PLATFORM: "either side's order system, acting on a message or the clock"},
        properties=(
            Always(name="agree-when-settled", cite="PO §4",
                   description="When only people can move and one order has ended, both "
                               "ended the same way (received/shipped or withdrawn/cancelled).",
                   holds=_agree_when_settled),
            Sometimes(name="can-be-received", cite="PO §3",
                      description="An order can be received.",
                      holds=lambda v: v[BUYER] == "received"),
            LeadsTo(name="withdrawal-answered", cite="PO §4",
                    description="A withdrawal is always answered: the buyer leaves "
                                "withdrawing.",
                    trigger=lambda v: v[BUYER] == "withdrawing",
                    response=lambda v: v[BUYER] != "withdrawing"),
        ),
        description="A buyer's purchase order and a supplier's sales order (example)",
    )


def workflow() -> Workflow:
    """The example as the spec states it: it has the withdraw-versus-ship race."""
    return _build(fixed=False)


def fixed_workflow() -> Workflow:
    """The example with PO §4a added: the race is gone and the check passes."""
    return _build(fixed=True)
