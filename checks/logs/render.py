"""Renderings of a :class:`~.fleet.FleetReport`: text, JSON, Markdown, CSV.

Why one data object and four thin renderers: the numbers must agree across formats (tests
compare them), and a rendering never computes anything.  Output is deterministic: orders are
sorted by id, counters by count then name, ages are measured against the report's ``now``.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii
from typing import Any

from .fleet import FleetReport
from .judge import Judgement, Verdict
from .records import LineFate
from .timers import human

SHOWN = 50  # bad orders and malformed records listed in text and Markdown (JSON has all)


def when(t: float | None) -> str:
    """An epoch time as ISO 8601 UTC (``-`` when unknown), as every rendering shows it."""
    if t is None:
        return "-"
    return datetime.fromtimestamp(t, UTC).isoformat().replace("+00:00", "Z")


def ranked(counter: Counter[Any]) -> list[tuple[Any, int]]:
    """A counter's items by count, then name: one order in every rendering."""
    return sorted(counter.items(), key=lambda kv: (-kv[1], str(kv[0])))


def age(r: FleetReport, j: Judgement) -> float:
    """Seconds from the order's last change to the report's ``now``."""
    return max(0.0, (r.now or j.last_seen) - j.last_seen)


def _order_json(r: FleetReport, j: Judgement, trace_file: str | None) -> dict[str, Any]:
    return {
        "order": j.order, "ids": dict(j.ids), "verdict": j.verdict.value,
        "kind": j.kind.value if j.kind else None, "reason": j.reason,
        "status": dict(j.joint), "age_seconds": round(age(r, j), 3),
        "at": j.at.where if j.at else None, "tolerances": list(j.tolerances),
        "timers": [i.text() for i in j.timer_issues], "trace": trace_file,
    }


def to_json(r: FleetReport, traces: dict[str, str] | None = None) -> str:
    traces = traces or {}
    led = r.ledger
    out = {
        "model": r.model, "now": when(r.now), "orders": r.orders,
        "verdicts": {v.value: r.verdicts[v] for v in Verdict},
        "joint_status": dict(ranked(r.joint)),
        "deviation_kinds": dict(ranked(r.kinds)),
        "records": {"total": led.records, **{f.value: led.fates[f] for f in LineFate}},
        "balanced": led.balanced(),
        "malformed": [{"at": w, "why": why} for w, why in led.malformed],
        "unmapped": [{"status": s, "why": why, "count": n}
                     for (s, why), n in ranked(led.unmapped)],
        "skipped": dict(ranked(led.skipped)),
        "tolerances": dict(ranked(led.tolerances)),
        "orders_with_tolerance": r.tolerated_orders,
        "tolerance_applied": [{"order": o, "note": n} for o, n in r.tolerance_notes],
        "distinct_sequences": r.replays,
        "notes": list(r.timer_notes),
        "bad_orders": [_order_json(r, j, traces.get(j.order)) for j in r.bad],
        "incomplete_orders": [_order_json(r, j, None) for j in r.incomplete],
    }
    return dumps_indented(out) + "\n"


