"""The compiled model as a Promela program whose reachable states are ordercheck's joint states.

The program is built so that SPIN's ``states, stored`` equals ordercheck's state count:

* one process, one ``do`` loop whose every option is a ``d_step`` (guard first): a step is
  atomic and leaves no intermediate state, and the process counter never changes, so a SPIN
  state is exactly the global variables;
* the globals are in bijection with a joint state: one ``byte`` per party holding the chart
  compiler's configuration id (history memory is already inside it), and per channel data in
  bijection with the codec's canonical contents for the delivery mode — ``fifo``/``lossy`` a
  zero-padded sequence ``q<k>[capacity]`` of symbols 1.., ``unordered`` one count per
  message, ``duplicate`` one bit per message — plus ``n<k>``, the number held (a function of
  the contents, so it adds no state);
* local moves come from the compiled charts' tables (:func:`.tables.select`); a transient
  receiver has no delivery option, so its messages wait, as in the transition system;
* guards are tabulated over the states ordercheck reached, keyed by the variables they
  read (:mod:`.tables`), each outcome as a condition on the variables it depends on; any
  read values ordercheck did not reach make the option ``outside_domain`` fire, an
  assertion failure;
* a send into a full channel is what ordercheck treats as a bound: the step is disabled and a
  sibling option asserts ``!channel_full``, so the state count still matches and the bound
  shows as an assertion;
* final states (every party final, nothing in flight) get a ``skip`` self-loop, so the only
  blocked states — SPIN's *invalid end states* — are ordercheck's deadlocks;
* each ``Always`` property becomes a macro true exactly in the reached states violating it
  (on the configurations it depends on when the verdict is a function of them), asserted
  false (``!invariant_<i>``) at the end of every step: one failure per edge into a
  violating state.

Self-loops add transitions, never states: SPIN's ``transitions`` is ``1 + edges + finals``
plus one per full-channel assertion (:func:`.spin.disagreements` checks that too).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from ..delivery import SEMANTICS, Delivery, Take
from ..errors import UsageError
from ..explore import StateGraph
from ..properties import Always
from ..system import TransitionSystem
from .tables import (
    Key,
    Reached,
    Selection,
    Table,
    channel_messages,
    groups,
    is_guarded,
    project,
    select,
)

#: Hidden flags asserted false; their names appear in pan's "assertion violated" lines.
CHANNEL_FULL = "channel_full"
OUTSIDE_DOMAIN = "outside_domain"
INVARIANT_PREFIX = "invariant_"

_MAX_BYTE = 255
#: An invariant condition longer than this is a C function (``c_code``), not a macro.
MAX_INLINE = 2000


class UnsupportedExport(UsageError):
    """The model uses something the Promela export cannot represent exactly (exit 2)."""


@dataclass(frozen=True, slots=True)
class PromelaExport:
    """The program text and what its assertion flags mean."""

    text: str
    #: hidden flag -> meaning (``invariant_<i>`` -> the property's name)
    flags: dict[str, str] = field(default_factory=dict)
    #: invariant flag -> how many reached states violate it (each is one failing assertion)
    violating: dict[str, int] = field(default_factory=dict)

    @property
    def invariants(self) -> dict[str, str]:
        return {f: name for f, name in self.flags.items() if f.startswith(INVARIANT_PREFIX)}


@dataclass(frozen=True, slots=True)
class _Coord:
    """One variable (or boolean expression) a tabulated condition tests."""

    expr: str
    boolean: bool = False

    def test(self, values: Sequence[int]) -> str | None:
        """A condition true exactly for ``values`` (None: every value this coordinate takes)."""
        if self.boolean:
            if set(values) == {0, 1}:
                return None
            return self.expr if values[0] else f"!{self.expr}"
        return _int_test(self.expr, values)


def _int_test(expr: str, values: Sequence[int]) -> str:
    """``expr`` in ``values`` (sorted, distinct), with runs of 3+ as ranges."""
    runs: list[tuple[int, int]] = []
    for v in values:
        if runs and runs[-1][1] == v - 1:
            runs[-1] = (runs[-1][0], v)
        else:
            runs.append((v, v))
    parts = []
    for lo, hi in runs:
        if hi - lo >= 2:
            parts.append(f"({expr}>={lo} && {expr}<={hi})")
        else:
            parts.extend(f"{expr}=={v}" for v in range(lo, hi + 1))
    return parts[0] if len(parts) == 1 else "(" + " || ".join(parts) + ")"


def member(keys: Iterable[Key], coords: Sequence[_Coord]) -> str:
    """A Promela condition true exactly for ``keys`` (a trie over ``coords``, sub-tries shared
    when several values lead to the same suffixes): small where a table has structure."""
    memo: dict[tuple[int, frozenset[Key]], str] = {}

    def build(depth: int, suffixes: frozenset[Key]) -> str:
        if depth == len(coords):
            return "1"
        hit = memo.get((depth, suffixes))
        if hit is not None:
            return hit
        by: dict[int, set[Key]] = {}
        for s in suffixes:
            by.setdefault(s[0], set()).add(s[1:])
        merged: dict[frozenset[Key], list[int]] = {}
        for v in sorted(by):
            merged.setdefault(frozenset(by[v]), []).append(v)
        parts = []
        for rest, values in sorted(merged.items(), key=lambda item: item[1]):
            test = coords[depth].test(values)
            inner = build(depth + 1, rest)
            if test is None:
                parts.append(inner)
            elif inner == "1":
                parts.append(test)
            else:
                parts.append(f"({test} && {inner})")
        out = parts[0] if len(parts) == 1 else "(" + " || ".join(parts) + ")"
        memo[(depth, suffixes)] = out
        return out

    keyset = frozenset(keys)
    return build(0, keyset) if keyset else "0"


def _slices(keys: list[Key], coords: Sequence[_Coord], limit: int = 16_000) -> list[str]:
    """Conditions true exactly for ``keys`` together, each at most ``limit`` characters
    (unless one key alone is longer): ``keys`` halved until each half's condition fits."""
    text = member(keys, coords)
    if len(text) <= limit or len(keys) <= 1:
        return [text]
    mid = len(keys) // 2
    return _slices(keys[:mid], coords, limit) + _slices(keys[mid:], coords, limit)


