"""``ordercheck vectors``: write language-neutral test vectors, or run them on an adapter.

``ordercheck vectors --out DIR`` writes ``vectors.jsonl``; ``ordercheck vectors run --adapter
ADAPTER --vectors FILE`` replays them (the Python reference runner) and exits 0 when every
vector passes, 1 when one fails, 2 on bad input or a broken adapter, 3 when the file holds
no vector (a run that tested nothing is not a pass).
"""

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
    resolve_model,
)
from .describe import automatic_set


def cmd_vectors(args: argparse.Namespace) -> int:
    from ..conformance.vectors import dumps, vectors

    if args.out is None:
        raise UsageError("vectors: --out DIR is required (or 'vectors run --adapter ... "
                         "--vectors FILE' to run them)")
    spec = model_spec(args)
    out = outpaths.out_dir("--out", args.out)
    workflow = resolve_model(spec)
    graph = explore(TransitionSystem(workflow, delivery=args.delivery, capacity=args.capacity))
    if not graph.complete:
        raise UsageError(f"{spec}: the model's state space hit a bound "
                         f"({', '.join(graph.bounds_hit)}); vectors need all of it")
    automatic = automatic_set(args.automatic, workflow.automatic_actors)
    vecs = vectors(graph, workflow.name, automatic)
    outpaths.write_text("--out", out / "vectors.jsonl", dumps(vecs))
    sys.stdout.write(f"{len(vecs)} vectors covering every coverage target of {workflow.name} "
                     f"(automatic: {', '.join(sorted(automatic)) or '-'}) written to "
                     f"{out / 'vectors.jsonl'}\n")
    return EXIT_OK


def _load(path: Path) -> list[dict[str, Any]]:
    """Vectors from a JSON-lines file; a line that is not a vector is bad input (file:line)."""
    import jsonschema

    schema = json.loads((Path(__file__).parent.parent / "schemas" / "vector.schema.json")
                        .read_text(encoding="utf-8"))
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise UsageError(f"--vectors {path}: {exc.strerror}") from None
    out = []
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            vec = json.loads(line)
            jsonschema.validate(vec, schema)
        except (ValueError, RecursionError) as exc:
            raise UsageError(f"{path}:{n}: not JSON ({exc})") from None
        except jsonschema.ValidationError as exc:
            raise UsageError(f"{path}:{n}: not a vector: {exc.message}") from None
        out.append(vec)
    return out


def cmd_vectors_run(args: argparse.Namespace) -> int:
    from ..conformance.adapter import AdapterError, Guarded, adapter_factory, create
    from ..conformance.vectors import run_vector

    vecs = _load(Path(args.vectors))
    if not vecs:
        sys.stdout.write(f"UNKNOWN: {args.vectors} holds no vector; nothing tested\n")
        return EXIT_UNKNOWN
    entry = catalog.entry_for(None)  # vectors are written for the built-in model
    make = adapter_factory(args.adapter, timeout=args.timeout,
                           http=entry.http if entry else None)
    failures = 0
    try:
        adapter = create(make)
        automatic = sorted(getattr(adapter, "automatic", frozenset()))
        wanted = vecs[0].get("automatic", [])
        if automatic != wanted:
            getattr(adapter, "close", lambda: None)()
            flag = ",".join(automatic) or "''"
            raise UsageError(f"{args.vectors}: the vectors are for automatic {wanted}, the "
                             f"adapter runs {automatic} by itself; write vectors with "
                             f"--automatic {flag}")
        guarded = _Runner(Guarded(adapter, list(vecs[0]["initial"]), args.timeout))
        for vec in vecs:
            why = run_vector(guarded, vec)  # type: ignore[arg-type]
            if why is not None:
                failures += 1
                sys.stdout.write(f"FAIL {why}\n")
        guarded.guarded.close()
    except AdapterError as exc:
        sys.stderr.write(f"ordercheck: adapter error: {exc}\n")
        return EXIT_BAD_INPUT
    sys.stdout.write(f"{len(vecs) - failures}/{len(vecs)} vectors passed\n")
    return EXIT_VIOLATED if failures else EXIT_OK


class _Runner:
    """The adapter seen through :class:`Guarded` (timeouts, answer checks) by the runner."""

    def __init__(self, guarded: Any) -> None:
        self.guarded = guarded
        self.automatic = guarded.automatic

    def reset(self) -> None:
        self.guarded.reset("vector:")

    def settle(self) -> None:
        self.guarded.settle("vector:")

    def send(self, command: Any) -> bool:
        return bool(self.guarded.send("vector:", command))

    def status(self) -> dict[str, str]:
        return dict(self.guarded.status("vector:"))


def register(sub: Any) -> None:
    vec = sub.add_parser("vectors", help="write language-neutral test vectors (JSON lines), "
                                         "or run them: vectors run --adapter ...")
    model_args(vec)
    vec.add_argument("--delivery", choices=DELIVERY_MODES, default="fifo")
    vec.add_argument("--automatic", metavar="LIST",
                     help="comma-separated actors or party.event names the implementation "
                          "runs by itself (default: the model's automatic actors; '' for none)")
    vec.add_argument("--out", metavar="DIR", help="write vectors.jsonl here")
    vec.set_defaults(func=cmd_vectors)
    actions = vec.add_subparsers(dest="action")
    run = actions.add_parser("run", help="run vectors on an implementation (0 all pass, 1 a "
                                         "failure, 2 bad input, 3 no vector)")
    run.add_argument("--adapter", required=True, metavar="ADAPTER",
                     help="python:module:Class | 'process:CMD' | http://127.0.0.1:PORT")
    run.add_argument("--vectors", required=True, metavar="FILE", help="a vectors.jsonl")
    run.add_argument("--timeout", type=positive_float, default=5.0, metavar="SEC",
                     help="seconds per adapter call")
    run.set_defaults(func=cmd_vectors_run)
