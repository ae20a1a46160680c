"""``ordercheck logs``: the command (argv -> files -> exit code), wired into the CLI by
``register(sub)``.

Why apart from ``checks/cli``: the CLI is one handler of :class:`UsageError` (exit 2) and of
user code; this module only declares the options and runs the pipeline.  The VTEX model and
its status classifier arrive by spec (``--model``/``--variant``, ``--statuses``), never by a
static import: the engine does not import ``ordercheck.model``.

Exit codes: 0 every order conforming or in progress (incomplete ones listed), 1 some order
deviating, doomed or stuck, 2 bad usage or input, 3 nothing judged (no usable record).
"""

from __future__ import annotations

import argparse
import io
import re
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

from .. import loading, usercode
from ..belief import explore_model
from ..errors import UsageError
from ..logs.dask_engine import check_logs_dask, connect
from ..logs.fleet import DEFAULT_SETTLE, FleetReport, check_logs
from ..logs.html import to_html
from ..logs.judge import Judge, Judgement, Verdict
from ..logs.link import Linker, read_link_file
from ..logs.parse import VTEX_DOMAINS, LogReader, StatusCheck, parse_time
from ..logs.records import Ledger
from ..logs.render import to_csv, to_json, to_markdown, to_text
from ..logs.timers import parse_duration, parse_overrides
from ..protocol import Workflow
from ..system import DELIVERY_MODES, TransitionSystem
from ..trace import dumps
from .common import DEFAULT_ENTRY, VARIANTS, model_spec, positive_int, resolve_model

#: The built-in model's defaults for logs, from its catalog entry (no model named here).
LOG_VARIANT = ((DEFAULT_ENTRY.log_variant or DEFAULT_ENTRY.default_variant)
               if DEFAULT_ENTRY else None)
DEFAULT_CLASSIFIER = (DEFAULT_ENTRY.status_classifier or None) if DEFAULT_ENTRY else None
FORMATS = ("text", "json", "markdown", "csv", "html")
ENGINES = ("stream", "columnar", "dask")
DIAGRAMS = 200  # default --diagrams: graphviz runs once per drawn order (about 25 ms each)


