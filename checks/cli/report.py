"""``ordercheck report``: the main job on the built-in model (reports and diagrams)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .. import outpaths
from .. import report as rep
from ..errors import UsageError
from ..system import DELIVERY_MODES
from .common import (
    DEFAULT_ENTRY,
    EXIT_OK,
    EXIT_UNKNOWN,
    rendered,
    run_check,
    write_outputs,
)


def cmd_report(args: argparse.Namespace) -> int:
    """The main job: check the built-in model's report variants under every delivery mode and
    write the reports (and its diagrams)."""
    out = outpaths.out_dir("--out", args.out)
    if not args.no_diagrams:
        outpaths.out_dir("--diagrams-out", args.diagrams_out)
    summary = ["# ordercheck report", ""]
    summary.append("| model | delivery | states | transitions | verdict | errors | warnings |")
    summary.append("|---|---|---|---|---|---|---|")
    worst = EXIT_OK
    entry = DEFAULT_ENTRY
    if entry is None:
        raise UsageError("report: no built-in model is installed (ordercheck.models entry "
                         "points); use `ordercheck check --model ...`")
    for variant in entry.report_variants:
        spec = entry.spec(variant)
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
            from ordercheck.diagrams.job import write_all
        except ImportError:  # diagrams package not installed
            pass
        else:
            with outpaths.writing("--diagrams-out", args.diagrams_out):
                write_all(Path(args.diagrams_out), entry, render=not args.no_render)
    sys.stdout.write("\n".join(summary) + "\n")
    sys.stdout.write(f"\nreports written to {out}/\n")
    return worst


def register(sub: Any) -> None:
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
