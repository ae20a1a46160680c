"""Compile one python-statemachine ``StateChart`` class into integer transition tables.

python-statemachine is the readable specification and the reference semantics, but firing an
event through its runtime costs ~100 µs; exploring millions of joint steps needs table
look-ups instead.  This module introspects the class (never instantiates it) and
re-implements the subset of SCXML semantics that workflow charts use:

* atomic, compound and final states; shallow and deep history pseudo-states;
* external, internal and targetless transitions, selected innermost-first and in document
  order (SCXML "optimal enabled transition set" for a single active leaf);
* guards given as names (``cond=``/``unless=``), evaluated later against the joint state.

A *local configuration* is the active leaf plus the history memory.  History that no
transition can ever read again from the current leaf is forgotten, so two configurations
that behave identically are one (a bisimulation-preserving reduction; the differential test
compares against the runtime modulo exactly this).

Parallel regions, eventless transitions, ``done.state`` events and entering a history state
that has no memory yet (undefined without a default in SCXML; python-statemachine leaves the
chart empty) are rejected with a clear :class:`InvalidModel` error rather than approximated.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from statemachine.graph import iterate_states

from .protocol import DEFER_ATTR, META_ATTR, InvalidModel, TransitionMeta

GuardSpec = tuple[tuple[str, bool], ...]


class StateKind(StrEnum):
    ATOMIC = "atomic"  # a status an order can be in
    COMPOUND = "compound"  # groups statuses (e.g. seller ``fulfilling``)
    HISTORY = "history"  # a pseudo-state: "back to whichever status held before"


@dataclass(frozen=True, slots=True, kw_only=True)
class StateInfo:
    """A declared state, identified by its value (the status id)."""

    id: str  # python attribute id
    value: str  # status id used everywhere else
    name: str
    parent: str | None  # parent's value
    kind: StateKind
    final: bool
    initial: bool
    history_deep: bool = False
    defers: bool = False  # transient: deliveries wait (see protocol.transient)


@dataclass(frozen=True, slots=True, kw_only=True)
class TransitionInfo:
    """A declared transition with a stable index and its provenance."""

    index: int
    party: str
    source: str
    event: str
    target: str | None  # state value, or "<compound>.H" for a history pseudo-state
    guard: GuardSpec
    internal: bool
    meta: TransitionMeta

    @property
    def label(self) -> str:
        target = self.target if self.target is not None else "(internal)"
        return f"{self.party}: {self.source} --{self.event}--> {target}"


@dataclass(frozen=True, slots=True)
class LocalConfig:
    """Active leaf plus history memory ((history value, remembered state values), ...)."""

    leaf: str
    history: tuple[tuple[str, tuple[str, ...]], ...]


@dataclass(slots=True)
class CompiledChart:
    """Integer tables for one party: configurations, events and their candidate moves."""

    party: str
    chart: type
    states: dict[str, StateInfo]
    transitions: list[TransitionInfo]
    configs: list[LocalConfig]
    active: list[frozenset[str]]  # per config: active state values incl. ancestors
    final: list[bool]  # per config: the leaf is a top-level final state
    defers: list[bool]  # per config: the leaf is transient, deliveries wait
    events: list[str]
    # (config, event) -> candidates in priority order: (transition index, guard, next config)
    moves: dict[tuple[int, str], tuple[tuple[int, GuardSpec, int], ...]]
    initial: int

    def status(self, config: int) -> str:
        return self.configs[config].leaf


def compile_chart(party: str, chart: type) -> CompiledChart:
    """Compile ``chart`` (a ``StateChart`` subclass) for ``party``.

    Raises
    ------
    InvalidModel
        For features outside the supported subset, naming the state or transition.
    """
    return _Compiler(party, chart).run()


class _Compiler:
    def __init__(self, party: str, chart: type) -> None:
        self.party = party
        self.chart = chart
        self.where = f"{party} chart {getattr(chart, '__name__', chart)!r}"
        self.states: dict[str, StateInfo] = {}
        self.children: dict[str | None, list[str]] = {}
        self.by_id: dict[str, str] = {}
        self.state_transitions: dict[str, list[TransitionInfo]] = {}
        self.transitions: list[TransitionInfo] = []

    # -- structure -----------------------------------------------------------------------
    def run(self) -> CompiledChart:
        states = getattr(self.chart, "states", None)
        if states is None:
            raise InvalidModel(self.where, "is not a python-statemachine StateChart class")
        objs = list(iterate_states(states))
        for s in objs:
            self._add_state(s)
        for s in objs:
            self._add_transitions(s)
        self.history_readers = self._history_readers()
        return self._enumerate()

    def _add_state(self, s: Any) -> None:
        if getattr(s, "parallel", False):
            raise InvalidModel(
                f"{self.where}, state {s.id!r}",
                "parallel regions are not supported by the compiler",
                "model each concurrent party as its own Party instead",
            )
        value = str(s.value)
        parent = str(s.parent.value) if s.parent is not None else None
        if s.is_history:
            kind = StateKind.HISTORY
            value = f"{parent}.H"
        elif s.is_compound:
            kind = StateKind.COMPOUND
        else:
            kind = StateKind.ATOMIC
        if value in self.states:
            raise InvalidModel(f"{self.where}, state {s.id!r}", f"duplicate state value {value!r}")
        if s.id in self.by_id:
            raise InvalidModel(f"{self.where}, state {s.id!r}", "duplicate state id",
                               "python-statemachine keys history memory by id; rename one")
        is_deep = bool(s.is_history and s.type.is_deep)
        self.states[value] = StateInfo(
            id=s.id,
            value=value,
            name=str(s.name),
            parent=parent,
            kind=kind,
            final=bool(s.final) and parent is None,
            initial=bool(s.initial),
            history_deep=is_deep,
            defers=bool(getattr(s, DEFER_ATTR, False)),
        )
        self.by_id[s.id] = value
        self.children.setdefault(parent, []).append(value)

    def _value(self, state: Any) -> str:
        return self.by_id[state.id]

    def _add_transitions(self, s: Any) -> None:
        source = self._value(s)
        for t in s.transitions:
            if t.initial:
                continue  # implicit initial transitions of compound states
            where = f"{self.where}, transition from {source!r}"
            events = [str(e) for e in t.events]
            if t.is_eventless or not events:
                raise InvalidModel(where, "eventless transitions are not supported",
                                   "give the transition an event and an actor (e.g. the platform)")
            if len(t.targets) > 1:
                raise InvalidModel(where, "multi-target transitions are not supported")
            meta = getattr(t, META_ATTR, None)
            if meta is None:
                raise InvalidModel(
                    f"{where} on {events[0]!r}",
                    "transition has no provenance",
                    "wrap it in ordercheck.checks.protocol.step(..., actor=, cite=)",
                )
            guard = tuple((self._guard_name(c, where), bool(c.expected_value)) for c in t.cond)
            if t.target is not None and t.target.id not in self.by_id:
                raise InvalidModel(f"{where} on {events[0]!r}", f"targets state "
                                   f"{t.target.name!r}, which is not declared in the chart",
                                   "make it a class attribute")
            target = self._value(t.target) if t.target is not None else None
            for event in events:
                if event.startswith("done.state") or event.startswith("done_state"):
                    raise InvalidModel(where, "done.state events are not supported")
                info = TransitionInfo(
                    index=len(self.transitions),
                    party=self.party,
                    source=source,
                    event=event,
                    target=target,
                    guard=guard,
                    internal=bool(t.internal),
                    meta=meta,
                )
                self.transitions.append(info)
                self.state_transitions.setdefault(source, []).append(info)

    @staticmethod
    def _guard_name(cond: Any, where: str) -> str:
        name = getattr(cond, "attr_name", None)
        if not isinstance(name, str) or not name.isidentifier():
            raise InvalidModel(where, f"guard {cond!s} is not a plain name",
                               "declare it in Workflow.guards and refer to it by name")
        return name

    # -- geometry ------------------------------------------------------------------------
    def ancestors(self, value: str) -> list[str]:
        """``value``'s proper ancestors, innermost first."""
        out = []
        parent = self.states[value].parent
        while parent is not None:
            out.append(parent)
            parent = self.states[parent].parent
        return out

    def is_descendant(self, value: str, of: str) -> bool:
        return of in self.ancestors(value)

    def initial_leaf(self, value: str) -> str:
        """Descend from ``value`` through initial children to an atomic state."""
        while self.states[value].kind == "compound":
            kids = [k for k in self.children.get(value, []) if self.states[k].kind != "history"]
            initial = [k for k in kids if self.states[k].initial] or kids[:1]
            if not initial:
                raise InvalidModel(f"{self.where}, state {value!r}", "compound state has no child")
            value = initial[0]
        return value

    def root_initial(self) -> str:
        tops = [k for k in self.children.get(None, []) if self.states[k].kind != "history"]
        initial = [k for k in tops if self.states[k].initial] or tops[:1]
        if len(initial) != 1:
            raise InvalidModel(self.where, "needs exactly one initial top-level state")
        return self.initial_leaf(initial[0])

    # -- history relevance ------------------------------------------------------------------
    def _history_readers(self) -> dict[str, frozenset[str]]:
        """For each atomic leaf, the history pseudo-states whose memory it may still read.

        A memory is live at leaf ``L`` when some path from ``L`` takes a transition into the
        history pseudo-state without first exiting its parent (an exit overwrites it).
        Dropping dead memories merges configurations that behave identically.
        """
        leaves = [v for v, s in self.states.items() if s.kind == "atomic"]
        histories = [v for v, s in self.states.items() if s.kind == "history"]
        # edges[leaf] = [(transition, successor leaves)]
        edges: dict[str, list[tuple[TransitionInfo, list[str]]]] = {}
        for leaf in leaves:
            out = []
            for t in self.candidates_all(leaf):
                if t.target is None:
                    out.append((t, [leaf]))
                elif self.states[t.target].kind == "history":
                    parent = self.states[t.target].parent
                    assert parent is not None
                    out.append((t, [v for v in leaves if self.is_descendant(v, parent)]))
                else:
                    out.append((t, [self.initial_leaf(t.target)]))
            edges[leaf] = out
        result: dict[str, set[str]] = {leaf: set() for leaf in leaves}
        for h in histories:
            parent = self.states[h].parent
            assert parent is not None
            for leaf in leaves:
                seen, stack = {leaf}, [leaf]
                while stack:
                    v = stack.pop()
                    for t, nexts in edges[v]:
                        if t.target == h:
                            result[leaf].add(h)
                            stack = []
                            break
                        if parent in self._exit_set(v, t):
                            continue
                        for w in nexts:
                            if w not in seen:
                                seen.add(w)
                                stack.append(w)
        return {leaf: frozenset(found) for leaf, found in result.items()}

    def candidates_all(self, leaf: str) -> list[TransitionInfo]:
        return [t for holder in [leaf, *self.ancestors(leaf)]
                for t in self.state_transitions.get(holder, [])]

    def _domain(self, t: TransitionInfo) -> str | None:
        assert t.target is not None
        if t.internal and self.states[t.source].kind == "compound" and (
            t.target == t.source or self.is_descendant(t.target, t.source)
        ):
            return t.source
        return self._lcca(t.source, t.target)

    def _exit_set(self, leaf: str, t: TransitionInfo) -> list[str]:
        """Active states (innermost first) that ``t`` exits when fired at ``leaf``."""
        if t.target is None:
            return []
        domain = self._domain(t)
        chain = [leaf, *self.ancestors(leaf)]
        return [v for v in chain if domain is None or self.is_descendant(v, domain)]

    def normalise(self, leaf: str, history: dict[str, tuple[str, ...]]) -> LocalConfig:
        keep = self.history_readers[leaf]
        return LocalConfig(leaf, tuple(sorted((h, v) for h, v in history.items() if h in keep)))

    # -- firing ----------------------------------------------------------------------------
    def fire(self, config: LocalConfig, t: TransitionInfo) -> LocalConfig:
        """The configuration after ``t`` fires in ``config`` (SCXML microstep)."""
        history = dict(config.history)
        if t.target is None:
            return self.normalise(config.leaf, history)
        target = t.target
        tinfo = self.states[target]
        active_chain = [config.leaf, *self.ancestors(config.leaf)]
        # exit the active chain strictly below the domain, recording history on the way
        for v in self._exit_set(config.leaf, t):
            for h in self.children.get(v, []):
                hinfo = self.states[h]
                if hinfo.kind != "history":
                    continue
                if hinfo.history_deep:
                    history[h] = (config.leaf,)
                else:
                    child = next(c for c in active_chain if self.states[c].parent == v)
                    history[h] = (child,)
        # enter
        if tinfo.kind == "history":
            remembered = history.get(target)
            if not remembered:
                # SCXML needs a default here; python-statemachine 3.2 then leaves the chart
                # with no active state at all.  Refuse rather than silently differ from it.
                raise InvalidModel(
                    f"{self.where}, transition {t.source!r} --{t.event}--> {target!r}",
                    "enters a history state before it remembers anything",
                    "only target the history state from where its parent was left before")
            leaf = remembered[0] if tinfo.history_deep else self.initial_leaf(remembered[0])
        else:
            leaf = self.initial_leaf(target)
        return self.normalise(leaf, history)

    def _lcca(self, source: str, target: str) -> str | None:
        """Least compound ancestor properly containing source and target (None = root)."""
        for anc in self.ancestors(source):
            if self.states[anc].kind == "compound" and (
                target == anc or self.is_descendant(target, anc)
            ) and target != anc:
                return anc
        return None

    def candidates(self, leaf: str, event: str) -> list[TransitionInfo]:
        out: list[TransitionInfo] = []
        for holder in [leaf, *self.ancestors(leaf)]:
            out.extend(t for t in self.state_transitions.get(holder, []) if t.event == event)
        return out

    # -- enumeration -------------------------------------------------------------------------
    def _enumerate(self) -> CompiledChart:
        events = sorted({t.event for t in self.transitions})
        index: dict[LocalConfig, int] = {}
        configs: list[LocalConfig] = []

        def intern(c: LocalConfig) -> int:
            i = index.get(c)
            if i is None:
                i = index[c] = len(configs)
                configs.append(c)
            return i

        start = intern(self.normalise(self.root_initial(), {}))
        moves: dict[tuple[int, str], tuple[tuple[int, GuardSpec, int], ...]] = {}
        todo = [start]
        while todo:
            ci = todo.pop(0)
            c = configs[ci]
            for event in events:
                cands = []
                for t in self.candidates(c.leaf, event):
                    before = len(configs)
                    nxt = intern(self.fire(c, t))
                    if len(configs) > before:
                        todo.append(nxt)
                    cands.append((t.index, t.guard, nxt))
                    if not t.guard:
                        break  # later candidates can never be selected
                if cands:
                    moves[(ci, event)] = tuple(cands)
        active = [frozenset([c.leaf, *self.ancestors(c.leaf)]) for c in configs]
        final = [self.states[c.leaf].final for c in configs]
        defers = [self.states[c.leaf].defers for c in configs]
        return CompiledChart(
            party=self.party,
            chart=self.chart,
            states=self.states,
            transitions=self.transitions,
            configs=configs,
            active=active,
            final=final,
            defers=defers,
            events=events,
            moves=moves,
            initial=start,
        )

