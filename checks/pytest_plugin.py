"""pytest plugin (entry point ``pytest11``): model properties and conformance suites as tests.

In any test module::

    from ordercheck.checks.pytest_plugin import check_model, conformance

    test_vtex = check_model("ordercheck.model.vtex:documented")          # one item a property
    test_my_oms = conformance("ordercheck.model.vtex:documented",
                              adapter="python:my_oms.adapter:MyOMS")     # tour + Hypothesis

Each property (the model's own, the built-in ``no-deadlock``, ``no-livelock``,
``can-always-finish``, and those given with ``properties=``) becomes its own item
``test_vtex[<property>]`` carrying the markers ``ordercheck`` and ``ordercheck_<kind>``, so
``-k`` and ``-m`` select them.  A failure shows the shortest counterexample as numbered steps
and the path of its JSON-lines trace.  Exploration is cached for the session: ten items of
one model explore it once.

A property that could not be decided because exploration hit a bound (UNKNOWN) **fails** by
default: CI shows a skip as green, and an undecided property is not a pass.  The ini option
``ordercheck_unknown = skip`` (pytest.ini / ``[tool.pytest.ini_options]``) turns it into a
skip instead, for suites that knowingly check bounded models.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import pytest

from . import catalog, pipeline
from . import report as rep
from .analyses import BUILTIN_PROPERTIES
from .explore import explore
from .findings import Finding, FindingKind
from .properties import Property, kind_of
from .protocol import Workflow
from .system import TransitionSystem
from .trace import write
from .usercode import check_workflow

BUILTIN = BUILTIN_PROPERTIES


class UnknownPolicy(StrEnum):
    """What an UNKNOWN property becomes (ini option ``ordercheck_unknown``)."""

    FAIL = "fail"
    SKIP = "skip"


UNKNOWN_INI = "ordercheck_unknown"


@dataclass(frozen=True)
class ModelCheck:
    """Marker object: a module attribute of this type is collected as a property suite."""

    spec: str | Workflow
    delivery: str = "fifo"
    capacity: int = 4
    properties: tuple[Property, ...] = ()
    builtin: tuple[str, ...] = tuple(BUILTIN)


def check_model(spec: str | Workflow, *, delivery: str = "fifo", capacity: int = 4,
                properties: Iterable[Property] = (),
                builtin: Iterable[str] = tuple(BUILTIN)) -> ModelCheck:
    """Declare a model whose properties pytest should check, one test item each."""
    return ModelCheck(spec, delivery, capacity, tuple(properties), tuple(builtin))


@dataclass(frozen=True)
class Conformance:
    """Marker object: a module attribute of this type is collected as a conformance suite."""

    spec: str | Workflow
    adapter: str | Callable[[], Any]
    delivery: str = "fifo"
    budget: int = 100
    steps: int = 40
    seed: int = 0
    timeout: float = 5.0
    extra: dict[str, Any] = field(default_factory=dict)


def conformance(spec: str | Workflow, *, adapter: str | Callable[[], Any],
                delivery: str = "fifo", budget: int = 100, steps: int = 40, seed: int = 0,
                timeout: float = 5.0) -> Conformance:
    """Declare an implementation to test: one item per tour case, plus one Hypothesis item."""
    return Conformance(spec, adapter, delivery, budget, steps, seed, timeout)


# -- session cache -------------------------------------------------------------------------------
_CACHE: dict[tuple[Any, ...], rep.CheckResult] = {}


def _workflow(spec: str | Workflow) -> Workflow:
    if isinstance(spec, Workflow):
        check_workflow(spec)
        return spec
    from .cli import resolve_model

    return resolve_model(spec)


def _result(check: ModelCheck) -> rep.CheckResult:
    key = (id(check.spec) if isinstance(check.spec, Workflow) else check.spec, check.delivery,
           check.capacity, tuple(p.name for p in check.properties))
    hit = _CACHE.get(key)
    if hit is None:
        workflow = _workflow(check.spec)
        workflow = dataclasses.replace(
            workflow, properties=(*workflow.properties, *check.properties))
        hit = pipeline.check(workflow, delivery=check.delivery, capacity=check.capacity)
        _CACHE[key] = hit
    return hit


# -- collection ----------------------------------------------------------------------------------
def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(UNKNOWN_INI, "what an UNKNOWN ordercheck property is: fail (default) or skip",
                  default=UnknownPolicy.FAIL.value)


def unknown_policy(config: pytest.Config) -> UnknownPolicy:
    """The configured policy; a value outside the closed set is a usage error."""
    value = str(config.getini(UNKNOWN_INI)).strip()
    try:
        return UnknownPolicy(value)
    except ValueError:
        raise pytest.UsageError(f"ini option {UNKNOWN_INI} = {value!r}: expected one of "
                                f"{', '.join(p.value for p in UnknownPolicy)}") from None


def pytest_configure(config: pytest.Config) -> None:
    unknown_policy(config)
    config.addinivalue_line("markers", "ordercheck: an ordercheck model property or "
                                       "conformance item")
    for kind in (*(k.value for k in FindingKind), "conformance"):
        config.addinivalue_line("markers", f"ordercheck_{kind}: ordercheck {kind} items")


def pytest_pycollect_makeitem(collector: pytest.Collector, name: str, obj: object
                              ) -> pytest.Collector | None:
    if isinstance(obj, ModelCheck):
        return ModelCheckCollector.from_parent(collector, name=name, check=obj)
    if isinstance(obj, Conformance):
        return ConformanceCollector.from_parent(collector, name=name, suite=obj)
    return None


class ModelCheckCollector(pytest.Collector):
    def __init__(self, *, check: ModelCheck, **kw: Any) -> None:
        super().__init__(**kw)
        self.check = check

    def collect(self) -> Iterator[pytest.Item]:
        workflow = _workflow(self.check.spec)
        for builtin in self.check.builtin:
            yield PropertyItem.from_parent(self, name=f"{self.name}[{builtin}]",
                                           check=self.check, prop=builtin,
                                           kind=BUILTIN[builtin])
        for prop in (*workflow.properties, *self.check.properties):
            yield PropertyItem.from_parent(self, name=f"{self.name}[{prop.name}]",
                                           check=self.check, prop=prop.name,
                                           kind=kind_of(prop))


class PropertyFailed(AssertionError):
    pass


class PropertyUndecided(PropertyFailed):
    """A bound was hit before the property was decided (UNKNOWN): not a pass."""


class _OrdercheckItem(pytest.Item):
    """Failures print ordercheck's own explanation instead of a Python traceback."""

    headline = "ordercheck"

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException],
                     style: Any = None) -> str:
        if isinstance(excinfo.value, PropertyUndecided):
            return f"{self.headline.replace(' violated', ' undecided')}:\n{excinfo.value}"
        if isinstance(excinfo.value, PropertyFailed):
            return f"{self.headline}:\n{excinfo.value}"
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Any, int | None, str]:
        return self.path, None, f"{self.headline}: {self.name}"


