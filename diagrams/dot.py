"""IR -> DOT source text (deterministic: IR order, escaped labels, no timestamps)."""

from __future__ import annotations

from .ir import Cluster, Edge, Graph, Node

SHAPES = {"rounded": ("box", "rounded"), "note": ("note", ""), "point": ("point", "")}


def _q(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _attrs(pairs: list[tuple[str, str]]) -> str:
    items = [f"{k}={_q(v)}" for k, v in pairs if v != ""]
    return f" [{', '.join(items)}]" if items else ""


def _node(n: Node, indent: str) -> str:
    shape, extra = SHAPES.get(n.shape, (n.shape, ""))
    style = ",".join(x for x in (extra, n.style, "filled" if n.fill else "") if x)
    return indent + _q(n.id) + _attrs([
        ("label", n.label), ("shape", shape), ("style", style), ("color", n.color),
        ("fillcolor", n.fill), ("tooltip", n.tooltip)]) + ";"


def _edge(e: Edge) -> str:
    return "  " + _q(e.source) + " -> " + _q(e.target) + _attrs([
        ("label", e.label), ("style", e.style), ("color", e.color), ("fontcolor", e.color),
        ("tooltip", e.tooltip), ("constraint", "" if e.constraint else "false"),
        ("ltail", "cluster_" + e.ltail if e.ltail else ""),
        ("lhead", "cluster_" + e.lhead if e.lhead else "")]) + ";"


def to_dot(g: Graph) -> str:
    title = g.title + ("\n" + "\n".join(g.notes) if g.notes else "")
    lines = [f"digraph {_q(g.name)} {{",
             f"  graph [rankdir={g.rankdir}, fontname=Helvetica, fontsize=12, "
             f"labelloc=t, label={_q(title)}, compound=true, newrank=true];",
             "  node [fontname=Helvetica, fontsize=10];",
             "  edge [fontname=Helvetica, fontsize=9];"]
    children: dict[str, list[Cluster]] = {}
    for c in g.clusters:
        children.setdefault(c.parent, []).append(c)
    members: dict[str, list[Node]] = {}
    for n in g.nodes:
        members.setdefault(n.cluster, []).append(n)

    def emit(cluster_id: str, indent: str) -> None:
        for c in children.get(cluster_id, []):
            lines.append(f"{indent}subgraph {_q('cluster_' + c.id)} {{")
            style = ",".join(x for x in (c.style, "filled" if c.fill else "") if x)
            lines.append(f"{indent}  graph{_attrs([('label', c.label), ('style', style), ('color', c.color), ('fillcolor', c.fill)])};")  # noqa: E501
            emit(c.id, indent + "  ")
            lines.append(f"{indent}}}")
        for n in members.get(cluster_id, []):
            lines.append(_node(n, indent))

    emit("", "  ")
    lines.extend(_edge(e) for e in g.edges)
    lines.extend("  {rank=same; " + " ".join(_q(n) for n in row) + "}" for row in g.ranks)
    lines.append("}")
    return "\n".join(lines) + "\n"
