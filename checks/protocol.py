"""The model protocol: what a workflow model hands to the engine.

A workflow is a set of *parties* (one python-statemachine ``StateChart`` class each) plus the
*environment* that couples them: asynchronous messages between parties, logical timers, the
actors who trigger events, and named guards that may read every party's status.  The engine
only ever sees these records; it never imports a concrete model (the VTEX one included).

Transitions carry their provenance: :func:`step` annotates the python-statemachine
transitions of a class body with the actor who triggers them, the messages they send and a
citation of the document that says so, without changing their runtime behaviour.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: Attribute set on python-statemachine ``Transition`` objects by :func:`step`.
META_ATTR = "_ordercheck_meta"

#: Attribute set on python-statemachine ``State`` objects by :func:`transient`.
DEFER_ATTR = "_ordercheck_defers"

#: The actor of timer events and message deliveries when none is given.
TIMER_ACTOR = "timer"
NETWORK_ACTOR = "network"


@dataclass(frozen=True, slots=True, kw_only=True)
class TransitionMeta:
    """Provenance of one declared transition: who triggers it, what it sends, who says so.

    ``inferred`` separates *must* from *may*: empty means a document states the transition
    (an implementation has to offer it); otherwise it holds the reason the model infers it
    (an implementation may refuse it).  Conformance and diagrams read it through
    :attr:`documented`.
    """

    actor: str
    sends: tuple[str, ...] = ()
    cite: str = ""
    note: str = ""
    happy: bool = False
    inferred: str = ""

    @property
    def documented(self) -> bool:
        """True for a *must* transition (a document states it), False for a *may*."""
        return not self.inferred


def transition(
    transitions: Any,
    *,
    actor: str,
    cite: str,
    sends: str | tuple[str, ...] = (),
    note: str = "",
    happy: bool = False,
    inferred: str = "",
) -> Any:
    """Annotate transitions declared in a chart body; return them unchanged.

    ``transitions`` is what ``a.to(b) | c.to(d)`` returns.  Used as
    ``cancel = transition(handling.to(canceled), actor="seller", cite="HTC", sends="cancellation")``
    the class attribute is still an ordinary python-statemachine event.  ``happy`` marks the
    normal-flow transitions (drawn solid; cancellation paths are drawn dashed, as in the docs).
    ``inferred`` states why the model allows a transition no document states (a *may*).
    """
    meta = TransitionMeta(
        actor=actor,
        sends=(sends,) if isinstance(sends, str) else tuple(sends),
        cite=cite,
        note=note,
        happy=happy,
        inferred=inferred,
    )
    for transition in _transitions_of(transitions):
        setattr(transition, META_ATTR, meta)
    return transitions


def _transitions_of(obj: Any) -> list[Any]:
    inner = getattr(obj, "transitions", None)
    if inner is None:
        raise TypeError(f"transition() expects transitions (a.to(b)), got {obj!r}")
    return list(inner)


def transient(state: Any) -> Any:
    """Mark a status the platform leaves on its own: deliveries wait until it is left.

    Messages addressed to a party in a transient status stay in flight (like P's ``defer``):
    a workflow engine finishes its automatic step before it reads its inbox.  Without this,
    every message racing a pass-through status would be reported as ignored.
    """
    setattr(state, DEFER_ATTR, True)
    return state


@dataclass(frozen=True, slots=True, kw_only=True)
class Party:
    """One participant: a name used in traces and a ``StateChart`` class."""

    name: str
    chart: type
    title: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """An asynchronous message from ``sender`` to ``receiver``.

    While in flight it is part of the joint state.  Delivering it fires ``event`` on the
    receiver's chart; when the receiver has no transition for it there, the message is
    consumed and the step is recorded as *ignored* (the "unhandled message" finding).
    """

    name: str
    sender: str
    receiver: str
    event: str
    cite: str = ""
    description: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Timer:
    """A logical timer: ``event`` on ``party`` fired by the clock, not by a person.

    The timer is *armed* exactly while its event is enabled on its party, so it needs no
    state of its own; time is logical (only the order of events matters).
    """

    name: str
    party: str
    event: str
    duration: str = ""
    cite: str = ""


@dataclass(frozen=True, slots=True)
class StatusView:
    """Read-only view of every party's current status, handed to guards and properties.

    ``status[p]`` is the value (status id) of party ``p``'s active leaf state; ``active[p]``
    holds the values of all active states of ``p``, compound ancestors included.
    """

    status: Mapping[str, str]
    active: Mapping[str, frozenset[str]]
    in_flight: frozenset[str] = frozenset()  # names of messages in flight (see reads_messages)

    def __getitem__(self, party: str) -> str:
        return self.status[party]

    def in_(self, party: str, state_value: str) -> bool:
        """True when ``state_value`` (leaf or compound) is active in ``party``."""
        return state_value in self.active[party]


Guard = Callable[[StatusView], bool]


def reads_messages(guard: Guard) -> Guard:
    """Mark a guard that reads ``StatusView.in_flight`` (the platform's shared records).

    Guards are evaluated once per control state unless some guard is so marked; then once per
    (control state, channel contents), which costs speed, so mark only what needs it.
    """
    guard.reads_messages = True  # type: ignore[attr-defined]
    return guard


@dataclass(frozen=True, slots=True, kw_only=True)
class Workflow:
    """A complete model: parties, environment, and the properties that should hold.

    ``guards`` maps the names used in ``cond=``/``unless=`` of the charts to predicates over
    a :class:`StatusView`.  ``outcomes`` maps final status ids to an outcome label
    (e.g. ``invoiced`` and ``canceled``), used by the "agree at quiescence" properties.
    """

    name: str
    parties: tuple[Party, ...]
    messages: tuple[Message, ...] = ()
    timers: tuple[Timer, ...] = ()
    guards: Mapping[str, Guard] = field(default_factory=dict)
    actors: Mapping[str, str] = field(default_factory=dict)
    properties: tuple[Any, ...] = ()
    #: Actors whose steps happen without anyone deciding (workflow automation); a state where
    #: one of them, a timer or a delivery can still move is not quiescent.
    automatic_actors: tuple[str, ...] = ("platform",)
    description: str = ""
    sources: Mapping[str, str] = field(default_factory=dict)
    #: Interchangeable groups of parties, e.g. ``(("mp-1", "s-1"), ("mp-2", "s-2"))``: the
    #: i-th party of every group plays the same role, and swapping two groups whole (their
    #: parties and the messages between them) maps every run to a run.  Only read when
    #: symmetry reduction is asked for (:mod:`.symmetry`); the engine checks the claim.
    symmetric: tuple[tuple[str, ...], ...] = ()


class InvalidModel(Exception):
    """The model does not follow the protocol; the message names the place and the fix."""

    def __init__(self, where: str, problem: str, fix: str = "") -> None:
        self.where = where
        self.problem = problem
        self.fix = fix
        text = f"{where}: {problem}"
        if fix:
            text += f" ({fix})"
        super().__init__(text)
