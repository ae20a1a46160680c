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
3. duplicates and the cancel flip are dropped in columns (:func:`_dedupe`,
   :func:`_tolerated`), where that is provably what :func:`~.ordering.arrange` does; an
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

from .columns import ColumnReader
from .fleet import FleetReport, OrderRow, count, finish_report, joint_text, new_report
from .judge import BAD, CONFORMING, IN_PROGRESS, DeviationKind, Judge, Judgement, Replay, Verdict
from .link import Linker
from .ordering import CANCEL_FLIP, arrange
from .parse import LogReader
from .records import Event, LineFate

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
    ev = _with_joint(ev.sort("rec"), linker, parties)
    latest = float(ev["at"].max())  # type: ignore[arg-type]
    try:
        released = releases(ev, judge, settle, need_clock=now is None)
    except LateRecords:
        return streaming()
    names = columns.names
    clock = now if now is not None else latest
    if now is None:  # else every order's clock is ``now``: no column
        ev = ev.join(released, on="jid", how="left").with_columns(
            clock=pl.col("release").fill_null(clock)).drop("release")
    ev, troubled = _dedupe(ev)
    kept = ev.filter(pl.col("keep"))
    first = _arranged(kept, judge)  # before the tolerance
    again = _tolerated(first, kept.columns, judge)  # the orders with the flip, without it
    del kept
    at = pl.lit(clock, dtype=pl.Float64) if now is not None else pl.col("clock")
    complex_ = pl.concat([troubled, *_complex(first, again, judge, at)]).unique().implode()
    hard = ev.filter(pl.col("jid").is_in(complex_))
    _judge_complex(hard, judge, report, keep_rows, names, clock)
    simple = ~pl.col("jid").is_in(complex_)
    firsts = _firsts(ev.filter(simple))
    ledger.count(LineFate.DUPLICATE, ev.height - hard.height - first.filter(simple).height)
    del ev, hard
    gone = first.filter(pl.col("gone") & simple)
    ledger.count(LineFate.TOLERATED, gone.height)
    notes = _flip_notes(gone, names, report)
    flipped = pl.col("jid").is_in(again["jid"].unique().implode())
    for part in (first.filter(simple & ~flipped), again.filter(simple)):
        _judge_simple(part.select(SIMPLE), firsts, judge, report, keep_rows, names, notes)
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


def _dedupe(ev: pl.DataFrame) -> tuple[pl.DataFrame, pl.Series]:
    """``keep``: the record is its order's first of its change and of its ``eventId``
    (``ev`` in record order) — what :func:`~.ordering.arrange` keeps, unless a record was
    dropped for one reason while it was the first of the other: ``arrange`` remembers only
    kept records, so a later record might then be kept there.  Those orders are returned,
    for the slow path."""
    keys = ["jid", "party", "state", "last", "at"]
    # only records whose hash is shared can repeat: the exact test runs on those (a hash
    # collision costs time, never a verdict); they keep their record order
    has_id = pl.col("eid").is_not_null()
    shared = ev.with_row_index("r").filter(
        pl.struct(keys).hash().is_duplicated()
        | (has_id & pl.struct("jid", "eid").hash().is_duplicated()))
    shared = shared.select("r", fc=pl.struct(keys).is_first_distinct(),
                           fe=~has_id | pl.struct("jid", "eid").is_first_distinct())
    rows = shared["r"].to_numpy()
    fc = np.ones(ev.height, dtype=bool)
    fc[rows] = shared["fc"].to_numpy()
    fe = np.ones(ev.height, dtype=bool)
    fe[rows] = shared["fe"].to_numpy()
    ev = ev.with_columns(fc=pl.Series(fc), fe=pl.Series(fe)).with_columns(
        keep=pl.col("fc") & pl.col("fe"))
    dropped = ev.filter(~pl.col("keep"))
    lost_change = dropped.filter(pl.col("fc")).select(keys)  # a first change, dropped
    lost_id = dropped.filter(pl.col("fe") & pl.col("eid").is_not_null()).select("jid", "eid")
    troubled = pl.concat([
        dropped.filter(~pl.col("fc")).join(lost_change, on=keys, nulls_equal=True,
                                           how="semi")["jid"],
        dropped.filter(~pl.col("fe")).join(lost_id, on=["jid", "eid"], how="semi")["jid"],
    ])
    return ev.drop("fc", "fe"), troubled


