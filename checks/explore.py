"""Explorer back ends behind one protocol, and the graph store they all produce.

:class:`Explorer` is the seam below the transition system (Stateright's and TLC's shape): a
back end takes anything :class:`Explorable` — an initial packed state and a ``successors``
function whose state ints and action ids are canonical (see :mod:`.codec`) — plus
:class:`Bounds`, and returns a :class:`StateGraph`, the output contract every analysis reads.
:class:`BreadthFirst` is the reference back end; a new one is one class registered in
:data:`EXPLORERS`.


States are numbered in BFS discovery order (0 = initial), so the parent pointers give
shortest traces and every number is reproducible run to run.  The store is plain
``array``s (edges as three parallel int arrays, CSR-style after exploration) plus one
``dict`` from packed state to number: no per-state Python objects besides the int keys.
networkx is built on demand for the analyses that want it (see :mod:`.analysis`).
"""

from __future__ import annotations

import sys
import time
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, overload

__all__ = ["EXPLORERS", "Bounds", "BreadthFirst", "Explorable", "Explorer", "PackedStates",
           "StateGraph", "explore"]


class Explorable(Protocol):
    """What an explorer needs of a transition system."""

    initial: int
    #: states whose expansion dropped a send (a full channel): the explorer marks them cut
    overflowed: set[int]

    def successors(self, state: int) -> list[tuple[int, int]]:
        """``(action id, next state)`` pairs, in a deterministic order."""
        ...


@dataclass(frozen=True, slots=True)
class Bounds:
    """Where exploration may stop early.  Hitting one makes the verdict UNKNOWN."""

    max_states: int | None = None
    max_depth: int | None = None

    def __post_init__(self) -> None:
        if self.max_states is not None and self.max_states < 1:
            raise ValueError(f"max_states must be at least 1, got {self.max_states}")
        if self.max_depth is not None and self.max_depth < 0:
            raise ValueError(f"max_depth must be at least 0, got {self.max_depth}")


class PackedStates(Sequence[int]):
    """A compiled back end's states as its two int64 words per state (numpy arrays), read
    as the codec's ints on demand.

    Why: millions of Python ints cost seconds to build and ~40 bytes each; the analyses
    read what they need of all states — control values, empty channels — from the words
    with numpy (:meth:`control`, :meth:`quiet`), and index single states as ints.
    Equal to a list of the same ints (``==``), so graphs compare across back ends.
    """

    __slots__ = ("_chs", "_ctl", "_split")

    def __init__(self, ctl: Any, chs: Any, split: int) -> None:
        self._ctl, self._chs, self._split = ctl, chs, split  # channels: uint64 view

    def __len__(self) -> int:
        return len(self._ctl)

    @overload
    def __getitem__(self, i: int) -> int: ...
    @overload
    def __getitem__(self, i: slice) -> list[int]: ...
    def __getitem__(self, i: int | slice) -> int | list[int]:
        if isinstance(i, slice):
            return list(self)[i]
        return int(self._ctl[i]) | (int(self._chs[i]) << self._split)

    def __iter__(self) -> Iterator[int]:
        step, split = 1 << 16, self._split
        for a in range(0, len(self._ctl), step):
            for c, h in zip(self._ctl[a:a + step].tolist(), self._chs[a:a + step].tolist(),
                            strict=True):
                yield c | (h << split)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PackedStates | list | tuple):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other,
                                                                          strict=True))
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]  # mutable-like: a sequence, not a value

    def control(self, bits: int) -> Any:
        """The low ``bits`` of every state (``bits`` <= the first word's 63), int64."""
        return self._ctl & ((1 << bits) - 1)

    def quiet(self, bits: int) -> Any:
        """Per state: nothing above the low ``bits`` (no message in flight), bool."""
        return (self._chs == 0) & ((self._ctl >> bits) == 0)


@dataclass(slots=True)
class StateGraph:
    """The explored state space.

    ``states[i]`` is the packed joint state number ``i``; ``parent[i]``/``parent_label[i]``
    the BFS tree; the successors of ``i`` are ``succ[off[i]:off[i+1]]`` with labels
    ``succ_label[...]``.  ``complete`` is False when a bound cut exploration short.
    """

    system: Any  # the TransitionSystem explored (Explorable; analyses read its views)
    states: list[int] | PackedStates
    parent: array
    parent_label: array
    depth: array
    off: array
    succ: array
    succ_label: array
    expanded: int
    complete: bool
    bounds_hit: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: States whose successors were not all computed although they were visited: beyond
    #: ``--max-depth``, the one being expanded when ``--max-states`` struck, and those whose
    #: sends overflowed a channel.  (States numbered ``>= expanded`` were never expanded.)
    #: No deadlock, livelock, doomed or liveness verdict may rest on a cut state.
    cut: set[int] = field(default_factory=set)

    @property
    def n_states(self) -> int:
        return len(self.states)

    @property
    def n_edges(self) -> int:
        return len(self.succ)

    @property
    def max_depth(self) -> int:
        return max(self.depth) if len(self.depth) else 0

    def successors(self, i: int) -> list[tuple[int, int]]:
        """(label id, target number) pairs of state ``i``."""
        a, b = self.off[i], self.off[i + 1]
        return list(zip(self.succ_label[a:b], self.succ[a:b], strict=True))

    def path_to(self, i: int) -> list[tuple[int, int]]:
        """Shortest path from the initial state as ``[(label, state)]``; label -1 first."""
        path = []
        while i != -1:
            path.append((self.parent_label[i], i))
            i = self.parent[i]
        path.reverse()
        return path

    def is_expanded(self, i: int) -> bool:
        """True when every successor of state ``i`` is in the graph."""
        return i < self.expanded and i not in self.cut

    def open_states(self) -> list[int]:
        """States whose successors are not all known (cut or never expanded), ascending."""
        return sorted({*self.cut, *range(self.expanded, self.n_states)})


