"""``ordercheck logs --engine dask``: judge orders on a Dask cluster, same report byte for byte.

Why this shape: an order can be judged only with all its records, and its verdict depends on
nothing else; so the driver reads and links every record exactly as the default engine does
(:class:`~.fleet.OrderGroups`: the same grouping, release and ``late`` counting), then ships
whole orders — never a part of one — to the partition of the hash of the joint (marketplace)
order id, in batches.  A worker judges a batch with its own :class:`~.judge.Judge` (built once
per worker process from a picklable factory: the explored model does not travel) and returns
a partial report; partial reports add up (counters, ledgers, lists sorted at the end), and the
distinct status sequences are a union, so the merged report equals the default engine's.

Why the hash is CRC-32 and not :func:`hash`: Python salts ``str`` hashes per process, and a
partition must not depend on which process computed it.

``dask.distributed`` is an optional extra (``pip install 'ordercheck[dask]'``); it is imported
only when this engine runs.
"""

from __future__ import annotations

import pickle
import uuid
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import IO, Any

from ..errors import UsageError
from .fleet import FleetReport, OrderGroups, count, finish_report, new_report
from .judge import Judge
from .link import Linker
from .ordering import arrange
from .parse import LogReader
from .records import Event, Ledger

BATCH = 2_000  # orders per task: large enough to amortise scheduling, small enough to stream
IN_FLIGHT = 4  # tasks per worker before the driver waits for one (bounds the driver's memory)

KEEP = 4  # judges a worker keeps (one per run; runs may share a long-lived cluster)
_JUDGES: dict[str, Judge] = {}  # per worker process: run key -> judge, oldest first


def partition_of(order: str, partitions: int) -> int:
    """The partition of a joint order id (stable across processes and runs)."""
    return zlib.crc32(order.encode("utf-8")) % partitions


@dataclass(frozen=True, slots=True)
class Partial:
    """What a worker sends back for one batch."""

    report: FleetReport
    sequences: frozenset[tuple[tuple[str, str, bool], ...]]


Batch = list[tuple[str, list[Event], tuple[tuple[str, str], ...], float]]
#: an event as plain fields: slotted dataclasses pickle several times slower than tuples
Row = tuple[str, str, str, str | None, float, str | None, str, int | str]
Packed = list[tuple[str, list[Row], tuple[tuple[str, str], ...], float]]


def pack(batch: Batch) -> Packed:
    return [(order, [(e.order, e.party, e.state, e.last, e.at, e.event_id, e.src, e.pos)
                     for e in events], ids, clock) for order, events, ids, clock in batch]


def judge_batch(factory: Callable[[], Judge], key: str, keep_rows: bool,
                payload: bytes) -> Partial:
    """Run on a worker: arrange and judge each order of the batch (``payload``: a pickled
    :data:`Packed` from the driver; bytes, because Dask walks every nested argument in
    search of futures, which cost more than judging)."""
    batch: Packed = pickle.loads(payload)
    judge = _JUDGES.get(key)
    if judge is None:
        while len(_JUDGES) >= KEEP:
            del _JUDGES[next(iter(_JUDGES))]
        judge = _JUDGES[key] = factory()
    parties = judge.parties
    report = FleetReport(model="", now=None, ledger=Ledger())
    for order, rows, ids, clock in batch:
        arranged = arrange([Event(*row) for row in rows], parties, report.ledger)
        j = judge.judge(order, arranged.events, clock, arranged.tolerances, ids)
        count(report, j, bool(arranged.tolerances), keep_rows, parties)
    return Partial(report, judge.sequences)


def merge(into: FleetReport, part: FleetReport) -> None:
    """Add a partial report (every field is a sum, a multiset or a list sorted later)."""
    into.orders += part.orders
    into.verdicts.update(part.verdicts)
    into.joint.update(part.joint)
    into.kinds.update(part.kinds)
    into.bad.extend(part.bad)
    into.incomplete.extend(part.incomplete)
    into.rows.extend(part.rows)
    into.tolerated_orders += part.tolerated_orders
    into.tolerance_notes.extend(part.tolerance_notes)
    led, other = into.ledger, part.ledger
    led.fates.update(other.fates)
    led.tolerances.update(other.tolerances)


def check_logs_dask(sources: Iterable[str], *, judge: Judge, factory: Callable[[], Judge],
                    key: str, reader: LogReader, linker: Linker, model: str,
                    now: float | None, keep_rows: bool, settle: int, client: Any,
                    stdin: IO[bytes] | None = None) -> FleetReport:
    """Judge every order of ``sources`` on the cluster behind ``client`` (a
    ``distributed.Client``).  ``judge`` is the driver's (timer notes, parties); ``factory``
    builds an equal one on a worker, cached there for this run only: a judge's memo counts
    the distinct sequences it replayed, and a later run must not inherit them."""
    from distributed import wait

    key = f"{key}#{uuid.uuid4().hex}"  # never printed: the report stays deterministic

    addresses = sorted(client.scheduler_info().get("workers", {}))
    if not addresses:
        raise UsageError("--engine dask: the cluster has no worker")
    workers = partitions = len(addresses)
    report = new_report(judge, reader.ledger, model, now)
    groups = OrderGroups(reader, linker, judge.parties, judge.final_statuses, now, settle)
    buffers: list[Batch] = [[] for _ in range(partitions)]
    pending: list[Any] = []
    sequences: set[tuple[tuple[str, str, bool], ...]] = set()

    def collect(done: Iterable[Any]) -> None:
        for future in done:
            part: Partial = future.result()
            merge(report, part.report)
            sequences.update(part.sequences)
            future.release()

    def submit(p: int) -> None:
        nonlocal pending
        batch, buffers[p] = buffers[p], []
        # partition p is judged by worker p: its judge's memo sees the same orders' kinds
        pending.append(client.submit(judge_batch, factory, key, keep_rows,
                                     pickle.dumps(pack(batch), pickle.HIGHEST_PROTOCOL),
                                     pure=False, workers=[addresses[p]]))
        if len(pending) >= IN_FLIGHT * workers:
            done, rest = wait(pending, return_when="FIRST_COMPLETED")
            pending = list(rest)
            collect(done)

    for group in groups.read(sources, stdin):
        p = partition_of(group[0], partitions)
        buffers[p].append(group)
        if len(buffers[p]) >= BATCH:
            submit(p)
    for p in range(partitions):
        if buffers[p]:
            submit(p)
    collect(wait(pending).done)
    report.now = groups.clock
    report.replays = len(sequences)
    return finish_report(report)


def connect(scheduler: str | None, workers: int) -> tuple[Any, Any]:
    """A ``distributed.Client`` on ``scheduler``, or on a new local cluster of ``workers``
    processes (closed by the caller, with the cluster: the second item, or None)."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UsageError("--engine dask: dask.distributed is not installed "
                         "(pip install 'ordercheck[dask]')") from None
    if scheduler is not None:
        try:
            return Client(scheduler, timeout="10s"), None
        except (OSError, TimeoutError, ValueError) as exc:
            raise UsageError(f"--scheduler {scheduler!r}: cannot connect ({exc})") from None
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                           dashboard_address=":0")
    return Client(cluster), cluster
