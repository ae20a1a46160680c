"""The analyses' public names, where they were before the seam (``checks.analyses`` is the
package; this module keeps ``from ordercheck.checks.analysis import analyse`` working)."""

from __future__ import annotations

from .analyses import (
    BUILTIN_PROPERTIES,
    BUILTINS,
    Analysis,
    Context,
    Views,
    analyse,
    reaches,
    to_networkx,
)
from .findings import Finding, Path

__all__ = ["BUILTINS", "BUILTIN_PROPERTIES", "Analysis", "Context", "Finding", "Path", "Views",
           "analyse", "reaches", "to_networkx"]
