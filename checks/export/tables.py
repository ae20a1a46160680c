"""What the export evaluates in Python: chart selections and invariants as tables.

Guards and ``Always`` predicates are user Python functions; another checker cannot run them.
So the export evaluates them here, over the states ordercheck reached (the full product of
configurations is far too big for order groups), and the Promela program treats any input
outside that tabulated domain as an assertion failure: a disagreement about reachability
can never be hidden behind a guessed guard value.

A *key* is what a guard can see of a state: every party's configuration id, then (only when
some guard ``reads_messages``) one 0/1 flag per declared message for "in flight".
"""

from __future__ import annotations

from collections.abc import Mapping

from ..analyses.context import Views
from ..chart import CompiledChart
from ..explore import StateGraph
from ..properties import Always, state_holds
from ..protocol import Guard, StatusView
from ..system import TransitionSystem

#: (transition index in the party's chart, next configuration id), or None: nothing fires.
Selection = tuple[int, int] | None
Key = tuple[int, ...]


def select(chart: CompiledChart, cfg: int, event: str, view: StatusView | None,
           guards: Mapping[str, Guard]) -> Selection:
    """The transition ``event`` fires in ``cfg`` (first enabled candidate), or None.

    The same rule as the transition system's: in a transient status only the status's own
    transitions fire, and a guarded candidate needs a view to be enabled.
    """
    leaf = chart.configs[cfg].leaf if chart.defers[cfg] else None
    for tindex, guard, nxt in chart.moves.get((cfg, event), ()):
        if leaf is not None and chart.transitions[tindex].source != leaf:
            continue
        if not guard or (view is not None and all(
                bool(guards[name](view)) == expected for name, expected in guard)):
            return tindex, nxt
    return None


def is_guarded(chart: CompiledChart, cfg: int, event: str) -> bool:
    """True when the outcome of ``event`` in ``cfg`` depends on a guard (so on other parties)."""
    return any(guard for _, guard, _ in chart.moves.get((cfg, event), ()))


class Reached:
    """The states ordercheck reached, as guard keys with one representative view each
    (computed on the first :meth:`table`: a model without guards never pays for it)."""

    def __init__(self, graph: StateGraph) -> None:
        self.graph = graph
        self.system: TransitionSystem = graph.system
        self.reads_messages = any(getattr(g, "reads_messages", False)
                                  for g in self.system.workflow.guards.values())
        self._views: dict[Key, StatusView] | None = None

    @classmethod
    def of(cls, graph: StateGraph) -> Reached:
        return cls(graph)

    @property
    def views(self) -> dict[Key, StatusView]:
        if self._views is None:
            system, reads = self.system, self.reads_messages
            cb, mask = system.control_bits, system.codec.control_mask
            views: dict[Key, StatusView] = {}
            for state in self.graph.states:
                ctrl, chans = state & mask, state >> cb
                key = self._key(system, ctrl, chans, reads)
                if key not in views:
                    views[key] = system.view(ctrl, chans if reads else None)
            self._views = views
        return self._views

    @staticmethod
    def _key(system: TransitionSystem, ctrl: int, chans: int, reads: bool) -> Key:
        configs = tuple(system.codec.configs(ctrl))
        if not reads:
            return configs
        flying = {i for ch in _contents(system, chans) for i in ch}
        return configs + tuple(int(i in flying) for i in range(len(system.messages)))

    def table(self, party: int, cfg: int, event: str, message: int | None = None
              ) -> dict[Key, Selection]:
        """``event``'s selection for every reached key where ``party`` is in ``cfg`` (and, for a
        delivery of ``message`` when keys carry flags, where that message is in flight)."""
        chart = self.system.charts[party]
        guards = self.system.workflow.guards
        flag = None
        if message is not None and self.reads_messages:
            flag = len(self.system.charts) + message
        return {key: select(chart, cfg, event, view, guards)
                for key, view in sorted(self.views.items())
                if key[party] == cfg and (flag is None or key[flag] == 1)}

    def violations(self, prop: Always) -> list[int]:
        """State numbers where ``prop`` does not hold, ascending (the views the analyses use)."""
        views = Views(self.graph)
        return [i for i in range(self.graph.n_states) if not state_holds(prop, views[i])]


def _contents(system: TransitionSystem, chans: int) -> tuple[tuple[int, ...], ...]:
    """Per channel, its contents as message ids (declaration order of the workflow)."""
    per_channel = channel_messages(system)
    return tuple(tuple(msgs[s] for s in symbols) for msgs, symbols in
                 zip(per_channel, system.codec.decode_channels(chans), strict=True))


def channel_messages(system: TransitionSystem) -> list[list[int]]:
    """Per channel, its messages' ids in declaration order (a message's symbol is its
    position here, as in the codec)."""
    out: list[list[int]] = [[] for _ in system.channels]
    index = {pair: k for k, pair in enumerate(system.channels)}
    for i, m in enumerate(system.messages):
        out[index[(system.party_index[m.sender], system.party_index[m.receiver])]].append(i)
    return out


def groups(table: Mapping[Key, Selection]) -> list[tuple[Selection, list[Key]]]:
    """The table's keys grouped by selection, in a deterministic order (None first)."""
    by: dict[Selection, list[Key]] = {}
    for key, sel in table.items():
        by.setdefault(sel, []).append(key)
    return sorted(by.items(), key=lambda item: (item[0] is not None, item[0] or (0, 0)))


def project(table: Mapping[Key, Selection]) -> tuple[list[int], dict[Key, Selection]]:
    """The coordinates the selection depends on over the table's domain, and the table on them.

    A coordinate is dropped (last first) when the selection stays a function of the others:
    a guard reading two statuses becomes a condition on two variables instead of on every
    party and message.  The export still checks the full key against the reached domain,
    so a combination ordercheck never reached is an assertion, not an extrapolation.
    """
    keys = list(table)
    width = len(keys[0]) if keys else 0
    kept = list(range(width))
    for c in reversed(range(width)):
        trial = [k for k in kept if k != c]
        seen: dict[Key, Selection] = {}
        if all(seen.setdefault(tuple(key[i] for i in trial), sel) == sel
               for key, sel in table.items()):
            kept = trial
    return kept, {tuple(key[i] for i in kept): sel for key, sel in table.items()}
