"""What another process needs to rebuild a TransitionSystem: the model and its options.

Parallel and distributed back ends run the successor function in other processes.  A
:class:`~..protocol.Workflow` does not pickle in general (charts are classes, often made at
run time; properties are lambdas), but the canonical codec and the static action table make
two systems compiled from the same model agree on every state int and action id
(tests/test_seam.py).  So a worker rebuilds the system from a :class:`SystemSpec` — the
model as ``--model`` names it (or a picklable factory) plus the TransitionSystem's keyword
options — and the coordinator finds it on the system it explores (:func:`spec_of`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from .. import loading, usercode
from ..errors import UsageError
from ..protocol import Workflow
from ..system import TransitionSystem

__all__ = ["SystemSpec", "attach_spec", "spec_of"]


@dataclass(frozen=True)
class SystemSpec:
    """A model reference (``module:attr`` string, or a picklable zero-argument factory) and
    the keyword options of :class:`TransitionSystem` (delivery, capacity, ...)."""

    model: str | Callable[..., Workflow]
    options: Mapping[str, Any] = field(default_factory=dict)
    #: model parameters (``--sellers N``): keywords of the model's factory
    params: Mapping[str, Any] = field(default_factory=dict)

    def workflow(self) -> Workflow:
        if isinstance(self.model, str):
            where = f"--model {self.model!r}"
            obj, attr = loading.load_attribute(self.model, where)
            if callable(obj) and not isinstance(obj, Workflow):
                obj = usercode.calling(f"{where}: {attr}()", partial(obj, **self.params))
        else:
            obj = usercode.calling(f"model factory {self.model!r}",
                                   partial(self.model, **self.params))
        if not isinstance(obj, Workflow):
            raise UsageError(f"{self.model!r}: expected a Workflow, got {type(obj).__name__}")
        return obj

    def build(self) -> TransitionSystem:
        return TransitionSystem(self.workflow(), **self.options)


def attach_spec(system: Any, spec: SystemSpec) -> None:
    """Record how ``system`` was built, for back ends that rebuild it elsewhere."""
    system.spec = spec


def spec_of(system: Any) -> SystemSpec | None:
    spec = getattr(system, "spec", None)
    return spec if isinstance(spec, SystemSpec) else None