def register(sub: Any) -> argparse.ArgumentParser:
    """Add the ``logs`` subcommand to an argparse subparsers object."""
    p = sub.add_parser("logs", help="check recorded feed/hook logs against the model, per order")
    p.add_argument("sources", nargs="+", metavar="LOG",
                   help="files, folders (read recursively) or - for stdin; gzip is detected")
    p.add_argument("--variant", choices=VARIANTS, default=LOG_VARIANT,
                   help="built-in model variant (default: %(default)s, the model's choice for "
                        "recorded orders)")
    p.add_argument("--model", metavar="SPEC", help="your own model (module:attribute)")
    p.add_argument("--statuses", metavar="SPEC",
                   help="status classifier (module:function); default for the built-in model: "
                        f"{DEFAULT_CLASSIFIER}; 'none' for none")
    p.add_argument("--delivery", choices=DELIVERY_MODES, default="fifo")
    p.add_argument("--capacity", type=positive_int, default=4, metavar="N")
    p.add_argument("--link", metavar="FILE",
                   help="CSV marketplace_order_id,seller_order_id (default: the VTEX id rule)")
    p.add_argument("--domain", action="append", default=[], metavar="NAME=PARTY",
                   help="feed/hook domain -> model party (default Marketplace=marketplace, "
                        "Fulfillment=seller)")
    p.add_argument("--timer", action="append", default=[], metavar="NAME=DURATION",
                   help="a timer's length for this store (e.g. cancellation-window=2h)")
    p.add_argument("--slack", default="15m", metavar="DURATION",
                   help="tolerance of timer checks (default 15m)")
    p.add_argument("--now", metavar="ISO8601",
                   help="the moment ages are measured at (default: the log's latest change)")
    p.add_argument("--settle", type=int, default=DEFAULT_SETTLE, metavar="RECORDS",
                   help="release a finished order after this many more records without one "
                        "of it (memory bound; a later record of it is counted late; default "
                        "%(default)s)")
    p.add_argument("--engine", choices=ENGINES, default="stream",
                   help="stream: judge in this process, memory bounded by the open orders "
                        "(default); columnar: the log as columns (polars), memory bounded by "
                        "the log, faster on large logs; dask: judge the orders on a Dask "
                        "cluster, partitioned by order (the same report from each)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="with --engine dask: the scheduler to use (default: start a local "
                        "cluster of --workers processes)")
    p.add_argument("--workers", type=int, default=2, metavar="N",
                   help="with --engine dask and no --scheduler: local worker processes "
                        "(default %(default)s)")
    p.add_argument("--diagrams", type=int, default=DIAGRAMS, metavar="N",
                   help="HTML page: draw the sequence diagrams of the first N bad orders by "
                        "id (default %(default)s; 0 for none)")
    p.add_argument("--format", choices=FORMATS, default="text")
    p.add_argument("--out", metavar="DIR",
                   help="also write report.{txt,json,md,csv,html} and traces/ORDER.jsonl here")
    p.set_defaults(func=cmd_logs)
    return p


def _workflow(args: argparse.Namespace) -> tuple[Workflow, str]:
    spec = model_spec(args)
    return load_workflow(spec), spec


def load_workflow(spec: str) -> Workflow:
    """The workflow named by ``spec`` (module:attribute, a Workflow or a factory of one)."""
    return resolve_model(spec)


def make_judge(workflow: Workflow, delivery: str, capacity: int, timer_args: list[str],
               slack: float) -> Judge:
    """The judge of one run: the explored joint model and the store's timer lengths."""
    graph = explore_model(TransitionSystem(workflow, delivery=delivery, capacity=capacity))
    timers = [(t.name, t.party, t.event, t.duration) for t in workflow.timers]
    overrides = parse_overrides(timer_args, [t.name for t in workflow.timers])
    return Judge(graph, timers, overrides, slack)


def worker_judge(spec: str, delivery: str, capacity: int, timer_args: list[str],
                 slack: float) -> Judge:
    """A Dask worker's judge, equal to the driver's (module level: it is pickled by name)."""
    return make_judge(load_workflow(spec), delivery, capacity, timer_args, slack)


def _classifier(args: argparse.Namespace) -> tuple[Callable[[str], Any] | None, str]:
    spec = args.statuses
    if spec is None:
        spec = (DEFAULT_CLASSIFIER or "none") if args.model is None else "none"
    if spec == "none":
        return None, spec
    fn, _ = loading.load_attribute(spec, f"--statuses {spec!r}")
    if not callable(fn):
        raise UsageError(f"--statuses {spec!r}: expected a function status_id -> kind")
    return fn, spec


def status_check(statuses: dict[str, frozenset[str]],
                 classify: Callable[[str], Any] | None, spec: str) -> StatusCheck:
    """(party, status) -> None when that party's chart has it, else why not (memoised; the
    classifier is user code, called once per distinct status)."""
    memo: dict[tuple[str, str], str | None] = {}

    def check(party: str, status: str) -> str | None:
        key = (party, status)
        if key in memo:
            return memo[key]
        why: str | None
        if status in statuses.get(party, ()):
            why = None
        elif classify is None:
            why = "not a status of the model"
        else:
            kind = usercode.calling(f"--statuses {spec!r}({status!r})", classify, status)
            text = str(getattr(kind, "value", kind))
            # a status of the workflow this model leaves out is judged (a deviation), not
            # dropped: a documented-only model must reject the known issues' statuses
            why = None if text == "modelled" else text
        memo[key] = why
        return why

    return check


def _domains(values: list[str], parties: tuple[str, ...]) -> dict[str, str]:
    domains = ({k: v for k, v in VTEX_DOMAINS.items() if v in parties}
               if set(VTEX_DOMAINS.values()) <= set(parties) else {})
    for value in values:
        name, sep, party = value.partition("=")
        if not sep or not name or party not in parties:
            raise UsageError(f"--domain {value!r}: expected NAME=PARTY with PARTY one of "
                             f"{', '.join(parties)}")
        domains[name] = party
    return domains


def safe_name(order: str) -> str:
    """A file name for an order id (ids are data: no path separators survive)."""
    return re.sub(r"[^A-Za-z0-9._-]", "_", order)[:120] or "_"


def trace_text(judge: Judge, j: Judgement, model: str, spec: str, delivery: str) -> str:
    """One bad order's evidence in the shared JSON-lines trace format."""
    steps = judge.trace(j)
    # every step of the witness is written out, so nothing is silent: ``ordercheck replay``
    # re-checks it step by step (the rejected record of a deviation is an ``observe`` line)
    header = {"model": model, "model_spec": spec, "delivery": delivery,
              "title": f"{j.order}: {j.verdict.value}: {j.reason}"}
    text = dumps(steps, header)
    if j.verdict is Verdict.DEVIATING and j.at is not None:
        import json

        line = {"n": len(steps), "kind": "observe", "status": {j.at.party: j.at.state}}
        text += json.dumps(line, sort_keys=True) + "\n"
    return text


def cmd_logs(args: argparse.Namespace) -> int:
    """Judge every order of the logs; print the report; exit 0/1/2/3 (module docstring)."""
    if args.settle < 1:
        raise UsageError(f"--settle {args.settle}: must be at least 1")
    if args.capacity < 1:
        raise UsageError(f"--capacity {args.capacity}: must be at least 1")
    slack = parse_duration(args.slack)
    if slack is None:
        raise UsageError(f"--slack {args.slack!r}: not a duration like 15m, 1h")
    now = None
    if args.now is not None:
        try:
            now = parse_time(args.now)
        except ValueError as exc:
            raise UsageError(f"--now: {exc}") from None
    if args.diagrams < 0:
        raise UsageError(f"--diagrams {args.diagrams}: must be at least 0")
    if args.workers < 1:
        raise UsageError(f"--workers {args.workers}: must be at least 1")
    if args.engine != "dask" and args.scheduler is not None:
        raise UsageError("--scheduler: only with --engine dask")
    workflow, spec = _workflow(args)
    classify, classifier_spec = _classifier(args)
    judge = make_judge(workflow, args.delivery, args.capacity, args.timer, slack)
    parties = judge.parties
    domains = _domains(args.domain, parties)
    links = read_link_file(Path(args.link)) if args.link else None
    ledger = Ledger()
    reader = LogReader(ledger, parties=parties, domains=domains,
                       check=status_check(dict(judge.statuses), classify, classifier_spec))
    linker = Linker(parties[0], links)
    model = f"{workflow.name} (delivery {args.delivery})"
    keep_rows = args.format == "csv" or args.out is not None
    if args.engine == "dask":
        factory = partial(worker_judge, spec, args.delivery, args.capacity, list(args.timer),
                          slack)
        key = repr((spec, args.delivery, args.capacity, args.timer, slack))
        client, cluster = connect(args.scheduler, args.workers)
        try:
            report = check_logs_dask(args.sources, judge=judge, factory=factory, key=key,
                                     reader=reader, linker=linker, model=model, now=now,
                                     keep_rows=keep_rows, settle=args.settle, client=client)
        finally:
            client.close()
            if cluster is not None:
                cluster.close()
    elif args.engine == "columnar":
        report = _columnar(args, judge, reader, linker, model, now, keep_rows)
    else:
        report = check_logs(args.sources, judge=judge, reader=reader, linker=linker,
                            model=model, now=now, keep_rows=keep_rows, settle=args.settle)
    traces: dict[str, str] = {}
    if args.out is not None:
        traces = _write_out(Path(args.out), report, judge, workflow.name, spec, args.delivery,
                            args.diagrams)
    render = {"text": to_text, "json": to_json, "markdown": to_markdown}
    if args.format == "csv":
        sys.stdout.write(to_csv(report))
    elif args.format == "html":
        sys.stdout.write(html_page(report, judge, workflow.name, spec, args.delivery, traces,
                                   args.diagrams))
    else:
        sys.stdout.write(render[args.format](report, traces))
    if report.orders == 0:
        sys.stderr.write("ordercheck logs: no order judged (no usable record): UNKNOWN\n")
    return report.exit_code


def _columnar(args: argparse.Namespace, judge: Judge, reader: LogReader, linker: Linker,
              model: str, now: float | None, keep_rows: bool) -> FleetReport:
    """``--engine columnar``; stdin is read once into memory, since a log with late records
    is judged again by the streaming engine (``logs.columnar``)."""
    try:
        from ..logs.columnar import check_logs_columnar
    except ImportError:
        raise UsageError("--engine columnar: needs polars and numpy "
                         "(pip install 'ordercheck[columnar]')") from None
    stdin = io.BytesIO(sys.stdin.buffer.read()) if "-" in args.sources else None

    def streaming() -> FleetReport:
        fresh = LogReader(Ledger(), parties=reader.parties, domains=reader.domains,
                          check=reader.check)
        if stdin is not None:
            stdin.seek(0)
        return check_logs(args.sources, judge=judge, reader=fresh, linker=linker, model=model,
                          now=now, keep_rows=keep_rows, settle=args.settle, stdin=stdin)

    return check_logs_columnar(args.sources, judge=judge, reader=reader, linker=linker,
                               model=model, now=now, keep_rows=keep_rows, settle=args.settle,
                               stdin=stdin, streaming=streaming)


def _write_out(out: Path, report: FleetReport, judge: Judge, model: str, spec: str,
               delivery: str, diagrams: int) -> dict[str, str]:
    folder = out / "traces"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"--out {out}: cannot create ({exc.strerror})") from None
    traces: dict[str, str] = {}
    used: set[str] = set()
    for j in report.bad:
        name = safe_name(j.order)
        while name in used:
            name += "_"
        used.add(name)
        path = folder / f"{name}.jsonl"
        path.write_text(trace_text(judge, j, model, spec, delivery), encoding="utf-8")
        traces[j.order] = f"traces/{name}.jsonl"
    (out / "report.txt").write_text(to_text(report, traces), encoding="utf-8")
    (out / "report.json").write_text(to_json(report, traces), encoding="utf-8")
    (out / "report.md").write_text(to_markdown(report, traces), encoding="utf-8")
    (out / "report.csv").write_text(to_csv(report), encoding="utf-8")
    (out / "report.html").write_text(
        html_page(report, judge, model, spec, delivery, traces, diagrams), encoding="utf-8")
    return traces


