"""The joint transition system: compiled charts + environment, over integer-packed states.

A joint state is one Python ``int``::

    state = control | channels << control_bits
    channels = content_0 | content_1 << w_0 | ...   (one field per channel)

``control`` packs every party's local-configuration id (fixed bit fields); each channel's
field is the interned id of that channel's contents (0 = empty).  Successors come from small
memo tables, so the hot loop does a few dict look-ups and shifts per edge instead of running
python-statemachine:

* ``_local[control]``  -> moves triggered by actors and timers (guards already evaluated);
* ``_takes[k][content]`` -> messages deliverable from channel ``k`` and the contents left;
* ``_puts[k][(content, message)]`` -> channel ``k``'s contents after a send;
* ``_deliver[control, message]`` -> what the receiver does with a delivered message.

Interning per channel (not per tuple of channels) keeps the memo tables tiny: their size
depends on what one channel can hold, not on the product of all channels.  A field is as
wide as the number of distinct contents the channel can have (sequences of at most
``capacity`` of the messages that use it), so states stay small ints.

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

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .chart import CompiledChart, GuardSpec, TransitionInfo, compile_chart
from .codec import ChannelCodec, StateCodec
from .delivery import DELIVERY_MODES, SEMANTICS, Delivery, Take
from .findings import Blame, InFlight, Wait, WaitKind
from .interchange import counterparts, symmetry_of
from .protocol import (
    NETWORK_ACTOR,
    TIMER_ACTOR,
    InvalidModel,
    Message,
    StatusView,
    Workflow,
)
from .readset import ReadSet, recording_view
from .symmetry import Symmetry, canonicalizer
from .text import describe_action

__all__ = [
    "DELIVER",
    "DELIVERY_MODES",
    "DELIVER_KEEP",
    "FIRE",
    "LOSE",
    "Action",

    "TransitionSystem",
]

class ActionKind(StrEnum):
    """What an :class:`Action` does: fire a transition, or one of the network's :class:`Take`s."""

    FIRE = "fire"
    DELIVER = Take.DELIVER.value
    DELIVER_KEEP = Take.DELIVER_KEEP.value
    LOSE = Take.LOSE.value


FIRE, DELIVER, DELIVER_KEEP, LOSE = (ActionKind.FIRE, ActionKind.DELIVER,
                                     ActionKind.DELIVER_KEEP, ActionKind.LOSE)
_TAKE_FLAG = {Take.DELIVER: 0, Take.DELIVER_KEEP: 1, Take.LOSE: 2}


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    """What one joint step did.  Interned: edges carry the label's integer id."""

    kind: ActionKind
    party: str  # the party whose chart moved (the receiver for deliveries)
    event: str  # chart event ("" for a lost message)
    actor: str
    transition: int  # global transition id, -1 when no transition fired
    message: str = ""  # delivered or lost message
    sends: tuple[str, ...] = ()
    ignored: bool = False  # a delivered message the receiver had no transition for

    def describe(self) -> str:
        """This action as a clause (the words are :func:`.text.describe_action`'s)."""
        return describe_action(self)


