"""``ordercheck describe``: the adapter author's manual for a model (text or JSON)."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..errors import UsageError
from ..explore import explore
from ..system import DELIVERY_MODES, TransitionSystem
from .common import (
    EXIT_OK,
    model_args,
    model_parameter_args,
    model_params,
    model_spec,
    resolve_model,
)


def automatic_set(text: str | None, default: tuple[str, ...]) -> frozenset[str]:
    """``--automatic a,b.c`` as a set; None: the model's automatic actors; '' : none."""
    if text is None:
        return frozenset(default)
    return frozenset(part.strip() for part in text.split(",") if part.strip())


def cmd_describe(args: argparse.Namespace) -> int:
    """Print what the model asks of an implementation (commands, statuses, reset, automatic)."""
    from ..conformance.manual import describe, text

    spec = model_spec(args)
    workflow = resolve_model(spec, model_params(args))
    graph = explore(TransitionSystem(workflow, delivery=args.delivery, capacity=args.capacity))
    if not graph.complete:
        raise UsageError(f"{spec}: the model's state space hit a bound "
                         f"({', '.join(graph.bounds_hit)}); describe needs all of it")
    automatic = automatic_set(args.automatic, workflow.automatic_actors)
    known = {lab.actor for lab in graph.system.labels} | {
        f"{lab.party}.{lab.event}" for lab in graph.system.labels if lab.kind == "fire"}
    unknown = sorted(automatic - known)
    if unknown:
        raise UsageError(f"--automatic: {', '.join(unknown)} is neither an actor nor a "
                         f"party.event of {workflow.name}")
    manual = describe(graph, automatic, workflow.name)
    if args.format == "json":
        sys.stdout.write(json.dumps(manual, indent=2, sort_keys=True) + "\n")
    else:
        sys.stdout.write(text(manual) + "\n")
    return EXIT_OK


def register(sub: Any) -> None:
    d = sub.add_parser("describe", help="the adapter author's manual: commands, statuses, "
                                        "reset(), automatic")
    model_args(d, "documented")
    model_parameter_args(d, symmetry=False)
    d.add_argument("--delivery", choices=DELIVERY_MODES, default="fifo")
    d.add_argument("--automatic", metavar="LIST",
                   help="comma-separated actors or party.event names the implementation runs "
                        "by itself (default: the model's automatic actors; '' for none)")
    d.add_argument("--format", choices=("text", "json"), default="text")
    d.set_defaults(func=cmd_describe)
