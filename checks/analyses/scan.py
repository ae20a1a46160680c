"""Predicates over every state or step, evaluated once per control value (and action).

Why: a property's predicate is Python, so calling it per state and per step is the cost of
checking a large graph (an order group of 3 sellers has 1.9 M steps).  States are grouped by
control value and steps by (source control value, action) with numpy; the predicate runs
once per group, and again per member only for the groups where it read more than the
control value (:class:`~.views.Memo` tells which).  The answers are those of the plain
loops they replace — the same first state or step in BFS order, the same bad states — and
predicates are pure functions of what they read, so which members they run on is free.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from ..properties import JointView, StepView
from .arrays import Ints, Mask

if TYPE_CHECKING:
    from .context import Context


def groups(keys: Ints) -> tuple[Ints, Ints, Ints]:
    """The equal values of ``keys`` as groups: (each group's first member, in order of
    first occurrence; all members, each group's ascending and contiguous; each group's
    ``[start, end)`` in the members, rows in the order of the first members).  One stable
    sort, so it scales to tens of millions of edges."""
    if not len(keys):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros((0, 2), dtype=np.int64)
    members = np.argsort(keys, kind="stable")
    ordered = keys[members]
    starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    first = members[starts]
    order = np.argsort(first, kind="stable")
    bounds = np.append(starts, len(keys))
    return first[order], members, np.stack([bounds[:-1][order], bounds[1:][order]], axis=1)


def state_values(ctx: Context, pred: Callable[[JointView], bool]) -> Mask:
    """``pred`` on every state."""
    first, members, off = ctx.state_groups
    out = np.zeros(ctx.n, dtype=bool)
    for g, i in enumerate(first.tolist()):
        value, shared = ctx.memo.state_value(pred, i)
        group = members[off[g, 0]:off[g, 1]]
        if shared:
            out[group] = value
        else:
            out[i] = value
            for k in group[1:].tolist():
                out[k] = ctx.memo.state_value(pred, k)[0]
    return out


def first_state(ctx: Context, pred: Callable[[JointView], bool]) -> int | None:
    """The smallest (shallowest) state where ``pred`` holds."""
    first, members, off = ctx.state_groups
    best = _first(first, members, off, ctx.n, True,
                  lambda i: ctx.memo.state_value(pred, i))
    return best if best < ctx.n else None


def first_step(ctx: Context, pred: Callable[[StepView], bool], want: bool
               ) -> tuple[int, int, int] | None:
    """The first step in edge order (sources in BFS order) where ``pred`` is ``want``."""
    first, members, off = ctx.step_groups
    csr, labels = ctx.csr, ctx.labels
    best = _first(first, members, off, len(labels), want, lambda e: ctx.memo.step_value(
        pred, int(csr.src[e]), int(labels[e]), int(csr.succ[e])))
    if best == len(labels):
        return None
    return int(csr.src[best]), int(labels[best]), int(csr.succ[best])


def _first(first: Ints, members: Ints, off: Ints, none: int, want: bool,
           value: Callable[[int], tuple[bool, bool]]) -> int:
    """The smallest member whose value is ``want`` (``none`` if there is none): each
    group's first member, then, in ascending order, the other members of the groups whose
    first value was not shared, below the best so far."""
    best = none
    private: list[Ints] = []
    for g, k in enumerate(first.tolist()):
        if k >= best:
            break
        v, shared = value(k)
        if v == want:
            best = k
        elif not shared:
            private.append(members[off[g, 0] + 1:off[g, 1]])
    if private:
        for k in np.sort(np.concatenate(private)).tolist():
            if k >= best:
                break
            if value(k)[0] == want:
                best = k
                break
    return best
