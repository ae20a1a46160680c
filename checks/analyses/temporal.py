"""The user property kinds: invariants over states and steps, witnesses, history, liveness.

Each function evaluates one kind of :class:`~..properties.Property` over the explored graph and
returns findings (empty when it holds).  Witnesses of ``Sometimes`` properties that hold go
into ``witnesses`` (name -> path).  Verdicts that need the whole graph (no witness, liveness)
are not given on a bounded one.
"""

from __future__ import annotations

import itertools
from collections import deque
from typing import Any

import numpy as np

from ..findings import Finding, FindingKind, Path, Severity
from ..properties import LeadsTo, NeverAfter, Property, step_holds
from ..protocol import NETWORK_ACTOR, TIMER_ACTOR
from . import arrays, instances, scan
from .arrays import Mask
from .context import Context

Witnesses = dict[str, Path]


def _common(prop: Property, kind: FindingKind) -> dict[str, Any]:
    return {"kind": kind, "property": prop.name, "severity": Severity(prop.severity),
            "cite": prop.cite, "description": prop.description}


def _first_step(ctx: Context, prop: Any, want: bool = True) -> tuple[int, int, int] | None:
    """The step (i, action, j) where ``prop.holds`` is ``want`` (for some instance, when it
    has some) whose source is shallowest (the first in edge order when states are numbered
    breadth first, as every back end does)."""
    graph = ctx.graph
    depth = np.asarray(graph.depth, dtype=np.int64)
    if not len(depth) or bool((np.diff(depth) >= 0).all()):
        if prop.each:
            return instances.first_step(ctx, prop, want)
        return scan.first_step(ctx, prop.holds, want)

    def value(i: int, label: int, j: int) -> bool:
        if prop.each:
            return step_holds(prop, ctx.views.step(i, label, j))
        return ctx.step_holds(prop.holds, i, label, j)

    best = None  # another numbering: shallowest source first, the plain way
    for i in range(graph.expanded):
        if best is not None and graph.depth[i] >= graph.depth[best[0]]:
            continue
        for label, j in graph.successors(i):
            if value(i, label, j) == want:
                best = (i, label, j)
                break
    return best


def _state_values(ctx: Context, prop: Any, want: bool) -> Mask:
    """States where ``prop.holds`` is ``want`` (for some instance, when it has some)."""
    if prop.each:
        return instances.state_mask(ctx, prop, want)
    values = scan.state_values(ctx, prop.holds)
    return values if want else ~values


def always(ctx: Context, prop: Any, witnesses: Witnesses) -> list[Finding]:
    """Every reachable state satisfies ``holds``: the shallowest bad state is the trace."""
    bad = np.flatnonzero(_state_values(ctx, prop, False)).tolist()
    if not bad:
        return []
    return [Finding(state=bad[0], path=ctx.path_to(bad[0]), count=len(bad),
                    members=frozenset(bad), **_common(prop, FindingKind.INVARIANT))]


def always_step(ctx: Context, prop: Any, witnesses: Witnesses) -> list[Finding]:
    """Every reachable step satisfies ``holds``: path plus the bad step."""
    hit = _first_step(ctx, prop, want=False)
    if hit is None:
        return []
    i, label, j = hit
    return [Finding(state=j, path=[*ctx.path_to(i), (label, j)],
                    action=ctx.system.labels[label], members=frozenset({j}),
                    **_common(prop, FindingKind.ACTION))]


def sometimes(ctx: Context, prop: Any, witnesses: Witnesses) -> list[Finding]:
    """Some reachable state satisfies ``holds``; its shortest path is the witness."""
    if prop.each:
        found = np.flatnonzero(_state_values(ctx, prop, True))
        i = int(found[0]) if len(found) else None
    else:
        i = scan.first_state(ctx, prop.holds)
    if i is not None:
        witnesses[prop.name] = ctx.path_to(i)
        return []
    return _no_witness(ctx, prop)


def sometimes_step(ctx: Context, prop: Any, witnesses: Witnesses) -> list[Finding]:
    """Some reachable step satisfies ``holds``."""
    hit = _first_step(ctx, prop)
    if hit is not None:
        i, label, j = hit
        witnesses[prop.name] = [*ctx.path_to(i), (label, j)]
        return []
    return _no_witness(ctx, prop)


def _no_witness(ctx: Context, prop: Property) -> list[Finding]:
    if not ctx.graph.complete:
        return []
    return [Finding(state=None, **_common(prop, FindingKind.WITNESS))]


