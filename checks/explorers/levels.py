"""Level-synchronous BFS with the visited set partitioned by state hash over workers.

The algorithm both ``--explorer parallel`` (processes on this machine) and ``--explorer
dask`` (a Dask cluster) run; they differ only in how a :class:`Cluster` reaches its
workers.  Per BFS level (states of one depth, in BFS order):

1. **expand**: the level is cut into one contiguous chunk per worker; each computes the
   successors of its chunk with its own TransitionSystem (rebuilt from the model's spec:
   canonical ids make every worker's states and action ids the reference's).  Concatenated
   in chunk order they are exactly the edge sequence ``_bfs`` meets, in (parent number,
   successor position) order.
2. **dedup**: each target goes to its owner (:func:`owner`, a hash of the state int); owner
   ``w`` gets its targets as a subsequence of that order and answers which are the first
   occurrence of a state it has never seen.  First in the subsequence is first overall.
3. **number**: the coordinator numbers the new states in edge order — the BFS discovery
   order — applying ``--max-states`` exactly where ``_bfs`` would stop; each owner then
   records its new states' numbers and answers the number of every target it received.

So the :class:`~..explore.StateGraph` is ``bfs``'s, array for array (tests/test_parallel.py),
cut, bounds and ``expanded`` included.  The coordinator keeps the output arrays (the graph is
the result); the state-to-number map, the large part of ``_bfs``'s memory, is spread over
the owners.
"""

from __future__ import annotations

import time
from array import array
from dataclasses import dataclass, field
from typing import Any, Protocol

from ..explore import Bounds, Progress, StateGraph

__all__ = [
    "Cluster",
    "Expansion",
    "Shard",
    "expand",
    "explore_levels",
    "owner",
    "worker_error",
]

_MIX = 0x9E3779B97F4A7C15


def owner(state: int, workers: int) -> int:
    """The worker that owns ``state`` in the partitioned visited set (deterministic: no
    Python hash seed involved)."""
    return ((state * _MIX) >> 32 & 0xFFFFFFFF) % workers


@dataclass(slots=True)
class Expansion:
    """Successors of a chunk of states, flattened: ``counts[k]`` edges for the k-th state."""

    counts: list[int] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    targets: list[int] = field(default_factory=list)
    #: (position in the chunk, sends dropped by a full channel) of overflowing states
    overflows: list[tuple[int, int]] = field(default_factory=list)


def expand(system: Any, states: list[int]) -> Expansion:
    """Worker side of step 1, with the worker's own system."""
    out = Expansion()
    successors = system.successors
    for k, state in enumerate(states):
        hits = system.bound_hits
        succ = successors(state)
        if system.bound_hits != hits:
            out.overflows.append((k, system.bound_hits - hits))
        out.counts.append(len(succ))
        for label, nxt in succ:
            out.labels.append(label)
            out.targets.append(nxt)
    return out


class Shard:
    """Worker side of steps 2 and 3: one partition of the visited set."""

    def __init__(self) -> None:
        self.number: dict[int, int] = {}
        self._part: list[int] = []
        self._new: list[int] = []

    def seed(self, state: int) -> None:
        self.number[state] = 0

    def dedup(self, part: list[int]) -> list[int]:
        """Positions in ``part`` of first occurrences of states never seen."""
        number, new, fresh = self.number, [], set()
        for k, state in enumerate(part):
            if state not in number and state not in fresh:
                fresh.add(state)
                new.append(k)
        self._part, self._new = part, new
        return new

    def assign(self, numbers: list[int]) -> list[int]:
        """Record the new states' numbers (-1: beyond ``--max-states``, forgotten); the
        number of every state of the last ``dedup`` part."""
        number, part = self.number, self._part
        for k, j in zip(self._new, numbers, strict=True):
            if j >= 0:
                number[part[k]] = j
        out = [number.get(state, -1) for state in part]
        self._part, self._new = [], []
        return out


def worker_error(exc: Exception) -> Exception:
    """An exception raised in a worker, as one that pickles back to the coordinator: bad
    input (user code that raised, a model refused) stays bad input (exit 2)."""
    from ..errors import UsageError, UserCodeError
    from ..protocol import InvalidModel

    if isinstance(exc, UserCodeError | UsageError | InvalidModel):
        return UsageError(f"in an exploration worker: {exc}")
    return RuntimeError(f"in an exploration worker: {type(exc).__name__}: {exc}")


class Cluster(Protocol):
    """How the coordinator reaches its workers (one call per step, all workers at once)."""

    workers: int

    def seed(self, w: int, state: int) -> None: ...

    def expand(self, chunks: list[list[int]]) -> list[Expansion]: ...

    def dedup(self, parts: list[list[int]]) -> list[list[int]]: ...

    def assign(self, numbers: list[list[int]]) -> list[list[int]]: ...


