"""The joint transition system: compiled charts + environment, over integer-packed states.

A joint state is one Python ``int``::

    state = control | (channels << control_bits)

``control`` packs every party's local-configuration id (fixed bit fields); ``channels`` is the
interned id of the tuple of all channels' contents.  Successors come from three memo tables,
so the hot loop does a few dict look-ups and shifts per edge instead of running
python-statemachine:

* ``_local[control]``   -> moves triggered by actors and timers (guards already evaluated);
* ``_queue[channels]``  -> deliverable messages with the channels left after taking them;
* ``_deliver[(control, message)]`` -> what the receiver does with a delivered message.

Delivery modes (``DELIVERY_MODES``):

``fifo``       reliable, in order per direction (default);
``unordered``  reliable, any order (a multiset per direction);
``duplicate``  at-least-once: a delivered message may stay in flight and be delivered again
               (contents are a *set*: extra copies are indistinguishable);
``lossy``      FIFO, and the network may lose the message at the head of a channel.

A channel holds at most ``capacity`` messages; a send beyond it is a *bound hit*
(the exploration verdict becomes UNKNOWN, never OK).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from .chart import CompiledChart, GuardSpec, TransitionInfo, compile_chart
from .protocol import (
    NETWORK_ACTOR,
    TIMER_ACTOR,
    InvalidModel,
    Message,
    StatusView,
    Timer,
    Workflow,
)

DELIVERY_MODES = ("fifo", "unordered", "duplicate", "lossy")

#: Step kinds in :class:`StepLabel`.
FIRE, DELIVER, DELIVER_KEEP, LOSE = "fire", "deliver", "deliver-keep", "lose"


@dataclass(frozen=True, slots=True, kw_only=True)
class StepLabel:
    """What one joint step did.  Interned: edges carry the label's integer id."""

    kind: str  # FIRE | DELIVER | DELIVER_KEEP | LOSE
    party: str  # the party whose chart moved (the receiver for deliveries)
    event: str  # chart event ("" for a lost message)
    actor: str
    transition: int  # global transition id, -1 when no transition fired
    message: str = ""  # delivered or lost message
    sends: tuple[str, ...] = ()
    ignored: bool = False  # a delivered message the receiver had no transition for

    def describe(self) -> str:
        if self.kind == LOSE:
            return f"network loses {self.message}"
        if self.kind in (DELIVER, DELIVER_KEEP):
            verb = "delivers (and keeps a copy of)" if self.kind == DELIVER_KEEP else "delivers"
            text = f"network {verb} {self.message} to {self.party}"
            return text + (" — ignored, no transition" if self.ignored else "")
        return f"{self.actor}: {self.party}.{self.event}"


class BoundHit(Exception):
    """A channel would exceed its capacity."""


