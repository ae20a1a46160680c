"""The user property kinds: invariants over states and steps, witnesses, history, liveness.

Each function evaluates one kind of :class:`~..properties.Property` over the explored graph and
returns findings (empty when it holds).  Witnesses of ``Sometimes`` properties that hold go
into ``witnesses`` (name -> path).  Verdicts that need the whole graph (no witness, liveness)
are not given on a bounded one.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable
from typing import Any

import networkx as nx

from ..findings import Finding, FindingKind, Path, Severity
from ..properties import LeadsTo, NeverAfter, Property, StepView
from ..protocol import NETWORK_ACTOR, TIMER_ACTOR
from .context import Context, reaches

Witnesses = dict[str, Path]


def _common(prop: Property, kind: FindingKind) -> dict[str, Any]:
    return {"kind": kind, "property": prop.name, "severity": Severity(prop.severity),
            "cite": prop.cite, "description": prop.description}


def _first_step(ctx: Context, pred: Callable[[StepView], bool]
                ) -> tuple[int, int, int] | None:
    """The step (i, action, j) satisfying ``pred`` whose source is shallowest."""
    graph = ctx.graph
    best = None
    for i in range(graph.expanded):
        if best is not None and graph.depth[i] >= graph.depth[best[0]]:
            continue
        for label, j in graph.successors(i):
            if pred(ctx.views.step(i, label, j)):
                best = (i, label, j)
                break
    return best


def always(ctx: Context, prop: Any, witnesses: Witnesses) -> list[Finding]:
    """Every reachable state satisfies ``holds``: the shallowest bad state is the trace."""
    bad = [i for i in range(ctx.n) if not prop.holds(ctx.views[i])]
    if not bad:
        return []
    return [Finding(state=bad[0], path=ctx.path_to(bad[0]), count=len(bad),
                    members=frozenset(bad), **_common(prop, FindingKind.INVARIANT))]


def always_step(ctx: Context, prop: Any, witnesses: Witnesses) -> list[Finding]:
    """Every reachable step satisfies ``holds``: path plus the bad step."""
    hit = _first_step(ctx, lambda s: not prop.holds(s))
    if hit is None:
        return []
    i, label, j = hit
    return [Finding(state=j, path=[*ctx.path_to(i), (label, j)],
                    action=ctx.system.labels[label], members=frozenset({j}),
                    **_common(prop, FindingKind.ACTION))]


def sometimes(ctx: Context, prop: Any, witnesses: Witnesses) -> list[Finding]:
    """Some reachable state satisfies ``holds``; its shortest path is the witness."""
    for i in range(ctx.n):
        if prop.holds(ctx.views[i]):
            witnesses[prop.name] = ctx.path_to(i)
            return []
    return _no_witness(ctx, prop)


def sometimes_step(ctx: Context, prop: Any, witnesses: Witnesses) -> list[Finding]:
    """Some reachable step satisfies ``holds``."""
    hit = _first_step(ctx, prop.holds)
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
            step = ctx.views.step(i, label, j)
            if triggered and prop.then(step):
                path = [(label, j)]
                cur: tuple[int, bool] | None = node
                while cur is not None:
                    back = parent[cur]
                    path.append((back[1] if back else -1, cur[0]))
                    cur = back[0] if back else None
                path.reverse()
                return [Finding(state=j, path=path, action=step.label,
                                members=frozenset({j}), **_common(prop, FindingKind.HISTORY))]
            nxt = (j, triggered or prop.after(step))
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
    system, views, g = ctx.system, ctx.views, ctx.g
    automatic_actors = {*system.workflow.automatic_actors, TIMER_ACTOR, NETWORK_ACTOR}
    auto_label = [lab.actor in automatic_actors for lab in system.labels]
    n = graph.n_states
    waiting = [not prop.response(views[i]) for i in range(n)]
    wait_nodes = [i for i in range(n) if waiting[i] and graph.is_expanded(i)]
    sub = g.subgraph(wait_nodes)
    traps = {i for i in wait_nodes
             if not any(auto_label[lab] for lab, _ in graph.successors(i))}
    work = [set(wait_nodes)]
    while work:
        region = work.pop()
        for comp in nx.strongly_connected_components(sub.subgraph(region)):
            if len(comp) == 1:
                (only,) = comp
                if not sub.has_edge(only, only):
                    continue
            leaving = {i for i in comp if any(auto_label[lab] and j not in comp
                                              for lab, j in graph.successors(i))}
            if not leaving:
                traps |= comp
            elif len(leaving) < len(comp):
                work.append(comp - leaving)
    if not traps:
        return []
    can_trap = reaches(sub, sorted(traps))
    for i in range(n):  # BFS order: the first is the shallowest
        if waiting[i] and prop.trigger(views[i]) and i in can_trap:
            path = graph.path_to(i)
            tail = nx.shortest_path(sub, i, _nearest(sub, i, traps))
            loop_start = len(path) - 1
            for a, b in itertools.pairwise(tail):
                path.append((g[a][b]["labels"][0], b))
            return [Finding(state=i, path=path, loop_start=loop_start, count=len(can_trap),
                            members=frozenset(can_trap), fairness=prop.fairness,
                            **_common(prop, FindingKind.LIVENESS))]
    return []


def _nearest(g: nx.DiGraph, source: int, targets: set[int]) -> int:
    for node in nx.bfs_tree(g, source):
        if node in targets:
            return node
    raise AssertionError("target unreachable")
