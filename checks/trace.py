"""The one trace format: JSON lines, one step a line, and ``replay``.

Every counterexample, witness, shrunk conformance failure or recorded log is a sequence of
lines::

    {"trace": 1, "model": "vtex-observed", "delivery": "fifo", "title": "..."}
    {"n": 0, "kind": "start", "status": {"marketplace": "order-created", ...},
     "in_flight": [], "timers": []}
    {"n": 1, "kind": "fire", "actor": "platform", "party": "marketplace",
     "event": "complete_checkout", "message": null, "ignored": false,
     "status": {...}, "in_flight": [...], "timers": [...]}
    {"n": 2, "kind": "observe", "status": {"seller": "handling"}}
    ...

The header line is optional on input.  ``status``, ``in_flight`` and ``timers`` are
expectations when replaying: a ``status`` may name only some parties (partial observation).
An ``observe`` line takes no step: it records statuses only; a ``refuse`` line takes none
either: it records a command the implementation refused (``refused`` is its kind).  A
header's ``silent`` list names actors whose steps the trace does not record (a log of
statuses only lists them all); replay closes over their steps.  A ``settled`` list on a
line (conformance traces) says no step of those actors is pending after it.  The JSON Schema
is ``checks/schemas/trace-step.schema.json``.

Reading streams: :func:`open_trace` reads the header eagerly and the steps one line at a time
(a bad line 20 of a 200 MB file is reported after reading 20 lines), and every decode or schema
error names ``file:line``.  :func:`replay` consumes steps lazily and stops at the first one
the model rejects.  It is a client of :class:`~ordercheck.checks.belief.BeliefTracker`.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .belief import (
    ActionRecord,
    BeliefTracker,
    Did,
    Move,
    Refused,
    Saw,
    by_actor,
    explore_model,
    nothing_silent,
)
from .system import FIRE, TransitionSystem

if TYPE_CHECKING:
    from jsonschema.protocols import Validator

TRACE_VERSION = 1
STEP_KINDS = ("fire", "deliver", "deliver-keep", "lose")
OBSERVE = "observe"  # statuses only: no step
REFUSE = "refuse"  # a command the implementation refused: no step
SCHEMA_PATH = Path(__file__).parent / "schemas" / "trace-step.schema.json"


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


def steps_of(system: TransitionSystem, states: list[int], labels: list[int]) -> list[TraceStep]:
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


@cache
def _validators() -> dict[str, Validator]:
    """Validators for the published header and step definitions, from the local file (the
    definitions hold no references, so nothing is fetched).  Imported on first use: only
    reading a trace needs jsonschema."""
    import jsonschema

    defs = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))["$defs"]
    return {name: jsonschema.Draft202012Validator(defs[name]) for name in ("header", "step")}


def _schema_error(where: str, obj: dict[str, Any], which: str) -> None:
    from jsonschema.exceptions import best_match

    error = best_match(_validators()[which].iter_errors(obj))
    if error is not None:
        place = "/".join(str(x) for x in error.absolute_path)
        raise MalformedTrace(f"{where}: {place + ': ' if place else ''}{error.message}")


def _decode(raw: bytes | str, where: str) -> dict[str, Any] | None:
    """One line as a JSON object; None for a blank line."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedTrace(f"{where}: not UTF-8 (byte 0x{raw[exc.start]:02x} at column "
                                 f"{exc.start + 1})") from None
    if not raw.strip():
        return None
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise MalformedTrace(f"{where}: not JSON ({exc.msg})") from None
    except RecursionError:
        raise MalformedTrace(f"{where}: not a trace line (JSON nested too deeply)") from None
    if not isinstance(obj, dict):
        raise MalformedTrace(f"{where}: a trace line must be a JSON object")
    return obj


def check_step(obj: dict[str, Any], where: str) -> None:
    """Refuse a step line that is not one: friendly messages for the common mistakes, then
    the published schema for everything else."""
    if "trace" in obj:
        raise MalformedTrace(f"{where}: a header line ('trace') may only be the first line")
    kind = obj.get("kind")
    if kind not in ("start", OBSERVE, REFUSE, *STEP_KINDS):
        raise MalformedTrace(f"{where}: unknown step kind {kind!r}")
    if kind == REFUSE:
        refused = obj.get("refused")
        if refused not in ("fire", "deliver") or not isinstance(obj.get("party"), str):
            raise MalformedTrace(f"{where}: a 'refuse' line needs 'refused' (fire or deliver) "
                                 "and a 'party'")
        key = "event" if refused == "fire" else "message"
        if not isinstance(obj.get(key), str):
            raise MalformedTrace(f"{where}: a refused {refused!r} needs a {key!r}")
    if kind in STEP_KINDS and not isinstance(obj.get("party"), str):
        raise MalformedTrace(f"{where}: step needs a 'party'")
    if kind == "fire" and not isinstance(obj.get("event"), str):
        raise MalformedTrace(f"{where}: a 'fire' step needs an 'event'")
    if kind in STEP_KINDS and kind != "fire" and not isinstance(obj.get("message"), str):
        raise MalformedTrace(f"{where}: a {kind!r} step needs a 'message'")
    if kind == OBSERVE and not isinstance(obj.get("status"), dict):
        raise MalformedTrace(f"{where}: an 'observe' line needs a 'status' object")
    _schema_error(where, obj, "step")


