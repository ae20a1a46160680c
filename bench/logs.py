"""``ordercheck logs`` throughput and memory, end to end, against pm4py token replay.

    python bench/logs.py                              # 10^4 and 10^5 orders, ordercheck only
    python -m venv /tmp/pm4py && /tmp/pm4py/bin/pip install pm4py    # once, apart from ours
    python bench/logs.py --pm4py-python /tmp/pm4py/bin/python     # + pm4py, same logs
    python bench/logs.py --orders 10000 100000 1000000 --engines columnar stream

What is measured, and why so:

* **the logs**: the model-driven generator (``checks/logs/generate.py``) writes Feed v3 JSON
  lines (15 % hook bodies) with every fault the tests use: duplicates, reordering, the cancel
  flip, unmapped statuses, malformed lines; 10^4 orders are about 1.3·10^5 records (33 MB).
  Generation is not timed.
* **ordercheck**: ``python -m ordercheck logs LOG --format json --engine E`` in a child
  process — model exploration, reading, linking, ordering, judging, rendering: end to end
  from the JSON-lines file.  events/s = records in the file / wall seconds; peak memory =
  that child's peak RSS (each child is measured by a wrapper process of its own).
* **pm4py** (optional, a bench-only extra never installed by the project: pass a Python that
  has it): the same records as a DataFrame (case = marketplace order id, activity =
  ``party:status``, timestamp), a Petri net discovered by the inductive miner, then token-based
  replay of the whole log.  Its events/s counts **only the replay** (not the JSON reading nor
  the DataFrame/event-log conversion nor discovery), as issue 13 asks; peak memory is that
  child's peak RSS.  The ratio (ours / pm4py events/s) is printed per size, in the same run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

NOW = 1_750_000_000.0
NOW_ISO = "2025-06-15T15:06:40Z"

PM4PY_SCRIPT = textwrap.dedent(r"""
    import json, re, resource, sys, time
    import pandas as pd
    import pm4py
    path = sys.argv[1]
    rows = []
    for line in open(path, encoding="utf-8"):
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if not isinstance(o, dict):
            continue
        g = o.get
        if "eventId" in o:
            oid, dom, st, ts = g("orderId"), g("domain"), g("state"), g("currentChange")
        else:
            oid, dom, st = g("OrderId"), g("Domain"), g("State")
            ts = g("CurrentChange") or g("LastChange")
        if not (oid and dom and st and ts) or not isinstance(ts, str) or not ts[:4].isdigit():
            continue
        case = re.sub(r"^[A-Za-z][A-Za-z0-9]*-(?=\d+-\d+$)", "", oid)
        rows.append((case, f"{dom}:{st}", ts[:26] + "Z"))
    df = pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp"])
    df["time:timestamp"] = pd.to_datetime(df["time:timestamp"], utc=True, format="ISO8601")
    df = df.sort_values(["case:concept:name", "time:timestamp"])
    log = pm4py.convert_to_event_log(df)
    net, im, fm = pm4py.discover_petri_net_inductive(log, noise_threshold=0.2)
    t = time.perf_counter()
    result = pm4py.conformance_diagnostics_token_based_replay(log, net, im, fm)
    replay = time.perf_counter() - t
    fit = sum(1 for r in result if r["trace_is_fit"])
    print(json.dumps({"events": len(df), "replay_s": replay, "traces": len(result), "fit": fit,
                      "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
""")


MEASURE = textwrap.dedent(r"""
    import resource, subprocess, sys, time
    t = time.perf_counter()
    done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    seconds = time.perf_counter() - t
    sys.stdout.buffer.write(done.stdout)
    sys.stderr.buffer.write(done.stderr)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    sys.stderr.write(f"\nMEASURED {done.returncode} {seconds} {peak}\n")
""")


def measured(cmd: list[str]) -> tuple[int, float, int, str, str]:
    """(exit code, wall seconds, peak RSS in KiB, stdout, stderr) of one child process."""
    done = subprocess.run([sys.executable, "-c", MEASURE, *cmd], capture_output=True,
                          text=True, cwd=ROOT)
    err, _, last = done.stderr.rstrip("\n").rpartition("\n")
    _, code, seconds, peak = last.split()
    return int(code), float(seconds), int(peak), done.stdout, err


def run_ordercheck(log: Path, engine: str) -> dict[str, float]:
    code, seconds, peak, out, err = measured(
        [sys.executable, "-m", "ordercheck", "logs", str(log), "--format", "json", "--now",
         NOW_ISO, "--engine", engine])
    if code not in (0, 1):
        raise SystemExit(f"ordercheck logs failed ({code}): {err}")
    rep = json.loads(out)
    return {"records": rep["records"]["total"], "used": rep["records"]["used"],
            "orders": rep["orders"], "seconds": seconds, "peak_kb": peak,
            "sequences": rep["distinct_sequences"]}


def run_pm4py(python: str, log: Path, tmp: Path) -> dict[str, float] | None:
    script = tmp / "pm4py_replay.py"
    script.write_text(PM4PY_SCRIPT, encoding="utf-8")
    code, seconds, _, out, err = measured([python, str(script), str(log)])
    if code != 0:
        print(f"pm4py: failed ({code}): {err[-2000:]}")
        return None
    res = json.loads(out.strip().splitlines()[-1])
    res["total_s"] = seconds
    return res  # type: ignore[no-any-return]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--orders", type=int, nargs="+", default=[10_000, 100_000],
                    help="log sizes in orders (10^4 orders ~ 1.3*10^5 records)")
    ap.add_argument("--engines", nargs="+", default=["columnar", "stream"],
                    choices=["columnar", "stream"], help="ordercheck engines to measure")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pm4py-python", metavar="PYTHON",
                    help="a Python interpreter with pm4py installed (bench-only extra)")
    ap.add_argument("--keep", metavar="DIR", help="write the logs here and keep them")
    args = ap.parse_args()

    from ordercheck.checks.belief import explore_model
    from ordercheck.checks.logs.generate import generate_file
    from ordercheck.checks.logs.judge import Judge
    from ordercheck.checks.system import TransitionSystem
    from ordercheck.checks.trace import load
    from ordercheck.model.vtex import observed

    wf = observed()
    judge = Judge(explore_model(TransitionSystem(wf)),
                  [(t.name, t.party, t.event, t.duration) for t in wf.timers], {}, 900.0)
    scenarios = [load(ROOT / "model/vtex/scenarios" / f"{n}.jsonl")[1]
                 for n in ("ki-1004978", "ki-1004978-invoiced", "ki-1400005")]
    table: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for orders in args.orders:
            log = folder / f"fleet-{orders}.jsonl"
            t = time.perf_counter()
            if not log.exists():
                generate_file(str(log), judge, scenarios, orders, now=NOW, seed=args.seed)
            print(f"log: {orders:,} orders, {log.stat().st_size / 2**20:,.0f} MiB, ready in "
                  f"{time.perf_counter() - t:.1f} s", flush=True)
            ours: dict[str, dict[str, float]] = {}
            for engine in args.engines:
                res = ours[engine] = run_ordercheck(log, engine)
                rate = res["records"] / res["seconds"]
                print(f"  ordercheck --engine {engine}: {res['records']:,.0f} records "
                      f"({res['used']:,.0f} used), {res['orders']:,.0f} orders, "
                      f"{res['sequences']:,.0f} distinct sequences, {res['seconds']:.1f} s end "
                      f"to end = {rate:,.0f} events/s, peak RSS "
                      f"{res['peak_kb'] / 1024:,.0f} MiB", flush=True)
            theirs = run_pm4py(args.pm4py_python, log, Path(tmp)) if args.pm4py_python else None
            if theirs is not None:
                their_rate = theirs["events"] / theirs["replay_s"]
                print(f"  pm4py token replay: {theirs['events']:,} events, "
                      f"{theirs['traces']:,} traces ({theirs['fit']:,} fit), replay "
                      f"{theirs['replay_s']:.1f} s = {their_rate:,.0f} events/s (replay only; "
                      f"{theirs['total_s']:.1f} s with reading, conversion, discovery), peak RSS "
                      f"{theirs['maxrss_kb'] / 1024:,.0f} MiB", flush=True)
            for engine, res in ours.items():
                rate = res["records"] / res["seconds"]
                if theirs is None:
                    table.append(f"| {orders:,} | {res['records']:,.0f} | {engine} | {rate:,.0f}"
                                 f" ({res['seconds']:.1f} s) | - | - | "
                                 f"{res['peak_kb'] / 1024:,.0f} / - MiB |")
                    continue
                their_rate = theirs["events"] / theirs["replay_s"]
                table.append(f"| {orders:,} | {res['records']:,.0f} | {engine} | {rate:,.0f} "
                             f"({res['seconds']:.1f} s) | {their_rate:,.0f} "
                             f"({theirs['replay_s']:.1f} s) | {rate / their_rate:.2f}x | "
                             f"{res['peak_kb'] / 1024:,.0f} / "
                             f"{theirs['maxrss_kb'] / 1024:,.0f} MiB |")
    print("\n| orders | records | engine | ordercheck events/s, end to end | pm4py events/s, "
          "replay only | ratio | peak RSS (ours / pm4py) |")
    print("|---:|---:|---|---:|---:|---:|---:|")
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    sys.exit(main())
