"""The order group's one payment: approved or denied for every marketplace order at once.

A cart with items of several sellers is paid once (REF §2.3: one checkout, one transaction);
the gateway's answer (REF N3 approval, N4 denial) applies to every marketplace order of the
group.  The model makes that answer a party of its own, read by each marketplace order's
``gateway_approves``/``gateway_denies`` guards, rather than a guard over the marketplace
orders: so no marketplace order can be approved while another is denied.  The gateway may
answer at any time (it does not wait for the sellers' confirmations), which is the weakest
assumption.
"""

from __future__ import annotations

from statemachine import State, StateChart

from ordercheck.checks.protocol import StatusView, transition

PLATFORM = "platform"
PAYMENT = "payment"


def payment_chart() -> type[StateChart]:
    """The group payment: ``pending`` until the gateway answers once."""

    class GroupPayment(StateChart):
        """The group's payment transaction (not an order: its own status ids)."""

        catch_errors_as_events = False
        validate_final_reachability = False
        validate_trap_states = False

        pending = State("Payment pending", value="pending", initial=True)
        approved = State("Payment approved", value="approved", final=True)
        denied = State("Payment denied", value="denied", final=True)

        gateway_approves = transition(pending.to(approved), actor=PLATFORM,
                                      cite="API payment-notification; REF N3", happy=True)
        gateway_denies = transition(pending.to(denied), actor=PLATFORM,
                                    cite="OFS Payment denied; REF N4")

    return GroupPayment


def group_payment_approved(v: StatusView) -> bool:
    """REF N3: the gateway approved the group's payment."""
    return v[PAYMENT] == "approved"


def group_payment_denied(v: StatusView) -> bool:
    """REF N4: the gateway denied the group's payment."""
    return v[PAYMENT] == "denied"
