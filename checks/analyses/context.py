"""What every analysis reads: the explored graph, views of its states, and the shared
computations (final states, open states, reverse reachability) computed once, on demand."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable
from functools import cached_property

import networkx as nx

from ..explore import StateGraph
from ..findings import Path, Statuses
from ..properties import JointView, StepView


class Views:
    """Lazily built :class:`JointView` per state number."""

    def __init__(self, graph: StateGraph) -> None:
        self.graph = graph
        self.system = graph.system
        self._views: dict[int, JointView] = {}
        self._automatic = frozenset(graph.system.workflow.automatic_actors)
        self._real_successors: dict[int, list[tuple[int, int]]] = {}

    def __getitem__(self, i: int) -> JointView:
        v = self._views.get(i)
        if v is None:
            v = self._views[i] = self.of_state(self.graph.states[i])
        return v

    def of_state(self, state: int) -> JointView:
        """The view of a packed state (numbered or not)."""
        sv = self.system.state_view(state)
        configs, _ = self.system.unpack(state)
        return JointView(
            status=sv.status,
            active=sv.active,
            final={c.party: c.final[k] for c, k in zip(self.system.charts, configs,
                                                       strict=True)},
            in_flight=self.system.in_flight(state),
            timers=self.system.armed_timers(state),
            automatic=self.system.automatic_enabled(state, self._automatic),
        )

    def step(self, i: int, label: int, j: int) -> StepView:
        """The step ``i --label--> j``.  Under symmetry reduction ``j`` is the canonical form
        of the real successor; the step's ``after`` is the real successor (the same
        statuses, unpermuted), so step properties judge what the step did."""
        if getattr(self.system, "symmetry", None) is None:
            return StepView(before=self[i], label=self.system.labels[label], after=self[j])
        real = self._real_successors.get(i)
        if real is None:
            real = self._real_successors[i] = self.system.concrete_successors(
                self.graph.states[i])
        canonical = self.system.symmetry.canonical
        target = next(t for lab, t in real if lab == label
                      and canonical(t) == self.graph.states[j])
        after = self[j] if target == self.graph.states[j] else self.of_state(target)
        return StepView(before=self[i], label=self.system.labels[label], after=after)


def to_networkx(graph: StateGraph) -> nx.DiGraph:
    """The explored graph as a ``networkx.DiGraph`` (node = state number, edge attribute
    ``labels`` = list of action ids)."""
    g = nx.DiGraph()
    g.add_nodes_from(range(graph.n_states))
    for i in range(graph.n_states):
        for label, j in graph.successors(i):
            if g.has_edge(i, j):
                g[i][j]["labels"].append(label)
            else:
                g.add_edge(i, j, labels=[label])
    return g


def reaches(g: nx.DiGraph, targets: Iterable[int]) -> set[int]:
    """States from which some target is reachable (multi-source reverse BFS)."""
    seen = set(targets)
    queue = deque(seen)
    pred = g.pred
    while queue:
        v = queue.popleft()
        for u in pred[v]:
            if u not in seen:
                seen.add(u)
                queue.append(u)
    return seen


def group(states: Iterable[int], key: Callable[[int], Statuses]
          ) -> list[tuple[Statuses, list[int]]]:
    """States grouped by ``key``, groups ordered by their smallest (shallowest) member."""
    groups: dict[Statuses, list[int]] = {}
    for i in states:
        groups.setdefault(key(i), []).append(i)
    return sorted(groups.items(), key=lambda kv: kv[1][0])


class Context:
    """One explored graph as the analyses see it.  Shared results are cached properties, so
    an analysis asks for what it needs and nothing is computed twice or in a fixed order."""

    def __init__(self, graph: StateGraph) -> None:
        self.graph = graph
        self.system = graph.system
        self.views = Views(graph)
        self.n = graph.n_states

    @cached_property
    def g(self) -> nx.DiGraph:
        return to_networkx(self.graph)

    @cached_property
    def final(self) -> list[bool]:
        return [self.system.is_final(s) for s in self.graph.states]

    @cached_property
    def open_states(self) -> list[int]:
        """States whose successors are not all known: no stuck verdict rests on them."""
        return self.graph.open_states()

    @cached_property
    def may_escape(self) -> set[int]:
        """States that reach an open state: their future is not fully known."""
        return reaches(self.g, self.open_states) if self.open_states else set()

    @cached_property
    def can_finish(self) -> set[int]:
        return reaches(self.g, [i for i in range(self.n) if self.final[i]])

    @cached_property
    def deadlocks(self) -> list[int]:
        """Expanded, non-final states with no successor."""
        graph = self.graph
        return [i for i in range(graph.expanded) if not self.final[i]
                and graph.is_expanded(i) and graph.off[i] == graph.off[i + 1]]

    @cached_property
    def traps(self) -> dict[tuple[Statuses, ...], list[int]]:
        """Livelocks: bottom components with a cycle, no final and no open member, keyed by
        the status combinations they cycle through."""
        open_set = set(self.open_states)
        g = self.g
        out: dict[tuple[Statuses, ...], list[int]] = {}
        for comp in nx.attracting_components(g):
            if any(self.final[i] or i in open_set for i in comp):
                continue
            if len(comp) == 1:
                (only,) = comp
                if not g.has_edge(only, only):
                    continue  # a deadlock
            keys = tuple(sorted({self.statuses(i) for i in comp}))
            out.setdefault(keys, []).extend(comp)
        return dict(sorted(out.items(), key=lambda kv: min(kv[1])))

    @cached_property
    def livelock_members(self) -> set[int]:
        return {i for members in self.traps.values() for i in members}

    @cached_property
    def doomed(self) -> list[int]:
        """States that reach neither a final nor an open state and are not themselves
        deadlocked or in a livelock: the point of no return."""
        dead = set(self.deadlocks)
        return [i for i in range(self.n) if i not in self.can_finish
                and i not in self.may_escape and i not in dead
                and i not in self.livelock_members]

    def statuses(self, i: int) -> Statuses:
        status = self.views[i].status
        return tuple((p, status[p]) for p in self.system.parties)

    def path_to(self, i: int) -> Path:
        return self.graph.path_to(i)
