"""The diagram jobs: every diagram kind for the built-in model (:func:`write_all`), or one
trace (:func:`draw_trace`).  The ``ordercheck diagrams`` command (``checks/cli/diagrams.py``)
calls these.

The main job (``ordercheck report``, ``make run``) calls :func:`write_all`; the committed
``docs/diagrams/`` are its output, and a test fails when they are stale.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from ordercheck.checks import loading
from ordercheck.checks.catalog import ModelEntry
from ordercheck.checks.errors import UsageError
from ordercheck.checks.pipeline import check
from ordercheck.checks.protocol import Workflow
from ordercheck.checks.system import TransitionSystem
from ordercheck.checks.trace import MalformedTrace, load

from . import dot, flow, joint, mermaid, render, sequence, statechart


class Writer:
    """Writes DOT/Mermaid text and, when ``dot`` runs, SVG/PNG pictures.

    A picture that could not be drawn is never silent: without ``dot`` each one is listed in
    ``not_rendered``, and :func:`warn` names them, so a user does not look for an SVG that
    was never written."""

    def __init__(self, out: Path, render_pictures: bool, timeout: float = 30.0) -> None:
        self.out = out
        self.wanted = render_pictures
        self.render = render_pictures and render.available()
        self.timeout = timeout
        self.written: list[Path] = []
        self.problems: list[str] = []
        self.not_rendered: list[str] = []
        out.mkdir(parents=True, exist_ok=True)

    def text(self, name: str, content: str) -> None:
        path = self.out / name
        path.write_text(content, encoding="utf-8")
        self.written.append(path)

    def graph(self, name: str, source: str, mmd: str, png: bool = False) -> None:
        self.text(f"{name}.dot", source)
        self.text(f"{name}.mmd", mmd)
        if not self.render:
            if self.wanted:
                self.not_rendered.extend(f"{name}.{fmt}"
                                         for fmt in (("svg", "png") if png else ("svg",)))
            return
        for fmt in ("svg", "png") if png else ("svg",):
            try:
                self.written.append(render.write(source, self.out / name, fmt,
                                                 timeout=self.timeout))
            except render.RenderError as exc:
                self.problems.append(f"{name}.{fmt}: {exc}")


def write_all(out: Path, entry: ModelEntry, render: bool = True,
              timeout: float = 30.0) -> list[Path]:
    """The model's statecharts, decline flows, joint graphs and sequence diagrams under ``out``;
    what to draw comes from the model's catalog entry (``checks/catalog.py``)."""
    w = Writer(out, render, timeout)
    workflows = {v: _workflow(entry, v) for v in dict.fromkeys(
        (*entry.report_variants, *(entry.compare or ())))}
    if entry.compare is not None:
        base_wf, extra_wf = (workflows[v] for v in entry.compare)
        base_sys, extra_sys = TransitionSystem(base_wf), TransitionSystem(extra_wf)
        timers = {t.event: t.name for t in extra_wf.timers}
        for party in entry.parties:
            base = next(c for c in base_sys.charts if c.party == party)
            extra = next(c for c in extra_sys.charts if c.party == party)
            deliveries = {m.event: m.name for m in extra_wf.messages if m.receiver == party}
            g = statechart.statechart(base, extra, timers=timers, deliveries=deliveries,
                                      title=f"{party} order — {entry.compare[0]}, with "
                                            f"{entry.compare[1]} additions in red",
                                      colors=entry.actor_colors)
            w.graph(f"statechart-{party}", dot.to_dot(g),
                    statechart.to_mermaid(base, extra, timers=timers, deliveries=deliveries))
    for variant in entry.report_variants:
        wf = workflows[variant]
        if entry.flow is not None:
            g = flow.flow(wf, entry.flow)
            w.graph(f"decline-flow-{variant}", dot.to_dot(g), mermaid.to_mermaid(g), png=True)
        result = check(wf)
        graph, analysis = result.graph, result.analysis
        jg = joint.joint_graph(graph, analysis)
        w.graph(f"joint-{variant}", dot.to_dot(jg), mermaid.to_mermaid(jg))
        if variant in entry.sequence_variants:
            for k, f in enumerate(analysis.findings, start=1):
                if f.kind != "deadlock":
                    continue
                records = [s.to_json() for s in result.trace(f)]
                _sequence(w, f"sequence-{variant}-{k:02d}-deadlock", records, f.title)
    for scenario in entry.scenarios:
        _, records = load(scenario.path)
        _sequence(w, scenario.name,
                  [_clean(r) for r in records if r["kind"] != "observe"], scenario.title)
    warn(w)
    return w.written


def _workflow(entry: ModelEntry, variant: str) -> Workflow:
    obj, _ = loading.load_attribute(entry.spec(variant), f"model {entry.name!r}")
    return obj() if callable(obj) and not isinstance(obj, Workflow) else obj


def warn(w: Writer) -> None:
    """Name on stderr every picture that was not drawn, and why."""
    for problem in w.problems:
        sys.stderr.write(f"ordercheck diagrams: {problem}\n")
    if w.not_rendered:
        sys.stderr.write("ordercheck diagrams: warning: graphviz 'dot' not found; not rendered: "
                         f"{', '.join(w.not_rendered)} (DOT and Mermaid written; apt-get "
                         "install graphviz, or pass --no-render)\n")


def _clean(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if not k.startswith("_")}


def _sequence(w: Writer, name: str, records: list[dict[str, Any]], title: str) -> None:
    g = sequence.sequence_graph(records, title)
    w.graph(name, dot.to_dot(g), sequence.to_mermaid(records, title))


def draw_trace(trace: Path, out: Path, *, render_pictures: bool = True,
               timeout: float = 30.0) -> list[Path]:
    """One JSON-lines trace as a sequence diagram under ``out``; bad input raises
    :class:`UsageError` naming the file and line."""
    try:
        header, records = load(trace)
    except MalformedTrace as exc:
        raise UsageError(f"--trace: {exc}") from None
    if not records or records[0].get("kind") != "start" or "status" not in records[0]:
        raise UsageError(f"{trace}:1: a drawable trace starts with a 'start' line "
                         "carrying every party's status")
    w = Writer(out, render_pictures, timeout)
    steps = [_clean(r) for r in records if r["kind"] != "observe"]  # observe: no step
    _sequence(w, trace.stem, steps, str(header.get("title", "")))
    warn(w)
    return w.written
