"""Deadlocks: expanded, non-final states with no successor.

Example: in ``a --go--> b`` where ``b`` is not final, the state ``p b`` is a deadlock, reached
by ``[go]``.  States that differ only in what is in flight are one finding with a ``count``.
"""

from __future__ import annotations

from ..findings import Finding, FindingKind, Severity
from ..properties import Property
from .context import Context, group


def deadlocks(ctx: Context, prop: Property) -> list[Finding]:
    out = []
    for key, members in group(ctx.deadlocks, ctx.statuses):
        rep = members[0]
        state = ctx.graph.states[rep]
        out.append(Finding(
            kind=FindingKind.DEADLOCK, property=prop.name, severity=Severity(prop.severity),
            state=rep, path=ctx.path_to(rep), count=len(members),
            members=frozenset(members), statuses=key,
            in_flight=ctx.system.in_flight_messages(state),
            timers=ctx.system.armed_timers(state), blame=ctx.system.blame(state)))
    return out