class Broadcast:
    """The steps every worker runs at once, for clusters that send one message per worker
    and gather the answers in worker order (:meth:`_all`); subclasses differ only in how."""

    def _all(self, step: str, args: list[Any]) -> list[Any]:
        raise NotImplementedError

    def expand(self, chunks: list[list[int]]) -> list[Expansion]:
        return self._all("expand", chunks)

    def dedup(self, parts: list[list[int]]) -> list[list[int]]:
        return self._all("dedup", parts)

    def assign(self, numbers: list[list[int]]) -> list[list[int]]:
        return self._all("assign", numbers)


def _chunks(items: list[int], k: int) -> list[list[int]]:
    size, extra = divmod(len(items), k)
    out, at = [], 0
    for w in range(k):
        step = size + (1 if w < extra else 0)
        out.append(items[at:at + step])
        at += step
    return out


def explore_levels(system: Any, bounds: Bounds, cluster: Cluster,
                   progress: Progress | None = None) -> StateGraph:
    """``_bfs``'s StateGraph, computed level by level on ``cluster``."""
    started = time.perf_counter()
    workers = cluster.workers
    cap = bounds.max_states
    states: list[int] = [system.initial]
    parent, plabel, depth = array("i", [-1]), array("i", [-1]), array("i", [0])
    off, succ, slab = array("q", [0]), array("i"), array("i")
    cut: set[int] = set()
    hit: list[str] = []
    overflowed: list[tuple[int, int]] = []  # (state number, sends dropped)
    cluster.seed(owner(system.initial, workers), system.initial)
    lo, hi, d = 0, 1, 0
    expanded = None
    while lo < hi:
        level = states[lo:hi]
        results = cluster.expand(_chunks(level, workers))
        counts: list[int] = []
        labels: list[int] = []
        targets: list[int] = []
        for chunk_start, res in zip(_starts(results), results, strict=True):
            counts.extend(res.counts)
            labels.extend(res.labels)
            targets.extend(res.targets)
            for k, hits in res.overflows:
                overflowed.append((lo + chunk_start + k, hits))
        if bounds.max_depth is not None and d >= bounds.max_depth:
            for k, c in enumerate(counts):
                if c:
                    cut.add(lo + k)
                off.append(len(succ))
            if cut and "max-depth" not in hit:
                hit.append("max-depth")
            break
        src = [lo + k for k, c in enumerate(counts) for _ in range(c)]
        parts: list[list[int]] = [[] for _ in range(workers)]
        where: list[list[int]] = [[] for _ in range(workers)]
        for e, t in enumerate(targets):
            w = owner(t, workers)
            parts[w].append(t)
            where[w].append(e)
        fresh = cluster.dedup(parts)
        first = sorted(where[w][k] for w in range(workers) for k in fresh[w])
        n0 = len(states)
        allowed = len(first) if cap is None else max(0, min(len(first), cap - n0))
        rank = {e: n0 + r for r, e in enumerate(first[:allowed])}
        numbers = [[rank.get(where[w][k], -1) for k in fresh[w]] for w in range(workers)]
        resolved = cluster.assign(numbers)
        tgt = [0] * len(targets)
        for w in range(workers):
            for e, j in zip(where[w], resolved[w], strict=True):
                tgt[e] = j
        for e in first[:allowed]:
            states.append(targets[e])
            parent.append(src[e])
            plabel.append(labels[e])
            depth.append(d + 1)
        last = hi - 1 if allowed == len(first) else src[first[allowed]]
        e = 0
        for i in range(lo, last + 1):
            for _ in range(counts[i - lo]):
                if tgt[e] >= 0:
                    succ.append(tgt[e])
                    slab.append(labels[e])
                e += 1
            off.append(len(succ))
        if allowed < len(first):  # --max-states struck while expanding ``last``
            cut.add(last)
            hit.append("max-states")
            expanded = last + 1
            overflowed = [(i, h) for i, h in overflowed if i <= last]
            break
        lo, hi, d = hi, len(states), d + 1
        if progress is not None:
            progress(len(states), hi - lo, len(states) / max(time.perf_counter() - started,
                                                             1e-9))
    n = len(states)
    while len(off) < n + 1:
        off.append(len(succ))
    system.overflowed.update(states[i] for i, _ in overflowed)
    system.bound_hits += sum(h for _, h in overflowed)
    if system.overflowed:
        index = {s: i for i, s in enumerate(states)}
        found = [index[s] for s in system.overflowed if s in index]
        if found:
            cut.update(found)
            hit.append("channel-capacity")
    return StateGraph(
        system=system, states=states, parent=parent, parent_label=plabel, depth=depth,
        off=off, succ=succ, succ_label=slab, expanded=n if expanded is None else expanded,
        complete=not hit, bounds_hit=hit, seconds=time.perf_counter() - started, cut=cut)


def _starts(results: list[Expansion]) -> list[int]:
    out, at = [], 0
    for res in results:
        out.append(at)
        at += len(res.counts)
    return out
