"""A small two-party workflow that is not VTEX: a buyer's purchase order and a supplier's
sales order, written the way the VTEX model is (one StateChart per party, every transition
with its actor, messages and citation; the citations point at an imaginary spec, §1-§5).

Check it (from the repository root):

    ordercheck check --model docs/examples/two_party.py:workflow

It has one real finding: the buyer may withdraw its order while the supplier ships it
(§4 allows both), the supplier ignores the withdrawal (it already shipped) and the buyer,
waiting for a withdrawal confirmation, ignores the shipment: both stuck.
"""

from __future__ import annotations

from statemachine import State, StateChart

from ordercheck.checks.properties import Always, LeadsTo, Sometimes
from ordercheck.checks.protocol import Message, Party, StatusView, Timer, Workflow, step


class PurchaseOrder(StateChart):
    """The buyer's side."""

    catch_errors_as_events = False
    validate_trap_states = False
    validate_final_reachability = False

    draft = State("Draft", value="draft", initial=True)
    sent = State("Sent", value="sent")
    confirmed = State("Confirmed", value="confirmed")
    withdrawing = State("Withdrawing", value="withdrawing")
    received = State("Received", value="received", final=True)
    withdrawn = State("Withdrawn", value="withdrawn", final=True)

    # §1 the buyer sends the order to the supplier
    submit = step(draft.to(sent), actor="buyer", sends="order", cite="§1", happy=True)
    # §2 the supplier's confirmation arrives
    confirmation = step(sent.to(confirmed), actor="platform", cite="§2", happy=True)
    # §4 the buyer may withdraw until the goods arrive
    withdraw = step(sent.to(withdrawing) | confirmed.to(withdrawing), actor="buyer",
                    sends="withdrawal", cite="§4")
    # §4 the supplier acknowledges a withdrawal
    withdrawal_confirmed = step(withdrawing.to(withdrawn), actor="platform", cite="§4")
    # §3 goods arrive
    shipment = step(confirmed.to(received), actor="platform", cite="§3", happy=True)
    # §5 no confirmation within 7 days: the order lapses
    lapse = step(sent.to(withdrawing), actor="platform", sends="withdrawal", cite="§5")


class SalesOrder(StateChart):
    """The supplier's side."""

    catch_errors_as_events = False
    validate_trap_states = False
    validate_final_reachability = False

    waiting = State("Waiting", value="waiting", initial=True)
    open_ = State("Open", value="open")
    packed = State("Packed", value="packed")
    shipped = State("Shipped", value="shipped", final=True)
    cancelled = State("Cancelled", value="cancelled", final=True)

    order = step(waiting.to(open_), actor="platform", sends="confirmation", cite="§2",
                 happy=True)
    pack = step(open_.to(packed, cond="credit_ok"), actor="supplier", cite="§3", happy=True)
    ship = step(packed.to(shipped), actor="supplier", sends="shipment", cite="§3", happy=True)
    # §4 a withdrawal before shipping cancels the sales order
    withdrawal = step(open_.to(cancelled) | packed.to(cancelled) | waiting.to(cancelled),
                      actor="platform", sends="withdrawal-confirmed", cite="§4")


def credit_ok(v: StatusView) -> bool:
    """§3: goods are packed only for an order the buyer has not started to withdraw."""
    return v["buyer"] != "withdrawing"


def workflow() -> Workflow:
    return Workflow(
        name="purchase-order",
        parties=(Party(name="buyer", chart=PurchaseOrder, title="Purchase order"),
                 Party(name="supplier", chart=SalesOrder, title="Sales order")),
        messages=(
            Message(name="order", sender="buyer", receiver="supplier", event="order"),
            Message(name="confirmation", sender="supplier", receiver="buyer",
                    event="confirmation"),
            Message(name="withdrawal", sender="buyer", receiver="supplier",
                    event="withdrawal"),
            Message(name="withdrawal-confirmed", sender="supplier", receiver="buyer",
                    event="withdrawal_confirmed"),
            Message(name="shipment", sender="supplier", receiver="buyer", event="shipment"),
        ),
        timers=(Timer(name="confirmation-7-days", party="buyer", event="lapse",
                      duration="7 days", cite="§5"),),
        guards={"credit_ok": credit_ok},
        actors={"buyer": "the buyer's purchasing", "supplier": "the supplier's warehouse",
                "platform": "either side's automation"},
        properties=(
            Always(name="agree-at-quiescence",
                   description="When only people can move, both orders ended the same way.",
                   holds=lambda v: not v.quiescent
                   or (v["buyer"], v["supplier"]) in {("received", "shipped"),
                                                      ("withdrawn", "cancelled")}),
            Sometimes(name="can-be-received", description="An order can be received.",
                      holds=lambda v: v["buyer"] == "received"),
            LeadsTo(name="withdrawal-answered",
                    description="A withdrawal is always answered.",
                    trigger=lambda v: v["buyer"] == "withdrawing",
                    response=lambda v: v["buyer"] != "withdrawing"),
        ),
    )
