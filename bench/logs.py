"""``ordercheck logs`` throughput and memory, end to end, against pm4py token replay.

    python bench/logs.py                              # ~10^6 events, ordercheck only
    python bench/logs.py --pm4py-python /tmp/pm4pyvenv/bin/python   # + pm4py, same log
    python bench/logs.py --orders 200000              # a bigger log

What is measured, and why so:

* **the log**: the model-driven generator (``checks/logs/generate.py``) writes Feed v3 JSON
  lines (15 % hook bodies) with every fault the tests use: duplicates, reordering, the cancel
  flip, unmapped statuses, malformed lines.  Generation is not timed.
* **ordercheck**: ``python -m ordercheck logs LOG --format json`` in a
  child process — model exploration, reading, linking, ordering, judging, rendering: end to
  end from the JSON-lines file.  events/s = records in the file / wall seconds; peak memory =
  the child's peak RSS (``resource.getrusage(RUSAGE_CHILDREN)``).
* **pm4py** (optional, a bench-only extra never installed by the project: pass a Python that
  has it): the same records as a DataFrame (case = marketplace order id, activity =
  ``party:status``, timestamp), a Petri net discovered by the inductive miner, then token-based
  replay of the whole log.  Its events/s counts **only the replay** (not the JSON reading nor
  the DataFrame/event-log conversion nor discovery), as issue 13 asks; peak memory is that
  child's peak RSS.  The ratio is printed in the same run.
"""

from __future__ import annotations

import argparse
import json
import resource
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


def child_peak_kb() -> int:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


def run_ordercheck(log: Path) -> dict[str, float]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "ordercheck", "logs",
                           str(log), "--format", "json", "--now", NOW_ISO],
                          capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise SystemExit(f"ordercheck logs failed ({done.returncode}): {done.stderr}")
    rep = json.loads(done.stdout)
    return {"records": rep["records"]["total"], "used": rep["records"]["used"],
            "orders": rep["orders"], "seconds": seconds,
            "sequences": rep["distinct_sequences"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--orders", type=int, default=80_000,
                    help="orders to generate (80,000 ~ 10^6 records)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--pm4py-python", metavar="PYTHON",
                    help="a Python interpreter with pm4py installed (bench-only extra)")
    ap.add_argument("--keep", metavar="FILE", help="write the log here and keep it")
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
    with tempfile.TemporaryDirectory() as tmp:
        log = Path(args.keep) if args.keep else Path(tmp) / "fleet.jsonl"
        t = time.perf_counter()
        gen = generate_file(str(log), judge, scenarios, args.orders, now=NOW, seed=args.seed)
        print(f"log: {args.orders:,} orders, {gen.records:,} records, "
              f"{log.stat().st_size / 2**20:,.0f} MiB, generated in "
              f"{time.perf_counter() - t:.1f} s")
        base = child_peak_kb()
        ours = run_ordercheck(log)
        ours_peak = child_peak_kb()
        ours_rate = ours["records"] / ours["seconds"]
        print(f"ordercheck logs: {ours['records']:,.0f} records ({ours['used']:,.0f} used), "
              f"{ours['orders']:,.0f} orders, {ours['sequences']:,.0f} distinct sequences, "
              f"{ours['seconds']:.1f} s end to end = {ours_rate:,.0f} events/s, "
              f"peak RSS {ours_peak / 1024:,.0f} MiB"
              + ("" if ours_peak > base else " (peak not above an earlier child's)"))
        if not args.pm4py_python:
            print("pm4py: not run (pass --pm4py-python PYTHON with pm4py installed)")
            return 0
        script = Path(tmp) / "pm4py_replay.py"
        script.write_text(PM4PY_SCRIPT, encoding="utf-8")
        t = time.perf_counter()
        done = subprocess.run([args.pm4py_python, str(script), str(log)], capture_output=True,
                              text=True)
        if done.returncode != 0:
            print(f"pm4py: failed ({done.returncode}): {done.stderr[-2000:]}")
            return 1
        res = json.loads(done.stdout.strip().splitlines()[-1])
        theirs_rate = res["events"] / res["replay_s"]
        print(f"pm4py token replay: {res['events']:,} events, {res['traces']:,} traces "
              f"({res['fit']:,} fit), replay {res['replay_s']:.1f} s = {theirs_rate:,.0f} "
              f"events/s (replay only; {time.perf_counter() - t:.1f} s with reading, "
              f"conversion, discovery), peak RSS {res['maxrss_kb'] / 1024:,.0f} MiB")
        print(f"ratio: ordercheck end to end / pm4py replay only = "
              f"{ours_rate / theirs_rate:.2f}x events/s; peak memory "
              f"{ours_peak / res['maxrss_kb']:.2f}x of pm4py's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
