"""What every subcommand shares: exit codes, option types, loading a model, one check
pipeline (explore, analyse, render, through the cache) and writing its outputs."""

from __future__ import annotations

import argparse
import dataclasses
import functools
import inspect
import sys
from collections.abc import Mapping
from enum import IntEnum
from pathlib import Path
from typing import Any

from .. import cache, catalog, junit, loading, markdown, pipeline, usercode
from .. import report as rep
from ..analyses import BUILTIN_PROPERTIES
from ..errors import UsageError
from ..explore import Explorer
from ..fingerprint import Uncacheable, fingerprint, spec_modules
from ..protocol import Workflow
from ..system import TransitionSystem
from ..trace import dumps


class ExitCode(IntEnum):
    OK = 0  # every property holds / the implementation conforms
    VIOLATED = 1  # a counterexample / a nonconformance
    BAD_INPUT = 2  # usage error or bad input, user code that raised or exited included
    UNKNOWN = 3  # a bound was hit, nothing tested, or interrupted: no verdict
    INTERNAL = 4  # ordercheck's own defect


EXIT_OK, EXIT_VIOLATED, EXIT_BAD_INPUT, EXIT_UNKNOWN, EXIT_INTERNAL = (
    ExitCode.OK, ExitCode.VIOLATED, ExitCode.BAD_INPUT, ExitCode.UNKNOWN, ExitCode.INTERNAL)
