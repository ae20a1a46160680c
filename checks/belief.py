"""One belief tracker: the explored model states consistent with what an observer saw.

Why one module: exact trace replay, conformance sessions and recorded-log checking ask the
same question — *given these observations, which model states can the system be in?* — and
differ only in what the observer sees.  So what is *silent* (steps the observer does not see:
a workflow's automatic actors, timers, message deliveries) and how a step label reads as an
observed *action* are parameters; everything else lives here, and no adapter does.

A *belief* is a ``frozenset`` of explored state numbers.  An observation is :class:`Did` (an
action happened; the belief is then closed over silent steps), :class:`Saw` (parties showed
these statuses: a filter) or :class:`Refused` (an action was refused: the states that allow
it are dropped); :meth:`BeliefTracker.close` lets time pass unobserved (silent steps only),
which a log of statuses only does between its lines.  Distinct beliefs are few, so every
``(belief, observation) -> Move`` is memoised: replaying a long log costs one dict lookup a
line once its beliefs have been seen.

Every access to the engine (graph, labels, views, final states) is gathered in this module, so
an engine rename touches one place.

Example — the ``ping_pong`` toy of ``tests/toys.py`` (a sends ping, b answers pong), message
deliveries silent (``tests/test_belief.py`` runs exactly this)::

    tracker = BeliefTracker(explore_model(TransitionSystem(ping_pong())),
                            silent=by_actor({"network"}))
    moves = [tracker.initial()]                                  # after: {0}
    moves.append(tracker.step(moves[-1].after, Did(ActionRecord("fire", "a", "start"))))
    # after: {1, 2, 3}: a sent ping; the deliveries that may follow are silent
    moves.append(tracker.step(moves[-1].after, Saw.of({"a": "done"})))   # after: {3}
    tracker.witness(moves)  # [(-1, 0), (0, 1), (2, 2), (4, 3)]: start, ping, pong
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from .analyses import Views
from .explore import StateGraph, explore
from .system import FIRE, Action, TransitionSystem

__all__ = [
    "ActionRecord", "Belief", "BeliefTracker", "Did", "Move", "Observation", "Refused", "Saw",
    "by_actor", "explore_model", "nothing_silent",
]

Belief = frozenset[int]
Label = Action  # the engine's edge label: kind, party, event, actor, message, ignored
K = TypeVar("K", bound=Hashable)


def explore_model(system: TransitionSystem) -> StateGraph:
    """The explored graph a tracker works on (the one call into the explorer)."""
    return explore(system)


@dataclass(frozen=True, slots=True, order=True)
class ActionRecord:
    """A step as a trace records it: its kind, the party that moved and the event (``fire``)
    or message (deliveries, losses).  The actor is not part of it: a log names what happened,
    not always who triggered it."""

    kind: str
    party: str
    name: str

    @staticmethod
    def of_label(label: Label) -> ActionRecord:
        return ActionRecord(label.kind, label.party,
                      label.event if label.kind == FIRE else label.message)


@dataclass(frozen=True, slots=True)
class Did(Generic[K]):
    """The observer saw this action happen (then silent steps may follow)."""

    action: K


@dataclass(frozen=True, slots=True)
class Refused(Generic[K]):
    """The observer saw this action refused: states that allow it are not consistent."""

    action: K


@dataclass(frozen=True, slots=True)
class Saw:
    """Parties showed these statuses (a partial map is a partial observation); optionally the
    exact messages in flight (``"a->b:m"``, channel order)."""

    status: tuple[tuple[str, str], ...]
    in_flight: tuple[str, ...] | None = None

    @staticmethod
    def of(status: Mapping[str, str], in_flight: Iterable[str] | None = None) -> Saw:
        return Saw(tuple(sorted(status.items())),
                   None if in_flight is None else tuple(in_flight))


Observation = Did[K] | Refused[K] | Saw


class _Close:
    """Memo key of :meth:`BeliefTracker.close` (not an observation)."""


_CLOSE = _Close()
Segment = tuple[tuple[int, int], ...]  # (label, state) steps, in order


@dataclass(frozen=True, slots=True)
class Move:
    """One observation applied to one belief.

    ``back[s]`` = (state of ``before``, the steps from it to ``s``) for every ``s`` in
    ``after``; ``None`` when ``after`` is a subset of ``before`` reached by no step (a
    filter).  ``edges`` are the (source, label, target) edges traversed, in order (coverage).
    ``unknown`` is True when a state consulted had successors a bound left uncomputed: then
    an empty ``after`` is not evidence of inconsistency.
    """

    before: Belief
    after: Belief
    back: Mapping[int, tuple[int, Segment]] | None
    edges: tuple[tuple[int, int, int], ...] = ()
    unknown: bool = False


def nothing_silent(label: Label) -> bool:
    """Exact replay: the trace records every step."""
    return False


def by_actor(actors: Iterable[str], kinds: Iterable[str] | None = None
             ) -> Callable[[Label], bool]:
    """Silent = steps of these actors (optionally only of these step kinds)."""
    who = frozenset(actors)
    which = None if kinds is None else frozenset(kinds)
    return lambda label: label.actor in who and (which is None or label.kind in which)


class BeliefTracker(Generic[K]):
    """Beliefs over one explored graph for one observer (what is silent, how labels read)."""

    def __init__(self, graph: StateGraph, *, silent: Callable[[Label], bool] = nothing_silent,
                 action_of: Callable[[Label], K | None] = ActionRecord.of_label  # type: ignore[assignment]
                 ) -> None:
        self.graph = graph
        self.system = graph.system
        self.labels: Sequence[Label] = graph.system.labels
        self.parties: tuple[str, ...] = tuple(graph.system.parties)
        self._views = Views(graph)
        self._silent = [silent(lab) for lab in self.labels]
        self._any_silent = any(self._silent)
        # a step the observer cannot see cannot be observed as an action
        self._action: list[K | None] = [None if quiet else action_of(lab)
                                        for lab, quiet in zip(self.labels, self._silent,
                                                              strict=True)]
        self._enabled: dict[int, dict[K, list[tuple[int, int]]]] = {}
        self._memo: dict[tuple[Belief, Observation[K] | _Close], Move] = {}
        self._initial: Move | None = None
        self._bounded = not graph.complete
        self._capacity_cut = "channel-capacity" in graph.bounds_hit
        # explore() counts the state it was expanding when --max-states stopped it as
        # expanded (tests/test_example_model.py xfail); distrust it, which is only cautious
        self._last_expanded = graph.expanded - 1 if "max-states" in graph.bounds_hit else -1

    # -- the engine, read in one place ---------------------------------------------------
    def successors(self, state: int) -> list[tuple[int, int]]:
        return self.graph.successors(state)

    def known(self, state: int) -> bool:
        """All successors of ``state`` were computed (no bound cut them)."""
        if not self._bounded:
            return True
        return (self.graph.is_expanded(state) and not self._capacity_cut
                and state != self._last_expanded)

    def status(self, state: int) -> Mapping[str, str]:
        return self._views[state].status

    def in_flight(self, state: int) -> tuple[str, ...]:
        return self._views[state].in_flight

    def packed(self, state: int) -> int:
        return self.graph.states[state]

    def is_final(self, state: int) -> bool:
        return bool(self.system.is_final(self.graph.states[state]))

    def actors(self) -> frozenset[str]:
        """Actors of the explored steps."""
        return frozenset(lab.actor for lab in self.labels)

    def label(self, label: int) -> Label:
        return self.labels[label]

    def action(self, label: int) -> K | None:
        """The observable action of an edge label (None: silent or not an action)."""
        return self._action[label]

    def path_to(self, state: int) -> list[tuple[int, int]]:
        return self.graph.path_to(state)

    # -- queries -------------------------------------------------------------------------
    def enabled(self, state: int) -> dict[K, list[tuple[int, int]]]:
        """Observable actions of ``state`` -> their [(label, target)] edges."""
        hit = self._enabled.get(state)
        if hit is None:
            hit = {}
            for label, j in self.successors(state):
                key = self._action[label]
                if key is not None:
                    hit.setdefault(key, []).append((label, j))
            self._enabled[state] = hit
        return hit

    def actions(self, belief: Belief) -> set[K]:
        """Actions some state of the belief allows."""
        out: set[K] = set()
        for s in belief:
            out.update(self.enabled(s))
        return out

    def consistent(self, state: int, saw: Saw) -> bool:
        status = self.status(state)
        if any(status.get(p) != v for p, v in saw.status):
            return False
        return saw.in_flight is None or self.in_flight(state) == saw.in_flight

    # -- moves ---------------------------------------------------------------------------
    def initial(self) -> Move:
        """The belief before any observation: the initial state and its silent closure."""
        if self._initial is None:
            start: dict[int, tuple[int, Segment]] = {0: (0, ())}
            self._initial = self._close(frozenset({0}), start, [], unknown=False)
        return self._initial

    def close(self, belief: Belief) -> Move:
        """Time passes unobserved: add every state silent steps reach from ``belief``.

        :meth:`step` does not do this before an observation on purpose: a conformance session
        reads statuses once the implementation has settled, so a status filter there means
        "no silent step since".  A log of statuses only calls ``close`` between lines.
        """
        key = (belief, _CLOSE)
        hit = self._memo.get(key)
        if hit is None:
            start: dict[int, tuple[int, Segment]] = {s: (s, ()) for s in belief}
            hit = self._memo[key] = self._close(belief, start, [], unknown=False)
        return hit

    def step(self, belief: Belief, obs: Observation[K]) -> Move:
        """Apply one observation (memoised)."""
        key = (belief, obs)
        hit = self._memo.get(key)
        if hit is None:
            if isinstance(obs, Saw):
                hit = Move(belief, frozenset(s for s in belief if self.consistent(s, obs)),
                           None)
            elif isinstance(obs, Refused):
                kept = frozenset(s for s in belief
                                 if not self.known(s) or obs.action not in self.enabled(s))
                hit = Move(belief, kept, None,
                           unknown=any(not self.known(s) for s in belief))
            else:
                hit = self._act(belief, obs.action)
            self._memo[key] = hit
        return hit

    def _act(self, belief: Belief, action: K) -> Move:
        start: dict[int, tuple[int, Segment]] = {}
        edges: list[tuple[int, int, int]] = []
        unknown = False
        for s in sorted(belief):
            unknown |= not self.known(s)
            for label, j in self.enabled(s).get(action, ()):
                edges.append((s, label, j))
                if j not in start:
                    start[j] = (s, ((label, j),))
        return self._close(belief, start, edges, unknown=unknown)

    def _close(self, before: Belief, start: dict[int, tuple[int, Segment]],
               edges: list[tuple[int, int, int]], *, unknown: bool) -> Move:
        """Close ``start`` over silent steps, breadth first from the smallest state (so the
        witness path is the first-discovered one, deterministically)."""
        parent: dict[int, tuple[int, int]] = {}
        seen = set(start)
        queue = deque(sorted(start))
        while queue:
            s = queue.popleft()
            # a cut state may miss silent successors (none to miss when nothing is silent)
            unknown |= self._any_silent and not self.known(s)
            for label, j in self.successors(s):
                if not self._silent[label]:
                    continue
                edges.append((s, label, j))
                if j not in seen:
                    seen.add(j)
                    parent[j] = (s, label)
                    queue.append(j)
        back: dict[int, tuple[int, Segment]] = {}
        for s in seen:
            chain: list[tuple[int, int]] = []
            x = s
            while x in parent:
                p, label = parent[x]
                chain.append((label, x))
                x = p
            src, seg = start[x]
            back[s] = (src, seg + tuple(reversed(chain)))
        return Move(before, frozenset(seen), back, tuple(edges), unknown)

    # -- explanations --------------------------------------------------------------------
    def witness(self, moves: Sequence[Move], end: int | None = None
                ) -> list[tuple[int, int]]:
        """One model path consistent with ``moves`` (``moves[0]`` = :meth:`initial`), ending
        in ``end`` (default: the smallest state of the last belief), as ``[(label, state)]``
        with label -1 first, like ``StateGraph.path_to``."""
        if not moves or not moves[-1].after:
            return [(-1, 0)]
        x = min(moves[-1].after) if end is None else end
        segments: list[Segment] = []
        for move in reversed(moves):
            if move.back is None:
                continue
            x, seg = move.back[x]
            segments.append(seg)
        path = [(-1, x)]
        for seg in reversed(segments):
            path.extend(seg)
        return path
