"""The records of many orders arranged as :func:`~.ordering.arrange` arranges one order's,
in columns (polars), for ``--engine columnar``.

Why apart from the engine: this is the feed semantics (duplicates, change order, the cancel
flip) restated for columns, and it must say exactly when the restatement holds — the orders
where it may not are handed back as *complex* (:func:`complex_orders`), for ``arrange``
itself.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from .fleet import FleetReport
from .judge import Judge
from .ordering import CANCEL_FLIP


def dedupe(ev: pl.DataFrame) -> tuple[pl.DataFrame, pl.Series]:
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


def arranged(kept: pl.DataFrame, judge: Judge) -> pl.DataFrame:
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


def tolerated(first: pl.DataFrame, columns: list[str], judge: Judge) -> pl.DataFrame:
    """The platform's ``canceled -> cancel -> canceled`` (KI-1242813) dropped: where one
    party shows ``canceled`` exactly twice (more is the slow path's, :func:`complex_orders`), the
    ``cancel`` between them and the second ``canceled`` go, as in
    :func:`~.ordering.arrange`; the orders that had one, arranged again without them."""
    flipped = first.filter(pl.col("flip"))["jid"].unique().implode()
    return arranged(first.filter(pl.col("jid").is_in(flipped) & ~pl.col("gone"))
                     .select(columns), judge)


def flip_notes(gone: pl.DataFrame, names: list[str], report: FleetReport
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


def complex_orders(first: pl.DataFrame, again: pl.DataFrame, judge: Judge, clock: pl.Expr
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
        timer_trouble(first.filter(~flipped), judge, clock),
        timer_trouble(again, judge, clock),
    ]


def timer_trouble(arr: pl.DataFrame, judge: Judge, clock: pl.Expr) -> pl.Series:
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
