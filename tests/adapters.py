"""Implementations made from the model itself, for testing the conformance harness.

The joint systems are built once per process: an adapter is created per Hypothesis example.
"""

from __future__ import annotations

from functools import cache

from ordercheck.checks.conformance.model_adapter import ModelAdapter
from ordercheck.checks.system import JointSystem
from ordercheck.model.vtex import documented, observed


@cache
def _system(variant: str) -> JointSystem:
    return JointSystem(documented() if variant == "documented" else observed())


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
