"""Markdown for CI pages (GitHub job summaries, pull-request comments).

A findings table, the state-space figures, and each counterexample as a Mermaid
``sequenceDiagram``: one lane per actor and party, messages as arrows from the step that
sent them to the step that delivered them, status changes as notes.
"""

from __future__ import annotations

import json
from typing import Any

from . import report as rep


def _lane(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name)


def sequence(records: list[dict[str, Any]], title: str = "") -> str:
    """A Mermaid sequence diagram of trace records (dicts in the JSON-lines format)."""
    if not records:
        return "sequenceDiagram\n"
    parties = list(records[0]["status"])
    actors = sorted({r["actor"] for r in records[1:]
                     if r.get("kind") == "fire" and r.get("actor") not in (None, *parties)})
    lines = ["sequenceDiagram"]
    lines += [f"    participant {_lane(a)} as {a}" for a in actors]
    lines += [f"    participant {_lane(p)} as {p}" for p in parties]
    sent_at: dict[str, list[Any]] = {}  # "sender->receiver:message" -> steps that sent it
    prev = records[0]
    for r in records[1:]:
        n, kind, party = r.get("n", "?"), r.get("kind"), r.get("party", "")
        before, after = list(prev.get("in_flight", [])), list(r.get("in_flight", []))
        for m in after:  # newly in flight: sent by this step
            if after.count(m) > before.count(m):
                sent_at.setdefault(m, []).append(n)
        if kind == "fire":
            actor = r.get("actor") or party
            if actor in parties:
                lines.append(f"    Note over {_lane(party)}: {n}. {r.get('event')}")
            else:
                lines.append(f"    {_lane(actor)}->>{_lane(party)}: {n}. {r.get('event')}")
        elif kind in ("deliver", "deliver-keep", "lose"):
            msg = r.get("message", "")
            key = next((m for m in before if m.endswith(f"->{party}:{msg}")), "")
            sender = key.split("->")[0] if key else party
            queue = sent_at.get(key, [])
            when = queue.pop(0) if queue and kind != "deliver-keep" else (
                queue[0] if queue else None)
            delay = f" (sent at {when})" if when is not None and when != n - 1 else ""
            if kind == "lose":
                lines.append(f"    Note over {_lane(sender)},{_lane(party)}: "
                             f"{n}. {msg} lost{delay}")
            else:
                ignored = " [ignored]" if r.get("ignored") else ""
                lines.append(f"    {_lane(sender)}-){_lane(party)}: {n}. {msg}{delay}{ignored}")
        for p in parties:
            if r["status"].get(p) != prev["status"].get(p):
                lines.append(f"    Note right of {_lane(p)}: {r['status'].get(p)}")
        prev = r
    if title:
        lines.append(f"    Note over {_lane(parties[0])},{_lane(parties[-1])}: {title}")
    return "\n".join(lines) + "\n"


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
