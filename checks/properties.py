"""Property kinds: what a model asserts about its explored state space.

Each kind has a name (kebab-case, unique, used in reports and CLI filters), a plain-language
description and predicates over :class:`JointView` (a state) or :class:`StepView` (a step).

=================  ====================================================  ===================
kind               holds when                                           a failure shows
=================  ====================================================  ===================
``Always``         every reachable state satisfies ``holds``            shortest path to a
                                                                         bad state
``AlwaysStep``     every reachable step satisfies ``holds``             path + the bad step
``Sometimes``      some reachable state satisfies ``holds`` (witness)   "no witness" (a
                                                                         witness on success)
``SometimesStep``  some reachable step satisfies ``holds``              likewise
``NeverAfter``     no step satisfying ``then`` follows a step           path through the
                   satisfying ``after`` (a property of the path so far)  trigger to the bad
                                                                         step
``LeadsTo``        every ``trigger`` state is followed by a             path to the trigger
                   ``response`` state, under strong fairness            and on to the trap
=================  ====================================================  ===================

Fairness for ``LeadsTo`` (stated because liveness means nothing without it): an *automatic*
step (a workflow's ``automatic_actors``, a timer, a message delivery) that is enabled
infinitely often is taken infinitely often; people (shopper, customer care, seller) may never
act — which is exactly why VTEX has a 30-day timer.  So ``trigger ~> response`` fails when a
reachable trigger state can reach, through non-response states only, a state where no
automatic step is enabled (people may idle there for ever) or a cycle no automatic step
leaves.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from .system import Action


@dataclass(frozen=True, slots=True, kw_only=True)
class JointView:
    """One joint state as properties see it."""

    status: Mapping[str, str]  # party -> status id (active leaf)
    active: Mapping[str, frozenset[str]]  # party -> active state values incl. compounds
    final: Mapping[str, bool]  # party -> in a top-level final status
    in_flight: tuple[str, ...]  # "sender->receiver:message", channel order
    timers: tuple[str, ...]  # armed timers, sorted
    automatic: bool = False  # some automatic (platform) step is enabled

    def __getitem__(self, party: str) -> str:
        return self.status[party]

    @property
    def quiescent(self) -> bool:
        """Only people can move: no message in flight, no timer armed, no automatic step."""
        return not self.in_flight and not self.timers and not self.automatic


@dataclass(frozen=True, slots=True, kw_only=True)
class StepView:
    """One step: the state before, what happened, the state after."""

    before: JointView
    label: Action
    after: JointView

    @property
    def party(self) -> str:
        return self.label.party

    @property
    def event(self) -> str:
        return self.label.event

    def entered(self, party: str, status: str) -> bool:
        """True when ``party`` moved into ``status`` on this step."""
        return self.after.status[party] == status and self.before.status[party] != status


StatePredicate = Callable[[JointView], bool]
StepPredicate = Callable[[StepView], bool]


@dataclass(frozen=True, slots=True, kw_only=True)
class Property:
    name: str
    description: str
    cite: str = ""
    severity: str = "error"  # "error" fails the check; "warning" is reported only


@dataclass(frozen=True, slots=True, kw_only=True)
class Always(Property):
    holds: StatePredicate


@dataclass(frozen=True, slots=True, kw_only=True)
class AlwaysStep(Property):
    holds: StepPredicate


@dataclass(frozen=True, slots=True, kw_only=True)
class Sometimes(Property):
    holds: StatePredicate


@dataclass(frozen=True, slots=True, kw_only=True)
class SometimesStep(Property):
    holds: StepPredicate


@dataclass(frozen=True, slots=True, kw_only=True)
class NeverAfter(Property):
    after: StepPredicate
    then: StepPredicate


@dataclass(frozen=True, slots=True, kw_only=True)
class LeadsTo(Property):
    trigger: StatePredicate
    response: StatePredicate
    fairness: str = field(default="strong fairness of automatic steps (platform, timers, "
                                   "message delivery); people may never act")


# -- the built-in properties every model is checked for --------------------------------------
# They are ordinary Property objects so that one registry (``checks.analyses.registry``)
# drives dispatch, JUnit test cases, pytest markers, fingerprints and the docs for them and
# for user properties alike.

_BUILTIN = {"cite": "ordercheck"}


@dataclass(frozen=True, slots=True, kw_only=True)
class NoDeadlock(Property):
    name: str = "no-deadlock"
    description: str = "No reachable non-final state is without a successor."


@dataclass(frozen=True, slots=True, kw_only=True)
class NoLivelock(Property):
    name: str = "no-livelock"
    description: str = "No run can cycle for ever without reaching a final status."


@dataclass(frozen=True, slots=True, kw_only=True)
class CanAlwaysFinish(Property):
    name: str = "can-always-finish"
    description: str = "From every reachable state a final status is still reachable."


@dataclass(frozen=True, slots=True, kw_only=True)
class EveryStatusReachable(Property):
    name: str = "every-status-reachable"
    description: str = "Every declared status is shown by some reachable state."
    severity: str = "warning"


@dataclass(frozen=True, slots=True, kw_only=True)
class EveryTransitionFires(Property):
    name: str = "every-transition-fires"
    description: str = "Every declared transition fires in some reachable step."
    severity: str = "warning"


@dataclass(frozen=True, slots=True, kw_only=True)
class MessagesHandled(Property):
    name: str = "messages-handled"
    description: str = "No message reaches a non-final party that has no transition for it."
    severity: str = "warning"


def kind_of(prop: Property) -> str:
    """The finding kind a property's failures carry (``invariant``, ``liveness``, ...)."""
    from .analyses.registry import kind_of as registered

    return registered(prop).value


class Registry:
    """Declare properties next to a model with decorators::

        props = Registry()

        @props.always("invoiced-means-paid", "An invoiced order was paid.")
        def _(v: JointView) -> bool:
            return v["marketplace"] != "invoiced" or v["seller"] == "invoiced"

    ``tuple(props)`` (or ``props`` itself) goes to ``Workflow(properties=...)`` or to the
    pytest plugin's ``check_model(..., properties=props)``.  Names must be unique.
    """

    def __init__(self) -> None:
        self._items: list[Property] = []

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def _add(self, prop: Property) -> None:
        if any(p.name == prop.name for p in self._items):
            raise ValueError(f"property {prop.name!r} is declared twice")
        self._items.append(prop)

    def _decorator(self, make):  # type: ignore[no-untyped-def]
        def wrap(fn):  # type: ignore[no-untyped-def]
            self._add(make(fn))
            return fn
        return wrap

    def always(self, name: str, description: str, **kw: str):  # type: ignore[no-untyped-def]
        return self._decorator(lambda fn: Always(name=name, description=description,
                                                 holds=fn, **kw))

    def always_step(self, name: str, description: str, **kw: str):  # type: ignore[no-untyped-def]
        return self._decorator(lambda fn: AlwaysStep(name=name, description=description,
                                                     holds=fn, **kw))

    def sometimes(self, name: str, description: str, **kw: str):  # type: ignore[no-untyped-def]
        return self._decorator(lambda fn: Sometimes(name=name, description=description,
                                                    holds=fn, **kw))

    def add(self, prop: Property) -> Property:
        """Add a property built directly (``NeverAfter``, ``LeadsTo``, ...)."""
        self._add(prop)
        return prop
