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

Quantified properties (``each``): an ``Always``, ``AlwaysStep``, ``Sometimes`` or
``SometimesStep`` may be stated once for many *instances* — TLA+'s ``forall p in Pairs: P(p)``.
Each instance maps the names the predicate uses (roles: ``"marketplace"``, ``"seller"``,
``"cancellation-denied"``) to the model's parties and messages (``"marketplace-2"``, ...).
The predicate sees the instance's parties under their role names (:func:`project`), and a
step predicate sees only the steps its instance's parties take (the others change none of
their statuses).  ``Always*`` holds when it holds for every instance, ``Sometimes*`` when it
holds for some.  Why a kind of its own and not ``all(... for pair in pairs)`` inside the
predicate: a predicate over one pair depends on that pair's configurations only — hundreds
of values whatever the number of pairs — so the analyses evaluate it once per value and
not once per joint state (:mod:`.analyses.instances`); an order group of 4 sellers has
8.4 M joint states.  The whole family is one property, so it stays as symmetric as the
instances are interchangeable (symmetry reduction needs that).

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
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Any

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


def project(view: JointView, instance: Instance) -> JointView:
    """``view`` as one instance of a quantified property sees it: the instance's parties
    under their role names (messages in flight, timers and the automatic flag stay those of
    the whole state, so ``quiescent`` means what it means for the system)."""
    roles = [(role, name) for role, name in instance.items() if name in view.status]
    return JointView(status={r: view.status[n] for r, n in roles},
                     active={r: view.active[n] for r, n in roles},
                     final={r: view.final[n] for r, n in roles},
                     in_flight=view.in_flight, timers=view.timers, automatic=view.automatic)


def project_action(label: Action, instance: Instance) -> Action:
    """``label`` with the instance's party and message names replaced by their roles."""
    role = {name: r for r, name in instance.items()}
    return replace(label, party=role.get(label.party, label.party),
                   message=role.get(label.message, label.message),
                   sends=tuple(role.get(m, m) for m in label.sends))


def project_step(step: StepView, instance: Instance) -> StepView | None:
    """``step`` as the instance sees it, or None when another party took it."""
    if step.label.party not in instance.values():
        return None
    return StepView(before=project(step.before, instance),
                    label=project_action(step.label, instance),
                    after=project(step.after, instance))


def state_holds(prop: Always | Sometimes, view: JointView) -> bool:
    """``prop.holds`` on a state, over its instances when it has some (``Always``: every
    one; ``Sometimes``: some)."""
    if not prop.each:
        return bool(prop.holds(view))
    values = (bool(prop.holds(project(view, inst))) for inst in prop.each)
    return any(values) if isinstance(prop, Sometimes) else all(values)


def step_holds(prop: AlwaysStep | SometimesStep, step: StepView) -> bool:
    """``prop.holds`` on a step, over the instances whose party took it when it has some
    (``AlwaysStep``: every one, so true when none did; ``SometimesStep``: some)."""
    if not prop.each:
        return bool(prop.holds(step))
    seen = (project_step(step, inst) for inst in prop.each)
    values = (bool(prop.holds(s)) for s in seen if s is not None)
    return any(values) if isinstance(prop, SometimesStep) else all(values)


#: One instance of a quantified property: role name -> the model's party or message name.
Instance = Mapping[str, str]


@dataclass(frozen=True, slots=True, kw_only=True)
class Property:
    name: str
    description: str
    cite: str = ""
    severity: str = "error"  # "error" fails the check; "warning" is reported only
    #: instances of a quantified property (see the module docstring); () = the plain kind
    each: tuple[Instance, ...] = ()

    def __post_init__(self) -> None:
        if self.each and not isinstance(self, Always | AlwaysStep | Sometimes | SometimesStep):
            raise ValueError(f"property {self.name!r}: only Always, AlwaysStep, Sometimes and "
                             "SometimesStep can have instances (each=)")
        if self.each:  # read-only copies: a property is a value
            object.__setattr__(self, "each", tuple(MappingProxyType(dict(m))
                                                   for m in self.each))


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

    def always(self, name: str, description: str, **kw: Any):  # type: ignore[no-untyped-def]
        return self._decorator(lambda fn: Always(name=name, description=description,
                                                 holds=fn, **kw))

    def always_step(self, name: str, description: str, **kw: Any):  # type: ignore[no-untyped-def]
        return self._decorator(lambda fn: AlwaysStep(name=name, description=description,
                                                     holds=fn, **kw))

    def sometimes(self, name: str, description: str, **kw: Any):  # type: ignore[no-untyped-def]
        return self._decorator(lambda fn: Sometimes(name=name, description=description,
                                                    holds=fn, **kw))

    def add(self, prop: Property) -> Property:
        """Add a property built directly (``NeverAfter``, ``LeadsTo``, ...)."""
        self._add(prop)
        return prop
