"""What every analysis reads: the explored graph, views of its states, and the shared
computations (final states, open states, reverse reachability) computed once, on demand.

Scale is the design constraint (an order group of 3 sellers is 295 k states, 4 sellers
8.4 M): graph questions run over the explorer's CSR arrays (:mod:`.arrays`), and what a
state *means* (statuses, views, predicate values) is memoised by what it depends on — the
control value, the channel contents — never stored as one Python object per state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any

import networkx as nx
import numpy as np

from ..explore import PackedStates, StateGraph
from ..findings import Path, Statuses
from ..properties import JointView, StepView
from . import arrays, scan
from .arrays import CSR, Ints, Mask
from .views import LazyStep, LazyView, Memo


class Views:
    """The :class:`JointView` of a state number, built lazily from memo tables: statuses per
    control value, messages in flight per channel contents, timers and automatic steps per
    control value (and channels, when guards read messages)."""

    def __init__(self, graph: StateGraph) -> None:
        self.graph = graph
        self.system = graph.system
        self._views: dict[int, JointView] = {}
        self._automatic = frozenset(graph.system.workflow.automatic_actors)
        self._real_successors: dict[int, list[tuple[int, int]]] = {}
        self._mask: int = graph.system._control_mask
        self._bits: int = graph.system.control_bits
        self._moves_read_chans: bool = bool(getattr(graph.system, "_guards_read_messages",
                                                    False))
        self._by_ctrl: dict[int, tuple[Any, Any, Any]] = {}
        self._flight: dict[int, tuple[str, ...]] = {}
        self._moves: dict[int, tuple[tuple[str, ...], bool]] = {}
        #: incremented whenever a predicate reads something beyond the control value (see
        #: :class:`~.views.Memo`)
        self.state_reads = 0

    def __getitem__(self, i: int) -> JointView:
        v = self._views.get(i)
        if v is None:
            v = self._views[i] = self.of_state(self.graph.states[i])
        return v

    def control(self, ctrl: int) -> tuple[Any, Any, Any]:
        """(status, active, final) of a control value, shared by every state that has it."""
        hit = self._by_ctrl.get(ctrl)
        if hit is None:
            system = self.system
            sv = system.state_view(ctrl)
            configs = system.codec.configs(ctrl)
            final = {c.party: c.final[k] for c, k in zip(system.charts, configs, strict=True)}
            hit = self._by_ctrl[ctrl] = (sv.status, sv.active, final)
        return hit

    def in_flight(self, state: int) -> tuple[str, ...]:
        chans = state >> self._bits
        hit = self._flight.get(chans)
        if hit is None:
            hit = self._flight[chans] = self.system.in_flight(state)
        return hit

    def moves(self, state: int) -> tuple[tuple[str, ...], bool]:
        """(armed timers, some automatic step enabled) of ``state``."""
        key = state if self._moves_read_chans else state & self._mask
        hit = self._moves.get(key)
        if hit is None:
            hit = self._moves[key] = (
                self.system.armed_timers(state),
                self.system.automatic_enabled(state, self._automatic))
        return hit

    def of_state(self, state: int) -> JointView:
        """The view of a packed state (numbered or not)."""
        return LazyView.of(self, state)

    def step(self, i: int, label: int, j: int) -> StepView:
        """The step ``i --label--> j``.  Under symmetry reduction ``j`` is the canonical form
        of the real successor; the step's ``after`` is the real successor (the same
        statuses, unpermuted), so step properties judge what the step did.  ``after`` is
        built only when the property reads it."""
        return LazyStep.of(self[i], self.system.labels[label],
                           lambda: self.after(i, label, j))

    def after(self, i: int, label: int, j: int) -> JointView:
        """The view of the real target of the step ``i --label--> j``."""
        if getattr(self.system, "symmetry", None) is None:
            return self[j]
        real = self._real_successors.get(i)
        if real is None:
            real = self._real_successors[i] = self.system.concrete_successors(
                self.graph.states[i])
        candidates = [t for lab, t in real if lab == label]
        if len(candidates) == 1:
            target = candidates[0]  # the only real step with this action: its target
        else:
            canonical = self.system.symmetry.canonical
            target = next(t for t in candidates if canonical(t) == self.graph.states[j])
        return self[j] if target == self.graph.states[j] else self.of_state(target)


def to_networkx(graph: StateGraph) -> nx.DiGraph:
    """The explored graph as a ``networkx.DiGraph`` (node = state number, edge attribute
    ``labels`` = list of action ids), for users who want networkx's algorithms.  The
    analyses do not build it (see :mod:`.arrays`): it costs ~1 kB per edge."""
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
    """States of a networkx graph from which some target is reachable (multi-source
    reverse BFS): the reference for :func:`.arrays.reaches`."""
    from collections import deque

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
        self._statuses: dict[int, Statuses] = {}
        self.memo = Memo(self.views)

    @cached_property
    def csr(self) -> CSR:
        return CSR(self.n, self.graph.off, self.graph.succ)

    @cached_property
    def g(self) -> nx.DiGraph:
        """The graph in networkx (not used by the analyses; kept for callers)."""
        return to_networkx(self.graph)

    @cached_property
    def labels(self) -> Ints:
        """The action of every edge (``StateGraph.succ_label`` as numpy)."""
        return np.asarray(self.graph.succ_label, dtype=np.int64)

    @cached_property
    def _ctrl_table(self) -> tuple[Ints, Any]:
        """(per state, a number for its control value; per number, the control value — an
        int64 array when control values fit in 63 bits, else a list)."""
        mask, states = self.views._mask, self.graph.states
        if self.system.control_bits < 63:
            ctrl = (states.control(self.system.control_bits) if isinstance(states, PackedStates)
                    else np.fromiter((s & mask for s in states), dtype=np.int64,
                                     count=self.n))
            values, ids = np.unique(ctrl, return_inverse=True)
            return ids.astype(np.int64), values
        numbers: dict[int, int] = {}
        ids = np.fromiter((numbers.setdefault(s & mask, len(numbers))
                           for s in self.graph.states), dtype=np.int64, count=self.n)
        return ids, list(numbers)

    @cached_property
    def ctrl_ids(self) -> Ints:
        """Per state, a number for its control value (equal numbers, equal control)."""
        return self._ctrl_table[0]

    @cached_property
    def ctrl_configs(self) -> Ints:
        """Per control number (:attr:`ctrl_ids`), every party's configuration id: an array
        of shape (control values, parties)."""
        values = self._ctrl_table[1]
        codec = self.system.codec
        if isinstance(values, np.ndarray):
            return np.stack([(values >> shift) & mask for shift, mask in
                             zip(codec.shifts, codec.masks, strict=True)], axis=1)
        return np.array([codec.configs(v) for v in values], dtype=np.int64
                        ).reshape(len(values), len(self.system.charts))

    @cached_property
    def state_groups(self) -> tuple[Ints, Ints, Ints]:
        """States grouped by control value (:func:`.scan.groups`)."""
        return scan.groups(self.ctrl_ids)

    @cached_property
    def step_groups(self) -> tuple[Ints, Ints, Ints]:
        """Edges grouped by (source control value, action) (:func:`.scan.groups`)."""
        keys = self.ctrl_ids[self.csr.src] * max(len(self.system.labels), 1) + self.labels
        return scan.groups(keys)

    @cached_property
    def quiet(self) -> Mask:
        """States with no message in flight (state == control value)."""
        states, bits = self.graph.states, self.system.control_bits
        if isinstance(states, PackedStates):
            return states.quiet(bits)  # type: ignore[no-any-return]
        mask = self.system._control_mask
        return np.fromiter((s <= mask for s in states), dtype=bool, count=self.n)

    @cached_property
    def final_mask(self) -> Mask:
        """Final states: every party final and nothing in flight (so state == control)."""
        # every party in a final configuration, per control number, and nothing in flight
        configs = self.ctrl_configs
        finals = np.ones(len(configs), dtype=bool)
        for p, chart in enumerate(self.system.charts):
            finals &= np.asarray(chart.final, dtype=bool)[configs[:, p]]
        return finals[self.ctrl_ids] & self.quiet

    @cached_property
    def final(self) -> list[bool]:
        return self.final_mask.tolist()

    @cached_property
    def open_states(self) -> list[int]:
        """States whose successors are not all known: no stuck verdict rests on them."""
        return self.graph.open_states()

    @cached_property
    def open_mask(self) -> Mask:
        out = np.zeros(self.n, dtype=bool)
        out[np.asarray(self.open_states, dtype=np.int64)] = True
        return out

    @cached_property
    def may_escape(self) -> Mask:
        """States that reach an open state: their future is not fully known."""
        return arrays.reaches(self.csr, self.open_mask)

    @cached_property
    def can_finish(self) -> Mask:
        return arrays.reaches(self.csr, self.final_mask)

    @cached_property
    def expanded_mask(self) -> Mask:
        """States whose successors are all in the graph (``StateGraph.is_expanded``)."""
        out = np.zeros(self.n, dtype=bool)
        out[: self.graph.expanded] = True
        out[np.asarray(sorted(self.graph.cut), dtype=np.int64)] = False
        return out

    @cached_property
    def deadlocks(self) -> list[int]:
        """Expanded, non-final states with no successor."""
        stuck = np.diff(self.csr.off) == 0
        return np.flatnonzero(stuck & self.expanded_mask & ~self.final_mask).tolist()

    @cached_property
    def traps(self) -> dict[tuple[Statuses, ...], list[int]]:
        """Livelocks: bottom components with a cycle, no final and no open member, keyed by
        the status combinations they cycle through."""
        csr = self.csr
        count, label = arrays.strong_components(csr)
        leaves = np.zeros(count, dtype=bool)
        leaves[label[csr.src[label[csr.src] != label[csr.succ]]]] = True
        spoiled = np.zeros(count, dtype=bool)  # a final or open member: not a livelock
        spoiled[label[self.final_mask | self.open_mask]] = True
        cyclic = np.bincount(label, minlength=count) > 1
        cyclic[label[arrays.self_loops(csr)]] = True  # a lone state with a self-loop
        out: dict[tuple[Statuses, ...], list[int]] = {}
        for comp in arrays.components_of(label, ~leaves & ~spoiled & cyclic):
            members = comp.tolist()
            keys = tuple(sorted({self.statuses(i) for i in members}))
            out.setdefault(keys, []).extend(members)
        return dict(sorted(out.items(), key=lambda kv: min(kv[1])))

    @cached_property
    def livelock_members(self) -> set[int]:
        return {i for members in self.traps.values() for i in members}

    @cached_property
    def doomed(self) -> list[int]:
        """States that reach neither a final nor an open state and are not themselves
        deadlocked or in a livelock: the point of no return."""
        out = ~self.can_finish & ~self.may_escape
        out[np.asarray(self.deadlocks, dtype=np.int64)] = False
        out[np.fromiter(self.livelock_members, dtype=np.int64)] = False
        return np.flatnonzero(out).tolist()

    def statuses(self, i: int) -> Statuses:
        ctrl = self.graph.states[i] & self.views._mask
        hit = self._statuses.get(ctrl)
        if hit is None:
            status = self.views.control(ctrl)[0]
            hit = self._statuses[ctrl] = tuple((p, status[p]) for p in self.system.parties)
        return hit

    def quiescent(self, members: Ints) -> Mask:
        """``JointView.quiescent`` of the states ``members``: nothing in flight, no timer
        armed, no automatic step enabled (computed once per control value)."""
        states, views = self.graph.states, self.views
        out = np.zeros(len(members), dtype=bool)
        quiet = self.quiet[members]
        for k in np.flatnonzero(quiet).tolist():  # no message in flight: timers, automatic?
            timers, automatic = views.moves(states[int(members[k])])
            out[k] = not timers and not automatic
        return out

    def holds(self, pred: Callable[[JointView], bool], i: int) -> bool:
        """``pred`` on state ``i``, memoised by control value when it reads nothing else."""
        return self.memo.state(pred, i)

    def step_holds(self, pred: Callable[[StepView], bool], i: int, label: int, j: int
                   ) -> bool:
        """``pred`` on the step ``i --label--> j``, memoised by (control value of ``i``,
        action) when it reads neither the target nor more than ``i``'s control value."""
        return self.memo.step(pred, i, label, j)

    def path_to(self, i: int) -> Path:
        return self.graph.path_to(i)
