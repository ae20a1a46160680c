"""Any JSON-lines trace as a sequence diagram: Mermaid (reused from the engine's Markdown
renderer, so CI summaries and pictures agree) and DOT.

Lanes: the people and automation who act, then each party.  A message is drawn from its
sender to its receiver at the step that delivers it, labelled with the step that sent it
when it waited in flight across other steps; status changes are notes; the violated
property closes the diagram.
"""

from __future__ import annotations

from typing import Any

from ordercheck.checks.sequence import ArrowKind, arrow_text, build
from ordercheck.checks.sequence import to_mermaid as _to_mermaid

from .ir import Cluster, Graph


def to_mermaid(records: list[dict[str, Any]], title: str = "") -> str:
    return _to_mermaid(records, title)


def sequence_graph(records: list[dict[str, Any]], title: str = "") -> Graph:
    """A DOT sequence diagram: one column per lane, one row per step."""
    seq = build(records, title)
    lanes, parties = seq.lanes, seq.parties
    g = Graph(name="sequence", rankdir="TB", title=title)
    for lane in lanes:
        g.clusters.append(Cluster(id=f"lane_{lane}", label=lane, style="rounded"))
    rows = len(seq.rows) + 1 if parties else 0
    for lane in lanes:
        for n in range(rows):
            label = seq.start[lane] if n == 0 and lane in parties else ""
            g.node(id=f"{lane}@{n}", label=label, shape="box" if label else "point",
                   cluster=f"lane_{lane}", style="" if label else "invis")
        for n in range(rows - 1):
            g.edge(source=f"{lane}@{n}", target=f"{lane}@{n + 1}", style="dotted",
                   color="#bbbbbb")
    g.ranks.extend([f"{lane}@{n}" for lane in lanes] for n in range(rows))
    nodes = {x.id: x for x in g.nodes}
    for row, (arrow, changed) in enumerate(seq.rows, start=1):
        if arrow.kind is ArrowKind.ACTION:
            g.edge(source=f"{arrow.source}@{row - 1}", target=f"{arrow.target}@{row}",
                   label=arrow_text(arrow), constraint=False)
        else:
            bad = arrow.kind in (ArrowKind.LOST, ArrowKind.IGNORED)
            g.edge(source=f"{arrow.source}@{row - 1}", target=f"{arrow.target}@{row}",
                   label=arrow_text(arrow), style="dashed",
                   color="#d62728" if bad else "#8c564b", constraint=False)
        for p, status in changed.items():
            node = nodes[f"{p}@{row}"]
            node.label, node.shape, node.style = status, "note", ""
    if title and parties:
        g.node(id="violation", label=title, shape="note", color="#d62728", style="bold")
        g.edge(source=f"{parties[-1]}@{rows - 1}", target="violation", style="invis")
    return g
