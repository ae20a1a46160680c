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

from ordercheck.checks.analysis import analyse
from ordercheck.checks.errors import UsageError
from ordercheck.checks.explore import explore
from ordercheck.checks.report import CheckResult
from ordercheck.checks.system import JointSystem
from ordercheck.checks.trace import MalformedTrace, load

from . import dot, flow, joint, mermaid, render, sequence, statechart

SCENARIO = Path(__file__).resolve().parent.parent / "model" / "vtex" / "scenarios"


def _vtex() -> tuple[Any, Any]:
    from ordercheck.model.vtex import documented, observed  # the CLI wires the model in

    return documented(), observed()


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


def write_all(out: Path, render: bool = True, timeout: float = 30.0) -> list[Path]:
    """Statecharts, decline flows, joint graphs and sequence diagrams under ``out``."""
    w = Writer(out, render, timeout)
    doc, obs = _vtex()
    doc_sys, obs_sys = JointSystem(doc), JointSystem(obs)
    timers = {t.event: t.name for t in obs.timers}
    for party in ("marketplace", "seller"):
        base = next(c for c in doc_sys.charts if c.party == party)
        extra = next(c for c in obs_sys.charts if c.party == party)
        deliveries = {m.event: m.name for m in obs.messages if m.receiver == party}
        g = statechart.statechart(base, extra, timers=timers, deliveries=deliveries,
                                  title=f"{party} order — documented, with observed "
                                        "additions in red")
        w.graph(f"statechart-{party}", dot.to_dot(g),
                statechart.to_mermaid(base, extra, timers=timers, deliveries=deliveries))
    for wf, variant in ((doc, "documented"), (obs, "observed")):
        g = flow.flow(wf)
        w.graph(f"decline-flow-{variant}", dot.to_dot(g), mermaid.to_mermaid(g), png=True)
        system = JointSystem(wf)
        graph = explore(system)
        analysis = analyse(graph, wf.properties)
        jg = joint.joint_graph(graph, analysis)
        w.graph(f"joint-{variant}", dot.to_dot(jg), mermaid.to_mermaid(jg))
        if variant == "observed":
            result = CheckResult(model=wf.name, delivery="fifo", graph=graph, analysis=analysis)
            for k, f in enumerate(analysis.findings, start=1):
                if f.kind != "deadlock":
                    continue
                records = [s.to_json() for s in result.trace(f)]
                _sequence(w, f"sequence-observed-{k:02d}-deadlock", records, f.title)
    _, records = load(SCENARIO / "ki-1004978.jsonl")
    _sequence(w, "sequence-ki-1004978", [_clean(r) for r in records],
              "KI-1004978 simulation: marketplace stuck at request-cancel")
    warn(w)
    return w.written


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
