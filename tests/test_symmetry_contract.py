"""The symmetry contract every back end implements (``checks/symmetry.py``)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ordercheck.checks.symmetry import Symmetry

# three blocks of two fields: (2 bits, 3 bits), above a 4-bit field outside every block
SYM = Symmetry(blocks=(((4, 2), (6, 3)), ((9, 2), (11, 3)), ((14, 2), (16, 3))))


def _pack(outside: int, tuples: list[tuple[int, int]]) -> int:
    state = outside
    for block, (a, b) in zip(SYM.blocks, tuples, strict=True):
        state |= a << block[0][0] | b << block[1][0]
    return state


def test_canonical_sorts_block_tuples_and_keeps_other_bits() -> None:
    state = _pack(0b1010, [(3, 1), (0, 7), (3, 0)])
    assert SYM.values(SYM.canonical(state)) == [(0, 7), (3, 0), (3, 1)]
    assert SYM.canonical(state) & 0b1111 == 0b1010
    assert SYM.permutation(state) == (1, 2, 0)


@given(st.integers(0, 15), st.lists(st.tuples(st.integers(0, 3), st.integers(0, 7)),
                                    min_size=3, max_size=3))
def test_every_member_of_an_orbit_has_one_representative(
        outside: int, tuples: list[tuple[int, int]]) -> None:
    reps = {SYM.canonical(_pack(outside, list(p))) for p in itertools.permutations(tuples)}
    assert len(reps) == 1
    rep = reps.pop()
    assert SYM.canonical(rep) == rep
    assert sorted(SYM.values(rep)) == sorted(tuples)


def test_malformed_blocks_are_refused() -> None:
    with pytest.raises(ValueError, match="at least two"):
        Symmetry(blocks=(((0, 1),),))
    with pytest.raises(ValueError, match="equal field widths"):
        Symmetry(blocks=(((0, 1),), ((1, 2),)))
    with pytest.raises(ValueError, match="overlaps"):
        Symmetry(blocks=(((0, 2),), ((1, 2),)))
