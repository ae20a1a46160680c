"""Graph algorithms over the explored graph's CSR arrays (numpy and scipy.sparse.csgraph).

Why not networkx here: a ``networkx.DiGraph`` costs a few hundred bytes and a few
microseconds per edge to build, so an order group of 3 sellers (295 k states, 1.3 M edges)
spent most of its check building one.  The analyses need only reverse reachability, strongly
connected components and shortest paths, which run in C over the arrays the explorer already
returns.  networkx stays the reference: :func:`~.context.to_networkx` gives users the graph,
and ``tests/test_graph_arrays.py`` checks every function here against networkx's.

Every function takes the graph as ``(n, off, succ)``: ``n`` states, the successors of ``i``
are ``succ[off[i]:off[i+1]]`` (parallel edges with different labels allowed).  Node sets are
boolean masks of length ``n``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import cached_property

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_array
from scipy.sparse.csgraph import breadth_first_order, connected_components

Mask = npt.NDArray[np.bool_]
Ints = npt.NDArray[np.int64]


class CSR:
    """One directed graph as numpy arrays (32-bit where they fit, no copy of the explorer's
    ``array('i')``), with scipy matrices of it and of its reverse built on first use."""

    def __init__(self, n: int, off: Sequence[int], succ: Sequence[int]) -> None:
        self.n = n
        self.off: Ints = np.asarray(off, dtype=np.int64)[: n + 1]
        succ_arr = np.asarray(succ)
        small = n < 2**31 and len(succ_arr) < 2**31
        self.index = np.int32 if small else np.int64  # scipy's index dtype for this size
        self.succ: Ints = succ_arr.astype(self.index, copy=False)
        #: edge -> its source state (same order as ``succ``)
        self.src: Ints = np.repeat(np.arange(n, dtype=self.index), np.diff(self.off))

    @cached_property
    def adjacency(self) -> csr_array:
        return csr_array((np.ones(len(self.succ), dtype=np.int8), self.succ,
                          self.off.astype(self.index)), shape=(self.n, self.n))

    @cached_property
    def reversed(self) -> csr_array:
        """The reverse graph; each state's predecessors ascending (a counting sort)."""
        return csr_array(self.adjacency.T.tocsr())

    def matrix(self, keep: Mask | None = None) -> csr_array:
        """The adjacency matrix, optionally of the subgraph induced by ``keep``."""
        if keep is None:
            return self.adjacency
        inside = keep[self.src] & keep[self.succ]
        src, dst = self.src[inside], self.succ[inside]
        return csr_array((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(self.n, self.n))


def reaches(g: CSR, targets: Iterable[int] | Mask, keep: Mask | None = None) -> Mask:
    """States from which some target is reachable (through ``keep`` states only, when
    given): one breadth-first search over the reversed graph from a virtual root whose
    successors are the targets."""
    mask = _as_mask(g.n, targets)
    if not mask.any():
        return mask
    rev = g.reversed if keep is None else csr_array(g.matrix(keep).T.tocsr())
    roots = np.flatnonzero(mask).astype(rev.indices.dtype)
    indptr = np.concatenate([rev.indptr, [rev.indptr[-1] + len(roots)]]).astype(
        rev.indices.dtype)
    m = csr_array((np.ones(len(rev.indices) + len(roots), dtype=np.int8),
                   np.concatenate([rev.indices, roots]), indptr), shape=(g.n + 1, g.n + 1))
    order = breadth_first_order(m, g.n, directed=True, return_predecessors=False)
    out = np.zeros(g.n, dtype=bool)
    out[order[order < g.n]] = True
    return out


def strong_components(g: CSR, keep: Mask | None = None) -> tuple[int, Ints]:
    """(count, component label per state) of the subgraph induced by ``keep``; states
    outside ``keep`` are singletons with no edge."""
    return connected_components(g.matrix(keep), directed=True, connection="strong")


def self_loops(g: CSR) -> Mask:
    """States with an edge to themselves."""
    out = np.zeros(g.n, dtype=bool)
    out[g.src[g.src == g.succ]] = True
    return out


def attracting_components(g: CSR) -> list[Ints]:
    """Bottom strongly connected components (no edge leaves them), each as its sorted
    members, ordered by their smallest member."""
    count, label = strong_components(g)
    leaves = np.zeros(count, dtype=bool)
    cross = label[g.src] != label[g.succ]
    leaves[label[g.src[cross]]] = True
    return components_of(label, ~leaves)


def components_of(label: Ints, chosen: npt.NDArray[np.bool_]) -> list[Ints]:
    """Members (sorted) of the components whose ``chosen[label]`` holds, ordered by their
    smallest member."""
    states = np.flatnonzero(chosen[label])
    if not len(states):
        return []
    order = np.argsort(label[states], kind="stable")
    ordered = states[order]
    cuts = np.flatnonzero(np.diff(label[ordered])) + 1
    comps = np.split(ordered, cuts)
    comps.sort(key=lambda c: int(c[0]))
    return comps


def successors(g: CSR, v: int) -> list[int]:
    """Distinct successors of ``v`` in edge order (networkx's adjacency order)."""
    return list(dict.fromkeys(g.succ[g.off[v]:g.off[v + 1]].tolist()))


def predecessors(g: CSR, v: int) -> list[int]:
    """Distinct predecessors of ``v``, ascending (networkx's order for a graph built by
    adding each state's edges in state order)."""
    rev = g.reversed
    return list(dict.fromkeys(rev.indices[rev.indptr[v]:rev.indptr[v + 1]].tolist()))


def bfs_first(g: CSR, source: int, targets: Callable[[int], bool],
              keep: Mask | None = None) -> int | None:
    """The first state in breadth-first discovery order from ``source`` (through ``keep``
    states) that is a target, as ``networkx.bfs_tree`` orders nodes."""
    seen = {source}
    queue = [source]
    for v in queue:
        if targets(v):
            return v
        for w in successors(g, v):
            if w not in seen and (keep is None or keep[w]):
                seen.add(w)
                queue.append(w)
    return None


def shortest_path(g: CSR, source: int, target: int, keep: Mask | None = None
                  ) -> list[int] | None:
    """A shortest path, the very one ``networkx.shortest_path`` returns (its bidirectional
    search, replayed over the arrays) so traces stay byte-identical."""
    if source == target:
        return [source]

    def inside(w: int) -> bool:
        return keep is None or bool(keep[w])

    pred: dict[int, int | None] = {source: None}
    succ: dict[int, int | None] = {target: None}
    forward, reverse = [source], [target]
    meet: int | None = None
    while forward and reverse and meet is None:
        if len(forward) <= len(reverse):
            level, forward = forward, []
            for v in level:
                for w in successors(g, v):
                    if not inside(w):
                        continue
                    if w not in pred:
                        forward.append(w)
                        pred[w] = v
                    if w in succ:
                        meet = w
                        break
                if meet is not None:
                    break
        else:
            level, reverse = reverse, []
            for v in level:
                for w in predecessors(g, v):
                    if not inside(w):
                        continue
                    if w not in succ:
                        succ[w] = v
                        reverse.append(w)
                    if w in pred:
                        meet = w
                        break
                if meet is not None:
                    break
    if meet is None:
        return None
    path: list[int] = []
    at: int | None = meet
    while at is not None:
        path.append(at)
        at = pred[at]
    path.reverse()
    at = succ[path[-1]]
    while at is not None:
        path.append(at)
        at = succ[at]
    return path


def _as_mask(n: int, states: Iterable[int] | Mask) -> Mask:
    if isinstance(states, np.ndarray) and states.dtype == np.bool_:
        return states.copy()
    out = np.zeros(n, dtype=bool)
    idx = np.fromiter(states, dtype=np.int64)
    out[idx] = True
    return out
