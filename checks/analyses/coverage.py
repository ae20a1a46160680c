"""Coverage of the declaration: statuses no reachable state shows, transitions no reachable
step fires.  Both need the whole graph: on a bounded one they are not evaluated.

Example: a status only a dead branch enters is ``unreachable status: seller foo``; a transition
whose guard never holds is ``dead transition: seller a --go--> b`` with its guard named.
"""

from __future__ import annotations

import numpy as np

from ..findings import Finding, FindingKind, Severity
from ..properties import Property
from .context import Context


def unreachable_statuses(ctx: Context, prop: Property) -> list[Finding]:
    if not ctx.graph.complete:
        return []
    # statuses depend on control only: each party's configurations over the control values
    configs = ctx.ctrl_configs
    seen = {chart.party: {chart.configs[c].leaf for c in np.unique(configs[:, p]).tolist()}
            for p, chart in enumerate(ctx.system.charts)}
    parties = ctx.system.parties
    for p, same in getattr(ctx.system, "counterparts", {}).items():
        # under symmetry reduction a status shown by a counterpart is shown by this party
        # in some state of the same orbit
        seen[parties[p]] = set().union(*(seen[parties[q]] for q in same))
    out = []
    for chart in ctx.system.charts:
        declared = [v for v, s in chart.states.items() if s.kind == "atomic"]
        for value in sorted(set(declared) - seen[chart.party]):
            out.append(Finding(
                kind=FindingKind.UNREACHABLE_STATUS, property=prop.name,
                severity=Severity(prop.severity), state=None, party=chart.party,
                status=value))
    return out


def dead_transitions(ctx: Context, prop: Property) -> list[Finding]:
    if not ctx.graph.complete:
        return []
    labels = ctx.system.labels
    fired = {labels[lab].transition for lab in np.unique(np.asarray(ctx.graph.succ_label,
                                                                      dtype=np.int64)).tolist()}
    fired |= _counterpart_transitions(ctx, fired)
    return [Finding(
        kind=FindingKind.DEAD_TRANSITION, property=prop.name, severity=Severity(prop.severity),
        state=None, transition=t.label, guards=tuple(n for n, _ in t.guard), cite=t.meta.cite)
        for gt, t in enumerate(ctx.system.transitions) if gt not in fired]


def _counterpart_transitions(ctx: Context, fired: set[int]) -> set[int]:
    """Under symmetry reduction, a transition fires in some run exactly when its counterpart
    in any interchangeable party does (the orbit's runs are permutations of each other);
    counterparts share the transition's index inside their (identical) charts."""
    same = getattr(ctx.system, "counterparts", {})
    if not same:
        return set()
    owner = {t: (p, t - start) for p, start in enumerate(ctx.system._toffset)
             for t in range(start, start + len(ctx.system.charts[p].transitions))}
    out: set[int] = set()
    for gt in fired:
        if gt in owner:
            p, local = owner[gt]
            out.update(ctx.system._toffset[q] + local for q in same.get(p, ()))
    return out
