"""The one trace format: JSON lines, one step a line, and ``replay``.

Every counterexample, witness, shrunk conformance failure or recorded log is a sequence of
lines::

    {"trace": 1, "model": "vtex-observed", "delivery": "fifo", "title": "..."}
    {"n": 0, "kind": "start", "status": {"marketplace": "order-created", ...},
     "in_flight": [], "timers": []}
    {"n": 1, "kind": "fire", "actor": "platform", "party": "marketplace",
     "event": "complete_checkout", "message": null, "ignored": false,
     "status": {...}, "in_flight": [...], "timers": [...]}
    ...

The header line is optional on input.  ``status``, ``in_flight`` and ``timers`` are
expectations when replaying: a ``status`` may name only some parties (partial observation).
The JSON Schema is ``checks/schemas/trace-step.schema.json``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .system import FIRE, JointSystem, StepLabel

TRACE_VERSION = 1
STEP_KINDS = ("fire", "deliver", "deliver-keep", "lose")


@dataclass(frozen=True, slots=True, kw_only=True)
class TraceStep:
    n: int
    kind: str  # "start" | "fire" | "deliver" | "deliver-keep" | "lose"
    actor: str | None
    party: str | None
    event: str | None
    message: str | None
    ignored: bool
    status: dict[str, str]
    in_flight: tuple[str, ...]
    timers: tuple[str, ...]
    transition: str | None = None
    cite: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"n": self.n, "kind": self.kind}
        if self.kind != "start":
            out.update(actor=self.actor, party=self.party, event=self.event,
                       message=self.message, ignored=self.ignored)
            if self.transition:
                out["transition"] = self.transition
                out["cite"] = self.cite
        out.update(status=dict(self.status), in_flight=list(self.in_flight),
                   timers=list(self.timers))
        return out


class MalformedTrace(ValueError):
    """A trace line is not valid JSON or not a step; the message names file and line."""


def steps_of(system: JointSystem, states: list[int], labels: list[int]) -> list[TraceStep]:
    """Trace steps for a path given as packed states and the label ids between them."""
    out = []
    for n, state in enumerate(states):
        view = system.state_view(state)
        common: dict[str, Any] = {"n": n, "status": dict(view.status),
                                  "in_flight": system.in_flight(state),
                                  "timers": system.armed_timers(state)}
        if n == 0:
            out.append(TraceStep(kind="start", actor=None, party=None, event=None, message=None,
                                 ignored=False, **common))
            continue
        lab = system.labels[labels[n - 1]]
        t = system.transitions[lab.transition] if lab.transition >= 0 else None
        out.append(TraceStep(
            kind=lab.kind, actor=lab.actor, party=lab.party, event=lab.event or None,
            message=lab.message or None, ignored=lab.ignored,
            transition=t.label if t else None, cite=t.meta.cite if t else None, **common))
    return out


def dumps(steps: Iterable[TraceStep], header: dict[str, Any] | None = None) -> str:
    lines = []
    if header is not None:
        lines.append(json.dumps({"trace": TRACE_VERSION, **header}, sort_keys=True))
    lines.extend(json.dumps(s.to_json(), sort_keys=True) for s in steps)
    return "\n".join(lines) + "\n"


def write(path: Path, steps: list[TraceStep], header: dict[str, Any] | None = None) -> None:
    path.write_text(dumps(steps, header), encoding="utf-8")


def load(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Header (possibly empty) and the raw step records of a trace file.

    Raises
    ------
    MalformedTrace
        Naming ``file:line`` and what is wrong.
    """
    header: dict[str, Any] = {}
    records: list[dict[str, Any]] = []
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MalformedTrace(f"{path}: cannot read trace ({exc.strerror})") from exc
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path}:{lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            raise MalformedTrace(f"{where}: not JSON ({exc.msg})") from exc
        if not isinstance(obj, dict):
            raise MalformedTrace(f"{where}: a trace line must be a JSON object")
        if "trace" in obj and not records:
            header = obj
            continue
        kind = obj.get("kind")
        if kind not in ("start", *STEP_KINDS):
            raise MalformedTrace(f"{where}: unknown step kind {kind!r}")
        if kind != "start" and not isinstance(obj.get("party"), str):
            raise MalformedTrace(f"{where}: step needs a 'party'")
        if kind == "fire" and not isinstance(obj.get("event"), str):
            raise MalformedTrace(f"{where}: a 'fire' step needs an 'event'")
        if kind != "fire" and kind != "start" and not isinstance(obj.get("message"), str):
            raise MalformedTrace(f"{where}: a {kind!r} step needs a 'message'")
        obj["_line"] = lineno
        records.append(obj)
    return header, records


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplayResult:
    ok: bool
    steps: list[TraceStep]  # the steps the model took (the prefix that matched)
    failed_at: int | None = None  # 1-based line of the first step the model rejects
    reason: str = ""
    expected: list[str] | None = None  # what the model allowed there


def _matches(label: StepLabel, rec: dict[str, Any]) -> bool:
    if label.kind != rec["kind"] or label.party != rec.get("party"):
        return False
    if rec["kind"] == FIRE:
        return label.event == rec.get("event")
    return label.message == rec.get("message")


def replay(system: JointSystem, records: list[dict[str, Any]]) -> ReplayResult:
    """Re-run recorded steps on the model, checking each expected status along the way."""
    state = system.initial
    states: list[int] = [state]
    labels: list[int] = []
    for rec in records:
        line = rec.get("_line", 0)
        if rec["kind"] == "start":
            problem = _compare(system, state, rec)
            if problem:
                return ReplayResult(ok=False, steps=steps_of(system, states, labels),
                                    failed_at=line, reason=f"initial state: {problem}")
            continue
        options = list(system.successors(state))
        chosen = next(((lab, nxt) for lab, nxt in options
                       if _matches(system.labels[lab], rec)), None)
        if chosen is None:
            allowed = sorted({system.labels[lab].describe() for lab, _ in options})
            what = rec.get("event") or rec.get("message")
            return ReplayResult(
                ok=False, steps=steps_of(system, states, labels), failed_at=line,
                reason=f"the model does not allow {rec['kind']} {what!r} on {rec['party']} here",
                expected=allowed)
        label, state = chosen
        states.append(state)
        labels.append(label)
        problem = _compare(system, state, rec)
        if problem:
            return ReplayResult(ok=False, steps=steps_of(system, states, labels),
                                failed_at=line, reason=problem)
    return ReplayResult(ok=True, steps=steps_of(system, states, labels))


def _compare(system: JointSystem, state: int, rec: dict[str, Any]) -> str:
    status = rec.get("status") or {}
    view = system.state_view(state)
    for party, expected in sorted(status.items()):
        if party not in view.status:
            return f"unknown party {party!r}"
        if view.status[party] != expected:
            return f"{party} is {view.status[party]!r} in the model, the trace says {expected!r}"
    if "in_flight" in rec and list(rec["in_flight"]) != list(system.in_flight(state)):
        return (f"in flight: model {list(system.in_flight(state))}, "
                f"trace {list(rec['in_flight'])}")
    return ""
