"""The diagram IR: plain, ordered data that every renderer reads."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True, kw_only=True)
class Node:
    id: str
    label: str
    shape: str = "box"  # box | rounded | diamond | circle | doublecircle | point | note | ellipse
    style: str = ""  # dot style words, e.g. "filled,bold"
    color: str = ""
    fill: str = ""
    tooltip: str = ""
    cluster: str = ""  # id of the enclosing cluster ("" = top level)


@dataclass(slots=True, kw_only=True)
class Edge:
    source: str
    target: str
    label: str = ""
    style: str = ""  # "" | dashed | dotted | bold
    color: str = ""
    tooltip: str = ""
    constraint: bool = True
    ltail: str = ""  # cluster id the edge visibly leaves (compound source state)
    lhead: str = ""  # cluster id the edge visibly enters (compound target state)


@dataclass(slots=True, kw_only=True)
class Cluster:
    id: str
    label: str
    parent: str = ""
    style: str = "rounded"
    color: str = ""
    fill: str = ""


@dataclass(slots=True, kw_only=True)
class Graph:
    name: str
    title: str = ""
    rankdir: str = "TB"
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    clusters: list[Cluster] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # printed under the title
    ranks: list[list[str]] = field(default_factory=list)  # node ids kept on one row

    def node(self, **kw: object) -> Node:
        n = Node(**kw)  # type: ignore[arg-type]
        self.nodes.append(n)
        return n

    def edge(self, **kw: object) -> Edge:
        e = Edge(**kw)  # type: ignore[arg-type]
        self.edges.append(e)
        return e