class TraceReader:
    """A trace read one line at a time: ``header`` at once, then the steps as an iterator.

    Iterating yields each step record (a dict, with its 1-based line as ``"_line"``) after
    checking it against the schema; it reads no further than the step it yields, so memory is
    bounded by one line and a caller that stops early reads nothing more.  ``lines_read``
    counts the lines consumed so far.
    """

    def __init__(self, lines: Iterable[bytes | str], name: str) -> None:
        self.name = name
        self._lines = iter(lines)
        self.lines_read = 0
        self.header: dict[str, Any] = {}
        self.header_line = 0
        self._pending: tuple[int, dict[str, Any]] | None = None
        first = self._next_object()
        if first is not None:
            lineno, obj = first
            if "trace" in obj:
                _schema_error(f"{name}:{lineno}", obj, "header")
                self.header, self.header_line = obj, lineno
            else:
                self._pending = first

    def _next_object(self) -> tuple[int, dict[str, Any]] | None:
        for raw in self._lines:
            self.lines_read += 1
            obj = _decode(raw, f"{self.name}:{self.lines_read}")
            if obj is not None:
                return self.lines_read, obj
        return None

    def __iter__(self) -> Iterator[dict[str, Any]]:
        while True:
            item = self._pending or self._next_object()
            self._pending = None
            if item is None:
                return
            lineno, obj = item
            check_step(obj, f"{self.name}:{lineno}")
            yield {**obj, "_line": lineno}


@contextmanager
def open_trace(path: Path) -> Iterator[TraceReader]:
    """Open a trace file for streaming (``with open_trace(path) as trace:``); the header is
    read on entry, the steps as ``trace`` is iterated."""
    try:
        stream = path.open("rb")
    except OSError as exc:
        raise MalformedTrace(f"{path}: cannot read trace ({exc.strerror})") from exc
    with stream:
        yield TraceReader(stream, str(path))


