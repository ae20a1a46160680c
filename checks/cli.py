"""``ordercheck`` command line: the only module with argv, file output and exit codes.

Exit codes: 0 all properties hold, 1 a violation, 2 usage error or bad input (the message
names the place; user code that raises or exits included), 3 UNKNOWN (a bound was hit before
anything failed; or an interrupt), 4 ordercheck's own defect.  Every subcommand, ``diagrams``
included, runs under one handler (:func:`main`) that decides which of these an exception is.

The engine does not import the VTEX model: ``--variant NAME`` is shorthand for
``--model ordercheck.model.vtex:NAME``, resolved at run time like any user model.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.metadata
import json
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import cache, junit, loading, markdown, outpaths, usercode
from . import report as rep
from .analysis import BUILTIN_PROPERTIES, analyse
from .errors import UsageError
from .explore import explore
from .fingerprint import Uncacheable, fingerprint, spec_modules
from .protocol import InvalidModel, Workflow
from .system import DELIVERY_MODES, JointSystem
from .trace import MalformedTrace, ReplayVerdict, dumps, open_trace, replay

EXIT_OK, EXIT_VIOLATED, EXIT_BAD_INPUT, EXIT_UNKNOWN, EXIT_INTERNAL = 0, 1, 2, 3, 4
DEFAULT_MODEL_MODULE = "ordercheck.model.vtex"
VARIANTS = ("documented", "observed")


__all__ = ["UsageError", "build_parser", "main", "resolve_model"]


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


def resolve_model(spec: str) -> Workflow:
    """Load a model (the spec forms are in :mod:`.loading`).  ``attr`` is a
    :class:`Workflow` or a callable returning one."""
    obj, attr = loading.load_attribute(spec, f"--model {spec!r}")
    return _workflow_of(obj, spec, attr)


def _workflow_of(obj: Any, spec: str, attr: str) -> Workflow:
    if callable(obj) and not isinstance(obj, Workflow):
        usercode.register(obj, f"--model {spec!r}: {attr}()")
        obj = usercode.calling(f"--model {spec!r}: {attr}()", obj)
    if not isinstance(obj, Workflow):
        raise UsageError(f"--model {spec!r}: expected a Workflow, got {type(obj).__name__}")
    usercode.check_workflow(obj)
    return obj


def model_spec(args: argparse.Namespace) -> str:
    if args.model is not None:
        if not args.model.strip():
            raise UsageError("--model '': empty; expected module:attribute or file.py:attribute")
        return str(args.model)
    return f"{DEFAULT_MODEL_MODULE}:{args.variant}"


def _progress(states: int, queue: int, rate: float) -> None:
    sys.stderr.write(f"\r  {states:,} states, queue {queue:,}, {rate:,.0f} states/s ")
    sys.stderr.flush()


def run_check(spec: str, *, delivery: str = "fifo", capacity: int = 4,
              max_states: int | None = None, max_depth: int | None = None,
              fail_on: str = "error", progress: bool = False) -> rep.CheckResult:
    """Explore and analyse one model; raises InvalidModel/UsageError on bad input."""
    workflow = resolve_model(spec)
    system = JointSystem(workflow, delivery=delivery, capacity=capacity)
    graph = explore(system, max_states=max_states, max_depth=max_depth,
                    progress=_progress if progress else None)
    if progress:
        sys.stderr.write("\n")
    analysis = analyse(graph, workflow.properties)
    return rep.CheckResult(model=workflow.name, delivery=delivery, graph=graph,
                           analysis=analysis, fail_on=fail_on)


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
    workflow, selected = select_properties(resolve_model(spec), args.property)
    system = JointSystem(workflow, delivery=args.delivery, capacity=args.capacity)
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
    graph = explore(system, max_states=args.max_states, max_depth=args.max_depth,
                    progress=_progress if progress else None)
    if progress:
        sys.stderr.write("\n")
    analysis = analyse(graph, workflow.properties)
    if selected is not None:
        analysis.findings[:] = [f for f in analysis.findings if f.property in selected]
    result = rep.CheckResult(model=workflow.name, delivery=args.delivery, graph=graph,
                             analysis=analysis, fail_on=args.fail_on)
    outputs = rendered(result, spec)
    rate = graph.n_states / max(graph.seconds, 1e-9)
    outputs["timing"] = f"{graph.seconds:.3f}s, {rate:,.0f} states/s"
    if store is not None:
        store.put(key, outputs)
    return outputs


def cmd_check(args: argparse.Namespace) -> int:
    spec = model_spec(args)
    # output places are checked before the exploration, so a typo costs no wait
    if args.out is not None:
        outpaths.out_dir("--out", args.out)
    if args.junit_xml is not None:
        outpaths.out_file("--junit-xml", args.junit_xml)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if args.github_summary and summary:
        outpaths.out_file("GITHUB_STEP_SUMMARY", summary)
    outputs = checked(spec, args)
    sys.stdout.write(outputs["json"] if args.format == "json" else outputs["text"])
    if args.timing:
        sys.stderr.write(f"exploration: {outputs['timing']}\n")
    if args.out is not None:
        with outpaths.writing("--out", args.out):
            write_outputs(Path(args.out), outputs)
    if args.junit_xml is not None:
        outpaths.write_text("--junit-xml", args.junit_xml, outputs["junit"])
    if args.github_summary and summary:
        outpaths.write_text("GITHUB_STEP_SUMMARY", summary, outputs["markdown"], append=True)
    elif args.github_summary:
        sys.stderr.write("ordercheck: --github-summary: GITHUB_STEP_SUMMARY is not set (it is "
                         "set inside GitHub Actions); no summary written\n")
    return rep.EXIT_CODES[outputs["verdict"]]


def cmd_report(args: argparse.Namespace) -> int:
    """The main job: check both VTEX variants and write the reports (and diagrams)."""
    out = outpaths.out_dir("--out", args.out)
    if not args.no_diagrams:
        outpaths.out_dir("--diagrams-out", args.diagrams_out)
    summary = ["# ordercheck report", ""]
    summary.append("| model | delivery | states | transitions | verdict | errors | warnings |")
    summary.append("|---|---|---|---|---|---|---|")
    worst = EXIT_OK
    for variant in VARIANTS:
        spec = f"{DEFAULT_MODEL_MODULE}:{variant}"
        for delivery in args.delivery:
            result = run_check(spec, delivery=delivery)
            target = out / variant / delivery
            with outpaths.writing("--out", args.out):
                write_outputs(target, rendered(result, spec))
            errors = sum(f.severity == "error" for f in result.analysis.findings)
            warnings = sum(f.severity == "warning" for f in result.analysis.findings)
            st = result.analysis.stats
            summary.append(f"| {result.model} | {delivery} | {st['states']} | {st['edges']} | "
                           f"{result.verdict} | {errors} | {warnings} |")
            if delivery == "fifo":
                sys.stdout.write(rep.render_text(result))
                sys.stdout.write("\n")
            if result.verdict == rep.UNKNOWN:
                worst = max(worst, EXIT_UNKNOWN)
    outpaths.write_text("--out", out / "SUMMARY.md", "\n".join(summary) + "\n")
    if not args.no_diagrams:
        try:
            from ordercheck.diagrams.cli import write_all
        except ImportError:  # diagrams package not installed
            pass
        else:
            with outpaths.writing("--diagrams-out", args.diagrams_out):
                write_all(Path(args.diagrams_out), render=not args.no_render)
    sys.stdout.write("\n".join(summary) + "\n")
    sys.stdout.write(f"\nreports written to {out}/\n")
    return worst


def cmd_replay(args: argparse.Namespace) -> int:
    """Replay a trace: 0 every line allowed, 1 a line rejected, 3 nothing replayed or a bound
    left the rejection undecided, 2 bad input.

    The model: ``--model``, else ``--variant``, else the header's ``model_spec`` if it names a
    built-in model, else the variant ``check`` defaults to.  A trace is data: a header naming
    any other model is refused (exit 2), never imported, since importing runs its code.  The
    trace is streamed: the first rejected or malformed line ends the replay.
    """
    check_default = "documented"  # `check`'s --variant default (tests keep the two equal)
    builtin = {name: f"{DEFAULT_MODEL_MODULE}:{name}" for name in VARIANTS}
    builtin.update({spec: spec for spec in list(builtin.values())})
    path = Path(args.trace)
    with open_trace(path) as trace_in:
        header = trace_in.header
        named = header.get("model_spec")
        if args.model:
            spec = str(args.model)
        elif args.variant:
            spec = builtin[args.variant]
        elif named is not None and named not in builtin:
            raise UsageError(
                f"{path}:{trace_in.header_line}: the header names the model {named!r}; a trace "
                f"may name only a built-in model ({', '.join(VARIANTS)}), so it is not loaded: "
                f"pass --model {named} to replay on it")
        else:
            spec = builtin[named or check_default]
        delivery = args.delivery or header.get("delivery", "fifo")
        if delivery not in DELIVERY_MODES:
            raise UsageError(f"{args.trace}: unknown delivery {delivery!r}")
        system = JointSystem(resolve_model(spec), delivery=delivery, capacity=args.capacity)
        result = replay(system, trace_in, silent=header.get("silent", ()),
                        where=f"{path}:{trace_in.header_line}: silent")
    sys.stdout.write(f"replay {args.trace} on {spec} (delivery {delivery})\n")
    if result.verdict is ReplayVerdict.NOTHING:
        sys.stdout.write(f"UNKNOWN: nothing replayed ({args.trace} has no step and no "
                         f"expected status)\n")
        return EXIT_UNKNOWN
    sys.stdout.write(rep.trace_table(result.steps, system.parties) + "\n")
    if result.ok:
        sys.stdout.write(f"OK: all {len(result.steps) - 1} steps allowed by the model\n")
        return EXIT_OK
    word = "REJECTED" if result.verdict is ReplayVerdict.REJECTED else "UNKNOWN"
    sys.stdout.write(f"{word} at {args.trace}:{result.failed_at}: {result.reason}\n")
    if result.expected is not None:
        allowed = "; ".join(result.expected) or "nothing (no step)"
        sys.stdout.write(f"  the model allows here: {allowed}\n")
    if result.verdict is ReplayVerdict.UNKNOWN:
        sys.stdout.write(f"  undecided: the model was explored only up to a bound "
                         f"({', '.join(result.bounds)}); the line may be allowed beyond it\n")
        return EXIT_UNKNOWN
    return EXIT_VIOLATED


def cmd_conform(args: argparse.Namespace) -> int:
    """Test an implementation: the transition tour, then Hypothesis; JSON report in --out."""
    from .conformance.adapter import (
        AdapterError,
        adapter_factory,
        create,
        known_statuses,
        unknown_status_of,
    )
    from .conformance.session import ConformanceModel
    from .conformance.stateful import run_stateful
    from .conformance.tour import cases, commands_of, run_tour

    if args.no_tour and args.no_hypothesis:
        raise UsageError("--no-tour --no-hypothesis: nothing to run (a run that tests "
                         "nothing is not a pass); drop one of them")
    spec = model_spec(args)
    if args.out is not None:
        outpaths.out_dir("--out", args.out)
    workflow = resolve_model(spec)
    system = JointSystem(workflow, delivery=args.delivery, capacity=args.capacity)
    graph = explore(system)
    if not graph.complete:
        raise UsageError(f"{spec}: the model's state space hit a bound; conformance needs "
                         "all of it")
    make = adapter_factory(args.adapter, timeout=args.timeout)
    known = known_statuses(system)
    try:
        probe = create(make)
        automatic = frozenset(getattr(probe, "automatic", frozenset()))
        getattr(probe, "close", lambda: None)()
    except AdapterError as exc:
        sys.stderr.write(f"ordercheck: adapter error: {exc}\n")
        return EXIT_BAD_INPUT
    model = ConformanceModel(graph, automatic)
    header = {"model": workflow.name, "model_spec": spec, "delivery": args.delivery,
              "adapter": args.adapter}
    out = (outpaths.out_dir("--out", Path(args.out) / "traces").parent
           if args.out is not None else None)
    report: dict[str, Any] = {"model": workflow.name, "adapter": args.adapter,
                              "automatic": sorted(automatic), "seed": args.seed}
    lines = [f"ordercheck conform: {args.adapter} against {workflow.name} "
             f"(delivery {args.delivery}; automatic actors: {', '.join(sorted(automatic)) or '-'})"]
    failed = errored = False
    commands = 0
    covered: set[int] = set()
    seen: set[tuple[str, str]] = set()
    unknown: dict[tuple[str, str], int] = {}  # unknown status -> divergences resting on it

    def unknown_status(div: Any) -> bool:
        found = unknown_status_of(div, known)
        if found is not None:
            unknown[found] = unknown.get(found, 0) + 1
        return found is not None

    def save(name: str, text: str) -> str:
        if not out:
            return ""
        path = out / "traces" / name
        outpaths.write_text("--out", path, text)
        return str(path)

    if not args.no_tour:
        tour = run_tour(model, make, timeout=args.timeout, header=header)
        covered |= tour.covered
        seen |= tour.seen_status
        commands += tour.steps
        n_cases = len(cases(graph, model))
        lines.append(f"  tour: {tour.passed}/{n_cases} cases passed, {tour.steps} commands")
        report["tour"] = {"cases": n_cases, "passed": tour.passed, "commands": tour.steps,
                          "failures": [], "errors": []}
        failures = [(case, div) for case, div in tour.failures if not unknown_status(div)]
        for k, (case, div) in enumerate(failures, start=1):
            failed = True
            path = save(f"tour-{k:02d}.jsonl", div.session.trace(header))
            lines.append(f"  FAIL tour case for {model.step_names[case.target]}")
            lines.append(f"       {div}")
            if path:
                lines.append(f"       trace: {path}")
            report["tour"]["failures"].append({
                "target": model.step_names[case.target], "reason": str(div),
                "commands": [c.to_json() for c in commands_of(model, case)], "trace": path})
        for _case, error, partial in tour.errors:
            errored = True
            path = save("tour-adapter-error.jsonl", partial)
            lines.append(f"  ADAPTER ERROR {error}" + (f" (partial trace: {path})" if path else ""))
            report["tour"]["errors"].append({"reason": str(error), "trace": path})
    if not args.no_hypothesis and not errored:
        outcome = run_stateful(model, make, budget=args.budget, steps=args.steps,
                               seed=args.seed, timeout=args.timeout, header=header)
        covered |= outcome.covered
        seen |= outcome.seen_status
        commands += outcome.steps
        report["hypothesis"] = {"budget": args.budget, "commands": outcome.steps,
                                "failure": None, "error": None, "trace": None}
        if outcome.error is not None:
            errored = True
            path = save("hypothesis-adapter-error.jsonl", outcome.trace or "")
            lines.append(f"  ADAPTER ERROR {outcome.error}")
            report["hypothesis"].update(error=str(outcome.error), trace=path)
        elif outcome.failure is not None and unknown_status(outcome.failure):
            pass
        elif outcome.failure is not None:
            failed = True
            path = save("hypothesis.jsonl", outcome.trace or "")
            n = len(outcome.failure.session.history)
            lines.append(f"  FAIL hypothesis (shrunk to {n} commands): {outcome.failure}")
            if path:
                lines.append(f"       trace: {path}")
            report["hypothesis"].update(failure=str(outcome.failure), trace=path,
                                        shrunk_commands=n)
        else:
            lines.append(f"  hypothesis: {args.budget} examples, {outcome.steps} commands, "
                         "no divergence")
    for (party, status), n in sorted(unknown.items()):
        errored = True
        lines.append(f"  ERROR the implementation reports status {status!r} for {party}, which "
                     f"the model does not know ({n} divergence(s) rest on it; known: "
                     f"{', '.join(sorted(known[party]))})")
        report.setdefault("unknown_statuses", []).append(f"{party}:{status}")
    fireable = {system.labels[lab].transition for lab in graph.succ_label} - {-1}
    statuses = {(p, s) for i in range(graph.n_states)
                for p, s in system.state_view(graph.states[i]).status.items()}
    lines.append(f"  coverage: {len(covered & fireable)}/{len(fireable)} model transitions, "
                 f"{len(seen & statuses)}/{len(statuses)} (party, status) pairs observed")
    report["coverage"] = {
        "transitions": sorted(system.transitions[t].label for t in covered & fireable),
        "transitions_missed": sorted(system.transitions[t].label for t in fireable - covered),
        "statuses_missed": sorted(f"{p}:{s}" for p, s in statuses - seen)}
    # a run that sent no command or exercised no model transition proved nothing:
    # inconclusive, not a pass
    vacuous = ("no command was sent" if not commands else
               "no model transition was exercised" if not covered & fireable else "")
    if errored or failed:
        vacuous = ""
    verdict = ("ERROR" if errored else "NONCONFORMING" if failed else
               "INCONCLUSIVE" if vacuous else "CONFORMS")
    report["verdict"] = verdict
    lines.append(f"  verdict: {verdict}" + (f" ({vacuous})" if vacuous else ""))
    sys.stdout.write("\n".join(lines) + "\n")
    if out:
        outpaths.write_text("--out", out / "conformance.json",
                            json.dumps(report, indent=2, sort_keys=True) + "\n")
    if vacuous:
        return EXIT_UNKNOWN
    return EXIT_BAD_INPUT if errored else (EXIT_VIOLATED if failed else EXIT_OK)


def cmd_vectors(args: argparse.Namespace) -> int:
    from .conformance.vectors import dumps, vectors

    spec = model_spec(args)
    out = outpaths.out_dir("--out", args.out)
    workflow = resolve_model(spec)
    graph = explore(JointSystem(workflow, delivery=args.delivery, capacity=args.capacity))
    if not graph.complete:
        raise UsageError(f"{spec}: the model's state space hit a bound "
                         f"({', '.join(graph.bounds_hit)}); vectors need all of it")
    vecs = vectors(graph, workflow.name)
    outpaths.write_text("--out", out / "vectors.jsonl", dumps(vecs))
    sys.stdout.write(f"{len(vecs)} vectors covering every fireable transition of "
                     f"{workflow.name} written to {out / 'vectors.jsonl'}\n")
    return EXIT_OK


def cmd_diff(args: argparse.Namespace) -> int:
    """Behavioural diff; exit 1 when the new model has a violation the old one had not."""
    from .diff import diff, render_markdown

    if args.out is not None:
        outpaths.out_file("--out", args.out)
    results = [run_check(spec, delivery=args.delivery, capacity=args.capacity)
               for spec in (args.old, args.new)]
    d = diff(*results)
    text = render_markdown(d, args.old, args.new)
    sys.stdout.write(text)
    if args.out is not None:
        outpaths.write_text("--out", args.out, text)
    return EXIT_VIOLATED if d.new_violation else EXIT_OK


def cmd_diagrams(argv: list[str]) -> int:
    """``ordercheck diagrams ...`` is handled by the diagrams package's own parser."""
    from ordercheck.diagrams.cli import diagrams_main

    return int(diagrams_main(argv))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ordercheck",
        description="Model checker for marketplace x seller order workflows.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("diagrams", help="draw statecharts, the decline flow, the joint graph and "
                                    "traces (see `ordercheck diagrams --help`)")

    def model_args(p: argparse.ArgumentParser, variant_default: str | None) -> None:
        p.add_argument("--variant", choices=VARIANTS, default=variant_default,
                       help="built-in VTEX model variant (default: %(default)s)")
        p.add_argument("--model", metavar="SPEC",
                       help="your own model as module:attribute (a Workflow or a function "
                            "returning one); overrides --variant")
        p.add_argument("--capacity", type=positive_int, default=4, metavar="N",
                       help="messages a channel may hold; more is a bound hit (default 4)")

    check = sub.add_parser("check", help="explore a model and report findings")
    model_args(check, "documented")
    check.add_argument("--delivery", choices=DELIVERY_MODES, default="fifo")
    check.add_argument("--max-states", type=positive_int, metavar="N",
                       help="stop after N states (the verdict is then UNKNOWN unless a "
                            "counterexample was found)")
    check.add_argument("--max-depth", type=positive_int, metavar="N",
                       help="stop N steps from the initial state")
    check.add_argument("--property", action="append", metavar="NAME",
                       help="report only this property (repeatable; built-in ones too, e.g. "
                            "no-deadlock)")
    check.add_argument("--format", choices=("text", "json"), default="text")
    check.add_argument("--out", metavar="DIR",
                       help="also write report.txt, report.json and traces/ here")
    check.add_argument("--fail-on", choices=("error", "warning"), default="error",
                       help="lowest severity that makes the verdict VIOLATED")
    check.add_argument("--timing", action="store_true",
                       help="print the exploration time and speed on stderr")
    check.add_argument("--quiet", action="store_true", help="no progress on stderr")
    check.add_argument("--junit-xml", metavar="FILE",
                       help="JUnit XML: one testcase per property, failures carry the trace")
    check.add_argument("--github-summary", action="store_true",
                       help="append a Markdown summary to $GITHUB_STEP_SUMMARY when it is set")
    check.add_argument("--cache-dir", metavar="DIR", default=os.environ.get("ORDERCHECK_CACHE",
                                                             ".ordercheck/cache"),
                       help="result cache, keyed by the compiled model and options "
                            "(default %(default)s; safe to delete)")
    check.add_argument("--no-cache", action="store_true", help="explore even when cached")
    check.set_defaults(func=cmd_check)

    report = sub.add_parser("report", help="main job: check both VTEX variants, write reports "
                                           "and diagrams; exits 0 when it ran")
    report.add_argument("--out", metavar="DIR", default="out/report")
    report.add_argument("--diagrams-out", metavar="DIR", default="docs/diagrams")
    report.add_argument("--delivery", nargs="+", choices=DELIVERY_MODES,
                        default=list(DELIVERY_MODES))
    report.add_argument("--no-diagrams", action="store_true")
    report.add_argument("--no-render", action="store_true",
                        help="write DOT/Mermaid text only, do not run graphviz")
    report.set_defaults(func=cmd_report)

    conform = sub.add_parser("conform", help="test an implementation against the model")
    model_args(conform, "documented")
    conform.add_argument("--adapter", required=True, metavar="ADAPTER",
                         help="python:module:Class | 'process:CMD' | http://127.0.0.1:PORT")
    conform.add_argument("--delivery", choices=DELIVERY_MODES, default="fifo")
    conform.add_argument("--budget", type=positive_int, default=200, metavar="N",
                         help="Hypothesis examples")
    conform.add_argument("--steps", type=positive_int, default=40, metavar="N",
                         help="commands per example")
    conform.add_argument("--seed", type=int, default=0, metavar="N")
    conform.add_argument("--timeout", type=positive_float, default=5.0, metavar="SEC",
                         help="seconds per adapter call")
    conform.add_argument("--out", metavar="DIR", help="write conformance.json and traces/ here")
    conform.add_argument("--no-tour", action="store_true")
    conform.add_argument("--no-hypothesis", action="store_true")
    conform.set_defaults(func=cmd_conform)

    vec = sub.add_parser("vectors", help="write language-neutral test vectors (JSON lines)")
    model_args(vec, "documented")
    vec.add_argument("--delivery", choices=DELIVERY_MODES, default="fifo")
    vec.add_argument("--out", required=True, metavar="DIR")
    vec.set_defaults(func=cmd_vectors)

    df = sub.add_parser("diff", help="behavioural diff of two models (Markdown)")
    df.add_argument("old", metavar="OLD", help="model spec, e.g. git:main:model/vtex:documented")
    df.add_argument("new", metavar="NEW", help="model spec, e.g. ordercheck.model.vtex:documented")
    df.add_argument("--delivery", choices=DELIVERY_MODES, default="fifo")
    df.add_argument("--capacity", type=positive_int, default=4, metavar="N")
    df.add_argument("--out", metavar="FILE",
                    help="also write the Markdown here (a PR comment body)")
    df.set_defaults(func=cmd_diff)

    rp = sub.add_parser("replay", help="re-run a JSON-lines trace on the model")
    rp.add_argument("trace")
    model_args(rp, None)
    rp.add_argument("--delivery", choices=DELIVERY_MODES)
    rp.set_defaults(func=cmd_replay)
    return parser