def _arranged(kept: pl.DataFrame, judge: Judge) -> pl.DataFrame:
    """Kept records in change order — by (time, party rank), the order
    :func:`~.ordering.arrange` gives when one party has no two changes at one instant — with
    each record's neighbours of the same party: ``prev`` (the status before it, the party's
    initial one first), ``nstate``/``nat`` (the next change), and ``idx`` (its place in its
    order)."""
    arr = kept.sort(["jid", "at", "rank", "rec"]).with_row_index("row")
    same = pl.col("jid") == pl.col("jid").shift(1)
    first_row = pl.when(same.fill_null(False)).then(None).otherwise(pl.col("row")).forward_fill()
    parts = []
    for p in judge.parties:
        mine = arr.filter(pl.col("party") == p)
        before = pl.col("jid") == pl.col("jid").shift(1)
        after = pl.col("jid") == pl.col("jid").shift(-1)
        state = pl.col("state")
        flip = (before & after & (state == "cancel") & (state.shift(1) == "canceled")
                & (state.shift(-1) == "canceled")).fill_null(False)
        parts.append(mine.select(
            "row",
            prev=pl.when(before).then(state.shift(1)).otherwise(pl.lit(judge.initial_status[p])),
            tie=(before & (pl.col("at") == pl.col("at").shift(1))).fill_null(False),
            nstate=pl.when(after).then(state.shift(-1)),
            nat=pl.when(after).then(pl.col("at").shift(-1)),
            flip=flip, gone=flip | (before & flip.shift(1)).fill_null(False)))
    near = pl.concat(parts).sort("row")
    return arr.with_columns(
        idx=pl.col("row") - first_row,
        **{c: near[c] for c in ("prev", "tie", "nstate", "nat", "flip", "gone")})


def _tolerated(first: pl.DataFrame, columns: list[str], judge: Judge) -> pl.DataFrame:
    """The platform's ``canceled -> cancel -> canceled`` (KI-1242813) dropped: where one
    party shows ``canceled`` exactly twice (more is the slow path's, :func:`_complex`), the
    ``cancel`` between them and the second ``canceled`` go, as in
    :func:`~.ordering.arrange`; the orders that had one, arranged again without them."""
    flipped = first.filter(pl.col("flip"))["jid"].unique().implode()
    return _arranged(first.filter(pl.col("jid").is_in(flipped) & ~pl.col("gone"))
                     .select(columns), judge)


def _flip_notes(gone: pl.DataFrame, names: list[str], report: FleetReport
                ) -> dict[str, tuple[str, ...]]:
    """The tolerance notes of the simple orders, as :func:`~.ordering.arrange` words them
    (one per party, in party order: the ``cancel`` and the ``canceled`` after it), added to
    the report."""
    if gone.height == 0:
        return {}
    notes: dict[str, list[str]] = {}
    rows = gone.sort("jid", "rank", "row").select("joint", "party", "src", "line", "item")
    it = rows.iter_rows()
    for (joint, party, src, line, item), (_, _, nsrc, nline, nitem) in zip(it, it,
                                                                          strict=True):
        here = f"{names[src]}:{item if item is not None else line}"
        there = f"{names[nsrc]}:{nitem if nitem is not None else nline}"
        notes.setdefault(joint, []).append(f"{CANCEL_FLIP}: {party} at {here} and {there}")
    report.ledger.tolerances[CANCEL_FLIP] += gone.height
    report.tolerated_orders += len(notes)
    for joint, texts in notes.items():
        report.tolerance_notes.extend((joint, t) for t in texts)
    return {k: tuple(v) for k, v in notes.items()}


