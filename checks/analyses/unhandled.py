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
    graph, labels, charts = ctx.graph, ctx.system.labels, ctx.system.charts
    # only deliveries a party ignores can be unhandled: find those edges in one pass over
    # the arrays, and group them by (action, the receiver's configuration) with numpy
    ignored = np.array([lab.ignored for lab in labels] or [False], dtype=bool)
    csr, succ_label = ctx.csr, ctx.labels
    hits = np.flatnonzero(ignored[succ_label] & (csr.src < graph.expanded)) if len(
        succ_label) else np.zeros(0, dtype=np.int64)
    if not len(hits):
        return []
    receiver = np.array([ctx.system.party_index[lab.party] for lab in labels], dtype=np.int64)
    src, label = csr.src[hits].astype(np.int64), succ_label[hits]
    cfg = ctx.ctrl_configs[ctx.ctrl_ids[src], receiver[label]]
    width = int(cfg.max()) + 1
    codes, code_of = np.unique(label * width + cfg, return_inverse=True)
    # (message, party, status) of each code; None where the receiver is final
    keys: list[tuple[str, str, str] | None] = []
    for code in codes.tolist():
        lab = labels[code // width]
        chart, c = charts[receiver[code // width]], code % width
        keys.append(None if chart.final[c] else (lab.message, lab.party, chart.configs[c].leaf))
    names = sorted({k for k in keys if k is not None})
    if not names:
        return []
    number = {k: n for n, k in enumerate(names)}
    key_of_code = np.array([-1 if k is None else number[k] for k in keys], dtype=np.int64)
    key = key_of_code[code_of.reshape(-1)]
    keep = key >= 0
    hits, src, label, key = hits[keep], src[keep], label[keep], key[keep]
    succ = csr.succ[hits].astype(np.int64)
    depth = np.asarray(graph.depth, dtype=np.int64)
    # per key, its shallowest source (then the smallest state number)
    order = np.lexsort((src, depth[src], key))
    first = order[np.flatnonzero(np.r_[True, key[order][1:] != key[order][:-1]])]
    counts = np.bincount(key, minlength=len(names))
    by_key = np.argsort(key, kind="stable")
    bounds = np.searchsorted(key[by_key], np.arange(len(names) + 1))
    out = []
    for n, (message, party, status) in enumerate(names):
        e = int(first[n])
        i, lab, j = int(src[e]), int(label[e]), int(succ[e])
        members = frozenset(succ[by_key[bounds[n]:bounds[n + 1]]].tolist())
        out.append(Finding(
            kind=FindingKind.UNHANDLED_MESSAGE, property=prop.name,
            severity=Severity(prop.severity), state=j, path=[*graph.path_to(i), (lab, j)],
            count=int(counts[n]), members=members, message=message, party=party,
            status=status, statuses=ctx.statuses(i)))
    return out