def export_promela(graph: StateGraph) -> PromelaExport:
    """The Promela program of ``graph.system`` (its guards tabulated over ``graph``'s states).

    ``graph`` must be the complete exploration (a channel-capacity bound is fine: it is
    modelled); a max-states or max-depth cut would leave guard inputs untabulated.  It must
    be unreduced: a symmetry-reduced graph is refused, since SPIN does not reduce.
    """
    if getattr(graph.system, "symmetry", None) is not None:
        raise UnsupportedExport(
            "--symmetry: the export is of the unreduced system (SPIN explores every state and "
            "does not reduce symmetric pairs, so the state counts could not agree); export "
            "without --symmetry")
    cut = [b for b in graph.bounds_hit if b != "channel-capacity"]
    if cut:
        raise UnsupportedExport(f"the exploration hit {', '.join(cut)}: the export tabulates "
                                "guards over every reachable state, so it needs all of them")
    return _Writer(graph).run()


class _Writer:
    """Builds the program in one pass: invariants first (every move ends with their
    asserts), then local moves, deliveries (and losses), the final self-loop.  One object,
    because every fragment depends on the same channel layout and delivery mode."""

    def __init__(self, graph: StateGraph) -> None:
        system: TransitionSystem = graph.system
        self.system = system
        self.graph = graph
        self.reached = Reached.of(graph)
        self.cap = system.capacity
        self.mode = system.delivery
        self.fifo = self.mode in (Delivery.FIFO, Delivery.LOSSY)
        self.guards = system.workflow.guards
        self.chmsgs = channel_messages(system)
        self.channel = {i: k for k, msgs in enumerate(self.chmsgs) for i in msgs}
        self.symbol = {i: s for msgs in self.chmsgs for s, i in enumerate(msgs)}
        self.msg_index = {m.name: i for i, m in enumerate(system.messages)}
        self.delivery_events = {(system.party_index[m.receiver], m.event)
                                for m in system.messages}
        self.options: list[str] = []
        self.violating: dict[str, int] = {}
        self.checks: list[str] = []  # statements ending every move: the invariant asserts
        self.macros: list[str] = []
        self.flags: dict[str, str] = {CHANNEL_FULL: "a send into a full channel (a bound)",
                                      OUTSIDE_DOMAIN: "guard evaluated outside the tabulated "
                                                      "domain"}
        self._check()

    def _check(self) -> None:
        s = self.system
        for m in s.messages:
            if m.sender == m.receiver:
                raise UnsupportedExport(f"message {m.name!r}: {m.sender!r} sends to itself; "
                                        "the Promela export supports messages between parties")
        if self.cap > _MAX_BYTE:
            raise UnsupportedExport(f"--capacity {self.cap}: the Promela export holds channel "
                                    f"lengths in a byte (at most {_MAX_BYTE})")
        for c in s.charts:
            if len(c.configs) > _MAX_BYTE + 1:
                raise UnsupportedExport(f"party {c.party!r} has {len(c.configs)} "
                                        f"configurations; the export holds one in a byte")

    # -- Promela fragments per channel representation ---------------------------------------
    def in_flight(self, i: int) -> str:
        k, s = self.channel[i], self.symbol[i]
        if self.fifo:
            return "(" + " || ".join(f"q{k}[{j}]=={s + 1}" for j in range(self.cap)) + ")"
        if self.mode is Delivery.UNORDERED:
            return f"(n{k}_{s}>0)"
        return f"f{k}_{s}"

    def takeable(self, i: int) -> str:
        k, s = self.channel[i], self.symbol[i]
        if self.fifo:
            return f"q{k}[0]=={s + 1}"
        if self.mode is Delivery.UNORDERED:
            return f"n{k}_{s}>0"
        return f"f{k}_{s}"

    def remove(self, i: int) -> list[str]:
        k, s = self.channel[i], self.symbol[i]
        if self.fifo:
            return self.drop_head(k)
        if self.mode is Delivery.UNORDERED:
            return [f"n{k}_{s}--", f"n{k}--"]
        return [f"f{k}_{s} = 0", f"n{k}--"]

    def drop_head(self, k: int) -> list[str]:
        return ([f"q{k}[{j}] = q{k}[{j + 1}]" for j in range(self.cap - 1)]
                + [f"q{k}[{self.cap - 1}] = 0", f"n{k}--"])

    def put(self, i: int) -> list[str]:
        k, s = self.channel[i], self.symbol[i]
        if self.fifo:
            return [f"q{k}[n{k}] = {s + 1}", f"n{k}++"]
        if self.mode is Delivery.UNORDERED:
            return [f"n{k}_{s}++", f"n{k}++"]
        return [f"if :: f{k}_{s} == 0 -> f{k}_{s} = 1; n{k}++ :: else -> skip fi"]

    def room(self, sends: Sequence[int]) -> str | None:
        """True when every send fits (None: nothing is sent)."""
        if not sends:
            return None
        per: dict[int, list[int]] = {}
        for i in sends:
            per.setdefault(self.channel[i], []).append(i)
        parts = []
        for k, msgs in sorted(per.items()):
            if self.mode is Delivery.DUPLICATE:
                new = " + ".join(f"(1 - f{k}_{self.symbol[i]})" for i in sorted(set(msgs)))
                parts.append(f"n{k} + {new} <= {self.cap}")
            else:
                parts.append(f"n{k} <= {self.cap - len(msgs)}" if len(msgs) <= self.cap
                             else "0")
        return " && ".join(parts)

    # -- options ------------------------------------------------------------------------------
    def emit(self, cond: Sequence[str], body: Sequence[str], comment: str, *,
             move: bool = False) -> None:
        """One option; a ``move`` (a step to another state) ends with the invariant checks."""
        guard = " && ".join(c if len(cond) == 1 else f"({c})" if " " in c else c for c in cond)
        stmts = "; ".join([*body, *self.checks] if move else body) or "skip"
        self.options.append(f"  :: d_step {{ {guard} -> {stmts} }} /* {comment} */")

    def fire(self, cond: Sequence[str], body: Sequence[str], p: int, sel: Selection,
             comment: str) -> None:
        """A step of party ``p`` selecting ``sel`` (None: an ignored delivery)."""
        sends: list[int] = []
        stmts = list(body)
        if sel is not None:
            tindex, nxt = sel
            sends = [self.msg_index[n] for n in self.system.charts[p].transitions[tindex]
                     .meta.sends]
            stmts.append(f"c{p} = {nxt}")
            for i in sends:
                stmts.extend(self.put(i))
        room = self.room(sends)
        if room is None:
            self.emit(cond, stmts, comment, move=True)
            return
        self.emit([*cond, room], stmts, comment, move=True)
        self.emit([*cond, f"!({room})"], [f"{CHANNEL_FULL} = 1", f"assert(!{CHANNEL_FULL})"],
                  f"{comment}: channel full")

    def describe(self, p: int, sel: Selection) -> str:
        chart = self.system.charts[p]
        if sel is None:
            return "ignored"
        t = chart.transitions[sel[0]]
        return f"{t.source} -> {chart.configs[sel[1]].leaf}"

    def tabulated(self, cond: list[str], table: Table, p: int, body: list[str],
                  skip_none: bool, comment: str) -> None:
        """Options for a guarded event: one per outcome, on the variables it depends on
        (:func:`.tables.project` of the table keyed by what the guards read), and one
        asserting ``!outside_domain`` for any read values ordercheck never reached, so no
        guard value is ever extrapolated silently."""
        read = [self.key_coords()[i] for i in table.coords]
        kept, projected = project(table.rows)
        coords = [read[i] for i in kept]
        for sel, keys in groups(projected):
            if sel is None and skip_none:
                continue
            self.fire([*cond, member(keys, coords)], body, p, sel,
                      f"{comment} [{self.describe(p, sel)}, guard tabulated]")
        domain = member(table.rows, read)
        self.emit([*cond, f"!{domain}" if domain.startswith("(") else f"!({domain})"],
                  [f"{OUTSIDE_DOMAIN} = 1", f"assert(!{OUTSIDE_DOMAIN})"],
                  f"{comment}: outside the tabulated domain")

    def key_coords(self) -> list[_Coord]:
        coords = [_Coord(f"c{p}") for p in range(len(self.system.charts))]
        if self.reached.reads_messages:
            coords += [_Coord(f"flying_{i}", boolean=True)
                       for i in range(len(self.system.messages))]
        return coords

    def local_moves(self) -> None:
        s = self.system
        for p, chart in enumerate(s.charts):
            for cfg in range(len(chart.configs)):
                for event in chart.events:
                    if (p, event) in self.delivery_events or not chart.moves.get((cfg, event)):
                        continue
                    what = f"{chart.party}.{event} in {chart.configs[cfg].leaf}"
                    cond = [f"c{p} == {cfg}"]
                    if is_guarded(chart, cfg, event):
                        self.tabulated(cond, self.reached.table(p, cfg, event), p, [], True,
                                       f"fire {what}")
                        continue
                    sel = select(chart, cfg, event, None, self.guards)
                    if sel is not None:
                        self.fire(cond, [], p, sel, f"fire {what} [{self.describe(p, sel)}]")

    def deliveries(self) -> None:
        s = self.system
        takes_kinds = SEMANTICS[s.delivery].takes_kinds
        kinds = [k for k in (Take.DELIVER, Take.DELIVER_KEEP) if k in takes_kinds]
        for i, m in enumerate(s.messages):
            q = s.party_index[m.receiver]
            chart = s.charts[q]
            for kind in kinds:
                removal = self.remove(i) if kind is Take.DELIVER else []
                ignored: list[int] = []
                for cfg in range(len(chart.configs)):
                    if chart.defers[cfg]:
                        continue  # a transient receiver: the message waits
                    what = f"{kind.value} {m.name} to {m.receiver} in {chart.configs[cfg].leaf}"
                    cond = [self.takeable(i), f"c{q} == {cfg}"]
                    if is_guarded(chart, cfg, m.event):
                        self.tabulated(cond, self.reached.table(q, cfg, m.event, message=i), q,
                                       removal, False, what)
                        continue
                    sel = select(chart, cfg, m.event, None, self.guards)
                    if sel is None:
                        ignored.append(cfg)
                    else:
                        self.fire(cond, removal, q, sel, f"{what} [{self.describe(q, sel)}]")
                if ignored:
                    self.fire([self.takeable(i), _int_test(f"c{q}", ignored)], removal, q, None,
                              f"{kind.value} {m.name} to {m.receiver} [ignored]")
        if Take.LOSE in takes_kinds:
            for k, (p, q) in enumerate(s.channels):
                self.emit([f"n{k} > 0"], self.drop_head(k),
                          f"lose the head of {s.parties[p]}->{s.parties[q]}", move=True)

    def finals(self) -> None:
        s = self.system
        cond = []
        for p, chart in enumerate(s.charts):
            finals = [c for c in range(len(chart.configs)) if chart.final[c]]
            if not finals:
                return  # no final state: every blocked state is a deadlock
            cond.append(_int_test(f"c{p}", finals))
        cond += [f"n{k} == 0" for k in range(len(s.channels))]
        self.emit(cond, [], "final: a valid end (self-loop, no new state)")

    def invariants(self) -> None:
        """Each ``Always`` property as a macro true in the reached states violating it, asserted
        false at the end of every move: SPIN checks every state a step enters.  (Not as a
        self-loop option: that would unblock a violating deadlock and hide it.)  The initial
        state is entered by no step; :func:`export_promela` refuses a model whose initial
        state violates one, which ordercheck reports at depth 0 anyway.  A condition over
        :data:`MAX_INLINE` characters is a C function instead of a macro (SPIN's simulation
        mode does not run ``c_code``; pan, the verifier, does)."""
        s = self.system
        props = [p for p in s.workflow.properties if isinstance(p, Always)]
        states = self.graph.states
        ctx = self.reached.context
        for j, prop in enumerate(props):
            flag = f"{INVARIANT_PREFIX}{j}"
            self.flags[flag] = prop.name
            bad = self.reached.violations(prop)
            self.violating[flag] = int(np.count_nonzero(bad[ctx.csr.succ]))
            if not bad.any():
                self.macros.append(f"/* invariant {prop.name}: holds in every state ordercheck "
                                   "reached, nothing to assert */")
                continue
            if bad[0]:
                raise UnsupportedExport(f"invariant {prop.name!r} fails in the initial state, "
                                        "which no Promela step enters: fix that first")
            bad_ctrl = np.unique(ctx.ctrl_ids[bad])
            coords = [_Coord(f"c{p}") for p in range(len(s.charts))]
            if np.intersect1d(bad_ctrl, ctx.ctrl_ids[~bad]).size:
                # the verdict depends on what is in flight: the violating states themselves
                coords += self.channel_coords()
                keys = [self.full_key(states[i]) for i in np.flatnonzero(bad).tolist()]
            else:
                # a function of the configurations: on those it depends on (over every
                # reached control value, so exact there)
                verdict = np.zeros(len(ctx.ctrl_configs), dtype=bool)
                verdict[bad_ctrl] = True
                kept, table = project({tuple(row): v for row, v in zip(
                    ctx.ctrl_configs.tolist(), verdict.tolist(), strict=True)})
                coords = [coords[i] for i in kept]
                keys = [k for k, v in table.items() if v]
            macro = f"violates_{j}"
            self.macros.append(f"/* invariant {prop.name}: the {int(bad.sum())} reached "
                               "state(s) violating it */")
            test = member(keys, coords)
            if len(test) <= MAX_INLINE:
                self.macros.append(f"#define {macro} {test}")
                self.checks += [f"{flag} = {macro}", f"assert(!{flag})"]
                continue
            # Every step ends with this check: inlined, a big condition is compiled once per
            # option (an order group of 3 with the observed variant: 20 MB of C, gcc 78 s).
            # A C function is compiled once; pan reads the state as ``now``.
            # SPIN caps one c_code block's text (64 kB in 6.5.2): one function per slice of
            # the keys, and one that ors them.
            parts = _slices(sorted(keys), [replace(c, expr=f"now.{c.expr}") for c in coords])
            for k, part in enumerate(parts):
                self.macros.append(f"c_code {{ int {macro}_{k}(void) {{ return {part}; }} }}")
            calls = " || ".join(f"{macro}_{k}()" for k in range(len(parts)))
            self.macros.append(f"c_code {{ int {macro}(void) {{ return {calls}; }} }}")
            self.checks += [f"c_code {{ {flag} = {macro}(); }}", f"assert(!{flag})"]

    def flying_macros(self) -> list[str]:
        """``flying_<i>``: message ``i`` is in flight (what ``reads_messages`` guards see)."""
        if not self.reached.reads_messages:
            return []
        return [f"#define flying_{i} {self.in_flight(i)} /* {m.name} */"
                for i, m in enumerate(self.system.messages)]

    def channel_coords(self) -> list[_Coord]:
        out: list[_Coord] = []
        for k, msgs in enumerate(self.chmsgs):
            if self.fifo:
                out += [_Coord(f"q{k}[{j}]") for j in range(self.cap)]
            elif self.mode is Delivery.UNORDERED:
                out += [_Coord(f"n{k}_{s}") for s in range(len(msgs))]
            else:
                out += [_Coord(f"f{k}_{s}", boolean=True) for s in range(len(msgs))]
        return out

    def full_key(self, state: int) -> Key:
        s = self.system
        key = list(s.codec.configs(state & s.codec.control_mask))
        for k, contents in enumerate(s.codec.decode_channels(state >> s.control_bits)):
            if self.fifo:
                key += [c + 1 for c in contents] + [0] * (self.cap - len(contents))
            else:
                key += [contents.count(sym) for sym in range(len(self.chmsgs[k]))]
        return tuple(key)

    # -- the program ---------------------------------------------------------------------------
    def declarations(self) -> list[str]:
        s = self.system
        out = [f"/* ordercheck export: {s.workflow.name}, delivery {self.mode.value}, "
               f"channel capacity {self.cap}.",
               "   One process, one do loop of d_step options: every SPIN state is one "
               "ordercheck joint state. */", ""]
        for p, chart in enumerate(s.charts):
            out.append(f"/* party {p} {chart.party}: configuration ids */")
            for cid, cfg in enumerate(chart.configs):
                memory = "".join(f", history {h}={'/'.join(v)}" for h, v in cfg.history)
                out.append(f"/*   {cid} = {cfg.leaf}{memory}"
                           f"{' (final)' if chart.final[cid] else ''}"
                           f"{' (transient)' if chart.defers[cid] else ''} */")
            out.append(f"byte c{p} = {chart.initial};")
        for k, (p, q) in enumerate(s.channels):
            names = ", ".join(f"{j + 1 if self.fifo else j} = {s.messages[i].name}"
                              for j, i in enumerate(self.chmsgs[k]))
            out.append(f"/* channel {k} {s.parties[p]}->{s.parties[q]}: {names} */")
            if self.fifo:
                out.append(f"byte q{k}[{self.cap}];")
            elif self.mode is Delivery.UNORDERED:
                out.extend(f"byte n{k}_{j};" for j in range(len(self.chmsgs[k])))
            else:
                out.extend(f"bit f{k}_{j};" for j in range(len(self.chmsgs[k])))
            out.append(f"byte n{k};")
        out.append("/* assertion flags (hidden: not part of the state) */")
        flags = [CHANNEL_FULL, OUTSIDE_DOMAIN]
        flags += [f for f in self.flags if f.startswith(INVARIANT_PREFIX)]
        for f in flags:
            out.append(f"hidden byte {f}; /* {self.flags[f]} */")
        return out

    def run(self) -> PromelaExport:
        self.invariants()
        self.local_moves()
        self.deliveries()
        self.finals()
        options = self.options or ["  :: d_step { 0 -> skip } /* no step at all */"]
        lines = [*self.declarations(), *self.flying_macros(), *self.macros, "",
                 "active proctype ordercheck() {", "  do", *options, "  od", "}", ""]
        return PromelaExport(text="\n".join(lines), flags=dict(self.flags),
                             violating=dict(self.violating))
