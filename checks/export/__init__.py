"""Exports of the compiled model to other checkers' languages, for independent cross-checks.

A checker is trusted when an independent one agrees with it: :mod:`.promela` writes the
:class:`~ordercheck.checks.system.TransitionSystem` as a Promela program whose reachable
states are in bijection with ordercheck's joint states, :mod:`.spin` runs SPIN on it and
compares, and :mod:`.tables` holds what the export must evaluate in Python (guards and
invariants are user code, so they travel as tables).
"""

from __future__ import annotations

from .promela import PromelaExport, UnsupportedExport, export_promela

__all__ = ["PromelaExport", "UnsupportedExport", "export_promela"]
