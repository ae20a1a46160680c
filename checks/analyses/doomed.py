"""Doomed states: no final state is reachable any more, though the run is not stuck yet.

Example: after a race the order can still move (a timer, a delivery) but every continuation
ends in a deadlock; those earlier states are *doomed*.  Deadlock and livelock members are
reported as such, not again here; states that can reach an open (unexpanded) state are not
judged.
"""

from __future__ import annotations

from ..findings import Finding, FindingKind, Severity
from ..properties import Property
from .context import Context, group


def doomed(ctx: Context, prop: Property) -> list[Finding]:
    return [Finding(
        kind=FindingKind.DOOMED, property=prop.name, severity=Severity(prop.severity),
        state=members[0], path=ctx.path_to(members[0]), count=len(members),
        members=frozenset(members), statuses=key)
        for key, members in group(ctx.doomed, ctx.statuses)]
