"""Analyses over an explored :class:`StateGraph`: every result is a :class:`Finding` with a
shortest trace.

Definitions (exact, because "stuck" is the product):

deadlock
    an expanded, non-final joint state with no successor.
livelock
    a bottom strongly connected component (no edge leaves it) with a cycle and no final
    state: runs can go on for ever without ending.
doomed
    a state from which no final joint state is reachable, that is not itself a deadlock or
    livelock member: the point of no return before the order gets stuck.
unreachable status
    a declared atomic status of a party that no reachable state shows.
dead transition
    a declared transition that no reachable step fires.
unhandled message
    a message delivered to a party that is not final and has no transition for it.

Findings of one kind are grouped by the parties' statuses (so 40 deadlocks that differ
only in messages in flight are one finding with ``count=40``); each group's representative
is its state with the smallest BFS number, hence a shortest trace.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import networkx as nx

from .explore import StateGraph
from .properties import (
    Always,
    AlwaysStep,
    JointView,
    LeadsTo,
    NeverAfter,
    Property,
    Sometimes,
    SometimesStep,
    StepView,
    kind_of,
)
from .protocol import NETWORK_ACTOR, TIMER_ACTOR

Path = list[tuple[int, int]]  # [(label id or -1, state number)], initial state first

#: The built-in properties every model is checked for: name -> finding kind.
BUILTIN_PROPERTIES = {"no-deadlock": "deadlock", "no-livelock": "livelock",
                      "can-always-finish": "doomed"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One result.  ``path`` leads from the initial state to ``state`` (and, for liveness,
    on to the trap); ``count`` is how many states the group stands for."""

    kind: str
    property: str
    severity: str  # "error" | "warning"
    title: str
    detail: str
    state: int | None
    path: Path = field(default_factory=list)
    count: int = 1
    cite: str = ""
    loop_start: int | None = None  # index in path where a liveness loop/trap begins


@dataclass(slots=True)
class Analysis:
    """All findings plus the witnesses of the ``Sometimes`` properties that hold."""

    findings: list[Finding]
    witnesses: dict[str, Path]
    final_states: int
    stats: dict[str, int]


class Views:
    """Lazily built :class:`JointView` per state number."""

    def __init__(self, graph: StateGraph) -> None:
        self.graph = graph
        self.system = graph.system
        self._views: dict[int, JointView] = {}
        self._automatic = frozenset(graph.system.workflow.automatic_actors)

    def __getitem__(self, i: int) -> JointView:
        v = self._views.get(i)
        if v is None:
            state = self.graph.states[i]
            sv = self.system.state_view(state)
            configs, _ = self.system.unpack(state)
            v = JointView(
                status=sv.status,
                active=sv.active,
                final={c.party: c.final[k] for c, k in zip(self.system.charts, configs,
                                                           strict=True)},
                in_flight=self.system.in_flight(state),
                timers=self.system.armed_timers(state),
                automatic=self.system.automatic_enabled(state, self._automatic),
            )
            self._views[i] = v
        return v

    def step(self, i: int, label: int, j: int) -> StepView:
        return StepView(before=self[i], label=self.system.labels[label], after=self[j])


def to_networkx(graph: StateGraph) -> nx.DiGraph:
    """The explored graph as a ``networkx.DiGraph`` (node = state number, edge attr
    ``labels`` = list of label ids)."""
    g = nx.DiGraph()
    g.add_nodes_from(range(graph.n_states))
    for i in range(graph.n_states):
        for label, j in graph.successors(i):
            if g.has_edge(i, j):
                g[i][j]["labels"].append(label)
            else:
                g.add_edge(i, j, labels=[label])
    return g


