"""Exploration speed and memory, against a plain-CPython baseline in the same run.

    python bench/explore.py             # VTEX (both variants, every delivery mode) + n sellers 2..6
    python bench/explore.py --quick     # the same up to 5 sellers, under 30 s
    python bench/explore.py --max-n 7   # also 7 sellers (1.6M states, about 3 minutes)

For each model it prints states, edges, seconds, states/s, edges/s, memory per state and the
speed-up over the baseline; with ``--explorers compiled,parallel`` (the default lists both)
also each back end's seconds and states/s, and for ``compiled`` the kernel's own states/s
and its store's bytes per state.  Why each column is measured the way it is:

* **seconds**: ``explore()`` on a freshly compiled ``TransitionSystem`` (chart compilation is
  excluded, the lazily filled memo tables are included: a real check pays for them).  Runs
  shorter than 0.2 s are repeated and the fastest kept, so the small VTEX rows are not
  timer noise.
* **B/state (traced)**: tracemalloc's peak during a second exploration, over states.  It
  counts every Python allocation (state dict, edge arrays, BFS tree, memo tables), but
  tracemalloc slows allocation down, so it is never the timed run.
* **B/state (RSS)**: growth of the process's peak resident set (``resource.getrusage``)
  during the timed run, over states.  Each row runs in a forked child, so one row's peak
  does not hide the next one's; it includes allocator slack that tracemalloc does not see.
  Small models do not move the peak at all (0).
* **compiled**: ``--explorer compiled`` on a fresh system (its memo tables start empty
  too), the fastest of repeated runs like ``seconds``; ``kern st/s`` is the kernel alone
  (without building the Python ``StateGraph``: the int list of states and the ``array``
  copies), ``store B`` the visited table + two-word states + parent + label arrays over
  states, ``edge B`` the CSR edges over states (apart: the analyses need them today).  The
  one-off JIT cost (numba ``cache=True``: loading the cached machine code, or compiling on
  the first run after an install) is printed once, before the table.
* **parallel**: ``--explorer parallel`` with one worker per core, workers started per run.
* **base st/s, speedup**: a straightforward BFS whose states are tuples (every party's
  configuration id, every channel's message tuple), in a ``set`` and a ``deque``.  Its
  successor function re-implements the ``TransitionSystem`` semantics (events, guards, deferral in
  transient statuses, the four delivery modes, channel capacity) from the same compiled chart
  tables, without integer packing or memo tables: what "plain CPython BFS over tuples" means
  in docs/architecture.md.  It must find the same states and edges as ``explore()``, or the
  bench fails: the speed-up is only meaningful between two explorers that agree.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing as mp
import resource
import sys
import time
import tracemalloc
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ordercheck.checks.explore import explore
from ordercheck.checks.explorers import Compiled, Parallel
from ordercheck.checks.protocol import StatusView, Workflow
from ordercheck.checks.system import DELIVERY_MODES, TransitionSystem
from ordercheck.model.vtex import documented, observed
from tests.toys import n_sellers

Configs = tuple[int, ...]
Channels = tuple[tuple[int, ...], ...]
TupleState = tuple[Configs, Channels]

MIN_SECONDS = 0.2  # repeat shorter runs; keep the fastest


def baseline(system: TransitionSystem) -> tuple[int, int]:
    """Plain BFS over tuple states (configs, channels); returns (states, edges).

    Only the compiled charts are shared with ``explore()`` (``moves``, ``defers``, guards):
    sharing the chart semantics is what makes the two state counts comparable, and sharing
    nothing else is what makes the timing a baseline.
    """
    charts = system.charts
    parties = system.parties
    messages = system.messages
    receivers = [system.party_index[m.receiver] for m in messages]
    chan_of = [system.channels.index((system.party_index[m.sender],
                                      system.party_index[m.receiver])) for m in messages]
    index = {m.name: i for i, m in enumerate(messages)}
    delivery_events = {(system.party_index[m.receiver], m.event) for m in messages}
    guards = system.workflow.guards
    delivery = system.delivery
    fifo = delivery in ("fifo", "lossy")

    def view(configs: Configs, chans: Channels) -> StatusView:
        return StatusView(
            status={parties[p]: charts[p].configs[c].leaf for p, c in enumerate(configs)},
            active={parties[p]: charts[p].active[c] for p, c in enumerate(configs)},
            in_flight=frozenset(messages[m].name for ch in chans for m in ch))

    def select(p: int, cfg: int, event: str, v: StatusView) -> tuple[int, int] | None:
        """The transition ``event`` takes on party ``p`` (first whose guards hold), if any."""
        chart = charts[p]
        leaf = chart.configs[cfg].leaf if chart.defers[cfg] else None
        for tindex, guard, nxt in chart.moves.get((cfg, event), ()):
            if leaf is not None and chart.transitions[tindex].source != leaf:
                continue
            if all(bool(guards[g](v)) == want for g, want in guard):
                return tindex, nxt
        return None

    def send(chans: list[tuple[int, ...]], p: int, tindex: int) -> bool:
        """Append the transition's messages; False when a channel would overflow."""
        for name in charts[p].transitions[tindex].meta.sends:
            msg = index[name]
            k = chan_of[msg]
            ch = chans[k]
            if delivery == "duplicate":
                ch = tuple(sorted(set(ch) | {msg}))
            elif delivery == "unordered":
                ch = tuple(sorted((*ch, msg)))
            else:
                ch = (*ch, msg)
            if len(ch) > system.capacity:
                return False
            chans[k] = ch
        return True

    def moved(configs: Configs, p: int, cfg: int) -> Configs:
        return (*configs[:p], cfg, *configs[p + 1:])

    def successors(state: TupleState) -> list[TupleState]:
        configs, chans = state
        v = view(configs, chans)
        out: list[TupleState] = []
        for p, chart in enumerate(charts):
            for event in chart.events:
                if (p, event) in delivery_events:
                    continue
                chosen = select(p, configs[p], event, v)
                if chosen:
                    new = list(chans)
                    if send(new, p, chosen[0]):
                        out.append((moved(configs, p, chosen[1]), tuple(new)))
        for k, ch in enumerate(chans):
            if not ch:
                continue
            picks = [0] if fifo else sorted({ch.index(m) for m in ch})
            for i in picks:
                msg = ch[i]
                rest = list(chans)
                rest[k] = ch[:i] + ch[i + 1:]
                q = receivers[msg]
                bases = [rest, list(chans)] if delivery == "duplicate" else [rest]
                if delivery == "lossy":
                    out.append((configs, tuple(rest)))
                for base in bases:
                    if charts[q].defers[configs[q]]:
                        continue
                    chosen = select(q, configs[q], messages[msg].event, v)
                    if chosen is None:
                        out.append((configs, tuple(base)))
                        continue
                    new = list(base)
                    if send(new, q, chosen[0]):
                        out.append((moved(configs, q, chosen[1]), tuple(new)))
        return out

    start: TupleState = (tuple(c.initial for c in charts), tuple(() for _ in system.channels))
    seen = {start}
    queue = deque([start])
    edges = 0
    while queue:
        for nxt in successors(queue.popleft()):
            edges += 1
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return len(seen), edges


