"""Implementations made from the model itself, for testing the conformance harness.

The joint systems are built once per process: an adapter is created per Hypothesis example.
"""

from __future__ import annotations

from functools import cache

from ordercheck.checks.conformance.model_adapter import ModelAdapter
from ordercheck.checks.system import TransitionSystem
from ordercheck.model.vtex import documented, observed


@cache
def _system(variant: str) -> TransitionSystem:
    return TransitionSystem(documented() if variant == "documented" else observed())


class DocumentedImpl(ModelAdapter):
    """Conforms by construction (platform steps run by themselves)."""

    def __init__(self) -> None:
        super().__init__(_system("documented"), frozenset({"platform"}))


class ObservedImpl(ModelAdapter):
    """Behaves like production per the known issues: must not conform to `documented`."""

    def __init__(self) -> None:
        super().__init__(_system("observed"), frozenset({"platform"}))


class FullControlImpl(ModelAdapter):
    """Every step, platform included, is a command."""

    def __init__(self) -> None:
        super().__init__(_system("documented"), frozenset())


class RefusesMayTimeout(DocumentedImpl):
    """Conforms, but does not offer the *may* authorization timeout: targets stay uncovered."""

    def send(self, command):  # type: ignore[no-untyped-def]
        if command.name == "authorization_timeout":
            return False
        return super().send(command)


PLATFORM_BUT_GATEWAY = frozenset({
    "marketplace.complete_checkout", "marketplace.ask_seller", "marketplace.settle_approval",
    "marketplace.settle_invoice", "marketplace.payment_canceled", "seller.confirm_order",
    "seller.await_authorization", "seller.open_window", "seller.handling_started",
    "seller.payment_canceled"})


class GatewayAsCommand(ModelAdapter):
    """Runs the platform by itself except the payment gateway, which is a command."""

    def __init__(self) -> None:
        super().__init__(_system("documented"), PLATFORM_BUT_GATEWAY)