def _complex(first: pl.DataFrame, again: pl.DataFrame, judge: Judge, clock: pl.Expr
              ) -> list[pl.Series]:
    """Joint ids of the orders the slow path judges (module docstring, item 3), besides the
    deduplication's: ``first`` is the arrangement before the tolerance, ``again`` the orders
    it changed, after it."""
    flipped = pl.col("jid").is_in(again["jid"].unique().implode())
    return [
        first.filter(pl.col("tie"))["jid"],
        again.filter(pl.col("tie"))["jid"],
        first.filter(pl.col("state") == "canceled").group_by("jid", "party").len()
        .filter(pl.col("len") > 2)["jid"],
        first.filter(pl.col("state").str.contains("[\x1e\x1f]"))["jid"],
        _timer_trouble(first.filter(~flipped), judge, clock),
        _timer_trouble(again, judge, clock),
    ]


def _timer_trouble(arr: pl.DataFrame, judge: Judge, clock: pl.Expr) -> pl.Series:
    """Joint ids whose timelines may break a timer bound (:func:`~.timers.check_timeline`
    finds an issue): those orders are judged by the slow path, which names the issues."""
    rules = [r for r in judge.timer_rules if r.length is not None and r.armed]
    hits = [pl.Series("jid", [], dtype=pl.UInt32)]
    slack = judge.slack
    for rule in rules:
        length = rule.length
        assert length is not None
        moves = [f"{a}\x1f{b}" for a, b in rule.only_moves]
        mine = arr.filter((pl.col("party") == rule.party)
                          & pl.col("state").is_in(list(rule.armed)))
        spent = pl.col("nat") - pl.col("at")
        overdue = pl.col("nstate").is_null() & ((clock - pl.col("at"))
                                                 > (length + slack))
        fired = (pl.concat_str(pl.col("state"), pl.lit("\x1f"), pl.col("nstate"))
                 .is_in(moves).fill_null(False)
                 & ((spent > length + slack) | (spent < length - slack)))
        hits.append(mine.filter(overdue | fired)["jid"])
    return pl.concat(hits)


def _events(rows: pl.DataFrame, names: list[str]) -> list[Event]:
    """The rows as the streaming reader's events (``file:line`` from src, line, item)."""
    cols = [rows[c].to_list() for c in ("order", "party", "state", "last", "at", "eid")]
    src = [names[k] for k in rows["src"].to_list()]
    pos = [i if i is not None else n for i, n in zip(rows["item"].to_list(),
                                                     rows["line"].to_list(), strict=True)]
    return [Event(*fields) for fields in zip(*cols, src, pos, strict=True)]


def _firsts(ev: pl.DataFrame) -> pl.DataFrame:
    """(jid, joint, party, order): each party's own id of each order, its first record's
    (``OrderGroups``' ``ids``)."""
    return ev.sort("rec").group_by("jid", "party", maintain_order=True).agg(
        pl.col("joint").first(), pl.col("order").first())


