"""``ordercheck check``: explore a model and report its findings."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from .. import outpaths
from .. import report as rep
from ..system import DELIVERY_MODES
from .common import (
    checked,
    explorer_args,
    explorer_of,
    model_args,
    model_parameter_args,
    model_spec,
    positive_int,
    write_outputs,
)


def cmd_check(args: argparse.Namespace) -> int:
    spec = model_spec(args)
    explorer_of(args)  # option combinations are checked before loading the model
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


def register(sub: Any) -> None:
    check = sub.add_parser("check", help="explore a model and report findings")
    model_args(check)
    model_parameter_args(check)
    check.add_argument("--delivery", choices=DELIVERY_MODES, default="fifo")
    check.add_argument("--max-states", type=positive_int, metavar="N",
                       help="stop after N states (the verdict is then UNKNOWN unless a "
                            "counterexample was found)")
    check.add_argument("--max-depth", type=positive_int, metavar="N",
                       help="stop N steps from the initial state")
    explorer_args(check)
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
