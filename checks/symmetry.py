"""Symmetry reduction: one canonical representative per orbit of interchangeable blocks.

An order group of N (marketplace order, seller order) pairs is symmetric: swapping pair 1
and pair 2 — their parties' configurations *and* their channels' contents — maps every run
to a run.  Exploring one state per orbit shrinks the space by up to N! (SPIN's and Murphi's
scalarset reduction).

The contract every back end implements identically (the Python reference is
:meth:`Symmetry.canonical`; a compiled back end re-implements exactly this, so both give
every orbit the same representative int):

* ``blocks[b]`` lists the bit fields ``(shift, width)`` of block ``b`` in the packed state
  (absolute positions, see :mod:`.codec`), in the same order for every block; the i-th fields
  of all blocks have equal widths and mean the same thing (the same configuration numbering,
  the same channel symbol numbering).
* The canonical state reads each block's field values as a tuple, sorts the tuples
  ascending (lexicographically, field order), and writes the i-th smallest tuple into block
  ``i``'s fields.  Bits outside every block are unchanged.

Sorting is a canonical form because the blocks are interchangeable as wholes: two states are
in the same orbit exactly when their multisets of block tuples are equal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

__all__ = ["Concrete", "Symmetry", "canonicalizer", "compose", "concrete_run", "inverse",
           "permuted"]


@dataclass(frozen=True, slots=True)
class Symmetry:
    """Interchangeable blocks of fields of the packed state (see the module docstring)."""

    blocks: tuple[tuple[tuple[int, int], ...], ...]

    def __post_init__(self) -> None:
        if len(self.blocks) < 2:
            raise ValueError("a symmetry needs at least two interchangeable blocks")
        widths = [tuple(w for _, w in block) for block in self.blocks]
        if any(w != widths[0] for w in widths):
            raise ValueError(f"interchangeable blocks must have equal field widths: {widths}")
        seen: set[int] = set()
        for block in self.blocks:
            for shift, width in block:
                bits = set(range(shift, shift + width))
                if width < 1 or shift < 0 or bits & seen:
                    raise ValueError(f"field ({shift}, {width}) is empty or overlaps another")
                seen |= bits

    @property
    def mask(self) -> int:
        """Every bit that belongs to some block."""
        m = 0
        for block in self.blocks:
            for shift, width in block:
                m |= ((1 << width) - 1) << shift
        return m

    def values(self, state: int) -> list[tuple[int, ...]]:
        """Each block's field values, in block order."""
        return [tuple((state >> s) & ((1 << w) - 1) for s, w in block) for block in self.blocks]

    def canonical(self, state: int) -> int:
        """The orbit's representative: block tuples sorted ascending into blocks 0, 1, ..."""
        vals = self.values(state)
        ordered = sorted(vals)
        if ordered == vals:
            return state
        out = state & ~self.mask
        for block, tup in zip(self.blocks, ordered, strict=True):
            for (shift, _), v in zip(block, tup, strict=True):
                out |= v << shift
        return out

    def permutation(self, state: int) -> tuple[int, ...]:
        """``perm[i]`` = the block whose values land in block ``i`` of :meth:`canonical`
        (ties broken by block index, so the result is deterministic)."""
        vals = self.values(state)
        return tuple(sorted(range(len(vals)), key=lambda b: (vals[b], b)))


# -- additions: permuting states, and rebuilding concrete runs from representative paths ------
def permuted(sym: Symmetry, state: int, perm: tuple[int, ...]) -> int:
    """``state`` with block ``perm[i]``'s values written into block ``i`` (so
    ``permuted(s, sym.permutation(s)) == sym.canonical(s)``)."""
    vals = sym.values(state)
    out = state & ~sym.mask
    for block, src in zip(sym.blocks, perm, strict=True):
        for (shift, _), v in zip(block, vals[src], strict=True):
            out |= v << shift
    return out


def inverse(perm: tuple[int, ...]) -> tuple[int, ...]:
    out = [0] * len(perm)
    for i, p in enumerate(perm):
        out[p] = i
    return tuple(out)


def compose(outer: tuple[int, ...], inner: tuple[int, ...]) -> tuple[int, ...]:
    """The permutation applying ``inner`` then ``outer`` (with :func:`permuted`'s meaning:
    ``permuted(permuted(s, inner), outer) == permuted(s, compose(outer, inner))``)."""
    return tuple(inner[o] for o in outer)


def canonicalizer(sym: Symmetry) -> Callable[[int], int]:
    """A faster :meth:`Symmetry.canonical` for the hot loop (the same function: a test
    compares them).  Each block's fields are read into one int whose order is the
    lexicographic order of the block's tuple (fields of equal widths, first field highest)."""
    blocks = [tuple((s, (1 << w) - 1, w) for s, w in block) for block in sym.blocks]
    widths = [w for _, w in sym.blocks[0]]
    place = [sum(widths[i + 1:]) for i in range(len(widths))]  # bit offset inside the key
    keep = ~sym.mask

    def canonical(state: int) -> int:
        keys = []
        for block in blocks:
            key = 0
            for s, m, w in block:
                key = (key << w) | ((state >> s) & m)
            keys.append(key)
        ordered = sorted(keys)
        if ordered == keys:
            return state
        out = state & keep
        for block, key in zip(blocks, ordered, strict=True):
            for (s, m, _), p in zip(block, place, strict=True):
                out |= ((key >> p) & m) << s
        return out

    return canonical


class Concrete(Protocol):
    """What :func:`concrete_run` needs of a transition system under reduction."""

    initial: int

    def concrete_successors(self, state: int) -> list[tuple[int, int]]: ...


def concrete_run(system: Concrete, sym: Symmetry, reps: list[int], labels: list[int]
                 ) -> tuple[list[int], list[int]]:
    """A real run for a path of the reduced graph: ``reps[0]`` (the initial state) and each
    edge ``reps[j] --labels[j]--> reps[j+1]`` (some successor of ``reps[j]`` by that action
    has ``reps[j+1]`` as canonical form).  Returns concrete states and action ids whose last
    state *is* ``reps[-1]`` (the finding's state), each step a successor of the one before.

    How: walk forward keeping ``sigma`` with ``concrete_j = permuted(reps[j], sigma)``; the
    representative's step maps through ``sigma`` (a symmetry maps runs to runs).  Then the
    whole run is permuted by the inverse of the last ``sigma``: the initial state is the same
    in every block, so the run still starts there and now ends at ``reps[-1]``.
    """
    if not reps:
        return [], []
    n = len(sym.blocks)
    sigma = tuple(range(n))
    run = [reps[0]]
    for j, label in enumerate(labels):
        # the concrete successor of the representative by this action
        target = next((t for lab, t in system.concrete_successors(reps[j])
                       if lab == label and sym.canonical(t) == reps[j + 1]), None)
        if target is None:
            raise AssertionError(f"step {j} of a reduced path is not an edge")
        # target = permuted(reps[j+1], tau) with tau the inverse of target's sorting
        tau = inverse(sym.permutation(target))
        sigma = compose(sigma, tau)
        run.append(permuted(sym, reps[j + 1], sigma))
    back = inverse(sigma)
    states = [permuted(sym, s, back) for s in run]
    if states[0] != system.initial:  # an initial state that is not symmetric: keep as is
        states = run
    out_labels = []
    for j in range(len(states) - 1):
        lab = next((lab for lab, t in system.concrete_successors(states[j])
                    if t == states[j + 1]), None)
        if lab is None:
            raise AssertionError(f"step {j} of a rebuilt run is not a step")
        out_labels.append(lab)
    return states, out_labels