class PropertyItem(_OrdercheckItem):
    def __init__(self, *, check: ModelCheck, prop: str, kind: str, **kw: Any) -> None:
        super().__init__(**kw)
        self.check = check
        self.prop = prop
        self.kind = kind
        self.add_marker("ordercheck")
        self.add_marker(f"ordercheck_{kind}")
        self.headline = f"ordercheck property {prop!r} ({kind}) violated"

    def runtest(self) -> None:
        result = _result(self.check)
        failing = [f for f in result.analysis.findings
                   if f.property == self.prop and f.severity == "error"]
        if failing:  # a counterexample is real even when a bound was hit
            raise PropertyFailed(self._explain(result, failing))
        if not result.graph.complete:
            reason = (f"UNKNOWN: exploration hit a bound ({', '.join(result.graph.bounds_hit)}); "
                      f"the property was not decided")
            if unknown_policy(self.config) is UnknownPolicy.SKIP:
                pytest.skip(reason)
            raise PropertyUndecided(f"{reason} (set {UNKNOWN_INI} = skip to skip instead)")

    def _explain(self, result: rep.CheckResult, failing: list[Finding]) -> str:
        parts = []
        trace_dir = Path(str(self.config.rootpath)) / ".ordercheck" / "traces"
        for k, f in enumerate(failing, start=1):
            parts.append(f"{f.title}" + (f" (x{f.count} states)" if f.count > 1 else ""))
            parts.append(f"    {f.detail}")
            if f.path:
                steps = result.trace(f)
                parts.append(rep.trace_table(steps, result.graph.system.parties))
                trace_dir.mkdir(parents=True, exist_ok=True)
                safe = self.name.replace("/", "_").replace("[", "-").replace("]", "")
                path = trace_dir / f"{safe}-{k}.jsonl"
                spec = self.check.spec if isinstance(self.check.spec, str) else ""
                write(path, steps, header={"model": result.model, "model_spec": spec,
                                           "delivery": result.delivery, "title": f.title})
                parts.append(f"    trace: {path}")
        return "\n".join(parts)



