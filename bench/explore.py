"""Exploration speed and memory, against a plain-CPython baseline in the same run.

    python bench/explore.py          # VTEX (every delivery mode) + n sellers up to ~1.6M states
    python bench/explore.py --quick  # the same, smaller (under 30 s)

For each model it prints states, edges, seconds, states/s, edges/s, bytes per state (peak
traced memory of the exploration divided by states; the store holds the edges too) and the
speed-up over the baseline: a straightforward BFS whose states are tuples (party statuses,
history, channel tuples) and whose successors are computed from the same compiled chart
tables without packing or memo tables — what "plain CPython BFS over tuples" means in
docs/architecture.md.  Both explorers must find the same number of states, or the bench
fails.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
import tracemalloc
from collections import deque
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ordercheck.checks.explore import explore
from ordercheck.checks.system import JointSystem
from ordercheck.model.vtex import documented, observed
from tests.toys import n_sellers


def baseline(system: JointSystem) -> tuple[int, int]:
    """Plain BFS over tuple states: (configs tuple, channels tuple-of-tuples)."""
    charts = system.charts
    parties = system.parties
    messages = system.messages
    receivers = [system.party_index[m.receiver] for m in messages]
    chan_of = system._msg_channel
    index = {name: i for i, name in enumerate(m.name for m in messages)}
    delivery_events = {(system.party_index[m.receiver], m.event) for m in messages}
    guards = system.workflow.guards
    fifo = system.delivery in ("fifo", "lossy")

    def view(configs: tuple[int, ...], chans: tuple[tuple[int, ...], ...]):
        from ordercheck.checks.protocol import StatusView

        return StatusView(
            status={parties[p]: charts[p].configs[c].leaf for p, c in enumerate(configs)},
            active={parties[p]: charts[p].active[c] for p, c in enumerate(configs)},
            in_flight=frozenset(messages[m].name for ch in chans for m in ch))

    def select(p: int, cfg: int, event: str, v) -> tuple[int, int] | None:
        chart = charts[p]
        leaf = chart.configs[cfg].leaf if chart.defers[cfg] else None
        for tindex, guard, nxt in chart.moves.get((cfg, event), ()):
            if leaf is not None and chart.transitions[tindex].source != leaf:
                continue
            if all(bool(guards[g](v)) == want for g, want in guard):
                return tindex, nxt
        return None

    def send(chans: list[tuple[int, ...]], p: int, tindex: int) -> bool:
        for name in charts[p].transitions[tindex].meta.sends:
            msg = index[name]
            k = chan_of[msg]
            ch = chans[k]
            if system.delivery == "duplicate":
                ch = tuple(sorted(set(ch) | {msg}))
            elif system.delivery == "unordered":
                ch = tuple(sorted((*ch, msg)))
            else:
                ch = (*ch, msg)
            if len(ch) > system.capacity:
                return False
            chans[k] = ch
        return True

    def successors(state):
        configs, chans = state
        v = view(configs, chans)
        out = []
        for p, chart in enumerate(charts):
            for event in chart.events:
                if (p, event) in delivery_events:
                    continue
                chosen = select(p, configs[p], event, v)
                if chosen:
                    new = list(chans)
                    if send(new, p, chosen[0]):
                        out.append(((*configs[:p], chosen[1], *configs[p + 1:]), tuple(new)))
        for k, ch in enumerate(chans):
            if not ch:
                continue
            picks = [0] if fifo else sorted({ch.index(m) for m in ch})
            for i in picks:
                msg = ch[i]
                rest = list(chans)
                rest[k] = ch[:i] + ch[i + 1:]
                q = receivers[msg]
                modes = [rest]
                if system.delivery == "duplicate":
                    modes.append(list(chans))
                if system.delivery == "lossy":
                    out.append((configs, tuple(rest)))
                for base in modes:
                    if charts[q].defers[configs[q]]:
                        continue
                    chosen = select(q, configs[q], messages[msg].event, v)
                    if chosen is None:
                        out.append((configs, tuple(base)))
                        continue
                    new = list(base)
                    if send(new, q, chosen[0]):
                        out.append(((*configs[:q], chosen[1], *configs[q + 1:]), tuple(new)))
        return out

    start = (tuple(c.initial for c in charts), tuple(() for _ in system.channels))
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


def measure(fn):
    gc.collect()
    tracemalloc.start()
    t0 = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return result, seconds, peak


def row(name: str, make, delivery: str, with_baseline: bool) -> None:
    # timing without tracemalloc (it slows allocation-heavy code), memory in a second run
    system = JointSystem(make(), delivery=delivery)
    t0 = time.perf_counter()
    graph = explore(system)
    secs = time.perf_counter() - t0
    _, _, peak = measure(lambda: explore(JointSystem(make(), delivery=delivery)))
    n, e = graph.n_states, graph.n_edges
    line = (f"{name:<22} {delivery:<9} {n:>10,} {e:>11,} {secs:>8.2f} {n / secs:>11,.0f} "
            f"{e / secs:>11,.0f} {peak / n:>8,.0f}")
    if with_baseline:
        sys_b = JointSystem(make(), delivery=delivery)
        t0 = time.perf_counter()
        bn, _ = baseline(sys_b)
        bsecs = time.perf_counter() - t0
        if bn != n:
            raise SystemExit(f"baseline found {bn} states, ordercheck {n}: a semantic bug")
        line += f" {n / bsecs:>11,.0f} {bsecs / secs:>7.1f}x"
    print(line, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}; bytes/state = peak traced memory / states "
          "(edges and parents included)")
    print(f"{'model':<22} {'delivery':<9} {'states':>10} {'edges':>11} {'seconds':>8} "
          f"{'states/s':>11} {'edges/s':>11} {'B/state':>8} {'base st/s':>11} {'speedup':>8}")
    for variant, make in (("vtex-documented", documented), ("vtex-observed", observed)):
        for delivery in ("fifo", "unordered", "duplicate", "lossy"):
            row(variant, make, delivery, with_baseline=True)
    top = 5 if args.quick else 7
    for n in range(2, top + 1):
        row(f"{n}-sellers toy", lambda n=n: n_sellers(n), "fifo", with_baseline=n <= 6)


if __name__ == "__main__":
    main()
