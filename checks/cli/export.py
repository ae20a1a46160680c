"""``ordercheck export``: the compiled model in another checker's language (Promela for SPIN).

The program goes to stdout (or ``--out FILE``), byte for byte the same on every run; what SPIN
should find (states, edges, deadlocks) goes to stderr, so a user can cross-check by hand:
``spin -a model.pml && gcc -O2 -DSAFETY -DNOREDUCE -o pan pan.c && ./pan -c0``.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .. import outpaths
from ..explore import explore
from ..export import export_promela
from ..system import DELIVERY_MODES, TransitionSystem
from .common import (
    EXIT_OK,
    model_args,
    model_parameter_args,
    model_params,
    model_spec,
    resolve_model,
)

FORMATS = ("promela",)


def cmd_export(args: argparse.Namespace) -> int:
    spec = model_spec(args)
    if args.out is not None:  # checked before the exploration, so a typo costs no wait
        outpaths.out_file("--out", args.out)
    workflow = resolve_model(spec, model_params(args))
    graph = explore(TransitionSystem(workflow, delivery=args.delivery, capacity=args.capacity,
                                     symmetry=args.symmetry))
    export = export_promela(graph)
    if args.out is None:
        sys.stdout.write(export.text)
    else:
        outpaths.write_text("--out", args.out, export.text)
    bound = " (channel bound hit: SPIN reports channel_full)" if graph.bounds_hit else ""
    sys.stderr.write(f"ordercheck: exported {workflow.name} (delivery {args.delivery}, "
                     f"capacity {args.capacity}): SPIN should store {graph.n_states} states "
                     f"for {graph.n_edges} edges{bound}\n")
    return EXIT_OK


def register(sub: Any) -> None:
    e = sub.add_parser("export", help="the compiled model as a Promela program for SPIN")
    e.add_argument("--format", choices=FORMATS, required=True,
                   help="output language (promela: for SPIN; same state count as ordercheck)")
    model_args(e)
    model_parameter_args(e)  # --symmetry is refused by the export, with the reason
    e.add_argument("--delivery", choices=DELIVERY_MODES, default="fifo")
    e.add_argument("--out", metavar="FILE", help="write the program here (default: stdout)")
    e.set_defaults(func=cmd_export)
