"""Unhandled messages: a message delivered to a non-final party with no transition for it.

Example: a reply that reaches a buyer who already withdrew is ``unhandled message: shipment
reaches buyer in withdrawing``; the trace ends with the delivery.  One finding per (message,
party, status), its shallowest occurrence as the trace.
"""

from __future__ import annotations

from ..findings import Finding, FindingKind, Severity
from ..properties import Property
from .context import Context


def unhandled_messages(ctx: Context, prop: Property) -> list[Finding]:
    graph, labels, views = ctx.graph, ctx.system.labels, ctx.views
    best: dict[tuple[str, str, str], tuple[int, int, int, int]] = {}
    counts: dict[tuple[str, str, str], int] = {}
    members: dict[tuple[str, str, str], set[int]] = {}
    for i in range(graph.expanded):
        for label, j in graph.successors(i):
            lab = labels[label]
            if not lab.ignored or views[i].final[lab.party]:
                continue
            key = (lab.message, lab.party, views[i].status[lab.party])
            counts[key] = counts.get(key, 0) + 1
            members.setdefault(key, set()).add(j)
            known = best.get(key)
            if known is None or graph.depth[i] < known[0] or (
                    graph.depth[i] == known[0] and i < known[1]):
                best[key] = (graph.depth[i], i, label, j)
    out = []
    for key in sorted(best):
        _, i, label, j = best[key]
        message, party, status = key
        out.append(Finding(
            kind=FindingKind.UNHANDLED_MESSAGE, property=prop.name,
            severity=Severity(prop.severity), state=j, path=[*graph.path_to(i), (label, j)],
            count=counts[key], members=frozenset(members[key]), message=message, party=party,
            status=status, statuses=ctx.statuses(i)))
    return out