def analyse(graph: StateGraph, properties: Iterable[Property] = ()) -> Analysis:
    """Run every analysis and evaluate ``properties``."""
    system = graph.system
    views = Views(graph)
    n = graph.n_states
    final = [system.is_final(s) for s in graph.states]
    g = to_networkx(graph)
    findings: list[Finding] = []

    def status_key(i: int) -> tuple[str, ...]:
        return tuple(views[i].status[p] for p in system.parties)

    def describe(key: tuple[str, ...]) -> str:
        return ", ".join(f"{p} {s}" for p, s in zip(system.parties, key, strict=True))

    # -- deadlocks ---------------------------------------------------------------------------
    deadlocks = [i for i in range(graph.expanded) if not final[i] and graph.is_expanded(i)
                 and graph.off[i] == graph.off[i + 1]]
    dead_set = set(deadlocks)
    for key, members in _group(deadlocks, status_key):
        findings.append(Finding(
            kind="deadlock", property="no-deadlock", severity="error",
            title=f"deadlock: {describe(key)}",
            detail=_stuck_detail(views[members[0]],
                                 system.waits_for(graph.states[members[0]])),
            state=members[0], path=graph.path_to(members[0]), count=len(members)))

    # -- livelocks and doomed states -------------------------------------------------------
    # On a bounded graph only evidence made of fully expanded states counts: a trap none of
    # whose members is open is a real bottom component, and a state that reaches neither a
    # final state nor an open one has its whole future explored.
    open_states = graph.open_states()
    open_set = set(open_states)
    may_escape = _reaches(g, open_states) if open_states else set()
    livelock_members: set[int] = set()
    # one finding per set of status combinations a trap cycles through
    traps: dict[tuple[tuple[str, ...], ...], list[int]] = {}
    for comp in nx.attracting_components(g):
        if any(final[i] or i in open_set for i in comp):
            continue
        if len(comp) == 1:
            (only,) = comp
            if not g.has_edge(only, only):
                continue  # a deadlock, reported above
        livelock_members |= comp
        keys = tuple(sorted({status_key(i) for i in comp}))
        traps.setdefault(keys, []).extend(comp)
    for keys, members in sorted(traps.items(), key=lambda kv: min(kv[1])):
        entry = min(members)
        cycle = " | ".join(describe(k) for k in keys)
        findings.append(Finding(
            kind="livelock", property="no-livelock", severity="error",
            title=f"livelock: {cycle}",
            detail="runs can cycle here for ever without reaching a final status; "
                   + _stuck_detail(views[entry]),
            state=entry, path=graph.path_to(entry), count=len(members)))
    can_finish = _reaches(g, [i for i in range(n) if final[i]])
    doomed = [i for i in range(n) if i not in can_finish and i not in may_escape
              and i not in dead_set and i not in livelock_members]
    for key, members in _group(doomed, status_key):
        findings.append(Finding(
            kind="doomed", property="can-always-finish", severity="error",
            title=f"doomed: {describe(key)}",
            detail="no final status is reachable from here any more (every continuation "
                   "gets stuck)",
            state=members[0], path=graph.path_to(members[0]), count=len(members)))

    # -- coverage: unreachable statuses and dead transitions (need the whole graph) ---------------
    seen_status: dict[str, set[str]] = {p: set() for p in system.parties}
    for i in range(n):
        for p, s in views[i].status.items():
            seen_status[p].add(s)
    for chart in system.charts if graph.complete else ():
        declared = [v for v, s in chart.states.items() if s.kind == "atomic"]
        for value in sorted(set(declared) - seen_status[chart.party]):
            findings.append(Finding(
                kind="unreachable-status", property="every-status-reachable",
                severity="warning", title=f"unreachable status: {chart.party} {value}",
                detail="no reachable joint state shows this status", state=None))
    fired = {system.labels[lab].transition for lab in graph.succ_label}
    for gt, t in enumerate(system.transitions if graph.complete else ()):
        if gt not in fired:
            findings.append(Finding(
                kind="dead-transition", property="every-transition-fires", severity="warning",
                title=f"dead transition: {t.label}",
                detail="never enabled in any reachable state"
                       + (f" (guard {', '.join(n for n, _ in t.guard)})" if t.guard else ""),
                state=None, cite=t.meta.cite))

    # -- unhandled messages ----------------------------------------------------------------------
    ignored: dict[tuple[str, str, str], tuple[int, int, int, int]] = {}
    counts: dict[tuple[str, str, str], int] = {}
    for i in range(graph.expanded):
        for label, j in graph.successors(i):
            lab = system.labels[label]
            if not lab.ignored or views[i].final[lab.party]:
                continue
            key = (lab.message, lab.party, views[i].status[lab.party])
            counts[key] = counts.get(key, 0) + 1
            best = ignored.get(key)
            if best is None or graph.depth[i] < best[0] or (
                    graph.depth[i] == best[0] and i < best[1]):
                ignored[key] = (graph.depth[i], i, label, j)
    for key in sorted(ignored):
        _, i, label, j = ignored[key]
        message, party, status = key
        findings.append(Finding(
            kind="unhandled-message", property="messages-handled", severity="warning",
            title=f"unhandled message: {message} reaches {party} in {status}",
            detail=f"{party} has no transition for {message} in {status}; the message is lost",
            state=j, path=[*graph.path_to(i), (label, j)], count=counts[key]))

    # -- properties ------------------------------------------------------------------------------
    witnesses: dict[str, Path] = {}
    for prop in properties:
        findings.extend(_check_property(prop, graph, views, g, final, witnesses))

    stats = {
        "states": n,
        "edges": graph.n_edges,
        "max_depth": graph.max_depth,
        "final_states": sum(final),
        "deadlock_states": len(deadlocks),
        "livelock_states": len(livelock_members),
        "doomed_states": len(doomed),
    }
    return Analysis(findings=findings, witnesses=witnesses, final_states=sum(final), stats=stats)


