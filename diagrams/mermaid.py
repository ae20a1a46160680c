"""IR -> Mermaid ``flowchart`` text (for the decline flow and the joint graph)."""

from __future__ import annotations

from .ir import Graph

SHAPES = {"diamond": ("{", "}"), "rounded": ("(", ")"), "circle": ("((", "))"),
          "doublecircle": ("(((", ")))"), "point": ("((", "))")}


def _id(raw: str) -> str:
    return "n_" + "".join(ch if ch.isalnum() else "_" for ch in raw)


def _text(label: str) -> str:
    return '"' + label.replace('"', "'").replace("\n", "<br/>") + '"'


def to_mermaid(g: Graph) -> str:
    direction = {"LR": "LR", "TB": "TB"}.get(g.rankdir, "TB")
    lines = [f"flowchart {direction}"]
    if g.title:
        lines.insert(0, "%% " + g.title.replace("\n", " "))
    for note in g.notes:
        lines.insert(1, "%% " + note)
    members: dict[str, list] = {}
    for n in g.nodes:
        members.setdefault(n.cluster, []).append(n)
    styled = []
    for c in g.clusters:
        lines.append(f"    subgraph {_id(c.id)}[{_text(c.label)}]")
        for n in members.get(c.id, []):
            open_, close = SHAPES.get(n.shape, ("[", "]"))
            lines.append(f"        {_id(n.id)}{open_}{_text(n.label or ' ')}{close}")
        lines.append("    end")
    for n in members.get("", []):
        open_, close = SHAPES.get(n.shape, ("[", "]"))
        lines.append(f"    {_id(n.id)}{open_}{_text(n.label or ' ')}{close}")
    for n in g.nodes:
        if n.fill or n.color:
            parts = [f"fill:{n.fill}" if n.fill else "", f"stroke:{n.color}" if n.color else ""]
            styled.append(f"    style {_id(n.id)} {','.join(p for p in parts if p)}")
    for e in g.edges:
        arrow = ("-.->" if e.style in ("dashed", "dotted")
                 else "==>" if e.style == "bold" else "-->")
        label = f"|{_text(e.label)}|" if e.label else ""
        lines.append(f"    {_id(e.source)} {arrow}{label} {_id(e.target)}")
    lines.extend(styled)
    return "\n".join(lines) + "\n"