def html_page(report: FleetReport, judge: Judge, model: str, spec: str, delivery: str,
              traces: dict[str, str], limit: int = DIAGRAMS) -> str:
    """The self-contained page, with a sequence diagram per bad order (the first ``limit``
    by order id; graphviz runs once per order).  Drawn here, in the front end, because the
    engine may not import ``ordercheck.diagrams``."""
    import json

    from ordercheck.diagrams import dot, sequence
    from ordercheck.diagrams.render import RenderError, render

    diagrams: dict[str, bytes] = {}
    note = ""
    for j in report.bad[:limit]:
        lines = [json.loads(line) for line in trace_text(judge, j, model, spec, delivery)
                 .splitlines()]
        title = str(lines[0].get("title", ""))
        steps = [{k: v for k, v in rec.items() if not k.startswith("_")}
                 for rec in lines[1:] if rec.get("kind") != "observe"]
        try:
            diagrams[j.order] = render(dot.to_dot(sequence.sequence_graph(steps, title)), "svg")
        except RenderError as exc:
            note = f"sequence diagrams not drawn: {exc}"
            diagrams.clear()
            break
    if not note and len(report.bad) > limit:
        note = (f"diagrams drawn for the first {limit} of {len(report.bad)} orders by id; "
                "the others' traces are under traces/ with --out "
                "(ordercheck diagrams --trace FILE draws one)")
    return to_html(report, judge.parties, diagrams, traces, note)
