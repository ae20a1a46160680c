"""Findings as self-contained data: what an analysis found, with no English in it.

Everything a renderer needs is here as typed values — the kind and severity enums, the parties'
statuses, what is in flight, who waits on what (:class:`Blame`), the member states, the path —
so text, JSON, JUnit, Markdown and diagrams all render the *same* finding and none of them
recomputes an analysis.  The English lives in :mod:`.text`; :attr:`Finding.title` and
:attr:`Finding.detail` are conveniences that call it.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["Blame", "Finding", "FindingKind", "InFlight", "Path", "Severity", "Wait",
           "WaitKind"]

Path = list[tuple[int, int]]  # [(action id or -1, state number)], initial state first


class Severity(StrEnum):
    ERROR = "error"  # fails the check
    WARNING = "warning"  # reported; fails only with --fail-on warning


class FindingKind(StrEnum):
    """One member per kind of result; built-in analyses first, then property kinds."""

    DEADLOCK = "deadlock"
    LIVELOCK = "livelock"
    DOOMED = "doomed"
    UNREACHABLE_STATUS = "unreachable-status"
    DEAD_TRANSITION = "dead-transition"
    UNHANDLED_MESSAGE = "unhandled-message"
    INVARIANT = "invariant"  # Always
    ACTION = "action"  # AlwaysStep
    WITNESS = "witness"  # Sometimes, SometimesStep: no witness
    HISTORY = "history"  # NeverAfter
    LIVENESS = "liveness"  # LeadsTo


class WaitKind(StrEnum):
    MESSAGE = "message"  # a message the party would handle, not in flight
    GUARD = "guard"  # an event the party's guards block
    TRANSIENT = "transient"  # an event that waits until a transient status is left


@dataclass(frozen=True, slots=True)
class Wait:
    """One thing that could still move a stuck party."""

    kind: WaitKind
    name: str  # the message (MESSAGE) or the event (GUARD, TRANSIENT)
    guards: tuple[str, ...] = ()  # the blocking guards (GUARD)


@dataclass(frozen=True, slots=True)
class Blame:
    """Who waits on what: a non-final party of a stuck state and its ways out (none = none)."""

    party: str
    status: str
    waits: tuple[Wait, ...]


@dataclass(frozen=True, slots=True)
class InFlight:
    sender: str
    receiver: str
    message: str


Statuses = tuple[tuple[str, str], ...]  # ((party, status id), ...) in party order


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One result.  ``path`` leads from the initial state to ``state`` (and, for liveness,
    on to the trap from ``loop_start``); ``members`` are the states the finding stands for
    (``count`` of them; diagrams highlight exactly these)."""

    kind: FindingKind
    property: str
    severity: Severity
    state: int | None
    path: Path = field(default_factory=list)
    count: int = 1
    members: frozenset[int] = frozenset()
    cite: str = ""
    loop_start: int | None = None
    #: the parties' statuses of the representative state (deadlock, doomed, unhandled)
    statuses: Statuses = ()
    #: the status combinations a livelock cycles through
    cycle: tuple[Statuses, ...] = ()
    #: the subject of a coverage or unhandled-message finding
    party: str = ""
    status: str = ""
    message: str = ""
    transition: str = ""  # a transition's label (dead transition)
    guards: tuple[str, ...] = ()  # its guards
    #: the action that broke a step property (AlwaysStep, NeverAfter): a ``Action``
    action: Any = None
    #: the stuck state's environment (deadlock, livelock)
    in_flight: tuple[InFlight, ...] = ()
    timers: tuple[str, ...] = ()
    blame: tuple[Blame, ...] | None = None
    #: the property's own words (user text, not ours) and, for liveness, its fairness
    description: str = ""
    fairness: str = ""

    @builtins.property
    def title(self) -> str:
        from .text import finding_title

        return finding_title(self)

    @builtins.property
    def detail(self) -> str:
        from .text import finding_detail

        return finding_detail(self)
