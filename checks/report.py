"""Check results as data, and their renderings: a text table and JSON.

Rendering is separate from analysis (findings are data).  Output is deterministic: no
timing, no unsorted iteration — the same model gives the same bytes.  ``--timing`` is the
one opt-in exception and only affects the text summary line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from .analyses import Analysis
from .explore import StateGraph
from .findings import Finding
from .symmetry import concrete_run
from .trace import TraceStep, steps_of


class Verdict(StrEnum):
    OK = "OK"  # every property holds on the whole graph
    VIOLATED = "VIOLATED"  # a real counterexample (made of fully expanded states)
    UNKNOWN = "UNKNOWN"  # a bound was hit and nothing failed


OK, VIOLATED, UNKNOWN = Verdict.OK, Verdict.VIOLATED, Verdict.UNKNOWN
EXIT_CODES = {OK: 0, VIOLATED: 1, UNKNOWN: 3}
SCHEMA_ID = "https://ordercheck.dev/schemas/check-report.schema.json"


@dataclass(slots=True)
class CheckResult:
    model: str
    delivery: str
    graph: StateGraph
    analysis: Analysis
    fail_on: str = "error"  # "error" or "warning"

    @property
    def failing(self) -> list[Finding]:
        levels = {"error"} if self.fail_on == "error" else {"error", "warning"}
        return [f for f in self.analysis.findings if f.severity in levels]

    @property
    def verdict(self) -> Verdict:
        if self.failing:
            return VIOLATED  # a real counterexample stays real under any bound
        if not self.graph.complete:
            return UNKNOWN
        return OK

    def trace(self, finding_or_path: Finding | list[tuple[int, int]]) -> list[TraceStep]:
        path = finding_or_path.path if isinstance(finding_or_path, Finding) else finding_or_path
        states = [self.graph.states[i] for _, i in path]
        labels = [lab for lab, _ in path[1:]]
        sym = getattr(self.graph.system, "symmetry", None)
        if sym is not None:  # a reduced path: show the real run it stands for
            states, labels = concrete_run(self.graph.system, sym, states, labels)
        return steps_of(self.graph.system, states, labels)


def to_json(result: CheckResult) -> dict[str, Any]:
    """The JSON report (schema: ``checks/schemas/check-report.schema.json``)."""
    g = result.graph
    return {
        "$schema": SCHEMA_ID,
        "model": result.model,
        "delivery": result.delivery,
        "verdict": result.verdict,
        "complete": g.complete,
        "bounds_hit": list(g.bounds_hit),
        "stats": dict(result.analysis.stats),
        "findings": [
            {
                "kind": f.kind,
                "property": f.property,
                "severity": f.severity,
                "title": f.title,
                "detail": f.detail,
                "count": f.count,
                "cite": f.cite,
                "loop_start": f.loop_start,
                "trace": [s.to_json() for s in result.trace(f)] if f.path else [],
            }
            for f in result.analysis.findings
        ],
        "witnesses": {
            name: [s.to_json() for s in result.trace(path)]
            for name, path in sorted(result.analysis.witnesses.items())
        },
    }


def dumps_json(result: CheckResult) -> str:
    return json.dumps(to_json(result), indent=2, sort_keys=True) + "\n"


def _step_row(step: TraceStep, parties: list[str], prev: TraceStep | None) -> list[str]:
    if step.kind == "start":
        what, actor = "(initial state)", ""
    elif step.kind == "fire":
        what, actor = f"{step.party}.{step.event}", step.actor or ""
    elif step.kind == "lose":
        what, actor = f"lose {step.message}", "network"
    else:
        what = f"deliver {step.message} -> {step.party}"
        if step.kind == "deliver-keep":
            what += " (copy kept)"
        if step.ignored:
            what += " [ignored]"
        actor = "network"
    cells = [str(step.n), actor, what]
    for p in parties:
        value = step.status[p]
        changed = prev is not None and prev.status[p] != value
        cells.append(value + ("*" if changed else ""))
    cells.append(", ".join(m.split(":", 1)[1] if ":" in m else m for m in step.in_flight) or "-")
    return cells


def trace_table(steps: list[TraceStep], parties: list[str], indent: str = "    ") -> str:
    """Numbered steps: actor, event, each party's status (* = changed), messages in flight."""
    header = ["#", "actor", "step", *parties, "in flight"]
    rows = [header]
    prev = None
    for s in steps:
        rows.append(_step_row(s, parties, prev))
        prev = s
    widths = [max(len(r[c]) for r in rows) for c in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
             for r in rows]
    return "\n".join(indent + line for line in lines)


def render_text(result: CheckResult, *, timing: bool = False) -> str:
    g = result.graph
    parties = g.system.parties
    st = result.analysis.stats
    out = [
        f"ordercheck: {result.model} (delivery {result.delivery})",
        f"  {st['states']} states, {st['edges']} transitions, depth {st['max_depth']}, "
        f"{st['final_states']} final"
        + (f", {g.seconds:.3f}s" if timing else ""),
    ]
    if not g.complete:
        out.append(f"  BOUND HIT: {', '.join(g.bounds_hit)} — exploration incomplete")
    out.append(f"  verdict: {result.verdict}")
    findings = result.analysis.findings
    if findings:
        out.append("")
        out.append(f"findings ({len(findings)}):")
        width = max(len(f.kind) for f in findings)
        for k, f in enumerate(findings, start=1):
            count = f" (x{f.count} states)" if f.count > 1 else ""
            out.append(f"  {k:>2}. {f.severity:<7} {f.kind:<{width}}  {f.title}{count}")
    for k, f in enumerate(findings, start=1):
        if not f.path:
            continue
        out.append("")
        out.append(f"[{k}] {f.title}")
        out.append(f"    {f.detail}")
        if f.cite:
            out.append(f"    cites: {f.cite}")
        out.append(trace_table(result.trace(f), parties))
        if f.loop_start is not None:
            out.append(f"    (from step {f.loop_start} on, the run can stay waiting for ever)")
    if result.analysis.witnesses:
        out.append("")
        out.append("witnesses (sometimes-properties that hold): "
                   + ", ".join(f"{name} in {len(path) - 1} steps"
                               for name, path in sorted(result.analysis.witnesses.items())))
    return "\n".join(out) + "\n"
