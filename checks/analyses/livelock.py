"""Livelocks: bottom strongly connected components with a cycle and no final state.

Example: ``s0 --stay--> l1 <--spin--> l2`` (and ``s0 --leave--> end``): ``{l1, l2}`` is one
finding ``livelock: p l1 | p l2`` with ``count=2``.  On a bounded graph a component with an
open member is not evidence (it may have a way out nobody computed).
"""

from __future__ import annotations

from ..findings import Finding, FindingKind, Severity
from ..properties import Property
from .context import Context


def livelocks(ctx: Context, prop: Property) -> list[Finding]:
    out = []
    for keys, members in ctx.traps.items():
        entry = min(members)
        state = ctx.graph.states[entry]
        out.append(Finding(
            kind=FindingKind.LIVELOCK, property=prop.name, severity=Severity(prop.severity),
            state=entry, path=ctx.path_to(entry), count=len(members),
            members=frozenset(members), cycle=keys,
            in_flight=ctx.system.in_flight_messages(state),
            timers=ctx.system.armed_timers(state)))
    return out
