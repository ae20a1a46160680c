"""Markdown for CI pages (GitHub job summaries, pull-request comments).

A findings table, the state-space figures, and each counterexample as a Mermaid
``sequenceDiagram``: one lane per actor and party, messages as arrows from the step that
sent them to the step that delivered them, status changes as notes.
"""

from __future__ import annotations

import json
from typing import Any

from . import report as rep
from .sequence import to_mermaid


def sequence(records: list[dict[str, Any]], title: str = "") -> str:
    """A Mermaid sequence diagram of trace records (see :mod:`.sequence`)."""
    return to_mermaid(records, title)


def render(result: rep.CheckResult, traces: dict[str, str]) -> str:
    st = result.analysis.stats
    out = [f"## ordercheck: {result.model} ({result.delivery}) — **{result.verdict}**", "",
           f"{st['states']} states, {st['edges']} transitions, depth {st['max_depth']}, "
           f"{st['final_states']} final; {st['deadlock_states']} deadlock, "
           f"{st['livelock_states']} livelock, {st['doomed_states']} doomed states.", ""]
    findings = result.analysis.findings
    if findings:
        out += ["| # | severity | kind | finding | states |", "|---|---|---|---|---|"]
        for k, f in enumerate(findings, start=1):
            out.append(f"| {k} | {f.severity} | {f.kind} | {f.title} | {f.count} |")
        out.append("")
    for k, f in enumerate(findings, start=1):
        if f.severity != "error" or not f.path:
            continue
        name = f"{k:02d}-{f.kind}-{f.property}.jsonl"
        records = [obj for obj in (json.loads(line) for line in
                                   traces.get(name, "").splitlines() if line.strip())
                   if "trace" not in obj]
        out += [f"<details><summary>{k}. {f.title}</summary>", "", "```mermaid",
                sequence(records, f.title).rstrip(), "```", "", "</details>", ""]
    return "\n".join(out) + "\n"
