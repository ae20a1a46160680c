"""``ordercheck replay``: re-run a JSON-lines trace on the model."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .. import catalog
from .. import report as rep
from ..errors import UsageError
from ..system import DELIVERY_MODES, TransitionSystem
from ..trace import ReplayVerdict, open_trace, replay
from .common import (
    DEFAULT_VARIANT,
    EXIT_OK,
    EXIT_UNKNOWN,
    EXIT_VIOLATED,
    VARIANTS,
    model_args,
    resolve_model,
)


def cmd_replay(args: argparse.Namespace) -> int:
    """Replay a trace: 0 every line allowed, 1 a line rejected, 3 nothing replayed or a bound
    left the rejection undecided, 2 bad input.

    The model: ``--model``, else ``--variant``, else the header's ``model_spec`` if it names a
    built-in model, else the variant ``check`` defaults to.  A trace is data: a header naming
    any other model is refused (exit 2), never imported, since importing runs its code.  The
    trace is streamed: the first rejected or malformed line ends the replay.
    """
    check_default = DEFAULT_VARIANT  # `check`'s --variant default (tests keep the two equal)
    builtin = catalog.builtin_specs()
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
            key = named or check_default
            if key is None:
                raise UsageError("no model: pass --model (no built-in model is installed)")
            spec = builtin[str(key)]
        delivery = args.delivery or header.get("delivery", "fifo")
        if delivery not in DELIVERY_MODES:
            raise UsageError(f"{args.trace}: unknown delivery {delivery!r}")
        system = TransitionSystem(resolve_model(spec), delivery=delivery, capacity=args.capacity)
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


def register(sub: Any) -> None:
    rp = sub.add_parser("replay", help="re-run a JSON-lines trace on the model")
    rp.add_argument("trace")
    model_args(rp, None)
    rp.add_argument("--delivery", choices=DELIVERY_MODES)
    rp.set_defaults(func=cmd_replay)