#: The installed model ``--variant`` names (found through the ``ordercheck.models`` entry
#: points; the CLI knows no model by name) and its variants.
DEFAULT_ENTRY = catalog.default_entry()
VARIANTS: tuple[str, ...] = DEFAULT_ENTRY.variants if DEFAULT_ENTRY else ()
DEFAULT_VARIANT: str | None = DEFAULT_ENTRY.default_variant if DEFAULT_ENTRY else None


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1 (a zero or negative bound or budget means nothing)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def positive_float(text: str) -> float:
    """argparse type: a number of seconds > 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text!r}")
    return value


def resolve_model(spec: str, params: Mapping[str, Any] | None = None) -> Workflow:
    """Load a model (the spec forms are in :mod:`.loading`).  ``attr`` is a
    :class:`Workflow` or a callable returning one.

    ``params`` are *model parameters* (``--sellers N`` gives ``{"sellers": N}``): keyword
    arguments of the model's factory.  The engine gives them no meaning; a model whose
    factory has no such keyword is refused, naming the option, so a parameter is never
    silently ignored."""
    obj, attr = loading.load_attribute(spec, f"--model {spec!r}")
    return _workflow_of(obj, spec, attr, dict(params or {}))


def _accepts(factory: Any, name: str) -> bool:
    try:
        parameters = inspect.signature(factory).parameters
    except (TypeError, ValueError):  # a callable without a signature: cannot tell
        return False
    return name in parameters and parameters[name].kind in (
        inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def _workflow_of(obj: Any, spec: str, attr: str, params: dict[str, Any]) -> Workflow:
    for name in sorted(params):
        if not (callable(obj) and not isinstance(obj, Workflow) and _accepts(obj, name)):
            raise UsageError(f"--{name}: model {spec!r} takes no parameter {name!r} (its "
                             f"factory {attr} has no keyword {name!r})")
    if callable(obj) and not isinstance(obj, Workflow):
        usercode.register(obj, f"--model {spec!r}: {attr}()")
        obj = usercode.calling(f"--model {spec!r}: {attr}()", functools.partial(obj, **params))
    if not isinstance(obj, Workflow):
        raise UsageError(f"--model {spec!r}: expected a Workflow, got {type(obj).__name__}")
    usercode.check_workflow(obj)
    return obj


def model_spec(args: argparse.Namespace) -> str:
    if args.model is not None:
        if not args.model.strip():
            raise UsageError("--model '': empty; expected module:attribute or file.py:attribute")
        return str(args.model)
    if args.variant is None or DEFAULT_ENTRY is None:
        raise UsageError("no model: pass --model module:attribute (no built-in model is "
                         "installed for --variant)")
    return DEFAULT_ENTRY.spec(args.variant)


def _progress(states: int, queue: int, rate: float) -> None:
    sys.stderr.write(f"\r  {states:,} states, queue {queue:,}, {rate:,.0f} states/s ")
    sys.stderr.flush()


EXPLORER_NAMES = ("bfs", "compiled", "parallel", "dask")


def explorer_args(p: argparse.ArgumentParser) -> None:
    """``--explorer`` and its options (the back ends are in :mod:`..explorers`)."""
    p.add_argument("--explorer", choices=EXPLORER_NAMES, default="bfs",
                   help="exploration back end: bfs (reference), compiled (numba), parallel "
                        "(all cores), dask (a cluster); every one gives the same result")
    p.add_argument("--workers", type=positive_int, metavar="N",
                   help="with --explorer compiled: kernel threads; with parallel: "
                        "processes (both: default one per core); with dask and no "
                        "--scheduler: local worker processes (default 2)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="with --explorer dask: the scheduler (default: a local cluster)")


def explorer_of(args: argparse.Namespace) -> Explorer | None:
    """The back end ``args`` ask for (None: the reference BFS)."""
    from ..explorers import Compiled, Distributed, Parallel

    name = getattr(args, "explorer", "bfs")
    if name != "dask" and getattr(args, "scheduler", None) is not None:
        raise UsageError("--scheduler: only with --explorer dask")
    if getattr(args, "workers", None) is not None and name not in ("compiled", "parallel",
                                                                   "dask"):
        raise UsageError("--workers: only with --explorer compiled, parallel or dask")
    if name == "compiled":
        return Compiled(getattr(args, "workers", None))
    if name == "parallel":
        return Parallel(args.workers)
    if name == "dask":
        return Distributed(args.scheduler, args.workers)
    return None


def run_check(spec: str, *, delivery: str = "fifo", capacity: int = 4,
              max_states: int | None = None, max_depth: int | None = None,
              fail_on: str = "error", progress: bool = False) -> rep.CheckResult:
    """Explore and analyse one model; raises InvalidModel/UsageError on bad input."""
    result = pipeline.check(resolve_model(spec), delivery=delivery, capacity=capacity,
                            max_states=max_states, max_depth=max_depth, fail_on=fail_on,
                            progress=_progress if progress else None)
    if progress:
        sys.stderr.write("\n")
    return result


def rendered(result: rep.CheckResult, spec: str) -> dict[str, Any]:
    """Everything a check writes, as text: what the cache stores and --out writes."""
    traces = {}
    for k, f in enumerate(result.analysis.findings, start=1):
        if f.path:
            traces[f"{k:02d}-{f.kind}-{f.property}.jsonl"] = dumps(result.trace(f), header={
                "model": result.model, "model_spec": spec, "delivery": result.delivery,
                "title": f.title, "property": f.property, "kind": f.kind})
    return {"text": rep.render_text(result), "json": rep.dumps_json(result),
            "verdict": result.verdict, "traces": traces,
            "junit": junit.render(result), "markdown": markdown.render(result, traces)}


def write_outputs(out: Path, outputs: dict[str, Any]) -> None:
    """report.txt, report.json, report.junit.xml, report.md and one trace per finding."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "report.txt").write_text(outputs["text"], encoding="utf-8")
    (out / "report.json").write_text(outputs["json"], encoding="utf-8")
    (out / "report.junit.xml").write_text(outputs["junit"], encoding="utf-8")
    (out / "report.md").write_text(outputs["markdown"], encoding="utf-8")
    traces = out / "traces"
    traces.mkdir(exist_ok=True)
    for old in traces.glob("*.jsonl"):
        old.unlink()
    for name, text in sorted(outputs["traces"].items()):
        (traces / name).write_text(text, encoding="utf-8")


#: Options that only choose where and how the outputs are shown: every other option (those
#: added later included) is part of the cache key.


_OUTPUT_ONLY = frozenset({"func", "command", "format", "out", "junit_xml", "github_summary",
                          "cache_dir", "no_cache", "quiet", "timing"})
#: The fields of a cache entry and their types; an entry without them is a miss.


_CACHED_OUTPUTS = {"text": str, "json": str, "verdict": str, "traces": dict, "junit": str,
                   "markdown": str, "timing": str}


def _whole(entry: dict[str, Any]) -> bool:
    """A cache entry that can be shown as is: a known verdict, trace files with plain names
    (a tampered name must not write outside ``--out``).  Anything else is a miss."""
    return entry["verdict"] in rep.EXIT_CODES and all(
        isinstance(text, str) and name.endswith(".jsonl") and "/" not in name
        and "\\" not in name and not name.startswith(".")
        for name, text in entry["traces"].items())


