"""Quantified properties (``Property.each``), checked one instance at a time on projections.

Why: a property of an order group is a property of every pair, and a predicate over one
pair depends on that pair's configurations only — hundreds of values whatever the number of
pairs — while the group has millions of joint states (8.4 M orbits for 4 sellers).  Calling
the predicate per joint state (or per control value, :mod:`.scan`) is what made checking a
group cost minutes.

How: an instance binds a few parties; its *key* of a control value is those parties'
configurations.  States with equal keys look the same to the instance's state predicate,
and steps with equal (source key, action) look the same to its step predicate: a step
changes only the acting party's configuration, to a target fixed by the action
(:meth:`~..system.TransitionSystem.moved_config`).  So the predicate runs once per key
(per occurring (key, action) pair for steps) on a :class:`~.views.ConfigView`, and numpy
maps the answers back to states and edges.  A predicate that reads more than
configurations for some key (messages in flight, timers) runs on that key's real states or
edges instead; one whose answer depends on ``quiescent`` runs per state on those states
only.  The answers are those of :func:`~..properties.state_holds` and
:func:`~..properties.step_holds` applied to every state and step, which the tests compare.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..properties import Instance, JointView, StepView, project, project_action, project_step
from .arrays import Ints, Mask
from .views import ConfigView, NeedsQuiescence, Unprojected

if TYPE_CHECKING:
    from .context import Context

#: edges per numpy pass (bounds the temporary arrays of a scan over tens of millions)
CHUNK = 1 << 22


class Projection:
    """One instance over one explored graph: each state's key number, and what a key
    and an action look like to the instance."""

    def __init__(self, ctx: Context, instance: Instance) -> None:
        system = ctx.system
        self.ctx = ctx
        self.instance = instance
        #: (role, party index) of the parties the instance binds, by role name
        self.roles = [(role, system.party_index[name]) for role, name in sorted(instance.items())
                      if name in system.party_index]
        self._slot = {p: k for k, (_, p) in enumerate(self.roles)}
        cfgs = ctx.ctrl_configs[:, [p for _, p in self.roles]]
        keys, inverse = np.unique(cfgs, axis=0, return_inverse=True)
        #: key number -> the bound parties' configurations
        self.keys: list[tuple[int, ...]] = [tuple(k) for k in keys.tolist()]
        #: per state, its key number
        self.kid: Ints = inverse.reshape(-1).astype(np.int64)[ctx.ctrl_ids]
        self.n_labels = max(len(system.labels), 1)
        #: action id -> the action as the instance names it (only actions it takes)
        self.actions = {lab: project_action(a, instance) for lab, a in enumerate(system.labels)
                        if system.party_index[a.party] in self._slot}
        self._occurring: Ints | None = None

    def view(self, cfgs: tuple[int, ...], quiescent: bool | None = None) -> ConfigView:
        charts = self.ctx.system.charts
        status, active, final = {}, {}, {}
        for (role, p), c in zip(self.roles, cfgs, strict=True):
            chart = charts[p]
            status[role], active[role], final[role] = (chart.configs[c].leaf,
                                                       chart.active[c], chart.final[c])
        return ConfigView.of(status, active, final, quiescent)

    def step(self, key: int, label: int) -> StepView:
        """The step ``label`` from any state with key number ``key``, as the instance sees
        it (the label must be one of the instance's actions)."""
        action = self.ctx.system.labels[label]
        before = self.keys[key]
        slot = self._slot[self.ctx.system.party_index[action.party]]
        moved = self.ctx.system.moved_config(label, before[slot])
        if moved is None:  # an explored edge: the action was taken from this configuration
            raise AssertionError(f"action {label} cannot be taken from configuration "
                                 f"{before[slot]}")
        after = (*before[:slot], moved, *before[slot + 1:])
        return StepView(before=self.view(before), label=self.actions[label],
                        after=self.view(after))

    def edge_codes(self, e0: int, e1: int) -> Ints:
        """``key * actions + action`` of the source of every edge in ``[e0, e1)``."""
        csr, labels = self.ctx.csr, self.ctx.labels
        src = csr.src[e0:e1]
        return self.kid[src] * self.n_labels + labels[e0:e1]

    @property
    def occurring(self) -> Ints:
        """The (key, action) codes of the instance's actions on explored edges, ascending."""
        if self._occurring is None:
            seen = np.zeros(len(self.keys) * self.n_labels, dtype=bool)
            for e0 in range(0, len(self.ctx.labels), CHUNK):
                seen[self.edge_codes(e0, min(e0 + CHUNK, len(self.ctx.labels)))] = True
            codes = np.flatnonzero(seen)
            own = np.zeros(self.n_labels, dtype=bool)
            own[list(self.actions)] = True
            self._occurring = codes[own[codes % self.n_labels]]
        return self._occurring


def _judge(pred: Callable[[Any], Any], arg: Any, *views: JointView) -> bool:
    """``pred(arg)`` as a bool, re-raising the signal a read of a :class:`ConfigView`
    raised even when the predicate caught it (its answer then rests on a guess, not on the
    state)."""
    value = bool(pred(arg))
    for v in views:
        signal = getattr(v, "signal", None)
        if signal is not None:
            raise signal
    return value


def projections(ctx: Context, instances: tuple[Instance, ...]) -> list[Projection]:
    """The projections of ``instances``, built once per context and instance."""
    cache: dict[Any, Projection] = ctx.__dict__.setdefault("_projections", {})
    out = []
    for inst in instances:
        key = tuple(sorted(inst.items()))
        if key not in cache:
            cache[key] = Projection(ctx, inst)
        out.append(cache[key])
    return out


def state_mask(ctx: Context, prop: Any, want: bool) -> Mask:
    """States where ``prop.holds`` is ``want`` for some instance."""
    out = np.zeros(ctx.n, dtype=bool)
    for proj in projections(ctx, prop.each):
        hit = np.zeros(len(proj.keys), dtype=bool)
        by_quiescence: dict[int, tuple[bool, bool]] = {}
        by_state: list[int] = []
        for kid, cfgs in enumerate(proj.keys):
            try:
                view = proj.view(cfgs)
                hit[kid] = _judge(prop.holds, view, view) == want
            except NeedsQuiescence:
                try:
                    yes_view, no_view = proj.view(cfgs, True), proj.view(cfgs, False)
                    yes = _judge(prop.holds, yes_view, yes_view)
                    no = _judge(prop.holds, no_view, no_view)
                except Unprojected:
                    by_state.append(kid)
                    continue
                if yes == no:
                    hit[kid] = yes == want
                else:
                    by_quiescence[kid] = (yes, no)
            except Unprojected:
                by_state.append(kid)
        out |= hit[proj.kid]
        if by_quiescence:
            pick = np.zeros(len(proj.keys), dtype=bool)
            pick[list(by_quiescence)] = True
            members = np.flatnonzero(pick[proj.kid])
            yes_hit = np.zeros(len(proj.keys), dtype=bool)
            no_hit = np.zeros(len(proj.keys), dtype=bool)
            for kid, (yes, no) in by_quiescence.items():
                yes_hit[kid], no_hit[kid] = yes == want, no == want
            kids = proj.kid[members]
            out[members] |= np.where(ctx.quiescent(members), yes_hit[kids], no_hit[kids])
        if by_state:
            for i in np.flatnonzero(np.isin(proj.kid, by_state)).tolist():
                real = project(ctx.views.of_state(ctx.graph.states[i]), proj.instance)
                out[i] |= bool(prop.holds(real)) == want
    return out


def first_step(ctx: Context, prop: Any, want: bool) -> tuple[int, int, int] | None:
    """The first edge (in edge order) where ``prop.holds`` is ``want`` for some instance
    whose party took it."""
    n_edges = len(ctx.labels)
    best = n_edges
    for proj in projections(ctx, prop.each):
        size = len(proj.keys) * proj.n_labels
        wanted = np.zeros(size, dtype=bool)  # the answer is `want` on every such edge
        on_edge = np.zeros(size, dtype=bool)  # the predicate needs the real edge
        for code in proj.occurring.tolist():
            kid, label = divmod(code, proj.n_labels)
            try:
                step = proj.step(kid, label)
                wanted[code] = _judge(prop.holds, step, step.before, step.after) == want
            except (Unprojected, NeedsQuiescence):
                on_edge[code] = True
        if wanted.any() or on_edge.any():
            best = min(best, _first_edge(ctx, proj, wanted, on_edge, best,
                                         lambda s: bool(prop.holds(s)) == want))
    if best == n_edges:
        return None
    return int(ctx.csr.src[best]), int(ctx.labels[best]), int(ctx.csr.succ[best])


def _first_edge(ctx: Context, proj: Projection, wanted: Mask, on_edge: Mask, limit: int,
                holds: Callable[[StepView], bool]) -> int:
    """The first edge below ``limit`` whose code is ``wanted``, or is ``on_edge`` and
    ``holds`` on the real step as the instance sees it; ``limit`` if none."""
    candidates = wanted | on_edge
    for e0 in range(0, limit, CHUNK):
        e1 = min(e0 + CHUNK, limit)
        codes = proj.edge_codes(e0, e1)
        for k in np.flatnonzero(candidates[codes]).tolist():
            if wanted[codes[k]]:
                return e0 + k
            e = e0 + k
            i, label, j = int(ctx.csr.src[e]), int(ctx.labels[e]), int(ctx.csr.succ[e])
            step = project_step(ctx.views.step(i, label, j), proj.instance)
            if step is not None and holds(step):
                return e
    return limit