@dataclass(frozen=True, slots=True)
class Row:
    """One measured model: what a forked child sends back to the parent."""

    states: int
    edges: int
    seconds: float
    traced_peak: int  # bytes, tracemalloc
    rss_growth: int  # bytes, peak RSS growth during the timed run
    base_states: int = 0
    base_edges: int = 0
    base_seconds: float = 0.0
    #: per extra back end: (seconds, kernel seconds, store bytes, edge bytes)
    others: tuple[tuple[str, float, float, int, int], ...] = ()


def fastest(prepare: Callable[[], TransitionSystem],
            run: Callable[[TransitionSystem], tuple[int, int]]
            ) -> tuple[tuple[int, int], float]:
    """``run(prepare())``'s result and its best time, ``prepare`` untimed, repeated until the
    timed runs add up to ``MIN_SECONDS`` (each on a fresh system: memo tables start empty)."""
    best, spent = float("inf"), 0.0
    while True:
        system = prepare()
        gc.collect()
        t0 = time.perf_counter()
        result = run(system)
        took = time.perf_counter() - t0
        best, spent = min(best, took), spent + took
        if spent >= MIN_SECONDS:
            return result, best


def peak_rss() -> int:
    """Peak resident set of this process in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure_back_end(name: str, prepare: Callable[[], TransitionSystem], states: int,
                     edges: int) -> tuple[str, float, float, int, int]:
    """One extra back end's best time (and the compiled kernel's own figures)."""
    explorer = Compiled() if name == "compiled" else Parallel()
    kernel = [float("inf")]
    if isinstance(explorer, Compiled):  # the JIT load is reported apart (jit_seconds)
        explore(TransitionSystem(n_sellers(1)), explorer=explorer)

    def run(system: TransitionSystem) -> tuple[int, int]:
        graph = explore(system, explorer=explorer)
        if isinstance(explorer, Compiled):
            kernel[0] = min(kernel[0], explorer.last.kernel_seconds)
        return graph.n_states, graph.n_edges

    (n, e), best = fastest(prepare, run)
    if (n, e) != (states, edges):
        raise SystemExit(f"--explorer {name}: {n} states, {e} edges; bfs {states}, {edges}")
    if isinstance(explorer, Compiled):
        return (name, best, kernel[0], explorer.last.store_bytes, explorer.last.edge_bytes)
    return (name, best, 0.0, 0, 0)


def measure(make: Callable[[], Workflow], delivery: str, with_baseline: bool,
            others: tuple[str, ...] = ()) -> Row:
    """Runs in a forked child: timed run (with RSS), traced run, baseline."""
    workflow = make()

    def prepare() -> TransitionSystem:
        return TransitionSystem(workflow, delivery=delivery)

    def run(system: TransitionSystem) -> tuple[int, int]:
        graph = explore(system)
        return graph.n_states, graph.n_edges

    rss_before = peak_rss()
    (states, edges), best = fastest(prepare, run)
    rss_growth = peak_rss() - rss_before

    system = prepare()
    gc.collect()
    tracemalloc.start()
    explore(system)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del system

    extra = tuple(measure_back_end(name, prepare, states, edges) for name in others)
    row = Row(states, edges, best, traced_peak, rss_growth, others=extra)
    if not with_baseline:
        return row
    (bn, be), bsecs = fastest(prepare, baseline)
    return Row(states, edges, best, traced_peak, rss_growth, bn, be, bsecs, others=extra)


def _child(conn: Connection, make: Callable[[], Workflow], delivery: str,
           with_baseline: bool, others: tuple[str, ...]) -> None:
    conn.send(measure(make, delivery, with_baseline, others))
    conn.close()


def measured(make: Callable[[], Workflow], delivery: str, with_baseline: bool,
             others: tuple[str, ...] = ()) -> Row:
    """``measure`` in a forked child, so each row's RSS peak starts from the same base."""
    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(child, make, delivery, with_baseline, others))
    proc.start()
    child.close()
    row: Row = parent.recv()
    proc.join()
    return row


