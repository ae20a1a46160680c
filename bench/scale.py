"""Scale: the bfs and compiled back ends next to SPIN on the same models, in one run.

    python bench/scale.py                  # toy n = 4..7, groups 1..4 (~15 min)
    python bench/scale.py --quick          # toy n = 4..5, groups 1..2, rows <= 300,000 states
    python bench/scale.py --max-n 8        # adds the 8-sellers toy (minutes per row)
    python bench/scale.py --explorers bfs,compiled1,compiled,parallel,dask
    python bench/scale.py --skip-spin      # back ends only

Models: the ``n_sellers(n)`` toy of ``tests/toys.py`` for n = 4..``--max-n`` (7 by default),
both VTEX variants, and order groups of n = 1..``--groups`` (4): unreduced up to 3 (SPIN up
to ``--group-spin``, 3 — not under ``duplicate`` from 2: over 3 M states at the channel
bound, whose export and SPIN run filled this machine's 23 GB),
with ``--symmetry`` from 2, and a group of 4 reduced under ``unordered`` only (the issue's
target).  Each under every delivery mode, except toy rows predicted to exceed
``--max-states`` (known in closed form) and rows that reach it (stopped there); bfs runs only
where the compiled back end found at most ``--bfs-max-states``.  Skipped rows are listed,
never silently dropped.

Per row and back end (``--explorers``, default bfs, compiled1 — the compiled kernel on one
thread — and compiled, on every core; the compiled ones run first):
states, transitions (edges), seconds, states/s and bytes per state, measured as
``bench/explore.py`` measures them (best of repeats under 0.2 s, a forked child per row,
peak-RSS growth over states; bfs: tracemalloc peak; compiled: its own visited store +
parent pointers, ``CompiledStats.store_bytes``, and the CSR edges apart).

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
from ordercheck.checks.explorers import Compiled
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
    store_bytes: int = 0  # compiled: visited table + states + parents (CompiledStats)
    edge_bytes: int = 0  # compiled: the CSR edges, apart
    truncated: bool = False  # stopped at --max-states (a row too big for this run)


@dataclass(frozen=True, slots=True)
class Exported:
    """What the SPIN run needs from ordercheck: the program and the counts to compare."""

    text: str
    states: int
    edges: int
    finals: int
    bound_hits: int


#: the back ends by name, plus ``compiled1``: the compiled kernel on one thread (``compiled``
#: runs on every core)
ENGINES: dict[str, Explorer] = {**EXPLORERS, "compiled1": Compiled(threads=1)}


def _measure(make: Callable[[], Workflow], delivery: str, explorer: Explorer,
             symmetry: bool = False, max_states: int | None = None) -> Measured:
    """Timed run (best of repeats, peak-RSS growth), then an untimed traced run (the
    compiled back end reports its store and edge bytes itself: no traced run)."""
    workflow = make()

    def prepare() -> TransitionSystem:
        return TransitionSystem(workflow, delivery=delivery, symmetry=symmetry)

    truncated = False

    def run(system: TransitionSystem) -> tuple[int, int]:
        nonlocal truncated
        graph = explore(system, explorer=explorer, max_states=max_states)
        truncated = "max-states" in graph.bounds_hit
        return graph.n_states, graph.n_edges

    rss_before = peak_rss()
    (states, edges), best = fastest(prepare, run)
    rss_growth = peak_rss() - rss_before
    stats = getattr(explorer, "last", None)
    if stats is not None and hasattr(stats, "store_bytes"):
        return Measured(states, edges, best, 0, rss_growth, stats.store_bytes,
                        stats.edge_bytes, truncated)
    system = prepare()
    gc.collect()
    tracemalloc.start()
    explore(system, explorer=explorer, max_states=max_states)
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return Measured(states, edges, best, traced, rss_growth, truncated=truncated)


def _export(make: Callable[[], Workflow], delivery: str) -> Exported:
    """The unreduced model explored (by the compiled back end: same graph as BFS) and
    exported: SPIN does not reduce symmetry."""
    system = TransitionSystem(make(), delivery=delivery)
    graph = explore(system, explorer=EXPLORERS["compiled"])
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


@dataclass(frozen=True, slots=True)
class Row:
    """One model of the table: factory, symmetry reduction, and what limits its cost."""

    name: str
    make: Callable[[], Workflow]
    predict: Callable[[str], int] | None = None  # closed-form states per delivery mode
    symmetry: bool = False
    deliveries: tuple[str, ...] = tuple(DELIVERY_MODES)
    spin: bool = True  # unreduced and small enough to export and run SPIN on
    #: deliveries never exported even when ``spin``: a group of 2 under duplicate is over
    #: 3 M states at the channel bound, and its export + SPIN run filled this machine's 23 GB
    no_spin: tuple[str, ...] = ()


def models(max_n: int, groups: int, group_spin: int) -> list[Row]:
    """The toy for n = 4..max_n, both VTEX variants, order groups of 1..groups (unreduced
    up to 3, with symmetry from 2; a group of 4 under unordered delivery only, reduced: the
    issue's target), each exported to SPIN when unreduced and n <= group_spin."""
    out = [Row("vtex-documented", vtex.documented), Row("vtex-observed", vtex.observed)]
    if sellers_supported():
        for n in range(1, groups + 1):
            make = partial(vtex.documented, sellers=n)  # type: ignore[call-arg]
            if n <= 3:
                out.append(Row(f"group-{n}", make, spin=n <= group_spin,
                               no_spin=("duplicate",) if n >= 2 else ()))
            if n >= 2:
                out.append(Row(f"group-{n} sym", make, symmetry=True, spin=False,
                               deliveries=tuple(DELIVERY_MODES) if n <= 3 else ("unordered",)))
    else:
        print("note: the VTEX model takes no `sellers` parameter here: order-group rows skipped")
    out += [Row(f"{n}-sellers toy", partial(n_sellers, n),
                partial(lambda n, d: TOY_STATES[d](n), n)) for n in range(4, max_n + 1)]
    return out


HEADER = (f"{'model':<16} {'delivery':<9} {'engine':<8} {'states':>11} {'edges':>12} "
          f"{'s':>8} {'states/s':>10} {'B/st tr':>8} {'B/st RSS':>8} {'x SPIN st/s':>11} "
          f"{'x SPIN B/st':>11}")
#: compiled rows: "B/st tr" is the kernel's own store (visited table + states + parent
#: pointers) per state, and the edges' bytes per state follow as "+ edges N B/st"


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
    parser.add_argument("--quick", action="store_true", help="toy n = 4..5, groups 1..2")
    parser.add_argument("--max-n", type=int, help="largest n-sellers toy (default 7; 5 quick; "
                        "8 takes minutes per row)")
    parser.add_argument("--groups", type=int, help="largest order group (default 4; 2 quick)")
    parser.add_argument("--group-spin", type=int, default=3, metavar="N",
                        help="export order groups up to N to SPIN (default 3; never a group "
                             "of 2 or more under duplicate: it fills this machine's memory)")
    parser.add_argument("--explorers", default="bfs,compiled1,compiled", metavar="NAMES",
                        help="comma-separated back ends (default bfs,compiled; parallel and "
                             f"dask start processes or a cluster); known: {', '.join(EXPLORERS)}")
    parser.add_argument("--max-states", type=int, metavar="N",
                        help="skip toy rows predicted above N states and stop other rows "
                             "there (default 10,000,000; 300,000 quick)")
    parser.add_argument("--bfs-max-states", type=int, default=1_000_000, metavar="N",
                        help="skip bfs on rows the compiled back end found above N states")
    parser.add_argument("--skip-spin", action="store_true", help="back ends only, no SPIN")
    args = parser.parse_args()
    top = args.max_n or (5 if args.quick else 7)
    groups = args.groups or (2 if args.quick else 4)
    max_states = args.max_states or (300_000 if args.quick else 10_000_000)
    engines = [e.strip() for e in args.explorers.split(",") if e.strip()]
    unknown = [e for e in engines if e not in ENGINES]
    if unknown or not engines:
        parser.error(f"--explorers: unknown back end(s) {unknown}; known: {', '.join(ENGINES)}")
    for name in ("compiled", "compiled1"):  # compiled first: its count gates bfs
        if name in engines:
            engines.remove(name)
            engines.insert(0, name)
    missing = None if args.skip_spin else missing_tools()
    if missing:
        raise SystemExit(f"SPIN cannot run: {missing} (or pass --skip-spin)")
    for name in ("compiled1", "compiled"):  # numba's compile/cache load once, not per child
        if name in engines:
            explore(TransitionSystem(n_sellers(1)), explorer=ENGINES[name])
    started = time.perf_counter()
    print(f"Python {sys.version.split()[0]}; back ends: {', '.join(engines)}; SPIN: "
          f"{'skipped' if args.skip_spin else 'pan ' + ' '.join(PAN_CFLAGS) + ' -c0'}")
    print("s = best run (SPIN: wall of ./pan); B/st tr = tracemalloc peak / states (compiled: "
          "its visited store + parents, edges apart); B/st RSS = peak RSS growth / states "
          "(SPIN: store / total from pan)")
    print(HEADER)
    skipped: list[str] = []
    for row in models(top, groups, args.group_spin):
        for delivery in row.deliveries:
            name = row.name
            if row.predict is not None and row.predict(delivery) > max_states:
                skipped.append(f"{name} {delivery} ({row.predict(delivery):,} states)")
                continue
            pan = None
            if not args.skip_spin and row.spin and delivery not in row.no_spin:
                exported = forked(partial(_export, row.make, delivery))
                assert isinstance(exported, Exported)
                with tempfile.TemporaryDirectory(prefix="ordercheck-spin-") as tmp:
                    pan = run_spin(exported.text, Path(tmp), expected_states=exported.states)
                expected = 1 + exported.edges + exported.finals + exported.bound_hits
                if not (pan.agrees("states", exported.states)
                        and pan.agrees("transitions", expected)):
                    raise SystemExit(f"{name} {delivery}: SPIN {pan.states} states, "
                                     f"{pan.transitions} transitions; ordercheck "
                                     f"{exported.states}, expected {expected}: they disagree")
            found: int | None = None
            for engine in engines:
                if engine == "bfs" and found is not None and found > args.bfs_max_states:
                    skipped.append(f"{name} {delivery} bfs ({found:,} states: over "
                                   f"--bfs-max-states)")
                    continue
                result = forked(partial(_measure, row.make, delivery, ENGINES[engine],
                                        row.symmetry, max_states))
                assert isinstance(result, Measured)
                if result.truncated:
                    skipped.append(f"{name} {delivery} {engine} (over --max-states "
                                   f"{max_states:,})")
                    found = result.states
                    break
                found = result.states
                if row.predict is not None and result.states != row.predict(delivery):
                    raise SystemExit(f"{name} {delivery} {engine}: {result.states} states, the "
                                     f"closed form says {row.predict(delivery)}")
                if pan is not None and not pan.agrees("states", result.states):
                    raise SystemExit(f"{name} {delivery} {engine}: {result.states} states, SPIN "
                                     f"{pan.states}")
                print(_line(name, delivery, engine, result, pan), flush=True)
            if pan is not None:
                print(spin_line(name, delivery, exported.edges, pan), flush=True)
    for row_name in skipped:
        print(f"skipped: {row_name}")
    print(f"total {time.perf_counter() - started:.1f} s")


def _line(name: str, delivery: str, engine: str, row: Measured, pan: PanResult | None) -> str:
    n, rate = row.states, row.states / row.seconds
    memory = row.store_bytes if row.store_bytes else row.traced_peak
    line = (f"{name:<16} {delivery:<9} {engine:<8} {n:>11,} {row.edges:>12,} "
            f"{row.seconds:>8.3f} {rate:>10,.0f} {memory / n:>8,.0f} "
            f"{row.rss_growth / n:>8,.0f}")
    if pan is not None:
        spin_total = pan.memory_total_mb * 2**20 / pan.states
        line += (f" {rate / spin_rate(pan):>10.2f}x"
                 f" {row.rss_growth / n / spin_total:>10.2f}x")
    if row.edge_bytes:
        line += f"  + edges {row.edge_bytes / n:,.0f} B/st"
    return line


if __name__ == "__main__":
    main()
