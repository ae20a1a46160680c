"""Each party's statechart, drawn from the compiled chart.

Compound states are clusters, history pseudo-states are ``H`` circles, initial states get a
black dot, final states a double circle.  Transitions read ``event [guard]`` and are
coloured by actor; the normal flow (``transition(..., happy=True)``) is solid, cancellation paths
dashed, as in the docs' order-flow diagrams; an *inferred* ("may") transition is dotted and
its label ends in "(may)", so the reader sees what no document states.  Given a second
(``observed``) chart, the transitions and statuses only it has are drawn red and bold, with
their citation.
"""

from __future__ import annotations

from collections.abc import Mapping

from ordercheck.checks.chart import CompiledChart, TransitionInfo

from .ir import Cluster, Graph

#: The engine's own actors; a model's actors get their colours from its catalog entry.
ACTOR_COLORS = {"timer": "#9467bd", "network": "#8c564b"}
EXTRA = "#d62728"


def _key(t: TransitionInfo) -> tuple[str, str, str | None]:
    return (t.source, t.event, t.target)


def statechart(base: CompiledChart, extra: CompiledChart | None = None, *,
               timers: dict[str, str] | None = None, deliveries: dict[str, str] | None = None,
               title: str = "", colors: Mapping[str, str] | None = None) -> Graph:
    """IR of ``base``; with ``extra`` also what only ``extra`` has (highlighted).  ``colors``:
    actor -> colour of its transitions (the model's catalog entry says)."""
    palette = {**ACTOR_COLORS, **(colors or {})}
    timers = timers or {}
    deliveries = deliveries or {}
    chart = extra or base
    base_keys = {_key(t) for t in base.transitions}
    base_states = set(base.states)
    g = Graph(name=f"{chart.party}-statechart", rankdir="TB",
              title=title or f"{chart.party} order statechart")
    if extra is not None:
        g.notes.append("red bold: only in the observed variant (known issues)")
    if any(not t.meta.documented for t in chart.transitions):
        g.notes.append("dotted, '(may)': inferred, no document states it (an implementation "
                       "may refuse it); solid/dashed: documented (must)")
    for value, info in chart.states.items():
        if info.kind == "compound":
            g.clusters.append(Cluster(id=value, label=info.name, parent=info.parent or "",
                                      style="rounded,dashed"))
    for value, info in chart.states.items():
        if info.kind == "compound":
            continue
        new = value not in base_states
        if info.kind == "history":
            g.node(id=value, label="H", shape="circle", cluster=info.parent or "",
                   tooltip="history: back to the status held before")
            continue
        label = value if info.name == value else f"{value}\n({info.name})"
        if info.defers:
            label += "\n[automatic]"
        g.node(id=value, label=label, shape="doublecircle" if info.final else "rounded",
               cluster=info.parent or "", color=EXTRA if new else "",
               style="bold" if new else "", fill="#f2f2f2" if info.defers else "")
        if info.initial:
            start = f"{info.parent or 'root'}.start"
            g.node(id=start, label="", shape="point", cluster=info.parent or "")
            g.edge(source=start, target=value)
    for t in chart.transitions:
        target = t.target or t.source
        target = _anchor(chart, target)
        source = _anchor(chart, t.source)
        new = _key(t) not in base_keys
        actor = ("timer" if t.event in timers else "network" if t.event in deliveries
                 else t.meta.actor)
        label = t.event
        if t.event in deliveries:
            label = f"receive {deliveries[t.event]}"
        if t.event in timers:
            label = f"{timers[t.event]} elapses"
        if t.guard:
            label += " [" + " and ".join(("" if want else "not ") + n
                                         for n, want in t.guard) + "]"
        if t.meta.sends:
            label += " / send " + ", ".join(t.meta.sends)
        if not t.meta.documented:
            label += " (may)"
        compound_src = chart.states[t.source].kind == "compound"
        compound_tgt = t.target is not None and chart.states[t.target].kind == "compound"
        g.edge(source=source, target=target, label=label,
               ltail=t.source if compound_src else "",
               lhead=t.target if compound_tgt and t.target != t.source else "",
               style="bold" if new else ("dotted" if not t.meta.documented
                                         else "" if t.meta.happy else "dashed"),
               color=EXTRA if new else palette.get(actor, "#333333"),
               tooltip=f"{actor}; {t.meta.cite}"
               + (f"; inferred: {t.meta.inferred}" if t.meta.inferred else ""))
    return g


def _anchor(chart: CompiledChart, value: str) -> str:
    """A compound state is drawn as a cluster: edges attach to its initial child."""
    while chart.states[value].kind == "compound":
        kids = [v for v, s in chart.states.items() if s.parent == value and s.kind != "history"]
        initial = [v for v in kids if chart.states[v].initial] or kids[:1]
        value = initial[0]
    return value


def _mid(value: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in value)


def to_mermaid(chart: CompiledChart, extra: CompiledChart | None = None, *,
               timers: dict[str, str] | None = None,
               deliveries: dict[str, str] | None = None) -> str:
    """Mermaid ``stateDiagram-v2`` of a chart (composite states for compound ones)."""
    timers = timers or {}
    deliveries = deliveries or {}
    shown = extra or chart
    base_keys = {_key(t) for t in chart.transitions}
    lines = ["stateDiagram-v2"]
    kids: dict[str | None, list[str]] = {}
    for value, info in shown.states.items():
        kids.setdefault(info.parent, []).append(value)

    def emit(parent: str | None, indent: str) -> None:
        for value in kids.get(parent, []):
            info = shown.states[value]
            if info.kind == "compound":
                lines.append(f"{indent}state \"{info.name}\" as {_mid(value)} {{")
                emit(value, indent + "    ")
                lines.append(f"{indent}}}")
            elif info.kind == "history":
                lines.append(f"{indent}state \"H (history)\" as {_mid(value)}")
            else:
                lines.append(f"{indent}state \"{value}\" as {_mid(value)}")
            if info.initial and info.kind != "history":
                lines.append(f"{indent}[*] --> {_mid(value)}")
            if info.final:
                lines.append(f"{indent}{_mid(value)} --> [*]")

    emit(None, "    ")
    for t in shown.transitions:
        label = f"receive {deliveries[t.event]}" if t.event in deliveries else (
            f"{timers[t.event]} elapses" if t.event in timers else t.event)
        if t.guard:
            label += " [" + " and ".join(n for n, _ in t.guard) + "]"
        if not t.meta.documented:
            label += " (may)"
        if _key(t) not in base_keys:
            label += " (observed only)"
        lines.append(f"    {_mid(t.source)} --> {_mid(t.target or t.source)} : {label}")
    return "\n".join(lines) + "\n"
