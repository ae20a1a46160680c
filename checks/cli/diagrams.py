"""``ordercheck diagrams``: every diagram of the built-in model, or one trace drawn."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .. import outpaths
from .common import positive_float


def cmd_diagrams(args: argparse.Namespace) -> int:
    from ordercheck.diagrams.job import draw_trace, write_all

    out = outpaths.out_dir("--out", args.out)
    with outpaths.writing("--out", args.out):
        if args.trace:
            written = draw_trace(Path(args.trace), out, render_pictures=not args.no_render,
                                 timeout=args.timeout)
        else:
            written = write_all(out, render=not args.no_render, timeout=args.timeout)
    for p in written:
        print(p)
    return 0


def register(sub: Any) -> None:
    p = sub.add_parser("diagrams", help="draw statecharts, the decline flow, the joint graph "
                                        "and traces",
                       description="Draw the model's diagrams, or one trace.")
    p.add_argument("--out", default="docs/diagrams", metavar="DIR",
                   help="directory for the diagrams (created if missing)")
    p.add_argument("--trace", metavar="FILE",
                   help="draw this JSON-lines trace as a sequence diagram")
    p.add_argument("--no-render", action="store_true", help="DOT and Mermaid text only")
    p.add_argument("--timeout", type=positive_float, default=30.0, metavar="SEC",
                   help="seconds for graphviz")
    p.set_defaults(func=cmd_diagrams)
