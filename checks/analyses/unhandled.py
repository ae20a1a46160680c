"""Unhandled messages: a message delivered to a non-final party with no transition for it.

Example: a reply that reaches a buyer who already withdrew is ``unhandled message: shipment
reaches buyer in withdrawing``; the trace ends with the delivery.  One finding per (message,
party, status), its shallowest occurrence as the trace.
"""

from __future__ import annotations

import numpy as np

from ..findings import Finding, FindingKind, Severity
from ..properties import Property
from .context import Context


def unhandled_messages(ctx: Context, prop: Property) -> list[Finding]:
    graph, labels, views = ctx.graph, ctx.system.labels, ctx.views
    best: dict[tuple[str, str, str], tuple[int, int, int, int]] = {}
    counts: dict[tuple[str, str, str], int] = {}
    members: dict[tuple[str, str, str], set[int]] = {}
    # only deliveries a party ignores can be unhandled: find those edges in one pass over
    # the arrays, then look at each in edge order (source ascending, as before)
    ignored = np.array([lab.ignored for lab in labels] or [False], dtype=bool)
    csr = ctx.csr
    succ_label = np.asarray(graph.succ_label, dtype=np.int64)
    hits = np.flatnonzero(ignored[succ_label] & (csr.src < graph.expanded)) if len(
        succ_label) else np.zeros(0, dtype=np.int64)
    mask, states, depth = views._mask, graph.states, graph.depth
    for e in hits.tolist():
        i, label, j = int(csr.src[e]), int(succ_label[e]), int(csr.succ[e])
        lab = labels[label]
        status, _, final = views.control(states[i] & mask)
        if final[lab.party]:
            continue
        key = (lab.message, lab.party, status[lab.party])
        counts[key] = counts.get(key, 0) + 1
        members.setdefault(key, set()).add(j)
        known = best.get(key)
        if known is None or depth[i] < known[0] or (depth[i] == known[0] and i < known[1]):
            best[key] = (depth[i], i, label, j)
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