def load(path: Path) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Header (possibly empty) and every step record of a trace file, in memory (for small
    traces: diagrams, tests).  Replay streams instead (:func:`open_trace`).

    Raises
    ------
    MalformedTrace
        Naming ``file:line`` and what is wrong.
    """
    with open_trace(path) as trace:
        return trace.header, list(trace)


class ReplayVerdict(enum.Enum):
    """What a replay established."""

    ALLOWED = "allowed"  # every line is consistent with some model run
    REJECTED = "rejected"  # a line no model run allows (the model was fully explored)
    UNKNOWN = "unknown"  # rejected, but a bound cut the exploration: maybe allowed
    NOTHING = "nothing"  # no step to replay: not a pass


@dataclass(frozen=True, slots=True, kw_only=True)
class ReplayResult:
    verdict: ReplayVerdict
    steps: list[TraceStep]  # the steps the model took (the prefix that matched)
    failed_at: int | None = None  # 1-based line of the first step the model rejects
    reason: str = ""
    expected: list[str] | None = None  # what the model allowed there
    replayed: int = 0  # lines that took a step or checked a status (a rejected one too)
    bounds: list[str] = field(default_factory=list)  # exploration bounds hit (UNKNOWN)

    @property
    def ok(self) -> bool:
        return self.verdict is ReplayVerdict.ALLOWED


def replay(system: TransitionSystem, records: Iterable[dict[str, Any]], *,
           silent: Iterable[str] = (), where: str = "silent") -> ReplayResult:
    """Re-run recorded lines on the model, checking each expected status along the way.

    The model's states consistent with the lines so far are tracked as a belief (several
    model steps may match one line); ``silent`` names actors whose steps the trace does not
    record (``where`` names it in errors).  Lines are consumed one at a time and the first
    rejection ends the replay.

    Raises
    ------
    MalformedTrace
        A silent actor no step of the model has (a typo would silently change the verdict).
    """
    graph = explore_model(system)
    quiet = frozenset(silent)
    tracker: BeliefTracker[ActionRecord] = BeliefTracker(
        graph, silent=by_actor(quiet) if quiet else nothing_silent)
    strangers = sorted(quiet - tracker.actors())
    if strangers:
        raise MalformedTrace(f"{where}: no step of the model has the actor(s) "
                             f"{', '.join(strangers)}; its actors are "
                             f"{', '.join(sorted(tracker.actors()))}")
    moves = [tracker.initial()]
    unknown = moves[0].unknown
    replayed = 0

    def stop(line: int, reason: str, expected: list[str] | None = None) -> ReplayResult:
        verdict = ReplayVerdict.UNKNOWN if unknown else ReplayVerdict.REJECTED
        return ReplayResult(verdict=verdict, steps=_steps(tracker, moves), failed_at=line,
                            reason=reason, expected=expected, replayed=replayed,
                            bounds=list(graph.bounds_hit) if unknown else [])

    for rec in records:
        line = rec.get("_line", 0)
        kind = rec["kind"]
        # a line counts when it takes a step or carries an expectation beyond the start (the
        # model fixes the initial state: a trace that only restates it tested nothing)
        replayed += kind in STEP_KINDS or (kind != "start" and (
            bool(rec.get("status")) or "in_flight" in rec))
        if kind in STEP_KINDS:
            name = rec["event"] if kind == FIRE else rec["message"]
            belief = moves[-1].after
            move = tracker.step(belief, Did(ActionRecord(kind, rec["party"], name)))
            unknown |= move.unknown
            if not move.after:
                allowed = sorted({tracker.label(lab).describe()
                                  for s in belief for lab, _ in tracker.successors(s)})
                return stop(line, f"the model does not allow {kind} {name!r} on "
                                  f"{rec['party']} here", allowed)
            moves.append(move)
        elif kind == REFUSE:
            replayed += 1
            refused = rec["refused"]
            name = rec["event"] if refused == FIRE else rec["message"]
            belief = moves[-1].after
            move = tracker.step(belief, Refused(ActionRecord(refused, rec["party"], name)))
            unknown |= move.unknown
            if not move.after:
                return stop(line, f"the model requires {refused} {name!r} on {rec['party']} "
                                  "here; the trace says it was refused")
            moves.append(move)
        seen, problem, shown = _expect(tracker, moves[-1], rec)
        if problem:
            return stop(line, problem if kind != "start" else f"initial state: {problem}",
                        shown)
        if seen is not None and rec.get("settled"):
            seen, problem, shown = _settled(tracker, seen, rec["settled"])
            if problem:
                return stop(line, problem, shown)
        if seen is not None:
            moves.append(seen)
            if quiet:  # unrecorded steps may follow what this line showed
                moves.append(tracker.close(seen.after))
    if not replayed:
        return ReplayResult(verdict=ReplayVerdict.NOTHING, steps=_steps(tracker, moves),
                            reason="nothing replayed: no step and no expected status")
    return ReplayResult(verdict=ReplayVerdict.ALLOWED, steps=_steps(tracker, moves),
                        replayed=replayed)


def _expect(tracker: BeliefTracker[ActionRecord], last: Move, rec: dict[str, Any]
            ) -> tuple[Move | None, str, list[str] | None]:
    """Filter the belief by the line's expectations.  On a mismatch with one state in the
    belief (an exact trace), say which party differs; with several (silent steps), list the
    statuses the model allows there."""
    status: dict[str, str] = rec.get("status") or {}
    in_flight = rec.get("in_flight")
    if not status and in_flight is None:
        return None, "", None
    for party in sorted(status):
        if party not in tracker.parties:
            return None, f"unknown party {party!r}", None
    move = tracker.step(last.after, Saw.of(status, in_flight))
    if move.after:
        return move, "", None
    if len(last.after) > 1:
        shown = sorted({_fmt(tracker.status(s)) for s in last.after})
        if len(shown) > 8:
            shown[8:] = [f"(+{len(shown) - 8} more)"]
        return None, f"no model state consistent with the lines so far shows {_fmt(status)}", \
            shown
    (state,) = last.after
    model = tracker.status(state)
    for party, expected in sorted(status.items()):
        if model[party] != expected:
            return None, f"{party} is {model[party]!r} in the model, the trace says " \
                f"{expected!r}", None
    actual = list(tracker.in_flight(state))
    return None, f"in flight: model {actual}, trace {list(in_flight or [])}", None


def _settled(tracker: BeliefTracker[ActionRecord], seen: Move, owers: list[str]
             ) -> tuple[Move, str, list[str] | None]:
    """A ``settled`` line: after it, no step of these actors (or ``party.event`` names) is
    pending (a conformance trace: the implementation said it had done its own steps)."""
    who = set(owers)

    def owed(state: int) -> list[str]:
        return [tracker.label(lab).describe() for lab, _ in tracker.successors(state)
                if tracker.label(lab).kind in STEP_KINDS[:2]
                and (tracker.label(lab).actor in who
                     or f"{tracker.label(lab).party}.{tracker.label(lab).event}" in who)]

    kept = frozenset(s for s in seen.after if not owed(s))
    if kept:
        return Move(seen.after, kept, None), "", None
    pending = sorted({d for s in seen.after for d in owed(s)})
    return seen, (f"settled here, but a step of {', '.join(sorted(who))} is still owed: "
                  f"{'; '.join(pending)}"), None


def _fmt(status: Mapping[str, str]) -> str:
    return "{" + ", ".join(f"{p}: {s}" for p, s in sorted(status.items())) + "}"


def _steps(tracker: BeliefTracker[ActionRecord], moves: list[Move]) -> list[TraceStep]:
    path = tracker.witness(moves)
    return steps_of(tracker.system, [tracker.packed(s) for _, s in path],
                    [lab for lab, _ in path[1:]])