def dumps_indented(value: Any, level: int = 0) -> str:
    """``json.dumps(value, indent=2)``, byte for byte, for the JSON types a report holds
    (str keys).  Why not json.dumps: with an indent, CPython 3.11 encodes in pure Python, a
    generator per container; a fleet's report lists every bad order, and that encoder was
    the largest single cost of a 10^5-order run (bench/logs.py)."""
    if isinstance(value, str):
        return encode_basestring_ascii(value)  # type: ignore[no-any-return]
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        if value != value:
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "Infinity" if value > 0 else "-Infinity"
        return float.__repr__(value)
    pad = "\n" + "  " * (level + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        enc = encode_basestring_ascii  # strings inline: most values are, and a call costs
        items = [enc(k) + ": " + (enc(v) if type(v) is str else dumps_indented(v, level + 1))
                 for k, v in value.items()]
        return "{" + pad + ("," + pad).join(items) + "\n" + "  " * level + "}"
    if isinstance(value, (list, tuple)):
        if not value:
            return "[]"
        enc = encode_basestring_ascii
        return ("[" + pad + ("," + pad).join([enc(v) if type(v) is str
                                               else dumps_indented(v, level + 1) for v in value])
                + "\n" + "  " * level + "]")
    raise TypeError(f"not a JSON value: {type(value).__name__}")


def _ledger_lines(r: FleetReport) -> list[str]:
    led = r.ledger
    parts = ", ".join(f"{led.fates[f]} {f.value}" for f in LineFate)
    check = "balanced" if led.balanced() else "NOT BALANCED"
    return [f"records: {led.records} = {parts} ({check})"]


def to_text(r: FleetReport, traces: dict[str, str] | None = None) -> str:
    traces = traces or {}
    lines = [f"ordercheck logs: {r.model}, now {when(r.now)}"]
    lines += _ledger_lines(r)
    lines.append(f"orders: {r.orders} ({r.replays} distinct status sequences replayed)")
    lines.append("verdicts: " + ", ".join(f"{r.verdicts[v]} {v.value}" for v in Verdict))
    if r.kinds:
        lines.append("deviation kinds: " + ", ".join(f"{n} {k}" for k, n in ranked(r.kinds)))
    lines.append("current joint status:")
    lines += [f"  {n:>8}  {k}" for k, n in ranked(r.joint)]
    led = r.ledger
    if led.tolerances:
        lines.append(f"tolerances applied ({r.tolerated_orders} orders): " + ", ".join(
            f"{k} ({n} records)" for k, n in ranked(led.tolerances)))
    if led.unmapped:
        lines.append("unmapped statuses:")
        lines += [f"  {n:>8}  {s}: {why}" for (s, why), n in ranked(led.unmapped)]
    if led.skipped:
        lines.append("skipped records:")
        lines += [f"  {n:>8}  {why}" for why, n in ranked(led.skipped)]
    if led.malformed:
        lines.append(f"malformed records ({len(led.malformed)}):")
        lines += [f"  {w}: {why}" for w, why in led.malformed[:SHOWN]]
        if len(led.malformed) > SHOWN:
            lines.append(f"  ... {len(led.malformed) - SHOWN} more (JSON report lists all)")
    lines += [f"note: {n}" for n in r.timer_notes]
    if r.bad:
        lines.append(f"deviating, doomed and stuck orders ({len(r.bad)}):")
        for j in r.bad[:SHOWN]:
            lines.append(f"  {j.order}  {j.verdict.value}  age {human(age(r, j))}  "
                         f"{j.reason}")
            if j.order in traces:
                lines.append(f"      trace: {traces[j.order]}")
        if len(r.bad) > SHOWN:
            lines.append(f"  ... {len(r.bad) - SHOWN} more (JSON report lists all)")
    if r.incomplete:
        lines.append(f"incomplete orders ({len(r.incomplete)}):")
        lines += [f"  {j.order}  {j.reason}" for j in r.incomplete[:SHOWN]]
        if len(r.incomplete) > SHOWN:
            lines.append(f"  ... {len(r.incomplete) - SHOWN} more (JSON report lists all)")
    return "\n".join(lines) + "\n"


def _md(text: str) -> str:
    return text.replace("|", "\\|")


def to_markdown(r: FleetReport, traces: dict[str, str] | None = None) -> str:
    traces = traces or {}
    out = [f"# ordercheck logs: {r.model}", "", f"now: {when(r.now)}", "",
           *_ledger_lines(r), "", "| verdict | orders |", "|---|---:|"]
    out += [f"| {v.value} | {r.verdicts[v]} |" for v in Verdict]
    out += ["", "| current joint status | orders |", "|---|---:|"]
    out += [f"| {_md(k)} | {n} |" for k, n in ranked(r.joint)]
    if r.kinds:
        out += ["", "| deviation kind | orders |", "|---|---:|"]
        out += [f"| {k} | {n} |" for k, n in ranked(r.kinds)]
    if r.bad:
        out += ["", "## Deviating, doomed and stuck orders", "",
                "| order | verdict | age | reason | trace |", "|---|---|---|---|---|"]
        for j in r.bad[:SHOWN]:
            out.append(f"| {_md(j.order)} | {j.verdict.value} | {human(age(r, j))} | "
                       f"{_md(j.reason)} | {_md(traces.get(j.order, '-'))} |")
        if len(r.bad) > SHOWN:
            out.append(f"\n{len(r.bad) - SHOWN} more in the JSON report.")
    return "\n".join(out) + "\n"


CSV_COLUMNS = ("order", "ids", "verdict", "kind", "status", "age_seconds", "reason")


def to_csv(r: FleetReport) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in r.rows:
        writer.writerow((row.order, row.ids, row.verdict.value, row.kind, row.joint,
                         f"{max(0.0, (r.now or row.last_seen) - row.last_seen):.0f}",
                         row.reason))
    return buf.getvalue()