def _ids(firsts: pl.DataFrame) -> dict[str, tuple[tuple[str, str], ...]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for joint, party, order in firsts.select("joint", "party", "order").iter_rows():
        out.setdefault(joint, []).append((party, order))
    return {k: tuple(sorted(v)) for k, v in out.items()}


def _judge_complex(ev: pl.DataFrame, judge: Judge, report: FleetReport, keep_rows: bool,
                   names: list[str], clock: float) -> None:
    parties = judge.parties
    ledger = report.ledger
    if ev.height == 0:
        return
    rows = ev.sort("jid", "rec")
    ids = _ids(_firsts(ev))
    events = _events(rows, names)
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


def _judge_simple(arr: pl.DataFrame, firsts: pl.DataFrame, judge: Judge,
                  report: FleetReport, keep_rows: bool, names: list[str],
                  notes: dict[str, tuple[str, ...]]) -> None:
    if arr.height == 0:
        return
    parties = judge.parties
    report.ledger.count(LineFate.USED, arr.height)
    arr = arr.with_columns(
        tok=pl.concat_str(pl.col("rank").cast(pl.String), pl.lit("\x1f"), pl.col("state"),
                          pl.lit("\x1f"),
                          (pl.col("last").is_not_null() & (pl.col("last") != pl.col("prev")))
                          .fill_null(False).cast(pl.Int8).cast(pl.String)))
    orders = arr.group_by("jid", maintain_order=True).agg(
        joint=pl.col("joint").first(), key=pl.col("tok").str.join("\x1e"),
        first=pl.col("at").first(),
        last=pl.col("at").last())
    keys = orders.group_by("key").len()
    info: dict[str, tuple[Replay, Verdict, int | None, str]] = {}
    for key, n in keys.iter_rows():
        seq = tuple((parties[int(r)], s, g == "1")
                    for r, s, g in (t.split("\x1f") for t in key.split("\x1e")))
        rep = judge.replay(seq)
        verdict, pick, reason = _verdict(judge, rep, seq)
        info[key] = (rep, verdict, pick, reason)
        report.orders += n
        report.verdicts[verdict] += n
        report.joint[joint_text(rep.joint, parties)] += n
        if verdict is Verdict.DEVIATING:
            report.kinds[_kind(rep).value] += n
    listed = {k for k, (_, v, _, _) in info.items()
              if v in BAD or v is Verdict.INCOMPLETE or keep_rows}
    if not listed:
        return
    need = orders.filter(pl.col("key").is_in(list(listed)))
    picks = pl.DataFrame({"key": list(info), "pick": [v[2] for v in info.values()]},
                         schema={"key": pl.String, "pick": pl.Int64})
    need = need.join(picks, on="key", how="left", maintain_order="left")
    picked = arr.join(need.select("jid", "pick").filter(pl.col("pick").is_not_null()),
                      left_on=["jid", "idx"], right_on=["jid", "pick"], how="inner")
    at_row = dict(zip(picked["joint"].to_list(), _events(picked, names), strict=True))
    ids = _ids(firsts.filter(pl.col("jid").is_in(need["jid"].implode())))
    for order, key, first, last in need.select("joint", "key", "first", "last").iter_rows():
        rep, verdict, pick, reason = info[key]
        e = at_row.get(order)
        kind: DeviationKind | None = None
        if verdict is Verdict.DEVIATING:
            assert e is not None
            kind = _kind(rep)
            reason = _deviating(rep, e)
        elif verdict is Verdict.DOOMED:
            assert e is not None
            joint = ", ".join(f"{p} {v}" for p, v in rep.joint)
            reason = (f"no final status is reachable any more since {e.party} {e.state} at "
                      f"{e.where} (now {joint})")
        j = Judgement(order, verdict, reason, rep.joint, kind, e, first, last, (), rep,
                      notes.get(order, ()), (), ids[order])
        if verdict in BAD:
            report.bad.append(j)
        elif verdict is Verdict.INCOMPLETE:
            report.incomplete.append(j)
        if keep_rows:
            report.rows.append(OrderRow(order, " ".join(f"{p}={i}" for p, i in j.ids),
                                        verdict, kind.value if kind else "",
                                        joint_text(rep.joint, parties), last, reason))


def _kind(rep: Replay) -> DeviationKind:
    return DeviationKind.UNDECIDED if rep.unknown else DeviationKind.STATUS_NOT_ALLOWED


def _deviating(rep: Replay, e: Event) -> str:
    if rep.unknown:
        return f"{e.party} {e.state} at {e.where} is beyond the explored bound: undecided"
    expected = ", ".join(rep.expected) or "no other status"
    prev = e.last or "its previous status"
    return (f"{e.party} {prev} -> {e.state} at {e.where} is not allowed; the model "
            f"expected {e.party}: {expected}")


def _verdict(judge: Judge, rep: Replay, seq: tuple[tuple[str, str, bool], ...]
             ) -> tuple[Verdict, int | None, str]:
    """The verdict :meth:`Judge.judge` gives an order of this sequence with no timer issue
    (the record index a reason names; the reason when it names none)."""
    if rep.rejected_at is not None:
        return Verdict.DEVIATING, rep.rejected_at, ""
    if rep.doomed_at is not None:
        return Verdict.DOOMED, rep.doomed_at, ""
    seen = {p for p, _, _ in seq}
    last_belief = rep.moves[-1].after
    for party in judge.parties:
        if party in seen:
            continue
        start = judge.initial_status[party]
        if not any(judge.tracker.status(s)[party] == start for s in last_belief):
            return (Verdict.INCOMPLETE, None, f"no record of the {party}'s order, but the "
                    f"model says it has left {start}")
    if rep.final:
        return Verdict.CONFORMING, None, CONFORMING
    return Verdict.IN_PROGRESS, None, IN_PROGRESS
