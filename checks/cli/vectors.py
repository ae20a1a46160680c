"""``ordercheck vectors``: write language-neutral test vectors."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from .. import outpaths
from ..errors import UsageError
from ..explore import explore
from ..system import DELIVERY_MODES, JointSystem
from .common import (
    EXIT_OK,
    model_args,
    model_spec,
    resolve_model,
)


def cmd_vectors(args: argparse.Namespace) -> int:
    from ..conformance.vectors import dumps, vectors

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


def register(sub: Any) -> None:
    vec = sub.add_parser("vectors", help="write language-neutral test vectors (JSON lines)")
    model_args(vec)
    vec.add_argument("--delivery", choices=DELIVERY_MODES, default="fifo")
    vec.add_argument("--out", required=True, metavar="DIR")
    vec.set_defaults(func=cmd_vectors)
