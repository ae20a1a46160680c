"""Judging the *simple* orders of ``--engine columnar``: one replay per distinct status
sequence, the verdict and reason :meth:`~.judge.Judge.judge` gives such an order.

Why apart: this is the judge's verdict restated for a sequence shared by many orders (no
timer issue, no tolerance beyond the flip), and the reasons must read exactly as the judge
words them; the engine only decides which orders are simple.
"""

from __future__ import annotations

import polars as pl

from .fleet import FleetReport, OrderRow, joint_text
from .judge import (
    BAD,
    CONFORMING,
    IN_PROGRESS,
    DeviationKind,
    Judge,
    Judgement,
    Replay,
    Verdict,
)
from .records import Event, LineFate


def events_of(rows: pl.DataFrame, names: list[str]) -> list[Event]:
    """The rows as the streaming reader's events (``file:line`` from src, line, item)."""
    cols = [rows[c].to_list() for c in ("order", "party", "state", "last", "at", "eid")]
    src = [names[k] for k in rows["src"].to_list()]
    pos = [i if i is not None else n for i, n in zip(rows["item"].to_list(),
                                                     rows["line"].to_list(), strict=True)]
    return [Event(*fields) for fields in zip(*cols, src, pos, strict=True)]


def firsts_of(ev: pl.DataFrame) -> pl.DataFrame:
    """(jid, joint, party, order): each party's own id of each order, its first record's
    (``OrderGroups``' ``ids``)."""
    return ev.sort("rec").group_by("jid", "party", maintain_order=True).agg(
        pl.col("joint").first(), pl.col("order").first())


def ids_of(firsts: pl.DataFrame) -> dict[str, tuple[tuple[str, str], ...]]:
    out: dict[str, list[tuple[str, str]]] = {}
    for joint, party, order in firsts.select("joint", "party", "order").iter_rows():
        out.setdefault(joint, []).append((party, order))
    return {k: tuple(sorted(v)) for k, v in out.items()}


def judge_simple(arr: pl.DataFrame, firsts: pl.DataFrame, judge: Judge,
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
    at_row = dict(zip(picked["joint"].to_list(), events_of(picked, names), strict=True))
    ids = ids_of(firsts.filter(pl.col("jid").is_in(need["jid"].implode())))
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
