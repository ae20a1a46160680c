"""What the export evaluates in Python: chart selections and invariants as tables.

Guards and ``Always`` predicates are user Python functions; another checker cannot run them.
So the export evaluates them here, over the states ordercheck reached (the full product of
configurations is far too big for order groups), and the Promela program treats any input
outside that tabulated domain as an assertion failure: a disagreement about reachability
can never be hidden behind a guessed guard value.

A *key* is what a guard can see of a state: every party's configuration id, then (only when
some guard ``reads_messages``) one 0/1 flag per declared message for "in flight".  A guarded
decision's table is not keyed by the whole key but by the coordinates its guards *read*
(:mod:`..readset`): each evaluation runs on a recording view, and the table's coordinates
grow to the union of every evaluation's read set over the reached keys.  Why that is exact:
guards are pure, so two states agreeing on what one evaluation read get the same outcome;
every reached state agrees with its table row's evaluated representative on the table's
coordinates, which contain that evaluation's read set.  So any state — reached or not —
whose read values are in the table gets the value the guards would give it, and one whose
read values are not is outside the domain.  In an order group a seller's guard reads its own
pair and one message, so its table has a handful of rows where the whole-key table had one
per reached joint state (megabytes of Promela for a group of 2).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from ..analyses import instances, scan
from ..analyses.arrays import Mask
from ..analyses.context import Context
from ..chart import CompiledChart
from ..explore import StateGraph
from ..properties import Always
from ..protocol import Guard, StatusView
from ..readset import ReadSet, recording_view
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


@dataclass(frozen=True, slots=True)
class Table:
    """One guarded decision over the reached states, keyed by what its guards read."""

    #: the key coordinates read (party index, or parties + message index for a flag), sorted
    coords: tuple[int, ...]
    #: the read values of every reached state facing the decision -> its selection, sorted
    rows: dict[Key, Selection]
    #: how many times the guards ran (once per distinct read values met, not per state)
    evaluations: int


class Reached:
    """The states ordercheck reached, as their distinct keys (a matrix, one row per key,
    with one reached state each to build a view from), computed on the first
    :meth:`table`: a model without guards never pays for it."""

    def __init__(self, graph: StateGraph) -> None:
        self.graph = graph
        self.system: TransitionSystem = graph.system
        self.reads_messages = any(getattr(g, "reads_messages", False)
                                  for g in self.system.workflow.guards.values())
        self.n_parties = len(self.system.charts)

    @classmethod
    def of(cls, graph: StateGraph) -> Reached:
        return cls(graph)

    @cached_property
    def context(self) -> Context:
        """The analyses' context of the graph (invariants are judged by their code)."""
        return Context(self.graph)

    @cached_property
    def _keys(self) -> tuple[np.ndarray, list[int]]:
        """(the distinct keys as a byte matrix, one reached state per row).  Control values
        are numbered as the analyses number them (:class:`~..analyses.context.Context`);
        channel contents by a dict (packed states may exceed 64 bits), then per distinct
        contents one flag vector."""
        system, states = self.system, self.graph.states
        n, cb = len(states), system.control_bits
        cid = self.context.ctrl_ids
        configs = self.context.ctrl_configs.astype(np.uint8)  # the export's limit: a byte
        if not self.reads_messages:
            _, first = np.unique(cid, return_index=True)
            return configs[cid[first]], [states[i] for i in first.tolist()]
        chans_num: dict[int, int] = {}
        hid = np.fromiter((chans_num.setdefault(s >> cb, len(chans_num)) for s in states),
                          dtype=np.int64, count=n)
        vec_num: dict[Key, int] = {}
        per_chans = np.array([vec_num.setdefault(self._flags(c), len(vec_num))
                              for c in chans_num], dtype=np.int64)
        flags = np.array(list(vec_num), dtype=np.uint8).reshape(len(vec_num),
                                                                len(system.messages))
        fid = per_chans[hid]
        code = cid * len(vec_num) + fid
        _, first = np.unique(code, return_index=True)
        keys = np.hstack([configs[cid[first]], flags[fid[first]]])
        return keys, [states[i] for i in first.tolist()]

    def _flags(self, chans: int) -> Key:
        flying = {i for ch in _contents(self.system, chans) for i in ch}
        return tuple(int(i in flying) for i in range(len(self.system.messages)))

    @property
    def keys(self) -> np.ndarray:
        """The distinct keys of the reached states, one row each."""
        return self._keys[0]

    def _view(self, row: int) -> StatusView:
        s = self._keys[1][row]
        system = self.system
        return system.view(s & system.codec.control_mask,
                           s >> system.control_bits if self.reads_messages else None)

    def _evaluate(self, row: int, party: int, cfg: int, event: str
                  ) -> tuple[set[int], Selection]:
        """The selection in the state of ``row`` and the key coordinates its guards read."""
        system = self.system
        reads = ReadSet()
        sel = select(system.charts[party], cfg, event, recording_view(self._view(row), reads),
                     system.workflow.guards)
        coords = {system.party_index[p] for p in reads.parties if p in system.party_index}
        if self.reads_messages:
            index = {m.name: i for i, m in enumerate(system.messages)}
            read = (range(len(system.messages)) if reads.all_messages else
                    (index[name] for name in reads.messages if name in index))
            coords.update(self.n_parties + i for i in read)
        return coords, sel

    def table(self, party: int, cfg: int, event: str, message: int | None = None) -> Table:
        """``event``'s selection for ``party`` in ``cfg`` (and, for a delivery of ``message``
        when keys carry flags, with that message in flight) over the reached keys, keyed by
        the coordinates the guards read.

        A fixpoint: group the rows by the coordinates read so far, evaluate one row per
        group (unless an earlier evaluation's read values already match it: its outcome
        holds for every row agreeing on what it read), widen the coordinates by what the
        evaluations read, and regroup until they stop growing.
        """
        keys = self.keys
        pick = keys[:, party] == cfg
        if message is not None and self.reads_messages:
            pick &= keys[:, self.n_parties + message] == 1
        rows = np.flatnonzero(pick)
        done: list[tuple[list[int], Key, Selection]] = []
        coords: list[int] = []
        while True:
            table: dict[Key, Selection] = {}
            grown: set[int] = set()
            for r in _representatives(keys, rows, coords):
                full = keys[r]
                known = [outcome for read, values, outcome in done
                         if tuple(full[read].tolist()) == values][:1]
                if known:
                    sel = known[0]
                else:
                    read_set, sel = self._evaluate(r, party, cfg, event)
                    read = sorted(read_set)
                    done.append((read, tuple(full[read].tolist()), sel))
                    grown |= read_set - set(coords)
                table[tuple(full[coords].tolist())] = sel
            if not grown:
                return Table(tuple(coords), dict(sorted(table.items())), len(done))
            coords = sorted(set(coords) | grown)

    def violations(self, prop: Always) -> Mask:
        """Per state, True where ``prop`` does not hold (as the analyses judge it: per
        control value, per instance for a quantified property)."""
        ctx = self.context
        if prop.each:
            return instances.state_mask(ctx, prop, False)
        return ~scan.state_values(ctx, prop.holds)


def _representatives(keys: np.ndarray, rows: np.ndarray, coords: list[int]) -> list[int]:
    """One row of ``rows`` per distinct value of ``keys`` on ``coords`` (the first)."""
    if not len(rows):
        return []
    if not coords:
        return [int(rows[0])]
    sub = keys[np.ix_(rows, np.asarray(coords, dtype=np.int64))]
    bits = [max(int(keys[:, c].max()), 1).bit_length() for c in coords]
    if sum(bits) < 63:
        code = np.zeros(len(rows), dtype=np.int64)
        for col, b in enumerate(bits):
            code = (code << b) | sub[:, col]
        _, first = np.unique(code, return_index=True)
    else:
        _, first = np.unique(sub, axis=0, return_index=True)
    return rows[np.sort(first)].tolist()


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
    a guard reading two statuses may decide on one of them alone.  The export still checks
    every coordinate read against the tabulated domain, so a combination ordercheck never
    reached is an assertion, not an extrapolation.
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