def never_after(ctx: Context, prop: NeverAfter, witnesses: Witnesses) -> list[Finding]:
    """No ``then`` step after an ``after`` step: BFS over (state, triggered), so the trace is
    shortest through the trigger."""
    graph = ctx.graph
    start = (0, False)
    parent: dict[tuple[int, bool], tuple[tuple[int, bool], int] | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        i, triggered = node
        if i >= graph.expanded:
            continue
        for label, j in graph.successors(i):
            if triggered and ctx.step_holds(prop.then, i, label, j):
                path = [(label, j)]
                cur: tuple[int, bool] | None = node
                while cur is not None:
                    back = parent[cur]
                    path.append((back[1] if back else -1, cur[0]))
                    cur = back[0] if back else None
                path.reverse()
                return [Finding(state=j, path=path, action=ctx.system.labels[label],
                                members=frozenset({j}), **_common(prop, FindingKind.HISTORY))]
            nxt = (j, triggered or ctx.step_holds(prop.after, i, label, j))
            if nxt not in parent:
                parent[nxt] = (node, label)
                queue.append(nxt)
    return []


def leads_to(ctx: Context, prop: LeadsTo, witnesses: Witnesses) -> list[Finding]:
    """``trigger ~> response`` under strong fairness of the automatic steps only.

    Automatic steps are those of ``Workflow.automatic_actors``, timers and message
    deliveries; people may never act.  A fair run can therefore stop for ever in a state
    where no automatic step is enabled, or cycle in a component that no automatic step
    leaves (Emerson–Lei refinement).  Those are the traps; the property fails when a
    reachable trigger state reaches a trap through non-response states.  Liveness needs the
    whole graph: not evaluated on a bounded one.
    """
    graph = ctx.graph
    if not graph.complete:
        return []
    system, csr = ctx.system, ctx.csr
    automatic_actors = {*system.workflow.automatic_actors, TIMER_ACTOR, NETWORK_ACTOR}
    auto_label = np.array([lab.actor in automatic_actors for lab in system.labels] or [False],
                          dtype=bool)
    n = graph.n_states
    waiting = ~scan.state_values(ctx, prop.response)
    wait = waiting & ctx.expanded_mask  # the subgraph the trap search runs in
    src, dst = csr.src, csr.succ
    auto_edge = auto_label[np.asarray(graph.succ_label, dtype=np.int64)] if len(dst) else (
        np.zeros(0, dtype=bool))
    has_auto = np.zeros(n, dtype=bool)
    has_auto[src[auto_edge]] = True
    traps = wait & ~has_auto  # people may idle here for ever
    loops = arrays.self_loops(csr) & wait
    region = wait
    while region.any():  # Emerson-Lei: drop the states an automatic step leaves, repeat
        count, comp = arrays.strong_components(csr, keep=region)
        sizes = np.bincount(comp[region], minlength=count)
        cyclic = sizes > 1
        cyclic[comp[loops & region]] = True
        out = auto_edge & region[src] & (comp[src] != comp[dst])
        leaving = np.zeros(n, dtype=bool)
        leaving[src[out]] = True
        n_leaving = np.bincount(comp[leaving & region], minlength=count)
        traps |= region & (cyclic & (n_leaving == 0))[comp]
        region = region & (cyclic & (n_leaving > 0) & (n_leaving < sizes))[comp] & ~leaving
    if not traps.any():
        return []
    can_trap = arrays.reaches(csr, traps, keep=wait)
    for i in np.flatnonzero(can_trap).tolist():  # BFS order: the first is the shallowest
        if waiting[i] and ctx.holds(prop.trigger, i):
            path = graph.path_to(i)
            nearest = arrays.bfs_first(csr, i, lambda v: bool(traps[v]), keep=wait)
            assert nearest is not None, "a state in can_trap reaches a trap"
            tail = arrays.shortest_path(csr, i, nearest, keep=wait)
            assert tail is not None
            loop_start = len(path) - 1
            for a, b in itertools.pairwise(tail):
                path.append((_first_label(graph, a, b), b))
            members = np.flatnonzero(can_trap).tolist()
            return [Finding(state=i, path=path, loop_start=loop_start, count=len(members),
                            members=frozenset(members), fairness=prop.fairness,
                            **_common(prop, FindingKind.LIVENESS))]
    return []


def _first_label(graph: Any, a: int, b: int) -> int:
    """The first action (in edge order) of the steps from ``a`` to ``b``."""
    return next(label for label, j in graph.successors(a) if j == b)