#: Properties every check evaluates besides the model's own (the names findings carry):
#: the built-ins, from the one registry.  A test checks findings carry no other name.


ENGINE_PROPERTIES = tuple(BUILTIN_PROPERTIES)


def select_properties(workflow: Workflow, names: list[str] | None
                      ) -> tuple[Workflow, frozenset[str] | None]:
    """``check --property NAME`` (repeatable): keep only those properties' findings.

    Why here and not in the engine: exploring is the same for any selection; only which
    findings count changes.  An unknown name is a usage error listing the known ones, so a
    typo cannot silently select nothing (a vacuous pass)."""
    if not names:
        return workflow, None
    known = [*ENGINE_PROPERTIES, *(p.name for p in workflow.properties)]
    unknown = sorted(set(names) - set(known))
    if unknown:
        raise UsageError(f"--property {', '.join(map(repr, unknown))}: no such property in "
                         f"{workflow.name}; known: {', '.join(known)}")
    selected = frozenset(names)
    kept = tuple(p for p in workflow.properties if p.name in selected)
    return dataclasses.replace(workflow, properties=kept), selected


def checked(spec: str, args: argparse.Namespace) -> dict[str, Any]:
    """Check ``spec`` with the options in ``args``, through the result cache."""
    workflow, selected = select_properties(resolve_model(spec, model_params(args)),
                                           args.property)
    system = TransitionSystem(workflow, delivery=args.delivery, capacity=args.capacity,
                              symmetry=args.symmetry)
    store = None if args.no_cache else cache.Cache(Path(args.cache_dir),
                                                   required=_CACHED_OUTPUTS)
    key = ""
    if store is not None:
        options = {k: v for k, v in sorted(vars(args).items()) if k not in _OUTPUT_ONLY}
        try:
            key = fingerprint(system, roots=spec_modules(spec), spec=spec, **options)
        except Uncacheable as exc:
            store = None
            sys.stderr.write(f"ordercheck: not cached: {exc}\n")
    if store is not None:
        hit = store.get(key)
        if hit is not None and _whole(hit):
            if not args.quiet:
                sys.stderr.write(f"ordercheck: cache hit {key[:12]} (unchanged model and "
                                 "options; --no-cache to explore again)\n")
            return hit
    progress = sys.stderr.isatty() and not args.quiet
    result = pipeline.check(workflow, delivery=args.delivery, capacity=args.capacity,
                            max_states=args.max_states, max_depth=args.max_depth,
                            fail_on=args.fail_on, properties=selected,
                            symmetry=args.symmetry,
                            progress=_progress if progress else None,
                            explorer=explorer_of(args), spec=spec, params=model_params(args))
    if progress:
        sys.stderr.write("\n")
    graph = result.graph
    outputs = rendered(result, spec)
    rate = graph.n_states / max(graph.seconds, 1e-9)
    outputs["timing"] = f"{graph.seconds:.3f}s, {rate:,.0f} states/s"
    if store is not None:
        store.put(key, outputs)
    return outputs


def model_args(p: argparse.ArgumentParser, variant_default: str | None = DEFAULT_VARIANT
               ) -> None:
    p.add_argument("--variant", choices=VARIANTS, default=variant_default,
                   help="built-in VTEX model variant (default: %(default)s)")
    p.add_argument("--model", metavar="SPEC",
                   help="your own model as module:attribute (a Workflow or a function "
                        "returning one); overrides --variant")
    p.add_argument("--capacity", type=positive_int, default=4, metavar="N",
                   help="messages a channel may hold; more is a bound hit (default 4)")


def model_parameter_args(p: argparse.ArgumentParser, *, symmetry: bool = True) -> None:
    """``--sellers N`` (a model parameter, see :func:`resolve_model`) and, for subcommands
    that explore for a verdict, ``--symmetry``."""
    p.add_argument("--sellers", type=positive_int, metavar="N",
                   help="model parameter 'sellers' (the VTEX model: an order group of N "
                        "marketplace/seller order pairs; default: the model's own, 1)")
    if not symmetry:
        return
    p.add_argument("--symmetry", action="store_true",
                   help="explore one state per orbit of the model's interchangeable party "
                        "groups (Workflow.symmetric); traces stay real runs")


def model_params(args: argparse.Namespace) -> dict[str, Any]:
    """The model parameters given on the command line (none when the option is absent)."""
    sellers = getattr(args, "sellers", None)
    return {} if sellers is None else {"sellers": sellers}
