"""The fleet run: read every record, group by joint order, judge each order, count.

Why grouping before judging: a feed delivers an order's changes out of order, interleaved
with every other order's, so an order can be judged only once its records are in.  Records
are streamed (one at a time, never the whole file); what is held is the open orders' events,
compactly.  ``now`` (for ages and overdue timers) is ``--now`` or the log's latest change time,
so a report never depends on the wall clock.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
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
    """Judge every order of ``sources``, streaming (grouping: :class:`OrderGroups`)."""
    parties = judge.parties
    report = new_report(judge, reader.ledger, model, now)
    groups = OrderGroups(reader, linker, parties, judge.final_statuses, now, settle)
    for order, events, party_ids, clock in groups.read(sources, stdin):
        arranged = arrange(events, parties, reader.ledger)
        j = judge.judge(order, arranged.events, clock, arranged.tolerances, party_ids)
        count(report, j, bool(arranged.tolerances), keep_rows, parties)
    report.now = groups.clock
    report.replays = judge.replays
    return finish_report(report)


def new_report(judge: Judge, ledger: Ledger, model: str, now: float | None) -> FleetReport:
    """An empty report, with a note for each timer whose length is unknown."""
    report = FleetReport(model=model, now=now, ledger=ledger)
    for rule in judge.timer_rules:
        if rule.length is None:
            report.timer_notes.append(f"timer {rule.name}: no length known, not checked "
                                      f"(--timer {rule.name}=DURATION)")
    return report


def finish_report(report: FleetReport) -> FleetReport:
    """Sort the lists by order id, so the report does not depend on when (or where) an order
    was judged."""
    report.bad.sort(key=lambda j: j.order)
    report.incomplete.sort(key=lambda j: j.order)
    report.tolerance_notes.sort()
    report.rows.sort(key=lambda row: row.order)
    return report


#: one order ready to judge: (joint id, its events, party -> own id, the clock to judge at)
Group = tuple[str, list[Event], tuple[tuple[str, str], ...], float]


class OrderGroups:
    """Reads every record, links it to its joint order and yields each order once complete.

    Why apart from judging: the default engine judges an order as it is yielded, ``--engine
    dask`` ships it to a worker; both must group (and count late records) identically, so the
    report is the same byte for byte.

    Memory is bounded by the open orders: an order whose every party's latest change is a
    final status is yielded and released once ``settle`` more records have been read with no
    record of it (a feed's reordering is local; the flip ``canceled -> cancel -> canceled``
    arrives within it).  A record of a released order is counted ``late`` — never silently
    dropped — and ``--settle`` says how long to wait.  Other orders are yielded at the end,
    sorted by id, when ``now`` is known; :attr:`clock` is that ``now`` afterwards.
    """

    def __init__(self, reader: LogReader, linker: Linker, parties: tuple[str, ...],
                 finals: dict[str, frozenset[str]], now: float | None, settle: int) -> None:
        self.reader, self.linker, self.parties, self.finals = reader, linker, parties, finals
        self.now, self.settle = now, settle
        self.clock: float | None = now

    def read(self, sources: Iterable[str], stdin: IO[bytes] | None = None) -> Iterator[Group]:
        ledger = self.reader.ledger
        parties, finals, now, settle = self.parties, self.finals, self.now, self.settle
        orders: dict[str, list[Event]] = {}
        ids: dict[str, dict[str, str]] = {}
        settling: dict[str, int] = {}  # order -> record count when it looked finished
        released: set[int] = set()  # hashes of released order ids
        latest: float | None = None

        def ready(order: str, clock: float) -> Group:
            return order, orders.pop(order), tuple(sorted(ids.pop(order).items())), clock

        for event in self.reader.read(sources, stdin=stdin):
            joint = self.linker.joint_id(event.party, event.order)
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
                yield ready(first, now if now is not None else latest)
                released.add(hash(first))
        clock = now if now is not None else latest
        self.clock = clock
        for order in sorted(orders):
            yield ready(order, clock if clock is not None else 0.0)


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


def count(report: FleetReport, j: Judgement, tolerated: bool, keep_rows: bool,
          parties: tuple[str, ...]) -> None:
    """Add one judged order to the report."""
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


__all__ = ["DeviationKind", "FleetReport", "OrderGroups", "OrderRow", "check_logs", "count",
           "finish_report", "joint_text", "new_report"]
