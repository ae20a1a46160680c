"""Language-neutral conformance vectors: JSON lines, one vector a line.

Each vector is a command sequence from a fresh order, with the statuses the implementation
must show once *settled* after each step (its automatic actors, named in the vector, have done
their part) and the commands that must be *rejected* there (VTEX answers such calls with
400/409); ``final_must_reject`` are end-of-life probes: commands refused where the story ends
(an invoice on a canceled order).  Vectors are the tour's cases, which finish the story, so an
implementation with automatic actors replays them literally.
Schema: ``checks/schemas/vector.schema.json``.
"""

from __future__ import annotations

import json
from typing import Any

from ..belief import Did, Saw
from ..explore import StateGraph
from .adapter import Adapter, Command
from .session import ConformanceModel
from .tour import cases


def vectors(graph: StateGraph, model_name: str,
            automatic: frozenset[str] = frozenset()) -> list[dict[str, Any]]:
    """One vector per tour case for an implementation whose ``automatic`` actors (or single
    ``party.event`` names) run by themselves; expectations are stated at settled points."""
    model = ConformanceModel(graph, automatic)
    tracker = model.tracker
    out = []
    for k, case in enumerate(cases(model), start=1):
        steps = []
        belief = model.settle_filter(tracker.initial().after)
        for command, state in zip(case.commands, case.states, strict=True):
            forbidden = [c for c in model.alphabet if c not in tracker.actions(belief)]
            after = model.settle_filter(tracker.step(belief, Did(command)).after)
            expect = model.status(state)
            also = sorted({tuple(sorted(model.status(s).items())) for s in after}
                          - {tuple(sorted(expect.items()))})
            belief = model.settle_filter(tracker.step(after, Saw.of(expect)).after)
            step: dict[str, Any] = {
                "command": command.to_json(),
                "must_reject": [c.to_json() for c in forbidden],
                "expect": expect,
                "in_flight": list(tracker.in_flight(state)),
            }
            if also:
                # the implementation's own choice may lead elsewhere: the vector ends there
                step["also"] = [dict(o) for o in also]
            if all(not model.must(lab) for s in belief for lab, _ in
                   model.commands(s).get(command, ())) and command.kind == "fire":
                step["may"] = True
            steps.append(step)
        end = [c.to_json() for c in model.alphabet if c not in tracker.actions(belief)]
        out.append({
            "id": f"v{k:03d}",
            "model": model_name,
            "automatic": sorted(automatic),
            "covers": sorted(model.targets.name(t) for t in case.covers),
            "target": model.targets.name(case.target),
            "initial": model.status(min(model.settle_filter(tracker.initial().after))),
            "steps": steps,
            "final_must_reject": end,
        })
    return out


def dumps(vecs: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(v, sort_keys=True) + "\n" for v in vecs)


def run_vector(adapter: Adapter, vector: dict[str, Any]) -> str | None:
    """The Python reference runner: None when ``adapter`` passes ``vector``, else why not.

    Statuses are read after ``settle()`` (when the adapter has it).  A refused *may* command,
    or a status listed in ``also`` (the implementation's own choice went elsewhere), ends the
    vector early without failing it: what follows was planned for the other branch."""
    def settle() -> None:
        method = getattr(adapter, "settle", None)
        if callable(method):
            method()

    vid = vector["id"]
    adapter.reset()
    settle()
    if adapter.status() != vector["initial"]:
        return f"{vid} initial: got {adapter.status()}, expected {vector['initial']}"
    for n, step in enumerate(vector["steps"], start=1):
        for bad in step["must_reject"]:
            if adapter.send(Command.from_json(bad)):
                return f"{vid} step {n}: accepted forbidden {Command.from_json(bad)}"
            settle()
        command = Command.from_json(step["command"])
        accepted = adapter.send(command)
        settle()
        if not accepted:
            return None if step.get("may") else f"{vid} step {n}: refused {command}"
        got = adapter.status()
        if got != step["expect"]:
            if got in step.get("also", []):
                return None
            return f"{vid} step {n} ({command}): got {got}, expected {step['expect']}"
    for bad in vector.get("final_must_reject", []):
        if adapter.send(Command.from_json(bad)):
            return f"{vid} at the end: accepted forbidden {Command.from_json(bad)}"
    return None
