"""Timer bounds the model knows, checked against a log's timestamps.

Why from the model: a timer is a model element (``Timer(name, party, event, duration)``); the
statuses where it is armed and the status moves only it makes are read off the explored graph,
so the check follows the model, not a list kept here.  From an order's timeline:

* **overdue** (the order is *stuck*): the party still shows a status where the timer is armed,
  longer than its length plus the slack (a cancellation request unanswered for more than
  30 days, a cancellation window that outlived its length);
* **fired late** / **fired early**: the party left such a status by a move only the timer
  makes, after more than length + slack, or before length - slack (a deviation).

A duration string is read from the model (``"30 days"``, ``"grace period, default 30 min"``);
``--timer NAME=DURATION`` overrides it (a store's own window length).  A timer without a
readable length is not checked, and the report says so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from ..errors import UsageError

_UNITS = {"s": 1, "sec": 1, "second": 1, "m": 60, "min": 60, "minute": 60, "h": 3600,
          "hour": 3600, "d": 86400, "day": 86400, "w": 604800, "week": 604800}
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(seconds?|secs?|s|minutes?|mins?|m|hours?|h|days?|d"
                       r"|weeks?|w)\b", re.IGNORECASE)


def parse_duration(text: str) -> float | None:
    """Seconds of the first ``<number> <unit>`` in ``text`` (None: no length in it)."""
    match = _DURATION.search(text)
    if match is None:
        return None
    unit = match.group(2).lower()
    unit = unit[:-1] if unit.endswith("s") and unit not in ("s",) else unit
    return float(match.group(1)) * _UNITS[unit]


def human(seconds: float) -> str:
    """A duration as people read it (``41d 2h``, ``45m``, ``12s``)."""
    s = round(seconds)
    days, rest = divmod(s, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h" if hours else f"{days}d"
    if hours:
        return f"{hours}h {minutes}m" if minutes else f"{hours}h"
    if minutes:
        return f"{minutes}m"
    return f"{secs}s"


@dataclass(frozen=True, slots=True)
class TimerRule:
    """One timer as the log checker uses it."""

    name: str
    party: str
    length: float | None  # seconds
    armed: frozenset[str]  # statuses of ``party`` in which it may fire
    only_moves: frozenset[tuple[str, str]]  # (from, to) status moves only this timer makes


@dataclass(frozen=True, slots=True)
class TimerIssue:
    """A timer bound broken by the timestamps."""

    kind: str  # "overdue" | "fired-late" | "fired-early"
    timer: str
    party: str
    status: str
    elapsed: float
    length: float
    where: str

    def text(self) -> str:
        if self.kind == "overdue":
            return (f"{self.timer} ({human(self.length)}) has not fired: {self.party} in "
                    f"{self.status} for {human(self.elapsed)}")
        word = "late" if self.kind == "fired-late" else "early"
        return (f"{self.timer} ({human(self.length)}) fired {word}: {self.party} left "
                f"{self.status} after {human(self.elapsed)} ({self.where})")


def parse_overrides(values: Iterable[str], names: Iterable[str]) -> dict[str, float]:
    """``--timer NAME=DURATION`` options -> seconds per timer name."""
    known = sorted(names)
    out: dict[str, float] = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name:
            raise UsageError(f"--timer {value!r}: expected NAME=DURATION (e.g. "
                             f"cancellation-window=2h)")
        if name not in known:
            raise UsageError(f"--timer {value!r}: the model has no timer {name!r} "
                             f"(it has: {', '.join(known) or 'none'})")
        seconds = parse_duration(text)
        if seconds is None or seconds <= 0:
            raise UsageError(f"--timer {value!r}: {text!r} is not a duration like 30m, 2h, "
                             f"30d")
        out[name] = seconds
    return out


class Located(Protocol):
    """A record that can say where it is (``file:line``), formatted only when asked."""

    @property
    def where(self) -> str: ...


def check_timeline(rules: Sequence[TimerRule], party: str,
                   timeline: Sequence[tuple[str, float, Located]], now: float,
                   slack: float) -> list[TimerIssue]:
    """Timer issues of one party's timeline [(status, entered at, record)]; a record's
    ``where`` is formatted only for an issue (a fleet checks millions of records)."""
    issues: list[TimerIssue] = []
    for rule in rules:
        if rule.party != party or rule.length is None:
            continue
        for k, (status, at, where) in enumerate(timeline):
            if status not in rule.armed:
                continue
            if k + 1 == len(timeline):
                if now - at > rule.length + slack:
                    issues.append(TimerIssue("overdue", rule.name, party, status, now - at,
                                             rule.length, where.where))
                continue
            nxt, left, where_next = timeline[k + 1]
            if (status, nxt) not in rule.only_moves:
                continue
            spent = left - at
            if spent > rule.length + slack:
                issues.append(TimerIssue("fired-late", rule.name, party, status, spent,
                                         rule.length, where_next.where))
            elif spent < rule.length - slack:
                issues.append(TimerIssue("fired-early", rule.name, party, status, spent,
                                         rule.length, where_next.where))
    return issues


def rules_of(timers: Iterable[tuple[str, str, str, str]],
             moves: Mapping[tuple[str, str], set[tuple[str, str]]],
             others: Mapping[str, set[tuple[str, str]]],
             overrides: Mapping[str, float]) -> list[TimerRule]:
    """Rules from the model's timers ``(name, party, event, duration)``, the status moves each
    timer makes (``moves[(party, event)]``) and every other move of each party."""
    rules = []
    for name, party, event, duration in timers:
        made = moves.get((party, event), set())
        length = overrides.get(name, parse_duration(duration))
        rules.append(TimerRule(name, party, length, frozenset(a for a, _ in made),
                               frozenset(m for m in made if m not in others.get(party, set()))))
    return rules