Progress = Callable[[int, int, float], None]


class Explorer(Protocol):
    """An explorer back end: same model and bounds in, an equal :class:`StateGraph` out
    (same states, same action-labelled edges; numbering may differ between back ends)."""

    name: str

    def explore(self, system: Explorable, bounds: Bounds,
                progress: Progress | None = None) -> StateGraph: ...


class BreadthFirst:
    """The reference back end: BFS numbering, so parent pointers give shortest traces."""

    name = "bfs"

    def explore(self, system: Explorable, bounds: Bounds,
                progress: Progress | None = None) -> StateGraph:
        return _bfs(system, max_states=bounds.max_states, max_depth=bounds.max_depth,
                    progress=progress)


#: Registered back ends by name.
EXPLORERS: dict[str, Explorer] = {BreadthFirst.name: BreadthFirst()}


def explore(
    system: Explorable,
    *,
    max_states: int | None = None,
    max_depth: int | None = None,
    progress: Progress | None = None,
    explorer: Explorer | None = None,
) -> StateGraph:
    """Explore every state reachable from ``system.initial`` with ``explorer`` (BFS)."""
    return (explorer or EXPLORERS["bfs"]).explore(
        system, Bounds(max_states=max_states, max_depth=max_depth), progress)


def _bfs(
    system: Explorable,
    *,
    max_states: int | None = None,
    max_depth: int | None = None,
    progress: Progress | None = None,
) -> StateGraph:
    """Explore every joint state reachable from ``system.initial``, breadth first.

    Parameters
    ----------
    max_states, max_depth
        Bounds.  When one is hit, exploration stops (or does not expand deeper states),
        ``complete`` is False and the caller's verdict must be UNKNOWN.
    progress
        Called about once a second with (states, queue length, states per second).
    """
    started = time.perf_counter()
    index: dict[int, int] = {system.initial: 0}
    states: list[int] = [system.initial]
    parent = array("i", [-1])
    parent_label = array("i", [-1])
    depth = array("i", [0])
    off = array("q", [0])
    succ = array("i")
    succ_label = array("i")
    successors = system.successors
    bounds: list[str] = []
    cap = max_states if max_states is not None else sys.maxsize
    next_report = started + 1.0
    i = 0
    truncated = False
    cut: set[int] = set()
    # The hot loop: locals bound once, one dict operation per edge (setdefault).
    n = 1
    setdefault = index.setdefault
    add_state, add_parent, add_plabel, add_depth = (
        states.append, parent.append, parent_label.append, depth.append)
    add_succ, add_slabel, add_off = succ.append, succ_label.append, off.append
    while i < n:
        if max_depth is not None and depth[i] >= max_depth:
            # do not expand; the frontier beyond the bound is unknown
            if successors(states[i]):
                cut.add(i)
                if "max-depth" not in bounds:
                    bounds.append("max-depth")
            add_off(len(succ))
            i += 1
            continue
        d = depth[i] + 1
        for label, nxt in successors(states[i]):
            j = setdefault(nxt, n)
            if j == n:
                if n >= cap:
                    del index[nxt]
                    truncated = True
                    cut.add(i)
                    continue
                add_state(nxt)
                add_parent(i)
                add_plabel(label)
                add_depth(d)
                n += 1
            add_succ(j)
            add_slabel(label)
        add_off(len(succ))
        i += 1
        if truncated:
            if "max-states" not in bounds:
                bounds.append("max-states")
            break
        if progress is not None and (i & 0x3FF) == 0:
            now = time.perf_counter()
            if now >= next_report:
                progress(n, n - i, n / (now - started))
                next_report = now + 1.0
    expanded = i
    while len(off) < len(states) + 1:
        off.append(len(succ))
    if system.overflowed:
        overflowed = [index[s] for s in system.overflowed if s in index]
        if overflowed:
            cut.update(overflowed)
            bounds.append("channel-capacity")
    return StateGraph(
        system=system,
        states=states,
        parent=parent,
        parent_label=parent_label,
        depth=depth,
        off=off,
        succ=succ,
        succ_label=succ_label,
        expanded=expanded,
        complete=not bounds,
        bounds_hit=bounds,
        seconds=time.perf_counter() - started,
        cut=cut,
    )


def _register_back_ends() -> None:
    """The other back ends live in :mod:`.explorers` (they import this module)."""
    from .explorers import BACK_ENDS

    EXPLORERS.update(BACK_ENDS)


_register_back_ends()