def _group(states: Iterable[int], key) -> list[tuple[tuple[str, ...], list[int]]]:
    groups: dict[tuple[str, ...], list[int]] = {}
    for i in states:
        groups.setdefault(key(i), []).append(i)
    return sorted(groups.items(), key=lambda kv: kv[1][0])


def _stuck_detail(v: JointView, waits: dict[str, list[str]] | None = None) -> str:
    flight = ", ".join(v.in_flight) if v.in_flight else "nothing"
    timers = ", ".join(v.timers) if v.timers else "none"
    text = f"in flight: {flight}; timers armed: {timers}"
    for party, reasons in (waits or {}).items():
        if v.final[party]:
            continue
        if reasons:
            text += f"; {party} {v.status[party]} waits for: {', '.join(reasons)}"
        else:
            text += f"; {party} {v.status[party]} has no way out"
    return text


def _reaches(g: nx.DiGraph, targets: list[int]) -> set[int]:
    """States from which some target is reachable (multi-source reverse BFS)."""
    seen = set(targets)
    queue = deque(targets)
    pred = g.pred
    while queue:
        v = queue.popleft()
        for u in pred[v]:
            if u not in seen:
                seen.add(u)
                queue.append(u)
    return seen


def _first_step(graph: StateGraph, views: Views, pred) -> tuple[int, int, int] | None:
    """The step (i, label, j) satisfying ``pred`` whose source is shallowest."""
    best = None
    for i in range(graph.expanded):
        if best is not None and graph.depth[i] >= graph.depth[best[0]]:
            continue
        for label, j in graph.successors(i):
            if pred(views.step(i, label, j)):
                best = (i, label, j)
                break
    return best


