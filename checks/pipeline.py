"""The one check pipeline: compile, explore, analyse.  The CLI, the pytest plugin, the report
and diagram jobs all call :func:`check`, so a bound, a property filter or a new explorer back
end means the same thing everywhere (there used to be four copies of these lines)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from .analyses import analyse
from .explore import Explorer, Progress, explore
from .explorers.spec import SystemSpec, attach_spec
from .protocol import Workflow
from .report import CheckResult
from .system import TransitionSystem

__all__ = ["check"]


def check(workflow: Workflow, *, delivery: str = "fifo", capacity: int = 4,
          max_states: int | None = None, max_depth: int | None = None,
          fail_on: str = "error", properties: Collection[str] | None = None,
          explorer: Explorer | None = None, progress: Progress | None = None,
          spec: str | None = None, params: Mapping[str, Any] | None = None,
          symmetry: bool = False) -> CheckResult:
    """Check ``workflow``: every reachable state explored (within the bounds), the built-in
    and the model's properties analysed.  ``properties`` keeps only those properties'
    findings (names, built-ins included); exploring does not depend on it.  ``symmetry``
    explores one state per orbit (:mod:`.symmetry`).  ``spec`` (with the model parameters
    ``params``) is how ``--model`` named the workflow: back ends that explore in other
    processes rebuild the system from it (:mod:`.explorers.spec`)."""
    system = TransitionSystem(workflow, delivery=delivery, capacity=capacity,
                              symmetry=symmetry)
    if spec is not None:
        attach_spec(system, SystemSpec(spec, {"delivery": delivery, "capacity": capacity,
                                              "symmetry": symmetry}, dict(params or {})))
    graph = explore(system, max_states=max_states, max_depth=max_depth, progress=progress,
                    explorer=explorer)
    analysis = analyse(graph, workflow.properties)
    if properties is not None:
        keep = frozenset(properties)
        analysis.findings[:] = [f for f in analysis.findings if f.property in keep]
    return CheckResult(model=workflow.name, delivery=delivery, graph=graph,
                       analysis=analysis, fail_on=fail_on)
