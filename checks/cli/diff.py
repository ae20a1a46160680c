"""``ordercheck diff``: behavioural diff of two models."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .. import outpaths
from ..system import DELIVERY_MODES
from .common import (
    EXIT_OK,
    EXIT_VIOLATED,
    positive_int,
    run_check,
)


def cmd_diff(args: argparse.Namespace) -> int:
    """Behavioural diff; exit 1 when the new model has a violation the old one had not."""
    from ..diff import diff, render_markdown

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


def register(sub: Any) -> None:
    df = sub.add_parser("diff", help="behavioural diff of two models (Markdown)")
    df.add_argument("old", metavar="OLD", help="model spec, e.g. git:main:model/vtex:documented")
    df.add_argument("new", metavar="NEW", help="model spec, e.g. ordercheck.model.vtex:documented")
    df.add_argument("--delivery", choices=DELIVERY_MODES, default="fifo")
    df.add_argument("--capacity", type=positive_int, default=4, metavar="N")
    df.add_argument("--out", metavar="FILE",
                    help="also write the Markdown here (a PR comment body)")
    df.set_defaults(func=cmd_diff)
