"""The fleet run: read every record, group by joint order, judge each order, count.

Why grouping before judging: a feed delivers an order's changes out of order, interleaved
with every other order's, so an order can be judged only once its records are in.  Records
are streamed (one at a time, never the whole file); what is held is the open orders' events,
compactly.  ``now`` (for ages and overdue timers) is ``--now`` or the log's latest change time,
so a report never depends on the wall clock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import IO

from .judge import BAD, DeviationKind, Judge, Judgement, Verdict
from .link import Linker
from .ordering import arrange
from .parse import LogReader
from .records import Event, Ledger, LineFate


@dataclass(frozen=True, slots=True)
class OrderRow:
    """One order's line of the per-order table (CSV, labels in tests)."""

    order: str
    ids: str
    verdict: Verdict
    kind: str
    joint: str
    last_seen: float
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
    tolerance_notes: list[tuple[str, str]] = field(default_factory=list)  # (order, where)
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


DEFAULT_SETTLE = 10_000


def check_logs(sources: Iterable[str], *, judge: Judge, reader: LogReader, linker: Linker,
               model: str, now: float | None, keep_rows: bool = False,
               stdin: IO[bytes] | None = None, settle: int = DEFAULT_SETTLE) -> FleetReport:
    """Judge every order of ``sources``, streaming.

    Memory is bounded by the open orders: an order whose every party's latest change is a
    final status is judged and released once ``settle`` more records have been read with no
    record of it (a feed's reordering is local; the flip ``canceled -> cancel -> canceled``
    arrives within it).  A record of a released order is counted ``late`` — never silently
    dropped — and ``--settle`` says how long to wait.  Other orders are judged at the end,
    when ``now`` is known.  Lists are sorted by order id, so the report does not depend on
    when an order was released.
    """
    ledger = reader.ledger
    parties = judge.parties
    finals = judge.final_statuses
    orders: dict[str, list[Event]] = {}
    ids: dict[str, dict[str, str]] = {}
    settling: dict[str, int] = {}  # order -> record count when it looked finished
    released: set[int] = set()  # hashes of released order ids
    latest: float | None = None
    report = FleetReport(model=model, now=now, ledger=ledger)
    for rule in judge.timer_rules:
        if rule.length is None:
            report.timer_notes.append(f"timer {rule.name}: no length known, not checked "
                                      f"(--timer {rule.name}=DURATION)")

    def finish(order: str, clock: float) -> None:
        arranged = arrange(orders.pop(order), parties, ledger)
        party_ids = tuple(sorted(ids.pop(order).items()))
        j = judge.judge(order, arranged.events, clock, arranged.tolerances, party_ids)
        _count(report, j, bool(arranged.tolerances), keep_rows, parties)

    for event in reader.read(sources, stdin=stdin):
        joint = linker.joint_id(event.party, event.order)
        if latest is None or event.at > latest:
            latest = event.at
        if released and hash(joint) in released:
            ledger.count(LineFate.LATE)
            continue
        bucket = orders.get(joint)
        if bucket is None:
            bucket = orders[joint] = []
            ids[joint] = {}
        bucket.append(event)
        ids[joint].setdefault(event.party, event.order)
        settling.pop(joint, None)
        if event.state in finals[event.party] and _finished(bucket, parties, finals):
            settling[joint] = ledger.records
        while settling:
            first = next(iter(settling))
            if settling[first] > ledger.records - settle:
                break
            del settling[first]
            finish(first, now if now is not None else latest)
            released.add(hash(first))
    clock = now if now is not None else latest
    report.now = clock
    for order in sorted(orders):
        finish(order, clock if clock is not None else 0.0)
    report.bad.sort(key=lambda j: j.order)
    report.incomplete.sort(key=lambda j: j.order)
    report.tolerance_notes.sort()
    report.rows.sort(key=lambda row: row.order)
    report.replays = judge.replays
    return report


def _finished(bucket: list[Event], parties: tuple[str, ...],
              finals: dict[str, frozenset[str]]) -> bool:
    """Every party's latest change (by change time) is a final status."""
    latest: dict[str, Event] = {}
    for e in bucket:
        seen = latest.get(e.party)
        if seen is None or e.at >= seen.at:
            latest[e.party] = e
    return len(latest) == len(parties) and all(
        e.state in finals[p] for p, e in latest.items())


def _count(report: FleetReport, j: Judgement, tolerated: bool, keep_rows: bool,
           parties: tuple[str, ...]) -> None:
    report.orders += 1
    report.verdicts[j.verdict] += 1
    report.joint[joint_text(j.joint, parties)] += 1
    if tolerated:
        report.tolerated_orders += 1
        report.tolerance_notes.extend((j.order, note) for note in j.tolerances)
    if j.verdict is Verdict.DEVIATING:
        report.kinds[j.kind.value if j.kind else "?"] += 1
    if j.verdict in BAD:  # kept without its events: the report shows the verdict's evidence
        report.bad.append(replace(j, events=()))
    elif j.verdict is Verdict.INCOMPLETE:
        report.incomplete.append(replace(j, events=()))
    if keep_rows:
        report.rows.append(OrderRow(j.order, " ".join(f"{p}={i}" for p, i in j.ids),
                                    j.verdict, j.kind.value if j.kind else "",
                                    joint_text(j.joint, parties), j.last_seen, j.reason))


__all__ = ["DeviationKind", "FleetReport", "OrderRow", "check_logs", "joint_text"]
