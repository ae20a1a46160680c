"""Any JSON-lines trace as a sequence diagram: Mermaid (reused from the engine's Markdown
renderer, so CI summaries and pictures agree) and DOT.

Lanes: the people and automation who act, then each party.  A message is drawn from its
sender to its receiver at the step that delivers it, labelled with the step that sent it
when it waited in flight across other steps; status changes are notes; the violated
property closes the diagram.
"""

from __future__ import annotations

from typing import Any

from ordercheck.checks.markdown import sequence as mermaid_sequence

from .ir import Cluster, Graph


def to_mermaid(records: list[dict[str, Any]], title: str = "") -> str:
    return mermaid_sequence(records, title)


def sequence_graph(records: list[dict[str, Any]], title: str = "") -> Graph:
    """A DOT sequence diagram: one column per lane, one row per step."""
    parties = list(records[0]["status"]) if records else []
    actors = sorted({r["actor"] for r in records[1:]
                     if r.get("kind") == "fire" and r.get("actor") not in (None, *parties)})
    lanes = [*actors, *parties]
    g = Graph(name="sequence", rankdir="TB", title=title)
    for lane in lanes:
        g.clusters.append(Cluster(id=f"lane_{lane}", label=lane, style="rounded"))
    rows = len(records)
    for lane in lanes:
        for n in range(rows):
            label = ""
            if n == 0 and lane in parties:
                label = records[0]["status"][lane]
            g.node(id=f"{lane}@{n}", label=label, shape="box" if label else "point",
                   cluster=f"lane_{lane}", style="" if label else "invis")
        for n in range(rows - 1):
            g.edge(source=f"{lane}@{n}", target=f"{lane}@{n + 1}", style="dotted",
                   color="#bbbbbb")
    g.ranks.extend([f"{lane}@{n}" for lane in lanes] for n in range(rows))
    sent_at: dict[str, list[int]] = {}
    prev = records[0] if records else {}
    for row, r in enumerate(records[1:], start=1):
        n = int(r.get("n", row))
        before, after = list(prev.get("in_flight", [])), list(r.get("in_flight", []))
        for m in after:
            if after.count(m) > before.count(m):
                sent_at.setdefault(m, []).append(n)
        party = r.get("party", "")
        kind = r.get("kind")
        if kind == "fire":
            actor = r.get("actor") or party
            src = actor if actor in lanes else party
            g.edge(source=f"{src}@{row - 1}", target=f"{party}@{row}",
                   label=f"{n}. {r.get('event')}", constraint=False)
        else:
            msg = r.get("message", "")
            key = next((m for m in before if m.endswith(f"->{party}:{msg}")), "")
            sender = key.split("->")[0] if key else party
            when = sent_at.get(key, [None])[0]
            if kind == "deliver" and sent_at.get(key):
                sent_at[key].pop(0)
            delay = f" (sent at {when})" if when is not None and when != n - 1 else ""
            verb = "lost" if kind == "lose" else ("ignored" if r.get("ignored") else "")
            g.edge(source=f"{sender}@{row - 1}", target=f"{party}@{row}",
                   label=f"{n}. {msg}{delay}" + (f" [{verb}]" if verb else ""),
                   style="dashed", color="#d62728" if verb else "#8c564b", constraint=False)
        for p in parties:
            if r["status"].get(p) != prev.get("status", {}).get(p):
                node = next(x for x in g.nodes if x.id == f"{p}@{row}")
                node.label, node.shape, node.style = r["status"][p], "note", ""
        prev = r
    if title and parties:
        g.node(id="violation", label=title, shape="note", color="#d62728", style="bold")
        g.edge(source=f"{parties[-1]}@{rows - 1}", target="violation", style="invis")
    return g
