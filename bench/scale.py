"""Scale: every registered explorer back end next to SPIN on the same model, in one run.

    python bench/scale.py --quick          # toy n = 4..5 + VTEX, rows <= 300,000 states (~1 min)
    python bench/scale.py --max-n 7        # toy n = 4..7 (1.6M states in fifo; ~6 min)
    python bench/scale.py --skip-spin      # back ends only

Models: the ``n_sellers(n)`` toy of ``tests/toys.py`` for n = 4..``--max-n`` (8 by default),
both VTEX variants, and order groups of n = 1..4 sellers when the VTEX model takes a
``sellers`` parameter (detected; a note is printed when it does not).  Each under every
delivery mode, except rows predicted to exceed ``--max-states`` (the toy's sizes are known in
closed form; such rows are listed as skipped, never silently dropped).

Per row and back end (every entry of ``checks.explore.EXPLORERS``, so back ends added there
appear without a change here): states, transitions (edges), seconds, states/s and bytes per
state, measured as ``bench/explore.py`` measures them (its helpers are imported: best of
repeats under 0.2 s, a forked child per row, tracemalloc peak and peak-RSS growth over
states).  The edge store is part of the bytes: ordercheck keeps the edges the analyses need.

SPIN: the model exported by ``ordercheck export --format promela`` (:mod:`checks.export`),
``pan`` compiled with ``-O2 -DSAFETY -DNOREDUCE`` (no partial-order reduction: every
interleaving is a state, as in ordercheck) and run with ``-c0`` and a hash table sized for the
state count.  Its columns: pan's own elapsed time and the wall time of ``./pan`` (compilation
excluded; ``spin -a`` + gcc shown apart), states/s from pan's time, and pan's own memory
report: ``actual memory usage for states`` (the visited store) / ``total actual memory usage``
(store + hash table + DFS stack), over states.  SPIN's state count must equal every back
end's and its transitions must be ``1 + edges + final self-loops + full-channel steps``, or
the bench stops: a speed ratio means nothing between checkers that disagree.

``x SPIN`` columns: the back end's states/s over SPIN's (states over the wall time of
``./pan``; above 1 = faster than SPIN), and its bytes/state (RSS) over SPIN's total
bytes/state (below 1 = smaller).  On rows of a few thousand states both sides take
milliseconds and the ratios are mostly start-up cost.
"""

from __future__ import annotations

import argparse
import gc
import inspect
import multiprocessing as mp
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.explore import fastest, peak_rss
from ordercheck.checks.explore import EXPLORERS, Explorer, explore
from ordercheck.checks.export import export_promela
from ordercheck.checks.export.spin import PAN_CFLAGS, PanResult, missing_tools, run_spin
from ordercheck.checks.protocol import Workflow
from ordercheck.checks.system import DELIVERY_MODES, TransitionSystem
from ordercheck.model import vtex
from tests.toys import n_sellers

#: tests/toys.py: states of n_sellers(n) per delivery mode, in closed form
TOY_STATES: dict[str, Callable[[int], int]] = {
    "fifo": lambda n: 1 + 2 * 7**n, "unordered": lambda n: 1 + 2 * 7**n,
    "lossy": lambda n: 1 + 2 * 8**n, "duplicate": lambda n: 1 + 2 * 13**n}


@dataclass(frozen=True, slots=True)
class Measured:
    """One back end on one model (sent back by a forked child)."""

    states: int
    edges: int
    seconds: float
    traced_peak: int
    rss_growth: int


@dataclass(frozen=True, slots=True)
class Exported:
    """What the SPIN run needs from ordercheck: the program and the counts to compare."""

    text: str
    states: int
    edges: int
    finals: int
    bound_hits: int


def _measure(make: Callable[[], Workflow], delivery: str, explorer: Explorer) -> Measured:
    """Timed run (best of repeats, peak-RSS growth), then an untimed traced run."""
    workflow = make()

    def prepare() -> TransitionSystem:
        return TransitionSystem(workflow, delivery=delivery)

    def run(system: TransitionSystem) -> tuple[int, int]:
        graph = explore(system, explorer=explorer)
        return graph.n_states, graph.n_edges

    rss_before = peak_rss()
    (states, edges), best = fastest(prepare, run)
    rss_growth = peak_rss() - rss_before
    system = prepare()
    gc.collect()
    tracemalloc.start()
    explore(system, explorer=explorer)
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return Measured(states, edges, best, traced, rss_growth)


def _export(make: Callable[[], Workflow], delivery: str) -> Exported:
    system = TransitionSystem(make(), delivery=delivery)
    graph = explore(system)
    bound_hits = system.bound_hits
    finals = sum(1 for s in graph.states if system.is_final(s))
    return Exported(export_promela(graph).text, graph.n_states, graph.n_edges, finals,
                    bound_hits)


def _child(conn: Connection, fn: Callable[[], object]) -> None:
    conn.send(fn())
    conn.close()