class TransitionSystem:
    """A :class:`Workflow` compiled for exploration under one delivery mode: the seam.

    Front ends (the CLI, conformance, log checking) build one; explorer back ends
    (:mod:`.explore`) read only :attr:`initial`, :meth:`successors` and :attr:`overflowed`;
    analyses read the views.  Everything a state int or an action id means is fixed at
    construction — the :class:`~.codec.StateCodec` layout and the static action table in
    :attr:`labels` — so two processes compiling the same model agree on every id.  The memo
    tables behind :meth:`successors` are caches of pure functions of those ids: filling them
    in another order changes nothing they return.
    """

    def __init__(self, workflow: Workflow, *, delivery: str = "fifo", capacity: int = 4,
                 symmetry: bool = False) -> None:
        if delivery not in DELIVERY_MODES:
            raise InvalidModel("delivery", f"unknown delivery mode {delivery!r}",
                               f"choose one of {', '.join(DELIVERY_MODES)}")
        if capacity < 1:
            raise InvalidModel("capacity", f"channel capacity {capacity} holds no message",
                               "use a capacity of at least 1")
        self.workflow = workflow
        self.delivery = Delivery(delivery)
        self._semantics = SEMANTICS[self.delivery]
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
        # the canonical codec: a channel's symbols are its messages in declaration order
        self._symbol = [0] * len(self.messages)
        self._channel_msgs: list[list[int]] = [[] for _ in pairs]
        for i, k in enumerate(self._msg_channel):
            self._symbol[i] = len(self._channel_msgs[k])
            self._channel_msgs[k].append(i)
        self.codec = StateCodec(
            config_counts=tuple(len(c.configs) for c in self.charts),
            channels=tuple(ChannelCodec(
                name=f"{self.parties[p]}->{self.parties[q]}",
                symbols=len(self._channel_msgs[k]), capacity=capacity)
                for k, (p, q) in enumerate(pairs)))
        self._shift = list(self.codec.shifts)
        self._masks = list(self.codec.masks)
        self.control_bits = self.codec.control_bits
        self._control_mask = self.codec.control_mask
        self._ch_shift = list(self.codec.channel_shifts)
        self._ch_mask = [ch.mask for ch in self.codec.channels]
        self._takes: list[dict[int, tuple[tuple[int, int, int], ...]]] = [{} for _ in pairs]
        self._puts: list[dict[tuple[int, int], int]] = [{} for _ in pairs]
        self.empty_channels = 0
        # bit position -> channel, to visit only non-empty channels
        self._bit_channel = [k for k in range(len(pairs))
                             for _ in range(self._ch_mask[k].bit_length())]
        self._msg_bits = max(1, len(self.messages).bit_length())
        self.labels: list[Action] = []
        self._label_ids: dict[Action, int] = {}
        self._enumerate_actions()
        self._local: dict[int, tuple[tuple[tuple[int, int, int], ...], tuple[int, ...]]] = {}
        self._deliver: dict[int, tuple[int, int, int]] = {}
        self._sends_ids: dict[tuple[int, ...], int] = {(): 0}
        self._sends_list: list[tuple[int, ...]] = [()]
        self._views: dict[int, StatusView] = {}
        self._guards_read_messages = any(getattr(g, "reads_messages", False)
                                         for g in workflow.guards.values())
        # What no guard affects depends on one party's configuration alone: memoised per
        # (party, configuration), not per joint control value.
        self._party_local: dict[tuple[int, int], tuple[tuple[tuple[int, int, int], ...],
                                                       tuple[str, ...]]] = {}
        self._party_deliver: dict[tuple[int, int, int, str], tuple[int, int, int]] = {}
        self._msg_receiver = [self.party_index[m.receiver] for m in self.messages]
        # Guarded decisions ("sites"): party p in configuration cfg facing an actor/timer
        # event, ("fire", p, cfg, event), or a delivered message, ("deliver", q, cfg, msg,
        # flag).  Each is memoised by what its guards read (:mod:`.readset`): per site, the
        # read sets met so far as (control mask, channels mask), and (read set index,
        # control & mask, channels & mask) -> (label, control xor-delta, sends); label -1 =
        # no move (disabled, or the message waits).
        self._site_ids: dict[tuple[object, ...], int] = {}
        self._site_keys: list[tuple[Any, ...]] = []
        self._site_masks: list[list[tuple[int, int]]] = []
        self._site_memo: list[dict[tuple[int, int, int], tuple[int, int, int]]] = []
        self.initial = self.codec.pack_control([c.initial for c in self.charts])
        self.bound_hits = 0
        #: States whose expansion dropped a send (channel full): their successors are not all
        #: known, so the explorer marks them *cut* and no verdict may rest on them.
        self.overflowed: set[int] = set()
        #: Symmetry reduction (``symmetry=True``): the interchangeable blocks of the packed
        #: state (:mod:`.interchange` checks the workflow's claim and lays them out), or None.
        #: When set, :attr:`initial` and every successor are canonical (one state per orbit)
        #: and :meth:`concrete_successors` gives the unreduced ones, for rebuilding real runs.
        self.symmetry: Symmetry | None = None
        #: party index -> the parties playing its role in every group (coverage reads it)
        self.counterparts: dict[int, tuple[int, ...]] = {}
        if symmetry:
            self.symmetry = symmetry_of(self)
            self.counterparts = counterparts(self)
            self._canonical = canonicalizer(self.symmetry)
            self.initial = self._canonical(self.initial)
            self.successors = self._reduced_successors  # type: ignore[method-assign]

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
        for timer in wf.timers:
            where = f"Workflow.timers[{timer.name!r}]"
            if timer.party not in names:
                raise InvalidModel(where, f"unknown party {timer.party!r}")
            if timer.event not in chart_events[timer.party]:
                raise InvalidModel(where, f"party {timer.party!r} has no event {timer.event!r}")
        known = names | {m.name for m in wf.messages}
        for prop in wf.properties:
            for k, instance in enumerate(getattr(prop, "each", ())):
                where = f"Workflow.properties[{getattr(prop, 'name', '?')!r}].each[{k}]"
                unknown = sorted(set(instance.values()) - known)
                if unknown:
                    raise InvalidModel(where, f"unknown party or message {unknown[0]!r}",
                                       "an instance maps role names to the model's parties "
                                       "and messages")
                if not set(instance.values()) & names:
                    raise InvalidModel(where, "binds no party", "map a role to a party")
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
        return self.codec.pack_control(configs)

    def unpack(self, state: int) -> tuple[list[int], tuple[tuple[str, ...], ...]]:
        """Party configuration ids and channel contents (message names) of ``state``."""
        configs = self.codec.configs(state & self._control_mask)
        chans = self._decode(state >> self.control_bits)
        return configs, tuple(tuple(self.messages[i].name for i in ch) for ch in chans)

    def _decode(self, chans: int) -> tuple[tuple[int, ...], ...]:
        """Per channel, its contents as message ids."""
        return tuple(tuple(msgs[s] for s in contents) for msgs, contents in
                     zip(self._channel_msgs, self.codec.decode_channels(chans), strict=True))

    def _rank(self, k: int, content: tuple[int, ...]) -> int:
        """The canonical rank of channel ``k``'s contents given as message ids."""
        return self.codec.channels[k].rank(tuple(self._symbol[m] for m in content))

    def _contents(self, k: int, rank: int) -> tuple[int, ...]:
        msgs = self._channel_msgs[k]
        return tuple(msgs[s] for s in self.codec.channels[k].unrank(rank))

    def _enumerate_actions(self) -> None:
        """Intern every action the model can take, up front and in declaration order, so an
        action's id is the same in every process whatever order exploration meets it in:
        fired transitions by global id, then per message its deliveries (ignored first,
        then each receiving transition), copies kept, losses."""
        for p, chart in enumerate(self.charts):
            for tindex, info in enumerate(chart.transitions):
                if (p, info.event) in self._delivery_events:
                    continue
                timer = self._timer_events.get((p, info.event))
                self._label(Action(
                    kind=FIRE, party=chart.party, event=info.event,
                    actor=TIMER_ACTOR if timer else info.meta.actor,
                    transition=self._toffset[p] + tindex, sends=info.meta.sends))
        kinds = self._semantics.takes_kinds
        for m in self.messages:
            q = self.party_index[m.receiver]
            chart = self.charts[q]
            for kind in (k for k in kinds if k is not Take.LOSE):
                self._label(Action(kind=ActionKind(kind.value), party=m.receiver, event=m.event,
                                      actor=NETWORK_ACTOR, transition=-1, message=m.name,
                                      ignored=True))
                for tindex, info in enumerate(chart.transitions):
                    if info.event == m.event:
                        self._label(Action(
                            kind=ActionKind(kind.value), party=m.receiver, event=m.event,
                            actor=NETWORK_ACTOR, transition=self._toffset[q] + tindex,
                            message=m.name, sends=info.meta.sends))
            if Take.LOSE in kinds:
                self._label(Action(kind=LOSE, party=m.receiver, event="",
                                      actor=NETWORK_ACTOR, transition=-1, message=m.name))
        self._actions_sealed = True

    def _label(self, label: Action) -> int:
        i = self._label_ids.get(label)
        if i is None:
            if getattr(self, "_actions_sealed", False):
                raise AssertionError(f"action not in the static table: {label}")
            i = self._label_ids[label] = len(self.labels)
            self.labels.append(label)
        return i

    # -- views ------------------------------------------------------------------------------
    def view(self, ctrl: int, chans_id: int | None = None) -> StatusView:
        """The :class:`StatusView` of a control value (and channels, for guards reading them)."""
        key = ctrl if chans_id is None else ctrl | (chans_id << self.control_bits)
        v = self._views.get(key)
        if v is None:
            configs = self.codec.configs(ctrl)
            flight: frozenset[str] = frozenset()
            if chans_id is not None:
                flight = frozenset(self.messages[i].name for ch in self._decode(chans_id)
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
        out: list[str] = []
        for (p, q), ch in zip(self.channels, self._decode(state >> self.control_bits),
                              strict=True):
            out.extend(f"{self.parties[p]}->{self.parties[q]}:{self.messages[i].name}" for i in ch)
        return tuple(out)

    def is_final(self, state: int) -> bool:
        """All parties in a top-level final state and nothing in flight."""
        if state >> self.control_bits:
            return False
        ctrl = state & self._control_mask
        return all(c.final[(ctrl >> s) & m]
                   for c, s, m in zip(self.charts, self._shift, self._masks, strict=True))

    def moved_config(self, label: int, cfg: int) -> int | None:
        """The acting party's configuration after action ``label`` from configuration
        ``cfg`` (None: the action cannot be taken there).  A step changes no other party's
        configuration, so this is all a step does to the control value."""
        action = self.labels[label]
        if action.transition < 0:
            return cfg  # a loss, or a delivery the receiver ignored
        p = self.party_index[action.party]
        tindex = action.transition - self._toffset[p]
        for t, _, nxt in self.charts[p].moves.get((cfg, action.event), ()):
            if t == tindex:
                return nxt
        return None

    def armed_timers(self, state: int) -> tuple[str, ...]:
        ctrl = state & self._control_mask
        guard_chans = state >> self.control_bits if self._guards_read_messages else 0
        names = []
        for ref_label, _, _ in self._local_moves(ctrl, guard_chans):
            label = self.labels[ref_label]
            timer = self._timer_events.get((self.party_index[label.party], label.event))
            if timer is not None:
                names.append(timer.name)
        return tuple(sorted(set(names)))

    def automatic_enabled(self, state: int, automatic: frozenset[str]) -> bool:
        """True when some step of an actor in ``automatic`` is enabled in ``state``.

        Computed from the state itself, not from explored edges: a state whose expansion was
        cut by a bound must not look quiescent just because its successors are unknown.
        """
        ctrl = state & self._control_mask
        guard_chans = state >> self.control_bits if self._guards_read_messages else 0
        return any(self.labels[label].actor in automatic
                   for label, _, _ in self._local_moves(ctrl, guard_chans))

    def blame(self, state: int) -> tuple[Blame, ...]:
        """Who waits on what, for every non-final party: messages it would handle (not in
        flight) and events its guards block.  A party with no waits has no way out at all.

        This is the "blame" of a stuck state, as data (:class:`~.findings.Blame`).
        """
        configs, _ = self.unpack(state)
        view = self.state_view(state)
        out: list[Blame] = []
        for p, (chart, cfg) in enumerate(zip(self.charts, configs, strict=True)):
            if chart.final[cfg]:
                continue
            waits: list[Wait] = []
            for event in chart.events:
                cands = chart.moves.get((cfg, event), ())
                if not cands:
                    continue
                if (p, event) in self._delivery_events:
                    waits.extend(Wait(WaitKind.MESSAGE, m.name) for m in self.messages
                                 if m.receiver == chart.party and m.event == event)
                    continue
                if self._select(p, cfg, event, view) is None:
                    guards = tuple(sorted({name for t, _, _ in cands
                                           for name, _ in chart.transitions[t].guard}))
                    waits.append(Wait(WaitKind.GUARD, event, guards) if guards
                                 else Wait(WaitKind.TRANSIENT, event))
            out.append(Blame(chart.party, chart.configs[cfg].leaf, tuple(waits)))
        return tuple(out)

    def in_flight_messages(self, state: int) -> tuple[InFlight, ...]:
        """Messages in flight, in channel order."""
        out: list[InFlight] = []
        for (p, q), ch in zip(self.channels, self._decode(state >> self.control_bits),
                              strict=True):
            out.extend(InFlight(self.parties[p], self.parties[q], self.messages[i].name)
                       for i in ch)
        return tuple(out)

    def _guard_ok(self, guard: GuardSpec, view: StatusView) -> bool:
        guards = self.workflow.guards
        return all(bool(guards[name](view)) == expected for name, expected in guard)

    def _select(self, p: int, cfg: int, event: str, view: StatusView | None
                ) -> tuple[int, int] | None:
        """(transition index, next config) of the transition that fires, or None.

        In a transient status only the status's own (platform) transitions fire: the
        platform finishes its automatic step before anything inherited applies.
        """
        chart = self.charts[p]
        leaf = chart.configs[cfg].leaf if chart.defers[cfg] else None
        for tindex, guard, nxt in chart.moves.get((cfg, event), ()):
            if leaf is not None and chart.transitions[tindex].source != leaf:
                continue
            if not guard or (view is not None and self._guard_ok(guard, view)):
                return tindex, nxt
        return None

    def _sends(self, p: int, tindex: int) -> int:
        """Interned id of the messages a transition sends (0 = none)."""
        msgs = tuple(self._message_index[m] for m in self.charts[p].transitions[tindex].meta.sends)
        sid = self._sends_ids.get(msgs)
        if sid is None:
            sid = self._sends_ids[msgs] = len(self._sends_list)
            self._sends_list.append(msgs)
        return sid

    def _local_moves(self, ctrl: int, chans_id: int = 0) -> tuple[tuple[int, int, int], ...]:
        """Actor and timer moves from a control value: (label, next control, sends id).

        Moves whose selection involves no guard are memoised per control value; each guarded
        event is a *site* memoised by what its guards read (:meth:`_site_outcome`), so it
        is evaluated once per distinct read values, not per state.  ``chans_id`` matters
        only when guards read messages (callers pass 0 otherwise).
        """
        entry = self._local.get(ctrl)
        if entry is None:
            fixed: list[tuple[int, int, int]] = []
            sites: list[int] = []
            for p in range(len(self.charts)):
                cfg = (ctrl >> self._shift[p]) & self._masks[p]
                party = self._party_local.get((p, cfg))
                if party is None:
                    party = self._party_local[(p, cfg)] = self._party_moves(p, cfg)
                moves, events = party
                fixed.extend((label, ctrl ^ delta, sends) for label, delta, sends in moves)
                sites.extend(self._site(("fire", p, cfg, event)) for event in events)
            entry = self._local[ctrl] = (tuple(fixed), tuple(sites))
        fixed_moves, guarded_sites = entry
        if not guarded_sites:
            return fixed_moves
        out = list(fixed_moves)
        for site in guarded_sites:
            label, delta, sends = self._site_outcome(site, ctrl, chans_id)
            if label >= 0:
                out.append((label, ctrl ^ delta, sends))
        return tuple(out)

    # -- guarded decisions, memoised by what they read ----------------------------------------
    def _site(self, key: tuple[Any, ...]) -> int:
        """The id of a guarded decision (see ``_site_keys``), interned on first use."""
        site = self._site_ids.get(key)
        if site is None:
            site = self._site_ids[key] = len(self._site_keys)
            self._site_keys.append(key)
            self._site_masks.append([])
            self._site_memo.append({})
        return site

    def _site_outcome(self, site: int, ctrl: int, chans_id: int) -> tuple[int, int, int]:
        """(label, control xor-delta, sends) of a guarded decision in this state; label -1
        when nothing fires."""
        memo = self._site_memo[site]
        for i, (cmask, hmask) in enumerate(self._site_masks[site]):
            hit = memo.get((i, ctrl & cmask, chans_id & hmask))
            if hit is not None:
                return hit
        return self.site_entry(site, ctrl, chans_id)[1]

    def site_entry(self, site: int, ctrl: int, chans_id: int
                   ) -> tuple[int, tuple[int, int, int]]:
        """The decision of ``site`` in this state and the index of the read set it is
        memoised under (``_site_masks[site][index]``): looked up, or evaluated through a
        recording view (:mod:`.readset`) and memoised.  Sound for pure guards: a memo entry
        applies exactly to the states agreeing with its evaluation on what was read."""
        memo = self._site_memo[site]
        masks = self._site_masks[site]
        for i, (cmask, hmask) in enumerate(masks):
            hit = memo.get((i, ctrl & cmask, chans_id & hmask))
            if hit is not None:
                return i, hit
        reads = ReadSet()
        view = recording_view(self.view(ctrl, chans_id if self._guards_read_messages
                                        else None), reads)
        key = self._site_keys[site]
        if key[0] == "fire":
            _, p, cfg, event = key
            chosen = self._select(p, cfg, event, view)
            outcome = (-1, 0, 0) if chosen is None else self._fire(p, cfg, event, chosen)
        else:
            _, q, cfg, msg, flag = key
            outcome = self._reaction(q, cfg, msg, DELIVER_KEEP if flag else DELIVER, view)
        read = self._read_masks(reads)
        if read in masks:
            i = masks.index(read)
        else:
            i = len(masks)
            masks.append(read)
        memo[(i, ctrl & read[0], chans_id & read[1])] = outcome
        return i, outcome

    def _read_masks(self, reads: ReadSet) -> tuple[int, int]:
        """A read set as (control mask, channels mask): the fields of the parties read and
        of the channels carrying the messages tested (every channel when enumerated)."""
        cmask = 0
        for name in reads.parties:
            p = self.party_index.get(name)
            if p is not None:
                cmask |= self._masks[p] << self._shift[p]
        hmask = 0
        if self._guards_read_messages:
            channels = (range(len(self.channels)) if reads.all_messages else
                        {self._msg_channel[self._message_index[name]]
                         for name in reads.messages if name in self._message_index})
            for k in channels:
                hmask |= self._ch_mask[k] << self._ch_shift[k]
        return cmask, hmask

    def _party_moves(self, p: int, cfg: int
                     ) -> tuple[tuple[tuple[int, int, int], ...], tuple[str, ...]]:
        """Party ``p``'s actor/timer moves in ``cfg`` that no guard affects, as (label,
        control xor-delta, sends), and the events whose outcome depends on guards."""
        chart = self.charts[p]
        moves, guarded = [], []
        for event in chart.events:
            if (p, event) in self._delivery_events:
                continue
            if any(guard for _, guard, _ in chart.moves.get((cfg, event), ())):
                guarded.append(event)
                continue
            chosen = self._select(p, cfg, event, None)
            if chosen is not None:
                moves.append(self._fire(p, cfg, event, chosen))
        return tuple(moves), tuple(guarded)

    def _fire(self, p: int, cfg: int, event: str, chosen: tuple[int, int]
              ) -> tuple[int, int, int]:
        tindex, nxt = chosen
        chart = self.charts[p]
        info = chart.transitions[tindex]
        timer = self._timer_events.get((p, event))
        label = self._label(Action(
            kind=FIRE, party=chart.party, event=event,
            actor=TIMER_ACTOR if timer else info.meta.actor,
            transition=self._toffset[p] + tindex, sends=info.meta.sends))
        return label, (cfg ^ nxt) << self._shift[p], self._sends(p, tindex)

    def _delivery(self, ctrl: int, msg: int, kind: str, chans_id: int = 0
                  ) -> tuple[int, int, int]:
        """The receiver's reaction to a delivered message: (label, next control, sends);
        label -1 when the receiver is transient and the message must wait."""
        label, nctrl, sends = self._delivery_entry(ctrl, msg, 0 if kind == DELIVER else 1)
        if label < -1:  # guarded: the site decides
            label, delta, sends = self._site_outcome(-2 - label, ctrl, chans_id)
            nctrl = ctrl ^ delta
        return label, nctrl, sends

    def _delivery_entry(self, ctrl: int, msg: int, flag: int) -> tuple[int, int, int]:
        """``_deliver``'s entry per (control, message, flag): the reaction when no guard
        decides it, else ``(-2 - site, 0, 0)`` naming the guarded decision."""
        key = (((ctrl << self._msg_bits) | msg) << 1) | flag
        hit = self._deliver.get(key)
        if hit is not None:
            return hit
        kind = DELIVER_KEEP if flag else DELIVER
        q = self._msg_receiver[msg]
        cfg = (ctrl >> self._shift[q]) & self._masks[q]
        if not any(guard for _, guard, _ in
                   self.charts[q].moves.get((cfg, self.messages[msg].event), ())):
            pkey = (q, cfg, msg, kind)
            reaction = self._party_deliver.get(pkey)
            if reaction is None:
                reaction = self._party_deliver[pkey] = self._reaction(q, cfg, msg, kind, None)
            label, delta, sends = reaction
            hit = self._deliver[key] = (label, ctrl ^ delta, sends)
        else:
            hit = self._deliver[key] = (-2 - self._site(("deliver", q, cfg, msg, flag)), 0, 0)
        return hit

    def _reaction(self, q: int, cfg: int, msg: int, kind: str, view: StatusView | None
                  ) -> tuple[int, int, int]:
        m = self.messages[msg]
        if self.charts[q].defers[cfg]:
            return (-1, 0, 0)
        chosen = self._select(q, cfg, m.event, view)
        if chosen is None:
            label = self._label(Action(kind=ActionKind(kind), party=m.receiver, event=m.event,
                                          actor=NETWORK_ACTOR, transition=-1, message=m.name,
                                          ignored=True))
            return (label, 0, 0)
        tindex, nxt = chosen
        info = self.charts[q].transitions[tindex]
        label = self._label(Action(kind=ActionKind(kind), party=m.receiver, event=m.event,
                                      actor=NETWORK_ACTOR, transition=self._toffset[q] + tindex,
                                      message=m.name, sends=info.meta.sends))
        return (label, (cfg ^ nxt) << self._shift[q], self._sends(q, tindex))

    def _deliverable(self, chans: int) -> list[tuple[int, int, int]]:
        """(message, channels after removal, flag) for each delivery (0), delivery keeping
        a copy (1) or loss (2) possible from ``chans``."""
        out: list[tuple[int, int, int]] = []
        rest_bits = chans
        while rest_bits:  # visit non-empty channels only
            k = self._bit_channel[(rest_bits & -rest_bits).bit_length() - 1]
            shift, mask = self._ch_shift[k], self._ch_mask[k]
            content = (chans >> shift) & mask
            rest_bits &= ~(mask << shift)
            takes = self._takes[k].get(content)
            if takes is None:
                takes = self._take_memo(k, content)
            for msg, rest, flag in takes:
                out.append((msg, chans ^ ((content ^ rest) << shift), flag))
        return out

    def _take_memo(self, k: int, content_id: int) -> tuple[tuple[int, int, int], ...]:
        ch = self._contents(k, content_id)
        takes = self._takes[k][content_id] = tuple(
            (msg, content_id if kind is Take.DELIVER_KEEP else self._rank(k, rest),
             _TAKE_FLAG[kind])
            for msg, rest, kind in self._semantics.takes(ch))
        return takes

    def _append_msgs(self, chans: int, sends_id: int) -> int:
        """Channels after the sends of ``sends_id``; -1 when a channel would overflow."""
        for msg in self._sends_list[sends_id]:
            k = self._msg_channel[msg]
            shift = self._ch_shift[k]
            content = (chans >> shift) & self._ch_mask[k]
            new = self._puts[k].get((content, msg))
            if new is None:
                grown = self._semantics.put(self._contents(k, content), msg)
                new = -1 if len(grown) > self.capacity else self._rank(k, grown)
                self._puts[k][(content, msg)] = new
            if new < 0:
                return -1
            chans ^= (content ^ new) << shift
        return chans

    def successors(self, state: int) -> list[tuple[int, int]]:
        """``(label id, next state)`` pairs in a deterministic order.

        This is the explorer's hot path: a few int-keyed dict look-ups per edge.  A step
        whose sends would overflow a channel is skipped and counted in ``bound_hits``; the
        explorer turns any bound hit into an UNKNOWN verdict.
        """
        cb = self.control_bits
        ctrl = state & self._control_mask
        chans_id = state >> cb
        guard_chans = chans_id if self._guards_read_messages else 0
        out: list[tuple[int, int]] = []
        chans_shifted = chans_id << cb
        entry = self._local.get(ctrl)
        local = entry[0] if entry is not None and not entry[1] else self._local_moves(
            ctrl, guard_chans)
        for label, nctrl, sends in local:
            if sends:
                nch = self._append_msgs(chans_id, sends)
                if nch < 0:
                    self.bound_hits += 1
                    self.overflowed.add(state)
                    continue
                out.append((label, nctrl | (nch << cb)))
            else:
                out.append((label, nctrl | chans_shifted))
        if not chans_id:
            return out
        deliverable = self._deliverable(chans_id)
        msg_bits = self._msg_bits
        base = ctrl << msg_bits
        deliver_memo = self._deliver
        for msg, rest, flag in deliverable:
            if flag == 2:
                out.append((self._lose_label(msg), ctrl | (rest << cb)))
                continue
            hit = deliver_memo.get(((base | msg) << 1) | flag)
            if hit is None:
                hit = self._delivery_entry(ctrl, msg, flag)
            label, nctrl, sends = hit
            if label < -1:  # a guarded reaction: its site decides
                label, delta, sends = self._site_outcome(-2 - label, ctrl, guard_chans)
                nctrl = ctrl ^ delta
            if label < 0:
                continue  # receiver is in a transient status: the message waits
            if sends:
                nch = self._append_msgs(rest, sends)
                if nch < 0:
                    self.bound_hits += 1
                    self.overflowed.add(state)
                    continue
            else:
                nch = rest
            out.append((label, nctrl | (nch << cb)))
        return out

    def concrete_successors(self, state: int) -> list[tuple[int, int]]:
        """The successors of ``state`` without symmetry reduction (as :meth:`successors`
        gives them when reduction is off)."""
        return TransitionSystem.successors(self, state)

    def _reduced_successors(self, state: int) -> list[tuple[int, int]]:
        """:meth:`successors` under reduction: each successor replaced by its orbit's
        canonical representative (the contract of :mod:`.symmetry`)."""
        canonical = self._canonical
        return [(label, canonical(nxt))
                for label, nxt in TransitionSystem.successors(self, state)]

    def _lose_label(self, msg: int) -> int:
        m = self.messages[msg]
        return self._label(Action(kind=LOSE, party=m.receiver, event="",
                                     actor=NETWORK_ACTOR, transition=-1, message=m.name))