HEADER = (f"{'model':<16} {'delivery':<9} {'states':>10} {'edges':>11} {'seconds':>8} "
          f"{'states/s':>9} {'edges/s':>10} {'B/st tr':>7} {'B/st RSS':>8} "
          f"{'base st/s':>9} {'speedup':>7}")


def report(name: str, delivery: str, row: Row) -> None:
    n, e, s = row.states, row.edges, row.seconds
    line = (f"{name:<16} {delivery:<9} {n:>10,} {e:>11,} {s:>8.3f} {n / s:>9,.0f} "
            f"{e / s:>10,.0f} {row.traced_peak / n:>7,.0f} {row.rss_growth / n:>8,.0f}")
    if row.base_seconds:
        if (row.base_states, row.base_edges) != (n, e):
            raise SystemExit(f"{name} {delivery}: baseline found {row.base_states} states, "
                             f"{row.base_edges} edges; ordercheck {n}, {e}: a semantic bug")
        line += f" {n / row.base_seconds:>9,.0f} {row.base_seconds / s:>6.1f}x"
    else:
        line += f" {'':>9} {'':>7}"
    for name, secs, kern, store, edge_bytes in row.others:
        line += f" | {name} {secs:.3f}s {n / secs:>10,.0f}"
        if name == "compiled":
            line += f" kern {n / kern:>10,.0f} store B {store / n:.1f} edge B {edge_bytes / n:.1f}"
    print(line, flush=True)


def jit_seconds() -> float:
    """Seconds of the first compiled exploration in a fresh process (numba loads its cached
    machine code, or compiles it after an install): paid once per process."""
    from tests.toys import ping_pong

    def first(conn: Connection) -> None:
        t0 = time.perf_counter()
        explore(TransitionSystem(ping_pong()), explorer=Compiled())
        conn.send(time.perf_counter() - t0)

    ctx = mp.get_context("fork")
    parent, child = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=first, args=(child,))
    proc.start()
    took: float = parent.recv()
    proc.join()
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="up to 5 sellers (under 30 s)")
    parser.add_argument("--max-n", type=int, help="largest n-sellers toy (default 6; 5 quick)")
    parser.add_argument("--no-baseline-above", type=int, default=300_000, metavar="STATES",
                        help="skip the (slow) baseline for larger toys (default 300,000)")
    parser.add_argument("--explorers", default="compiled,parallel", metavar="NAMES",
                        help="extra back ends to time beside bfs (comma-separated; '' none)")
    parser.add_argument("--min-n", type=int, default=2, help="smallest n-sellers toy")
    parser.add_argument("--no-vtex", action="store_true", help="only the n-sellers toys")
    args = parser.parse_args()
    others = tuple(x for x in args.explorers.split(",") if x)
    top = args.max_n or (5 if args.quick else 6)
    started = time.perf_counter()
    print(f"Python {sys.version.split()[0]}; B/st tr = tracemalloc peak / states; "
          "B/st RSS = peak RSS growth / states; speedup = baseline seconds / seconds")
    if "compiled" in others:
        print(f"compiled: JIT (first call in a fresh process) {jit_seconds():.2f} s")
    print(HEADER)
    for variant, make in (("vtex-documented", documented), ("vtex-observed", observed)):
        for delivery in () if args.no_vtex else DELIVERY_MODES:
            report(variant, delivery, measured(make, delivery, True, others))
    for n in range(args.min_n, top + 1):
        expected = 1 + 2 * 7**n  # tests/toys.py: the fifo closed form
        row = measured(partial(n_sellers, n), "fifo",
                       expected <= args.no_baseline_above, others)
        if row.states != expected:
            raise SystemExit(f"{n} sellers: {row.states} states, the closed form says {expected}")
        report(f"{n}-sellers toy", "fifo", row)
    print(f"total {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
