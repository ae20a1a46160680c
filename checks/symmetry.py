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

from dataclasses import dataclass

__all__ = ["Symmetry"]


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
