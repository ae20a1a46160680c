"""Language-neutral conformance vectors: JSON lines, one vector a line.

Each vector is a command sequence from a fresh order, with the statuses expected after each
step and the commands that must be *rejected* at that step (VTEX answers such calls with
400/409).  Vectors are the tour's cases (deduplicated by transition coverage) for an
implementation that exposes every step as a command (no automatic actors), so every
expectation is exact.  Schema: ``checks/schemas/vector.schema.json``.
"""

from __future__ import annotations

import json
from typing import Any

from ..explore import StateGraph
from .adapter import Adapter, Command
from .session import ConformanceModel
from .tour import cases


def vectors(graph: StateGraph, model_name: str) -> list[dict[str, Any]]:
    model = ConformanceModel(graph, frozenset())
    system = graph.system
    out = []
    for k, case in enumerate(cases(graph, model), start=1):
        steps = []
        prev = case.path[0][1]
        for label, state in case.path[1:]:
            command = model.label_command[label]
            assert command is not None
            allowed = set(model.commands(prev))
            steps.append({
                "command": command.to_json(),
                "must_reject": [c.to_json() for c in model.alphabet if c not in allowed],
                "expect": model.status(state),
                "in_flight": list(system.in_flight(graph.states[state])),
            })
            prev = state
        out.append({
            "id": f"v{k:03d}",
            "model": model_name,
            "covers": sorted({model.step_names[s] for s in case.covers}),
            "target": model.step_names[case.target],
            "initial": model.status(0),
            "steps": steps,
        })
    return out


def dumps(vecs: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(v, sort_keys=True) + "\n" for v in vecs)


def run_vector(adapter: Adapter, vector: dict[str, Any]) -> str | None:
    """The Python reference runner: None when ``adapter`` passes ``vector``, else why not."""
    adapter.reset()
    if adapter.status() != vector["initial"]:
        return f"{vector['id']} initial: got {adapter.status()}, expected {vector['initial']}"
    for n, step in enumerate(vector["steps"], start=1):
        for bad in step["must_reject"]:
            if adapter.send(Command.from_json(bad)):
                return f"{vector['id']} step {n}: accepted forbidden {Command.from_json(bad)}"
        command = Command.from_json(step["command"])
        if not adapter.send(command):
            return f"{vector['id']} step {n}: refused {command}"
        if adapter.status() != step["expect"]:
            return (f"{vector['id']} step {n} ({command}): got {adapter.status()}, "
                    f"expected {step['expect']}")
    return None