class JointSystem:
    """A :class:`Workflow` compiled for exploration under one delivery mode."""

    def __init__(self, workflow: Workflow, *, delivery: str = "fifo", capacity: int = 4) -> None:
        if delivery not in DELIVERY_MODES:
            raise InvalidModel("delivery", f"unknown delivery mode {delivery!r}",
                               f"choose one of {', '.join(DELIVERY_MODES)}")
        self.workflow = workflow
        self.delivery = delivery
        self.capacity = capacity
        self.parties = [p.name for p in workflow.parties]
        if len(set(self.parties)) != len(self.parties):
            raise InvalidModel("Workflow.parties", "party names must be unique")
        if not self.parties:
            raise InvalidModel("Workflow.parties", "a workflow needs at least one party")
        self.party_index = {name: i for i, name in enumerate(self.parties)}
        self.charts: list[CompiledChart] = [compile_chart(p.name, p.chart)
                                            for p in workflow.parties]
        self._check_environment()
        # global transition ids
        self.transitions: list[TransitionInfo] = []
        self._toffset: list[int] = []
        for c in self.charts:
            self._toffset.append(len(self.transitions))
            self.transitions.extend(c.transitions)
        # bit layout of the control part
        self._shift: list[int] = []
        bits = 0
        for c in self.charts:
            self._shift.append(bits)
            bits += max(1, (len(c.configs) - 1).bit_length())
        self._masks = [(1 << max(1, (len(c.configs) - 1).bit_length())) - 1 for c in self.charts]
        self.control_bits = bits
        self._control_mask = (1 << bits) - 1
        # channels: one per ordered (sender, receiver) pair that has messages
        pairs = sorted({(self.party_index[m.sender], self.party_index[m.receiver])
                        for m in workflow.messages})
        self.channels: list[tuple[int, int]] = pairs
        self._channel_of = {pair: k for k, pair in enumerate(pairs)}
        self.messages: list[Message] = list(workflow.messages)
        self._message_index = {m.name: i for i, m in enumerate(self.messages)}
        self._msg_channel = [self._channel_of[(self.party_index[m.sender],
                                               self.party_index[m.receiver])]
                             for m in self.messages]
        self._delivery_events = {(self.party_index[m.receiver], m.event) for m in self.messages}
        self._timer_events = {(self.party_index[t.party], t.event): t for t in workflow.timers}
        # interning
        self._chan_ids: dict[tuple[tuple[int, ...], ...], int] = {}
        self._chan_list: list[tuple[tuple[int, ...], ...]] = []
        self.empty_channels = self._intern_channels(tuple(() for _ in pairs))
        self.labels: list[StepLabel] = []
        self._label_ids: dict[StepLabel, int] = {}
        self._local: dict[int, tuple[tuple[int, int, tuple[int, ...]], ...]] = {}
        self._queue: dict[int, tuple[tuple[int, int, int], ...]] = {}
        self._deliver: dict[tuple[int, int], tuple[int, int, tuple[int, ...]]] = {}
        self._append: dict[tuple[int, tuple[int, ...]], int] = {}
        self._views: dict[int, StatusView] = {}
        self._guards_read_messages = any(getattr(g, "reads_messages", False)
                                         for g in workflow.guards.values())
        self.initial = self.pack_control([c.initial for c in self.charts])
        self.bound_hits = 0

    # -- validation ------------------------------------------------------------------------
    def _check_environment(self) -> None:
        wf = self.workflow
        names = set(self.parties)
        chart_events = {c.party: set(c.events) for c in self.charts}
        for m in wf.messages:
            where = f"Workflow.messages[{m.name!r}]"
            for role in (m.sender, m.receiver):
                if role not in names:
                    raise InvalidModel(where, f"unknown party {role!r}",
                                       f"parties are {sorted(names)}")
            if m.event not in chart_events[m.receiver]:
                raise InvalidModel(where, f"receiver {m.receiver!r} has no event {m.event!r}")
        if len({m.name for m in wf.messages}) != len(wf.messages):
            raise InvalidModel("Workflow.messages", "message names must be unique")
        for t in wf.timers:
            where = f"Workflow.timers[{t.name!r}]"
            if t.party not in names:
                raise InvalidModel(where, f"unknown party {t.party!r}")
            if t.event not in chart_events[t.party]:
                raise InvalidModel(where, f"party {t.party!r} has no event {t.event!r}")
        declared = set(wf.guards)
        for c in self.charts:
            for t in c.transitions:
                missing = sorted({n for n, _ in t.guard} - declared)
                if missing:
                    raise InvalidModel(f"{c.party} transition {t.source!r} --{t.event}-->",
                                       f"guard(s) {missing} not declared",
                                       "add them to Workflow.guards")
                for sent in t.meta.sends:
                    msg = next((m for m in wf.messages if m.name == sent), None)
                    if msg is None:
                        raise InvalidModel(f"{c.party} transition {t.source!r} --{t.event}-->",
                                           f"sends undeclared message {sent!r}")
                    if msg.sender != c.party:
                        raise InvalidModel(f"{c.party} transition {t.source!r} --{t.event}-->",
                                           f"sends {sent!r} whose sender is {msg.sender!r}")

    # -- packing ----------------------------------------------------------------------------
    def pack_control(self, configs: list[int]) -> int:
        x = 0
        for c, s in zip(configs, self._shift, strict=True):
            x |= c << s
        return x

    def unpack(self, state: int) -> tuple[list[int], tuple[tuple[str, ...], ...]]:
        """Party configuration ids and channel contents (message names) of ``state``."""
        ctrl = state & self._control_mask
        configs = [(ctrl >> s) & m for s, m in zip(self._shift, self._masks, strict=True)]
        chans = self._chan_list[state >> self.control_bits]
        return configs, tuple(tuple(self.messages[i].name for i in ch) for ch in chans)

    def _intern_channels(self, chans: tuple[tuple[int, ...], ...]) -> int:
        i = self._chan_ids.get(chans)
        if i is None:
            i = self._chan_ids[chans] = len(self._chan_list)
            self._chan_list.append(chans)
        return i

    def _label(self, label: StepLabel) -> int:
        i = self._label_ids.get(label)
        if i is None:
            i = self._label_ids[label] = len(self.labels)
            self.labels.append(label)
        return i

    # -- views ------------------------------------------------------------------------------
    def view(self, ctrl: int, chans_id: int | None = None) -> StatusView:
        """The :class:`StatusView` of a control value (and channels, for guards reading them)."""
        key = ctrl if chans_id is None else ctrl | (chans_id << self.control_bits)
        v = self._views.get(key)
        if v is None:
            configs = [(ctrl >> s) & m for s, m in zip(self._shift, self._masks, strict=True)]
            flight: frozenset[str] = frozenset()
            if chans_id is not None:
                flight = frozenset(self.messages[i].name for ch in self._chan_list[chans_id]
                                   for i in ch)
            v = StatusView(
                status={c.party: c.configs[i].leaf
                        for c, i in zip(self.charts, configs, strict=True)},
                active={c.party: c.active[i] for c, i in zip(self.charts, configs, strict=True)},
                in_flight=flight,
            )
            self._views[key] = v
        return v

    def state_view(self, state: int) -> StatusView:
        return self.view(state & self._control_mask)

    def in_flight(self, state: int) -> tuple[str, ...]:
        """Messages in flight, in channel order, as ``sender->receiver:name``."""
        out = []
        for (p, q), ch in zip(self.channels, self._chan_list[state >> self.control_bits],
                              strict=True):
            out.extend(f"{self.parties[p]}->{self.parties[q]}:{self.messages[i].name}" for i in ch)
        return tuple(out)

    def is_final(self, state: int) -> bool:
        """All parties in a top-level final state and nothing in flight."""
        if state >> self.control_bits != self.empty_channels:
            return False
        ctrl = state & self._control_mask
        return all(c.final[(ctrl >> s) & m]
                   for c, s, m in zip(self.charts, self._shift, self._masks, strict=True))

    def parties_final(self, state: int) -> bool:
        ctrl = state & self._control_mask
        return all(c.final[(ctrl >> s) & m]
                   for c, s, m in zip(self.charts, self._shift, self._masks, strict=True))

    def armed_timers(self, state: int) -> tuple[str, ...]:
        ctrl = state & self._control_mask
        guard_chans = state >> self.control_bits if self._guards_read_messages else None
        names = []
        for ref_label, _, _ in self._local_moves(ctrl, guard_chans):
            label = self.labels[ref_label]
            timer = self._timer_events.get((self.party_index[label.party], label.event))
            if timer is not None:
                names.append(timer.name)
        return tuple(sorted(set(names)))

    def waits_for(self, state: int) -> dict[str, list[str]]:
        """Per party, what could still move it: messages it would handle (not in flight) and
        transitions its guards block.  Empty list = the party has no way out at all.

        This is the "blame" of a stuck state: who waits on what.
        """
        configs, _ = self.unpack(state)
        view = self.state_view(state)
        out: dict[str, list[str]] = {}
        for p, (chart, cfg) in enumerate(zip(self.charts, configs, strict=True)):
            reasons: list[str] = []
            for event in chart.events:
                cands = chart.moves.get((cfg, event), ())
                if not cands:
                    continue
                if (p, event) in self._delivery_events:
                    names = [m.name for m in self.messages
                             if m.receiver == chart.party and m.event == event]
                    reasons.extend(f"message {n}" for n in names)
                    continue
                if self._select(p, cfg, event, view) is None:
                    guards = sorted({name for t, _, _ in cands
                                     for name, _ in chart.transitions[t].guard})
                    reasons.append(f"{event} (blocked by guard {', '.join(guards)})"
                                   if guards else f"{event} (waits for a transient status)")
            out[chart.party] = reasons
        return out

    def timer_of(self, party: str, event: str) -> Timer | None:
        return self._timer_events.get((self.party_index[party], event))

    # -- guards and moves ---------------------------------------------------------------------
    def _guard_ok(self, guard: GuardSpec, view: StatusView) -> bool:
        guards = self.workflow.guards
        return all(bool(guards[name](view)) == expected for name, expected in guard)

    def _select(self, p: int, cfg: int, event: str, view: StatusView) -> tuple[int, int] | None:
        """(transition index, next config) of the transition that fires, or None.

        In a transient status only the status's own (platform) transitions fire: the
        platform finishes its automatic step before anything inherited applies.
        """
        chart = self.charts[p]
        leaf = chart.configs[cfg].leaf if chart.defers[cfg] else None
        for tindex, guard, nxt in chart.moves.get((cfg, event), ()):
            if leaf is not None and chart.transitions[tindex].source != leaf:
                continue
            if not guard or self._guard_ok(guard, view):
                return tindex, nxt
        return None

    def _sends(self, p: int, tindex: int) -> tuple[int, ...]:
        return tuple(self._message_index[m] for m in self.charts[p].transitions[tindex].meta.sends)

    def _local_moves(self, ctrl: int, chans_id: int | None = None
                     ) -> tuple[tuple[int, int, tuple[int, ...]], ...]:
        key = ctrl if chans_id is None else ctrl | (chans_id << self.control_bits)
        moves = self._local.get(key)
        if moves is not None:
            return moves
        view = self.view(ctrl, chans_id)
        out = []
        for p, chart in enumerate(self.charts):
            cfg = (ctrl >> self._shift[p]) & self._masks[p]
            for event in chart.events:
                if (p, event) in self._delivery_events:
                    continue
                chosen = self._select(p, cfg, event, view)
                if chosen is None:
                    continue
                tindex, nxt = chosen
                info = chart.transitions[tindex]
                timer = self._timer_events.get((p, event))
                label = self._label(StepLabel(
                    kind=FIRE, party=chart.party, event=event,
                    actor=TIMER_ACTOR if timer else info.meta.actor,
                    transition=self._toffset[p] + tindex, sends=info.meta.sends))
                nctrl = (ctrl & ~(self._masks[p] << self._shift[p])) | (nxt << self._shift[p])
                out.append((label, nctrl, self._sends(p, tindex)))
        moves = self._local[key] = tuple(out)
        return moves

    def _delivery(self, ctrl: int, msg: int, kind: str, chans_id: int | None
                  ) -> tuple[int, int, tuple[int, ...]]:
        base = ctrl if chans_id is None else ctrl | (chans_id << self.control_bits)
        key = (base, msg if kind == DELIVER else ~msg)
        hit = self._deliver.get(key)
        if hit is not None:
            return hit
        m = self.messages[msg]
        q = self.party_index[m.receiver]
        cfg = (ctrl >> self._shift[q]) & self._masks[q]
        if self.charts[q].defers[cfg]:
            hit = self._deliver[key] = (-1, ctrl, ())
            return hit
        chosen = self._select(q, cfg, m.event, self.view(ctrl, chans_id))
        if chosen is None:
            label = self._label(StepLabel(kind=kind, party=m.receiver, event=m.event,
                                          actor=NETWORK_ACTOR, transition=-1, message=m.name,
                                          ignored=True))
            hit = (label, ctrl, ())
        else:
            tindex, nxt = chosen
            info = self.charts[q].transitions[tindex]
            label = self._label(StepLabel(kind=kind, party=m.receiver, event=m.event,
                                          actor=NETWORK_ACTOR,
                                          transition=self._toffset[q] + tindex,
                                          message=m.name, sends=info.meta.sends))
            nctrl = (ctrl & ~(self._masks[q] << self._shift[q])) | (nxt << self._shift[q])
            hit = (label, nctrl, self._sends(q, tindex))
        self._deliver[key] = hit
        return hit

    def _deliverable(self, chans_id: int) -> tuple[tuple[int, int, int], ...]:
        """(message, channels after removal, kind-flag) for each possible delivery/loss."""
        hit = self._queue.get(chans_id)
        if hit is not None:
            return hit
        chans = self._chan_list[chans_id]
        out: list[tuple[int, int, int]] = []
        for k, ch in enumerate(chans):
            if not ch:
                continue
            if self.delivery in ("fifo", "lossy"):
                choices = [0]
            else:
                choices = [i for i, msg in enumerate(ch) if i == 0 or msg != ch[i - 1]]
            for i in choices:
                rest = (*chans[:k], ch[:i] + ch[i + 1:], *chans[k + 1:])
                rid = self._intern_channels(rest)
                out.append((ch[i], rid, 0))  # deliver and remove
                if self.delivery == "duplicate":
                    out.append((ch[i], chans_id, 1))  # deliver, keep a copy
                if self.delivery == "lossy":
                    out.append((ch[i], rid, 2))  # lose
        hit = self._queue[chans_id] = tuple(out)
        return hit

    def _append_msgs(self, chans_id: int, sends: tuple[int, ...]) -> int:
        key = (chans_id, sends)
        hit = self._append.get(key)
        if hit is not None:
            return hit
        chans = list(self._chan_list[chans_id])
        for msg in sends:
            k = self._msg_channel[msg]
            ch = chans[k]
            if self.delivery == "duplicate":
                ch = tuple(sorted(set(ch) | {msg}))
            elif self.delivery == "unordered":
                ch = tuple(sorted((*ch, msg)))
            else:
                ch = (*ch, msg)
            if len(ch) > self.capacity:
                self._append[key] = -1
                return -1
            chans[k] = ch
        hit = self._append[key] = self._intern_channels(tuple(chans))
        return hit

    def successors(self, state: int) -> Iterator[tuple[int, int]]:
        """Yield ``(label id, next state)`` in a deterministic order.

        A step whose sends would overflow a channel is skipped and counted in
        ``bound_hits``; the explorer turns any bound hit into an UNKNOWN verdict.
        """
        cb = self.control_bits
        ctrl = state & self._control_mask
        chans_id = state >> cb
        guard_chans = chans_id if self._guards_read_messages else None
        for label, nctrl, sends in self._local_moves(ctrl, guard_chans):
            nch = self._append_msgs(chans_id, sends) if sends else chans_id
            if nch < 0:
                self.bound_hits += 1
                continue
            yield label, nctrl | (nch << cb)
        for msg, rest, flag in self._deliverable(chans_id):
            if flag == 2:
                m = self.messages[msg]
                label = self._label(StepLabel(kind=LOSE, party=m.receiver, event="",
                                              actor=NETWORK_ACTOR, transition=-1, message=m.name))
                yield label, ctrl | (rest << cb)
                continue
            label, nctrl, sends = self._delivery(ctrl, msg, DELIVER_KEEP if flag else DELIVER,
                                                 guard_chans)
            if label < 0:
                continue  # receiver is in a transient status: the message waits
            nch = self._append_msgs(rest, sends) if sends else rest
            if nch < 0:
                self.bound_hits += 1
                continue
            yield label, nctrl | (nch << cb)

    def step_by(self, state: int, want: StepLabel) -> int | None:
        """The successor reached by a step equal to ``want`` (used by replay)."""
        for label, nxt in self.successors(state):
            if self.labels[label] == want:
                return nxt
        return None