def version() -> str:
    """The installed distribution's version (one source of truth: pyproject.toml)."""
    try:
        return importlib.metadata.version("ordercheck")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree, not installed
        return "unknown (not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    """Parse, run one subcommand, and map what happened to an exit code.

    This is the one boundary: whatever a subcommand raises — user code included, even
    ``SystemExit(0)`` — is classified here, so nothing but a verdict can produce 0 or 1."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv[:1] == ["diagrams"]:
            return cmd_diagrams(argv[1:])
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # argparse: exit 2 on usage errors, 0 after --help
            return int(exc.code or 0)
        return int(args.func(args))
    except BaseException as exc:
        return _exit_code_of(exc)


def _exit_code_of(exc: BaseException) -> int:
    blamed = usercode.classify(exc)
    if blamed is not None:
        sys.stderr.write(f"ordercheck: error: {blamed.report()}\n")
        return EXIT_BAD_INPUT
    if isinstance(exc, (UsageError, InvalidModel, MalformedTrace, ValueError)):
        sys.stderr.write(f"ordercheck: error: {exc}\n")
        return EXIT_BAD_INPUT
    if isinstance(exc, KeyboardInterrupt):
        sys.stderr.write("ordercheck: interrupted; no verdict\n")
        return EXIT_UNKNOWN
    # a bug in ordercheck: never let it look like a verdict (exit 0 or 1)
    traceback.print_exception(exc)
    sys.stderr.write("ordercheck: internal error (please report it with the traceback)\n")
    return EXIT_INTERNAL


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
