"""The one registry of property kinds: what evaluates each, and the finding kind it yields.

Dispatch (``analyse``), JUnit test cases, pytest markers, fingerprints and the docs all read
:data:`PROPERTY_KINDS` and :data:`BUILTINS`, so a new kind is one evaluator module plus one
entry here — nothing else can forget it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..findings import Finding, FindingKind
from ..properties import (
    Always,
    AlwaysStep,
    CanAlwaysFinish,
    EveryStatusReachable,
    EveryTransitionFires,
    LeadsTo,
    MessagesHandled,
    NeverAfter,
    NoDeadlock,
    NoLivelock,
    Property,
    Sometimes,
    SometimesStep,
)
from . import coverage, deadlock, doomed, livelock, temporal, unhandled
from .context import Context

Evaluate = Callable[[Context, Any, dict[str, Any]], list[Finding]]


@dataclass(frozen=True, slots=True)
class KindSpec:
    kind: FindingKind
    evaluate: Evaluate
    builtin: bool = False


def _builtin(fn: Callable[[Context, Any], list[Finding]]) -> Evaluate:
    return lambda ctx, prop, witnesses: fn(ctx, prop)


PROPERTY_KINDS: dict[type[Property], KindSpec] = {
    NoDeadlock: KindSpec(FindingKind.DEADLOCK, _builtin(deadlock.deadlocks), True),
    NoLivelock: KindSpec(FindingKind.LIVELOCK, _builtin(livelock.livelocks), True),
    CanAlwaysFinish: KindSpec(FindingKind.DOOMED, _builtin(doomed.doomed), True),
    EveryStatusReachable: KindSpec(FindingKind.UNREACHABLE_STATUS,
                                   _builtin(coverage.unreachable_statuses), True),
    EveryTransitionFires: KindSpec(FindingKind.DEAD_TRANSITION,
                                   _builtin(coverage.dead_transitions), True),
    MessagesHandled: KindSpec(FindingKind.UNHANDLED_MESSAGE,
                              _builtin(unhandled.unhandled_messages), True),
    Always: KindSpec(FindingKind.INVARIANT, temporal.always),
    AlwaysStep: KindSpec(FindingKind.ACTION, temporal.always_step),
    Sometimes: KindSpec(FindingKind.WITNESS, temporal.sometimes),
    SometimesStep: KindSpec(FindingKind.WITNESS, temporal.sometimes_step),
    NeverAfter: KindSpec(FindingKind.HISTORY, temporal.never_after),
    LeadsTo: KindSpec(FindingKind.LIVENESS, temporal.leads_to),
}

#: Checked for every model, in this order, before the model's own properties.
BUILTINS: tuple[Property, ...] = (NoDeadlock(), NoLivelock(), CanAlwaysFinish(),
                                  EveryStatusReachable(), EveryTransitionFires(),
                                  MessagesHandled())

#: name -> finding kind of the built-ins (what JUnit and the pytest plugin list).
BUILTIN_PROPERTIES: dict[str, str] = {
    p.name: PROPERTY_KINDS[type(p)].kind.value for p in BUILTINS}


def spec_of(prop: Property) -> KindSpec:
    spec = PROPERTY_KINDS.get(type(prop))
    if spec is None:
        raise TypeError(f"unknown property kind {type(prop).__name__}: register it in "
                        "checks.analyses.registry.PROPERTY_KINDS")
    return spec


def kind_of(prop: Property) -> FindingKind:
    return spec_of(prop).kind
