"""Implementations made from the model itself, for testing the conformance harness."""

from __future__ import annotations

from ordercheck.checks.conformance.model_adapter import ModelAdapter
from ordercheck.model.vtex import documented, observed


class DocumentedImpl(ModelAdapter):
    """Conforms by construction (platform steps run by themselves)."""

    def __init__(self) -> None:
        super().__init__(documented(), frozenset({"platform"}))


class ObservedImpl(ModelAdapter):
    """Behaves like production per the known issues: must not conform to `documented`."""

    def __init__(self) -> None:
        super().__init__(observed(), frozenset({"platform"}))


class FullControlImpl(ModelAdapter):
    """Every step, platform included, is a command."""

    def __init__(self) -> None:
        super().__init__(documented(), frozenset())