class ConformanceCollector(pytest.Collector):
    def __init__(self, *, suite: Conformance, **kw: Any) -> None:
        super().__init__(**kw)
        self.suite = suite

    def collect(self) -> Iterator[pytest.Item]:
        from .conformance.tour import cases

        model = _conformance_model(self.suite)
        for case in cases(model):
            label = model.targets.name(case.target)
            yield ConformanceItem.from_parent(self, name=f"{self.name}[tour: {label}]",
                                              suite=self.suite, case=case.target)
        yield ConformanceItem.from_parent(self, name=f"{self.name}[hypothesis]",
                                          suite=self.suite, case=None)


def _adapter_maker(suite: Conformance) -> Callable[[], Any]:
    from .conformance.adapter import adapter_factory

    if not isinstance(suite.adapter, str):
        return suite.adapter
    entry = catalog.entry_for(suite.spec if isinstance(suite.spec, str) else None)
    return adapter_factory(suite.adapter, timeout=suite.timeout,
                           http=entry.http if entry else None)


def _conformance_model(suite: Conformance) -> Any:
    """The conformance model for the suite's adapter: its ``automatic`` set decides the
    settled graph and so the tour's cases (an adapter that cannot be created is reported by
    the items that run it; the cases then assume no automatic actor)."""
    from .conformance.adapter import AdapterError, create
    from .conformance.session import ConformanceModel

    graph = explore(TransitionSystem(_workflow(suite.spec), delivery=suite.delivery))
    try:
        probe = create(_adapter_maker(suite))
    except AdapterError:
        return ConformanceModel(graph, frozenset())
    automatic = frozenset(getattr(probe, "automatic", frozenset()))
    getattr(probe, "close", lambda: None)()
    return ConformanceModel(graph, automatic)


class ConformanceItem(_OrdercheckItem):
    headline = "ordercheck conformance"

    @property
    def _suite_name(self) -> str:
        return self.parent.name if self.parent is not None else self.name

    def __init__(self, *, suite: Conformance, case: int | None, **kw: Any) -> None:
        super().__init__(**kw)
        self.suite = suite
        self.case = case
        self.add_marker("ordercheck")
        self.add_marker("ordercheck_conformance")

    def runtest(self) -> None:
        from .conformance.adapter import Guarded, create
        from .conformance.session import Session
        from .conformance.stateful import run_stateful
        from .conformance.tour import cases, play

        suite = self.suite
        make = _adapter_maker(suite)
        model = _conformance_model(suite)
        graph = model.graph
        workflow = _workflow(suite.spec)
        header = {"model": workflow.name, "delivery": suite.delivery,
                  "model_spec": suite.spec if isinstance(suite.spec, str) else ""}
        trace_dir = Path(str(self.config.rootpath)) / ".ordercheck" / "traces"
        if self.case is None:
            outcome = run_stateful(model, make, budget=suite.budget, steps=suite.steps,
                                   seed=suite.seed, timeout=suite.timeout, header=header)
            problem = outcome.error or outcome.failure
            if problem is not None:
                trace_dir.mkdir(parents=True, exist_ok=True)
                path = trace_dir / f"{self._suite_name}-hypothesis.jsonl"
                path.write_text(outcome.trace or "", encoding="utf-8")
                raise PropertyFailed(f"{problem}\n    trace: {path}")
            return
        case = next(c for c in cases(model) if c.target == self.case)
        session = Session(model, Guarded(create(make), graph.system.parties, suite.timeout))
        try:
            play(session, case.commands)
        except AssertionError as exc:
            trace_dir.mkdir(parents=True, exist_ok=True)
            path = trace_dir / f"{self._suite_name}-tour-{self.case}.jsonl"
            path.write_text(session.trace(header), encoding="utf-8")
            raise PropertyFailed(f"{exc}\n    trace: {path}") from None
        finally:
            session.close()

