"""The seam: explorer back ends behind one protocol, canonical state ids.

A depth-first back end written here, against the protocol only, must produce the same graph
as the reference BFS (same packed states, same action-labelled edges; its own numbering), and
two processes exploring the same model must name every state with the same integer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from array import array

import pytest

from ordercheck.checks.explore import Bounds, Explorable, StateGraph, explore
from ordercheck.checks.system import DELIVERY_MODES, TransitionSystem
from ordercheck.model.vtex import documented, observed

from .toys import n_sellers, ping_pong


class DepthFirst:
    """A toy back end: iterative DFS, no bounds, numbering in discovery order."""

    name = "dfs"

    def explore(self, system: Explorable, bounds: Bounds, progress=None) -> StateGraph:
        assert bounds == Bounds()
        index = {system.initial: 0}
        states, parent, plabel, depth = [system.initial], [-1], [-1], [0]
        edges: dict[int, list[tuple[int, int]]] = {}
        stack = [0]
        while stack:
            i = stack.pop()
            if i in edges:
                continue
            edges[i] = []
            for label, nxt in system.successors(states[i]):
                j = index.get(nxt)
                if j is None:
                    j = index[nxt] = len(states)
                    states.append(nxt)
                    parent.append(i)
                    plabel.append(label)
                    depth.append(depth[i] + 1)
                    stack.append(j)
                edges[i].append((label, j))
        off, succ, slabel = array("q", [0]), array("i"), array("i")
        for i in range(len(states)):
            for label, j in edges[i]:
                succ.append(j)
                slabel.append(label)
            off.append(len(succ))
        return StateGraph(system=system, states=states, parent=array("i", parent),
                          parent_label=array("i", plabel), depth=array("i", depth), off=off,
                          succ=succ, succ_label=slabel, expanded=len(states), complete=True)


def edge_set(graph: StateGraph) -> set[tuple[int, int, int]]:
    return {(graph.states[i], label, graph.states[j])
            for i in range(graph.n_states) for label, j in graph.successors(i)}


@pytest.mark.parametrize("delivery", DELIVERY_MODES)
@pytest.mark.parametrize("factory", [documented, observed, ping_pong, lambda: n_sellers(2)])
def test_a_dfs_back_end_plugs_in_and_finds_the_same_graph(factory, delivery):
    bfs = explore(TransitionSystem(factory(), delivery=delivery))
    dfs = explore(TransitionSystem(factory(), delivery=delivery), explorer=DepthFirst())
    assert sorted(dfs.states) == sorted(bfs.states)
    assert edge_set(dfs) == edge_set(bfs)
    assert dfs.states != bfs.states or bfs.n_states < 7  # really another numbering


def test_ids_do_not_depend_on_exploration_order():
    """Interning contents lazily used to number channel contents in first-seen order; the
    DFS met them in another order, so its ints differed.  The canonical codec fixes that:
    encode a state from its parts, and it is the int both explorers found."""
    ts = TransitionSystem(documented(), delivery="unordered")
    graph = explore(ts, explorer=DepthFirst())
    for state in graph.states:
        configs, _ = ts.unpack(state)
        contents = ts.codec.decode_channels(state >> ts.control_bits)
        assert ts.codec.encode(configs, contents) == state


SNIPPET = """
import json, sys
from ordercheck.checks.explore import explore
from ordercheck.checks.system import TransitionSystem
from ordercheck.model.vtex import observed
ts = TransitionSystem(observed(), delivery=sys.argv[1])
g = explore(ts)
print(json.dumps({"states": g.states, "labels": [repr(lab) for lab in ts.labels]}))
"""


@pytest.mark.parametrize("delivery", ["fifo", "duplicate"])
def test_state_ids_are_identical_across_processes(delivery):
    """Two interpreters with different hash seeds agree on every state int and action id."""
    runs = []
    for seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        out = subprocess.run([sys.executable, "-c", SNIPPET, delivery], env=env,
                             capture_output=True, text=True, check=True).stdout
        runs.append(json.loads(out))
    assert runs[0] == runs[1]
    local = explore(TransitionSystem(observed(), delivery=delivery))
    assert runs[0]["states"] == local.states


def test_action_table_is_static():
    """Every action is enumerated when the system is built, before any exploration."""
    ts = TransitionSystem(observed())
    before = list(ts.labels)
    explore(ts)
    assert ts.labels == before


class PlainGraph:
    """An Explorable with no StateCharts at all: a hand-drawn graph of ints."""

    def __init__(self, edges: dict[int, list[tuple[int, int]]]) -> None:
        self.initial = 0
        self.overflowed: set[int] = set()
        self.edges = edges

    def successors(self, state: int) -> list[tuple[int, int]]:
        return list(self.edges.get(state, []))


#  0 -a-> 10 -b-> 20 -c-> 0 ;  10 -d-> 30 (a dead end) ;  40 is unreachable
DIAMOND = {0: [(0, 10)], 10: [(1, 20), (3, 30)], 20: [(2, 0)], 40: [(0, 0)]}


@pytest.mark.parametrize("explorer", [None, DepthFirst()], ids=["bfs", "dfs"])
def test_explorers_on_a_plain_graph(explorer):
    graph = explore(PlainGraph(DIAMOND), explorer=explorer)
    assert sorted(graph.states) == [0, 10, 20, 30]
    assert edge_set(graph) == {(0, 0, 10), (10, 1, 20), (10, 3, 30), (20, 2, 0)}
    assert graph.complete


def test_bfs_numbering_depths_and_bounds_on_a_plain_graph():
    graph = explore(PlainGraph(DIAMOND))
    assert graph.states == [0, 10, 20, 30]
    assert list(graph.depth) == [0, 1, 2, 2]
    assert graph.path_to(3) == [(-1, 0), (0, 1), (3, 3)]
    cut = explore(PlainGraph(DIAMOND), max_states=2)
    assert (cut.states, cut.complete, cut.bounds_hit) == ([0, 10], False, ["max-states"])
    assert cut.open_states() == [1]  # 10 was being expanded when the bound struck
    deep = explore(PlainGraph(DIAMOND), max_depth=1)
    assert (sorted(deep.cut), deep.bounds_hit) == ([1], ["max-depth"])
