"""The fleet run: read every record, group by joint order, judge each order, count.

Why grouping before judging: a feed delivers an order's changes out of order, interleaved
with every other order's, so an order can be judged only once its records are in.  Records
are streamed (one at a time, never the whole file); what is held is the open orders' events,
compactly.  ``now`` (for ages and overdue timers) is ``--now`` or the log's latest change time,
so a report never depends on the wall clock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import IO

from .judge import BAD, DeviationKind, Judge, Judgement, Verdict
from .link import Linker
from .ordering import arrange
from .parse import LogReader
from .records import Event, Ledger


@dataclass(frozen=True, slots=True)
class OrderRow:
    """One order's line of the per-order table (CSV, labels in tests)."""

    order: str
    ids: str
    verdict: Verdict
    kind: str
    joint: str
    age: float
    reason: str


@dataclass(slots=True)
class FleetReport:
    """Everything a rendering shows; built deterministically from the log alone."""

    model: str
    now: float | None
    ledger: Ledger
    orders: int = 0
    verdicts: Counter[Verdict] = field(default_factory=Counter)
    joint: Counter[str] = field(default_factory=Counter)
    kinds: Counter[str] = field(default_factory=Counter)
    bad: list[Judgement] = field(default_factory=list)
    incomplete: list[Judgement] = field(default_factory=list)
    rows: list[OrderRow] = field(default_factory=list)
    tolerated_orders: int = 0
    replays: int = 0  # distinct status sequences replayed
    timer_notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        """0 all conforming / in progress (incomplete listed), 1 some deviating, doomed or
        stuck, 3 nothing judged (a run that tested nothing is not a pass)."""
        if self.orders == 0:
            return 3
        return 1 if any(self.verdicts[v] for v in BAD) else 0


def joint_text(joint: Iterable[tuple[str, str]], parties: Iterable[str]) -> str:
    known = dict(joint)
    return ", ".join(f"{p} {known.get(p, '?')}" for p in parties)


def check_logs(sources: Iterable[str], *, judge: Judge, reader: LogReader, linker: Linker,
               model: str, now: float | None, keep_rows: bool = False,
               stdin: IO[bytes] | None = None,
               on_order: Callable[[Judgement], None] | None = None) -> FleetReport:
    """Judge every order of ``sources``."""
    ledger = reader.ledger
    orders: dict[str, list[Event]] = {}
    ids: dict[str, dict[str, str]] = {}
    latest: float | None = None
    for event in reader.read(sources, stdin=stdin):
        joint = linker.joint_id(event.party, event.order)
        bucket = orders.get(joint)
        if bucket is None:
            bucket = orders[joint] = []
            ids[joint] = {}
        bucket.append(event)
        ids[joint].setdefault(event.party, event.order)
        if latest is None or event.at > latest:
            latest = event.at
    clock = now if now is not None else latest
    report = FleetReport(model=model, now=clock, ledger=ledger)
    for rule in judge.timer_rules:
        if rule.length is None:
            report.timer_notes.append(f"timer {rule.name}: no length known, not checked "
                                      f"(--timer {rule.name}=DURATION)")
    parties = judge.parties
    for order in sorted(orders):
        arranged = arrange(orders.pop(order), parties, ledger)
        party_ids = tuple(sorted(ids.pop(order).items()))
        j = judge.judge(order, arranged.events, clock if clock is not None else 0.0,
                        arranged.tolerances, party_ids)
        report.orders += 1
        report.verdicts[j.verdict] += 1
        report.joint[joint_text(j.joint, parties)] += 1
        if arranged.tolerances:
            report.tolerated_orders += 1
        if j.verdict is Verdict.DEVIATING:
            kind = j.kind.value if j.kind else "?"
            report.kinds[kind] += 1
        if j.verdict in BAD:
            report.bad.append(_slim(j))
        elif j.verdict is Verdict.INCOMPLETE:
            report.incomplete.append(_slim(j))
        if keep_rows:
            report.rows.append(OrderRow(order, " ".join(f"{p}={i}" for p, i in party_ids),
                                        j.verdict, j.kind.value if j.kind else "",
                                        joint_text(j.joint, parties), j.age or 0.0, j.reason))
        if on_order is not None:
            on_order(j)
    report.replays = len(judge._replays)
    return report


def _slim(j: Judgement) -> Judgement:
    """Kept as is: a bad order's evidence (events, replay) is what the report shows."""
    return j


__all__ = ["DeviationKind", "FleetReport", "OrderRow", "check_logs", "joint_text"]
