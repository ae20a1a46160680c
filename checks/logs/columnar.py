"""``ordercheck logs --engine columnar``: the whole log as columns (polars), the same report
byte for byte as the streaming engine, several times faster on large logs.

Why this shape (measured, bench/logs.py): the streaming engine spends its time in Python per
record — decoding, an :class:`~.records.Event` each, grouping, ordering, judging.  Here a
record costs Rust work, and Python work is paid per *distinct status sequence* (the memoised
:meth:`~.judge.Judge.replay`) and per order the report lists:

1. :class:`~.columns.ColumnReader` reads every record into one frame (the streaming reader's
   ledger, line for line);
2. joint order ids (the default rule as one regular expression, else the linker once per
   distinct id), record order, and the streaming engine's release points recomputed
   (:func:`releases`): a released order is judged at the clock of its release; if any record
   would arrive after its order was released (``late``), the columnar reading cannot say what
   streaming did, and the run is the streaming engine's;
3. duplicates and the cancel flip are dropped in columns (:func:`dedupe`,
   :func:`tolerated`), where that is provably what :func:`~.ordering.arrange` does; an
   order that needs the feed semantics' slow cases — an ``eventId`` dropped with one change
   and reused by another, two changes of one party at one instant, a third ``canceled`` of
   one party, a timer bound broken — is *complex*: it is arranged and judged by
   :func:`~.ordering.arrange` and :meth:`~.judge.Judge.judge` themselves;
4. every other order is *simple*: its records in change order are its status sequence, a
   string key; each distinct key is replayed once, and its verdict (deviating, doomed,
   incomplete, conforming, in progress) is the one :meth:`~.judge.Judge.judge` gives such an
   order, with the record a reason names picked by index.

Memory is bounded by the log (every record is held, as columns); the streaming engine's by
the open orders.  polars is an optional extra (``pip install 'ordercheck[columnar]'``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import IO, Any

import numpy as np
import polars as pl

from .arranged import arranged, complex_orders, dedupe, flip_notes, tolerated
from .columns import ColumnReader
from .fleet import FleetReport, count, finish_report, new_report
from .judge import Judge
from .link import Linker
from .ordering import arrange
from .parse import LogReader
from .records import Event, LineFate
from .sequences import events_of, firsts_of, ids_of, judge_simple

#: :data:`~.link.VTEX_SELLER_ID` for polars (ASCII ids only)
VTEX_SELLER_ID = r"^[A-Za-z][A-Za-z0-9]*-([0-9]+-[0-9]+)$"


class LateRecords(Exception):
    """Some record arrives after the streaming engine would have released its order."""


def check_logs_columnar(sources: Iterable[str], *, judge: Judge, reader: LogReader,
                        linker: Linker, model: str, now: float | None, keep_rows: bool,
                        settle: int, stdin: IO[bytes] | None = None,
                        streaming: Callable[[], FleetReport]) -> FleetReport:
    """Judge every order of ``sources`` from columns; ``streaming`` runs the streaming engine
    on a fresh reader instead, when records would be late (see the module docstring)."""
    parties = judge.parties
    ledger = reader.ledger
    columns = ColumnReader(reader)
    ev = columns.read(sources, stdin)
    report = new_report(judge, ledger, model, now)
    if ev.height == 0:
        report.now = now
        report.replays = judge.replays
        return finish_report(report)
    ev = ev.sort("rec")  # the read order is by chunk, fallback lines first
    ev = _with_joint(ev, linker, parties)
    latest = float(ev["at"].max())  # type: ignore[arg-type]
    try:
        released = releases(ev, judge, settle, need_clock=now is None)
    except LateRecords:
        del ev  # the streaming engine's memory is the open orders, not this frame
        return streaming()
    names = columns.names
    clock = now if now is not None else latest
    if now is None:  # else every order's clock is ``now``: no column
        ev = ev.join(released, on="jid", how="left").with_columns(
            clock=pl.col("release").fill_null(clock)).drop("release")
    ev, troubled = dedupe(ev)
    kept = ev.filter(pl.col("keep"))
    first = arranged(kept, judge)  # before the tolerance
    again = tolerated(first, kept.columns, judge)  # the orders with the flip, without it
    del kept
    at = pl.lit(clock, dtype=pl.Float64) if now is not None else pl.col("clock")
    complex_ = pl.concat([troubled, *complex_orders(first, again, judge, at)]).unique().implode()
    hard = ev.filter(pl.col("jid").is_in(complex_))
    _judge_complex(hard, judge, report, keep_rows, names, clock)
    simple = ~pl.col("jid").is_in(complex_)
    firsts = firsts_of(ev.filter(simple))
    ledger.count(LineFate.DUPLICATE, ev.height - hard.height - first.filter(simple).height)
    del ev, hard
    gone = first.filter(pl.col("gone") & simple)
    ledger.count(LineFate.TOLERATED, gone.height)
    notes = flip_notes(gone, names, report)
    flipped = pl.col("jid").is_in(again["jid"].unique().implode())
    for part in (first.filter(simple & ~flipped), again.filter(simple)):
        judge_simple(part.select(SIMPLE), firsts, judge, report, keep_rows, names, notes)
    report.now = clock
    report.replays = judge.replays
    return finish_report(report)


#: what the simple path reads of an arrangement
SIMPLE = ("jid", "joint", "rank", "order", "party", "state", "last", "prev", "at", "eid", "src",
          "line", "item", "idx")


def _with_joint(ev: pl.DataFrame, linker: Linker, parties: tuple[str, ...]) -> pl.DataFrame:
    """The joint (marketplace) order id of each record (``joint``) and a small integer for it
    (``jid``: sorting and grouping on it is cheaper than on the text).  The default rule
    runs as one regular expression over ASCII ids (where ``\\d`` and ``[0-9]`` agree); a link
    file, or an id beyond ASCII, goes through :meth:`Linker.joint_id` once per distinct id."""
    first = parties[0]
    seller = pl.col("party") != first
    if linker.links:
        slow = seller
    else:
        # beyond ASCII, or a newline (``$`` of Python's re matches before a last newline)
        slow = seller & pl.col("order").str.contains(r"[^\x00-\x09\x0b-\x7f]")
    others = ev.filter(slow).select("party", "order").unique(subset="order", keep="first")
    mapped = [linker.joint_id(p, o) for p, o in others.iter_rows()]
    rule = pl.col("order").str.replace(VTEX_SELLER_ID, "$1")
    if others.height:
        rule = pl.when(slow).then(pl.col("order").replace_strict(
            others["order"], pl.Series(mapped, dtype=pl.String), default=pl.col("order"),
            return_dtype=pl.String)).otherwise(rule)
    rank = pl.col("party").replace_strict(list(parties), list(range(len(parties))),
                                          return_dtype=pl.Int32)
    ev = ev.with_columns(joint=pl.when(seller).then(rule).otherwise(pl.col("order")),
                         rank=rank)
    return ev.with_columns(jid=pl.col("joint").cast(pl.Categorical).to_physical())


def releases(ev: pl.DataFrame, judge: Judge, settle: int, need_clock: bool = True
             ) -> pl.DataFrame:
    """(joint, release clock) of the orders the streaming engine releases before the end of
    the log (:class:`~.fleet.OrderGroups`): an order looks finished after a record of a final
    status when every party's latest change is final; it is released at the first record
    (of any order) at least ``settle`` records later, unless a record of it comes first.  The
    clock of a release is the latest change time read so far.  Raises :class:`LateRecords`
    when a record of an order would come after its release."""
    none = pl.DataFrame(schema={"jid": pl.UInt32, "release": pl.Float64})
    if not need_clock:  # only late records matter: none if no order spans ``settle`` records
        spans = ev.group_by("jid").agg(span=pl.col("rec").max() - pl.col("rec").min())
        if spans.height == 0 or int(spans["span"].max()) < settle:  # type: ignore[arg-type]
            return none
    parties, finals = judge.parties, judge.final_statuses
    by_joint = ev.sort(["jid", "rec"], maintain_order=True)
    cols: list[pl.Expr] = []
    for p in parties:
        mine = pl.col("party") == p
        peak = pl.when(mine).then(pl.col("at")).otherwise(None).cum_max().over("jid")
        latest = (pl.when(mine & (pl.col("at") >= peak)).then(pl.col("state"))
                  .otherwise(None).forward_fill().over("jid"))
        cols.append(latest.is_in(list(finals[p])).fill_null(False))
    final_here = pl.any_horizontal([(pl.col("party") == p) & pl.col("state").is_in(
        list(finals[p])) for p in parties])
    cand = by_joint.select(
        "jid", "rec", nxt=pl.col("rec").shift(-1).over("jid"),
        cand=final_here & pl.all_horizontal(cols)).filter(pl.col("cand"))
    if cand.height == 0:
        return none
    recs = ev["rec"].to_numpy()  # record order: every record of an order is a trigger
    peak_at = np.maximum.accumulate(ev["at"].to_numpy())
    c = cand["rec"].to_numpy()
    t = np.searchsorted(recs, c + settle, side="left")
    has = t < len(recs)
    trig = np.where(has, recs[np.minimum(t, len(recs) - 1)], 0)
    nxt = cand["nxt"].to_numpy(allow_copy=True)
    nxt_missing = cand["nxt"].is_null().to_numpy()
    nxt = np.where(nxt_missing, np.iinfo(np.int64).max, np.nan_to_num(nxt).astype(np.int64))
    out = has & (trig < nxt)
    if bool((out & ~nxt_missing).any()):
        raise LateRecords
    keep = out & nxt_missing
    return pl.DataFrame({"jid": cand["jid"].filter(pl.Series(keep)),
                         "release": peak_at[np.minimum(t, len(recs) - 1)][keep]})


def _judge_complex(ev: pl.DataFrame, judge: Judge, report: FleetReport, keep_rows: bool,
                   names: list[str], clock: float) -> None:
    parties = judge.parties
    ledger = report.ledger
    if ev.height == 0:
        return
    rows = ev.sort("jid", "rec")
    ids = ids_of(firsts_of(ev))
    events = events_of(rows, names)
    joints = rows["joint"].to_list()
    clocks = rows["clock"].to_list() if "clock" in rows.columns else [clock] * rows.height
    start = 0
    for end in range(1, len(joints) + 1):
        if end == len(joints) or joints[end] != joints[start]:
            order = joints[start]
            _one(judge, report, order, events[start:end], clocks[start], ids[order],
                 keep_rows, ledger, parties)
            start = end


def _one(judge: Judge, report: FleetReport, order: str, events: list[Event], clock: float,
         ids: tuple[tuple[str, str], ...], keep_rows: bool, ledger: Any,
         parties: tuple[str, ...]) -> None:
    arranged = arrange(events, parties, ledger)
    j = judge.judge(order, arranged.events, clock, arranged.tolerances, ids)
    count(report, j, bool(arranged.tolerances), keep_rows, parties)
