"""A stable fingerprint of a compiled model, for caching results and naming model versions.

The fingerprint covers everything that can change a check's outcome: every party's compiled
tables (states, transitions with guards, provenance and sends), messages, timers, the code
of guards and properties (their bytecode and constants, so an edited predicate is a new
model), the engine's own version, and the options (delivery, capacity, bounds).  It never
covers the time or the file paths, so a checkout elsewhere hits the same cache entry.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from .system import JointSystem

ENGINE_VERSION = "ordercheck-engine-1"


def _code(fn: Callable[..., Any] | None) -> Any:
    code = getattr(fn, "__code__", None)
    if code is None:
        return repr(fn)
    consts = [(_code_obj(c) if hasattr(c, "co_code") else repr(c)) for c in code.co_consts]
    return [code.co_code.hex(), consts, list(code.co_names)]


def _code_obj(code: Any) -> Any:
    return [code.co_code.hex(), [repr(c) for c in code.co_consts], list(code.co_names)]


def describe(system: JointSystem) -> dict[str, Any]:
    """A JSON-able description of the compiled model (sorted, deterministic)."""
    wf = system.workflow
    parties = []
    for chart in system.charts:
        parties.append({
            "party": chart.party,
            "states": sorted([v, s.kind, s.parent or "", s.final, s.initial, s.defers]
                             for v, s in chart.states.items()),
            "transitions": [[t.source, t.event, t.target or "", [list(g) for g in t.guard],
                             t.internal, t.meta.actor, list(t.meta.sends), t.meta.cite]
                            for t in chart.transitions],
        })
    props = []
    for p in wf.properties:
        fields = {k: _code(getattr(p, k)) for k in ("holds", "after", "then", "trigger",
                                                     "response") if hasattr(p, k)}
        props.append({"type": type(p).__name__, "name": p.name, "severity": p.severity,
                      "code": fields})
    return {
        "engine": ENGINE_VERSION,
        "parties": parties,
        "messages": [[m.name, m.sender, m.receiver, m.event] for m in wf.messages],
        "timers": [[t.name, t.party, t.event] for t in wf.timers],
        "guards": {name: _code(fn) for name, fn in sorted(wf.guards.items())},
        "automatic": list(wf.automatic_actors),
        "properties": props,
    }


def fingerprint(system: JointSystem, **options: Any) -> str:
    blob = json.dumps({"model": describe(system), "options": options}, sort_keys=True,
                      default=repr)
    return hashlib.sha256(blob.encode()).hexdigest()