def _check_property(prop: Property, graph: StateGraph, views: Views, g: nx.DiGraph,
                    final: list[bool], witnesses: dict[str, Path]) -> list[Finding]:
    kind = kind_of(prop)
    common: dict[str, Any] = {"kind": kind, "property": prop.name,
                              "severity": prop.severity, "cite": prop.cite}
    if isinstance(prop, Always):
        bad = [i for i in range(graph.n_states) if not prop.holds(views[i])]
        if not bad:
            return []
        return [Finding(title=f"{prop.name} violated", detail=prop.description, state=bad[0],
                        path=graph.path_to(bad[0]), count=len(bad), **common)]
    if isinstance(prop, AlwaysStep):
        hit = _first_step(graph, views, lambda s: not prop.holds(s))
        if hit is None:
            return []
        i, label, j = hit
        return [Finding(title=f"{prop.name} violated by {graph.system.labels[label].describe()}",
                        detail=prop.description, state=j,
                        path=[*graph.path_to(i), (label, j)], **common)]
    if isinstance(prop, Sometimes):
        for i in range(graph.n_states):
            if prop.holds(views[i]):
                witnesses[prop.name] = graph.path_to(i)
                return []
        return [_no_witness(prop, graph, common)] if graph.complete else []
    if isinstance(prop, SometimesStep):
        hit = _first_step(graph, views, prop.holds)
        if hit is not None:
            i, label, j = hit
            witnesses[prop.name] = [*graph.path_to(i), (label, j)]
            return []
        return [_no_witness(prop, graph, common)] if graph.complete else []
    if isinstance(prop, NeverAfter):
        return _never_after(prop, graph, views, common)
    if isinstance(prop, LeadsTo):
        return _leads_to(prop, graph, views, g, common)
    raise TypeError(f"unknown property kind {type(prop).__name__}")


def _no_witness(prop: Property, graph: StateGraph, common: dict) -> Finding:
    detail = prop.description + " — no reachable state or step shows it"
    return Finding(title=f"{prop.name}: no witness", detail=detail, state=None, **common)


def _never_after(prop: NeverAfter, graph: StateGraph, views: Views, common: dict
                 ) -> list[Finding]:
    """BFS over (state, triggered) so the trace is shortest through the trigger."""
    start = (0, False)
    parent: dict[tuple[int, bool], tuple[tuple[int, bool], int] | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        i, triggered = node
        if i >= graph.expanded:
            continue
        for label, j in graph.successors(i):
            step = views.step(i, label, j)
            if triggered and prop.then(step):
                path = [(label, j)]
                cur: tuple[int, bool] | None = node
                while cur is not None:
                    back = parent[cur]
                    path.append((back[1] if back else -1, cur[0]))
                    cur = back[0] if back else None
                path.reverse()
                return [Finding(title=f"{prop.name} violated by {step.label.describe()}",
                                detail=prop.description, state=j, path=path, **common)]
            nxt = (j, triggered or prop.after(step))
            if nxt not in parent:
                parent[nxt] = (node, label)
                queue.append(nxt)
    return []


def _leads_to(prop: LeadsTo, graph: StateGraph, views: Views, g: nx.DiGraph, common: dict
              ) -> list[Finding]:
    """``trigger ~> response`` under strong fairness of the automatic steps only.

    Automatic steps are those of ``Workflow.automatic_actors``, timers and message
    deliveries; people may never act.  A fair run can therefore stop for ever in a state
    where no automatic step is enabled, or cycle in a component that no automatic step
    leaves (Emerson–Lei refinement).  Those are the traps; the property fails when a
    reachable trigger state reaches a trap through non-response states.
    """
    if not graph.complete:
        return []  # liveness needs the whole graph; the verdict is UNKNOWN anyway
    system = graph.system
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
    can_trap = _reaches(sub, sorted(traps))
    for i in range(n):  # BFS order: the first is the shallowest
        if waiting[i] and prop.trigger(views[i]) and i in can_trap:
            path = graph.path_to(i)
            tail = nx.shortest_path(sub, i, _nearest(sub, i, traps))
            loop_start = len(path) - 1
            for a, b in itertools.pairwise(tail):
                path.append((g[a][b]["labels"][0], b))
            return [Finding(
                title=f"{prop.name} violated",
                detail=f"{prop.description} Under {prop.fairness}, this run can wait for "
                       f"ever from step {loop_start} on.",
                state=i, path=path, loop_start=loop_start, count=len(can_trap), **common)]
    return []


def _nearest(g: nx.DiGraph, source: int, targets: set[int]) -> int:
    for node in nx.bfs_tree(g, source):
        if node in targets:
            return node
    raise AssertionError("target unreachable")
