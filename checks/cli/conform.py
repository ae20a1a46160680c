"""``ordercheck conform``: test an implementation against the model."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .. import catalog, outpaths
from ..errors import UsageError
from ..explore import explore
from ..system import DELIVERY_MODES, TransitionSystem
from .common import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    EXIT_UNKNOWN,
    EXIT_VIOLATED,
    model_args,
    model_spec,
    positive_float,
    positive_int,
    resolve_model,
)


def cmd_conform(args: argparse.Namespace) -> int:
    """Test an implementation: the transition tour, then Hypothesis; JSON report in --out."""
    from ..conformance.adapter import (
        AdapterError,
        adapter_factory,
        create,
        known_statuses,
        unknown_status_of,
    )
    from ..conformance.minimize import root_cause
    from ..conformance.session import ConformanceModel
    from ..conformance.stateful import run_stateful
    from ..conformance.tour import run_tour

    if args.no_tour and args.no_hypothesis:
        raise UsageError("--no-tour --no-hypothesis: nothing to run (a run that tests "
                         "nothing is not a pass); drop one of them")
    spec = model_spec(args)
    if args.out is not None:
        outpaths.out_dir("--out", args.out)
    workflow = resolve_model(spec)
    system = TransitionSystem(workflow, delivery=args.delivery, capacity=args.capacity)
    graph = explore(system)
    if not graph.complete:
        raise UsageError(f"{spec}: the model's state space hit a bound; conformance needs "
                         "all of it")
    entry = catalog.entry_for(spec)
    make = adapter_factory(args.adapter, timeout=args.timeout,
                           http=entry.http if entry else None)
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
    covered_targets: set[int] = set()
    visited: set[int] = set()
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
        covered_targets |= tour.covered_targets
        visited |= tour.visited
        seen |= tour.seen_status
        commands += tour.steps
        n_cases = tour.cases
        lines.append(f"  tour: {tour.passed}/{n_cases} cases passed ({len(model.targets.targets)} "
                     f"coverage targets), {tour.steps} commands")
        report["tour"] = {"cases": n_cases, "passed": tour.passed, "commands": tour.steps,
                          "failures": [], "errors": []}
        failures = [(case, div) for case, div in tour.failures if not unknown_status(div)]
        # one root cause, reported once: the shortest case that shows it, and how many broke
        causes: dict[str, list[tuple[Any, Any]]] = {}
        for case, div in failures:
            causes.setdefault(root_cause(div), []).append((case, div))
        for k, (cause, group) in enumerate(causes.items(), start=1):
            failed = True
            case, div = min(group, key=lambda cd: (len(cd[1].session.history), cd[0].target))
            path = save(f"tour-{k:02d}.jsonl", div.session.trace(header))
            lines.append(f"  FAIL tour case for {model.targets.name(case.target)}"
                         f" (this root cause broke {len(group)} case(s))")
            lines.append(f"       {div}")
            if path:
                lines.append(f"       trace: {path}")
            report["tour"]["failures"].append({
                "target": model.targets.name(case.target), "reason": str(div),
                "root_cause": cause, "cases_broken": len(group),
                "commands": [c.to_json() for c in case.commands], "trace": path})
        for _case, error, partial in tour.errors:
            errored = True
            path = save("tour-adapter-error.jsonl", partial)
            lines.append(f"  ADAPTER ERROR {error}" + (f" (partial trace: {path})" if path else ""))
            report["tour"]["errors"].append({"reason": str(error), "trace": path})
    if not args.no_hypothesis and not errored:
        outcome = run_stateful(model, make, budget=args.budget, steps=args.steps,
                               seed=args.seed, timeout=args.timeout, header=header)
        covered |= outcome.covered
        covered_targets |= outcome.covered_targets
        visited |= outcome.visited
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
    # Coverage decides between CONFORMS and INCONCLUSIVE: passing a run that never reached a
    # context says nothing about it.  Required: the targets the implementation lets a run
    # reach (see CoverageTargets.drivable), or the share the user set with --min-coverage.
    required = model.targets.drivable(visited)
    got = covered_targets & required
    behind = model.targets.reachable() - required
    share = 100.0 * len(got) / len(required) if required else 0.0
    lines.append(f"  coverage targets: {len(got)}/{len(required)} ({share:.1f}%)"
                 + (f"; {len(behind)} more behind choices the implementation never made"
                    if behind else ""))
    missed = sorted(required - covered_targets)
    report["coverage"]["targets"] = {
        "total": len(model.targets.targets), "required": len(required), "covered": len(got),
        "missed": [model.targets.name(t) for t in missed],
        "behind_choices": [model.targets.name(t) for t in sorted(behind)],
        "min_coverage": args.min_coverage}
    # a run that sent no command or exercised no model transition proved nothing:
    # inconclusive, not a pass
    vacuous = ("no command was sent" if not commands else
               "no model transition was exercised" if not covered & fireable else
               "no coverage target was required" if not required else "")
    if not (vacuous or errored or failed) and missed and share < (args.min_coverage or 100.0):
        vacuous = (f"{len(missed)} coverage target(s) not covered"
                   + (f", below --min-coverage {args.min_coverage:g}%"
                      if args.min_coverage is not None else ""))
        for t in missed[:20]:
            lines.append(f"    uncovered: {model.targets.name(t)}")
        if len(missed) > 20:
            lines.append(f"    ... and {len(missed) - 20} more (all in --out conformance.json)")
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


def percentage(text: str) -> float:
    """argparse type: a share in percent, 0 < PCT <= 100."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a percentage, got {text!r}") from None
    if not 0 < value <= 100:  # also refuses nan
        raise argparse.ArgumentTypeError(f"must be a percentage in (0, 100], got {text!r}")
    return value


def register(sub: Any) -> None:
    conform = sub.add_parser("conform", help="test an implementation against the model")
    model_args(conform)
    conform.add_argument("--adapter", required=True, metavar="ADAPTER",
                         help="python:module:Class | 'process:CMD' | http://127.0.0.1:PORT")
    conform.add_argument("--delivery", choices=DELIVERY_MODES, default="fifo")
    conform.add_argument("--budget", type=positive_int, default=300, metavar="N",
                         help="Hypothesis examples (default %(default)s)")
    conform.add_argument("--steps", type=positive_int, default=40, metavar="N",
                         help="commands per example")
    conform.add_argument("--seed", type=int, default=0, metavar="N")
    conform.add_argument("--timeout", type=positive_float, default=5.0, metavar="SEC",
                         help="seconds per adapter call")
    conform.add_argument("--out", metavar="DIR", help="write conformance.json and traces/ here")
    conform.add_argument("--min-coverage", type=percentage, default=None, metavar="PCT",
                         help="CONFORMS with this share of the required coverage targets "
                              "covered (default: all of them)")
    conform.add_argument("--no-tour", action="store_true")
    conform.add_argument("--no-hypothesis", action="store_true")
    conform.set_defaults(func=cmd_conform)