def forked(fn: Callable[[], object]) -> object:
    """``fn()`` in a forked child: each row's RSS peak starts from the same base, and a large
    graph's memory is returned to the system before the next row."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, fn))
    proc.start()
    child.close()
    result = parent.recv()
    proc.join()
    return result


def sellers_supported() -> bool:
    return "sellers" in inspect.signature(vtex.documented).parameters


def models(max_n: int) -> list[tuple[str, Callable[[], Workflow], Callable[[str], int] | None]]:
    """(name, factory, predicted states per delivery mode or None)."""
    out: list[tuple[str, Callable[[], Workflow], Callable[[str], int] | None]] = [
        ("vtex-documented", vtex.documented, None), ("vtex-observed", vtex.observed, None)]
    if sellers_supported():
        out += [(f"group-{n}", partial(vtex.documented, sellers=n), None)  # type: ignore[call-arg]
                for n in range(1, 5)]
    else:
        print("note: the VTEX model takes no `sellers` parameter here: order-group rows skipped")
    out += [(f"{n}-sellers toy", partial(n_sellers, n),
             partial(lambda n, d: TOY_STATES[d](n), n)) for n in range(4, max_n + 1)]
    return out


HEADER = (f"{'model':<16} {'delivery':<9} {'engine':<8} {'states':>11} {'edges':>12} "
          f"{'s':>8} {'states/s':>10} {'B/st tr':>8} {'B/st RSS':>8} {'x SPIN st/s':>11} "
          f"{'x SPIN B/st':>11}")


def spin_rate(pan: PanResult) -> float:
    """States per second of ./pan's wall time (pan's own clock ticks in 10 ms)."""
    return pan.states / pan.wall_seconds


def spin_line(name: str, delivery: str, edges: int, pan: PanResult) -> str:
    store = pan.memory_states_mb * 2**20 / pan.states
    total = pan.memory_total_mb * 2**20 / pan.states
    return (f"{name:<16} {delivery:<9} {'spin':<8} {pan.states:>11,} {edges:>12,} "
            f"{pan.wall_seconds:>8.3f} {spin_rate(pan):>10,.0f} {store:>8,.0f} {total:>8,.0f} "
            f"(pan's own: {pan.pan_seconds:.2f} s; spin -a + gcc {pan.compile_seconds:.1f} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="toy n = 4..5 only")
    parser.add_argument("--max-n", type=int, help="largest n-sellers toy (default 8; 5 quick)")
    parser.add_argument("--max-states", type=int, metavar="N",
                        help="skip rows predicted above N states (default 2,000,000; "
                             "300,000 quick)")
    parser.add_argument("--skip-spin", action="store_true", help="back ends only, no SPIN")
    args = parser.parse_args()
    top = args.max_n or (5 if args.quick else 8)
    max_states = args.max_states or (300_000 if args.quick else 2_000_000)
    missing = None if args.skip_spin else missing_tools()
    if missing:
        raise SystemExit(f"SPIN cannot run: {missing} (or pass --skip-spin)")
    started = time.perf_counter()
    print(f"Python {sys.version.split()[0]}; back ends: {', '.join(EXPLORERS)}; SPIN: "
          f"{'skipped' if args.skip_spin else 'pan ' + ' '.join(PAN_CFLAGS) + ' -c0'}")
    print("s = best run (SPIN: wall of ./pan); B/st tr = tracemalloc peak / states; "
          "B/st RSS = peak RSS growth / states (SPIN: store / total from pan)")
    print(HEADER)
    skipped: list[str] = []
    for name, make, predict in models(top):
        for delivery in DELIVERY_MODES:
            if predict is not None and predict(delivery) > max_states:
                skipped.append(f"{name} {delivery} ({predict(delivery):,} states)")
                continue
            pan = None
            if not args.skip_spin:
                exported = forked(partial(_export, make, delivery))
                assert isinstance(exported, Exported)
                with tempfile.TemporaryDirectory(prefix="ordercheck-spin-") as tmp:
                    pan = run_spin(exported.text, Path(tmp), expected_states=exported.states)
                expected = 1 + exported.edges + exported.finals + exported.bound_hits
                if (pan.states, pan.transitions) != (exported.states, expected):
                    raise SystemExit(f"{name} {delivery}: SPIN {pan.states} states, "
                                     f"{pan.transitions} transitions; ordercheck "
                                     f"{exported.states}, expected {expected}: they disagree")
            for engine, explorer in EXPLORERS.items():
                row = forked(partial(_measure, make, delivery, explorer))
                assert isinstance(row, Measured)
                if predict is not None and row.states != predict(delivery):
                    raise SystemExit(f"{name} {delivery} {engine}: {row.states} states, the "
                                     f"closed form says {predict(delivery)}")
                if pan is not None and row.states != pan.states:
                    raise SystemExit(f"{name} {delivery} {engine}: {row.states} states, SPIN "
                                     f"{pan.states}")
                n, rate = row.states, row.states / row.seconds
                line = (f"{name:<16} {delivery:<9} {engine:<8} {n:>11,} {row.edges:>12,} "
                        f"{row.seconds:>8.3f} {rate:>10,.0f} {row.traced_peak / n:>8,.0f} "
                        f"{row.rss_growth / n:>8,.0f}")
                if pan is not None:
                    spin_total = pan.memory_total_mb * 2**20 / pan.states
                    line += (f" {rate / spin_rate(pan):>10.2f}x"
                             f" {row.rss_growth / n / spin_total:>10.2f}x")
                print(line, flush=True)
            if pan is not None:
                print(spin_line(name, delivery, exported.edges, pan), flush=True)
    for row_name in skipped:
        print(f"skipped (over --max-states {max_states:,}): {row_name}")
    print(f"total {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
