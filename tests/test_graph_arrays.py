"""The array graph functions (:mod:`ordercheck.checks.analyses.arrays`) against networkx,
the reference: on random graphs (Hypothesis) and on the toy and VTEX state graphs, where
the analyses' shared results must equal what the networkx implementation computed.  Also
the premise of the step memo (:class:`~ordercheck.checks.analyses.views.Memo`): a step's
target control value is a function of its source control value and its action."""

from __future__ import annotations

from array import array

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ordercheck.checks.analyses import arrays
from ordercheck.checks.analyses.context import Context, reaches, to_networkx
from ordercheck.checks.explore import StateGraph, explore
from ordercheck.checks.system import TransitionSystem
from ordercheck.model.vtex import documented, observed
from tests import toys


def graph_of(n: int, edges: list[tuple[int, int, int]]) -> StateGraph:
    """A StateGraph (no system) with ``edges`` as (source, label, target), CSR-ordered."""
    edges = sorted(edges, key=lambda e: e[0])  # stable: per-source order as given
    off = array("q", [0] * (n + 1))
    for s, _, _ in edges:
        off[s + 1] += 1
    for i in range(n):
        off[i + 1] += off[i]
    zeros = array("i", [0] * n)
    return StateGraph(system=None, states=list(range(n)), parent=zeros, parent_label=zeros,
                      depth=zeros, off=off, succ=array("i", [t for _, _, t in edges]),
                      succ_label=array("i", [lab for _, lab, _ in edges]), expanded=n,
                      complete=True)


@st.composite
def graphs(draw: st.DrawFn) -> tuple[StateGraph, list[bool], list[bool]]:
    n = draw(st.integers(1, 25))
    node = st.integers(0, n - 1)
    edges = draw(st.lists(st.tuples(node, st.integers(0, 3), node), max_size=4 * n))
    targets = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    keep = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    return graph_of(n, edges), targets, keep


def partition(label: np.ndarray, within: list[int]) -> set[frozenset[int]]:
    comps: dict[int, set[int]] = {}
    for i in within:
        comps.setdefault(int(label[i]), set()).add(i)
    return {frozenset(c) for c in comps.values()}


@settings(max_examples=300, deadline=None)
@given(graphs())
def test_array_functions_equal_networkx_on_random_graphs(case):
    graph, targets, keep_list = case
    n = graph.n_states
    g, csr = to_networkx(graph), arrays.CSR(n, graph.off, graph.succ)
    keep = np.array(keep_list, dtype=bool)
    kept = [i for i in range(n) if keep[i]]
    sub = g.subgraph(kept)
    goal = [i for i in range(n) if targets[i]]

    assert set(np.flatnonzero(arrays.reaches(csr, goal)).tolist()) == reaches(g, goal)
    inner = [i for i in goal if keep[i]]
    assert set(np.flatnonzero(arrays.reaches(csr, inner, keep=keep)).tolist()) == reaches(
        sub, inner)

    _, label = arrays.strong_components(csr)
    assert partition(label, list(range(n))) == {
        frozenset(c) for c in nx.strongly_connected_components(g)}
    _, label = arrays.strong_components(csr, keep=keep)
    assert partition(label, kept) == {frozenset(c) for c in nx.strongly_connected_components(sub)}
    assert [c.tolist() for c in arrays.attracting_components(csr)] == sorted(
        (sorted(c) for c in nx.attracting_components(g)), key=lambda c: c[0])
    assert np.flatnonzero(arrays.self_loops(csr)).tolist() == sorted(nx.nodes_with_selfloops(g))

    for v in range(n):
        assert arrays.successors(csr, v) == list(g.succ[v])
        assert arrays.predecessors(csr, v) == list(g.pred[v])
    for s in kept:
        order = list(nx.bfs_tree(sub, s))
        want = next((v for v in order if targets[v]), None)
        assert arrays.bfs_first(csr, s, lambda v: targets[v], keep=keep) == want
        for t in kept:
            expected = nx.shortest_path(sub, s, t) if nx.has_path(sub, s, t) else None
            assert arrays.shortest_path(csr, s, t, keep=keep) == expected


def test_shortest_path_is_networkx_path_among_equal_lengths():
    """A diamond with two shortest paths: the one networkx's bidirectional search returns."""
    graph = graph_of(6, [(0, 0, 1), (0, 0, 2), (1, 0, 3), (2, 0, 3), (3, 0, 4), (2, 0, 5),
                         (5, 0, 4)])
    csr = arrays.CSR(6, graph.off, graph.succ)
    assert arrays.shortest_path(csr, 0, 4) == nx.shortest_path(to_networkx(graph), 0, 4) == [
        0, 1, 3, 4]
    assert arrays.shortest_path(csr, 4, 0) is None


def reference(ctx: Context) -> dict[str, object]:
    """The shared results as the networkx implementation computed them."""
    g = to_networkx(ctx.graph)
    final = [ctx.system.is_final(s) for s in ctx.graph.states]
    open_set = set(ctx.graph.open_states())
    traps: set[frozenset[int]] = set()
    for comp in nx.attracting_components(g):
        if any(final[i] or i in open_set for i in comp):
            continue
        if len(comp) == 1 and not g.has_edge(*comp, *comp):
            continue
        traps.add(frozenset(comp))
    can_finish = reaches(g, [i for i in range(ctx.n) if final[i]])
    may_escape = reaches(g, open_set) if open_set else set()
    return {"final": final, "can_finish": can_finish, "may_escape": may_escape,
            "livelock": set().union(*traps) if traps else set()}


MODELS = [
    ("livelock_toy", toys.livelock_toy, "fifo", False),
    ("deadlock_toy", toys.deadlock_toy, "fifo", False),
    ("documented", documented, "unordered", False),
    ("observed", observed, "fifo", False),
    ("documented-2", lambda: documented(2), "fifo", True),
]


@pytest.mark.parametrize(("name", "factory", "delivery", "symmetry"), MODELS,
                         ids=[m[0] for m in MODELS])
def test_context_equals_networkx_on_model_graphs(name, factory, delivery, symmetry):
    graph = explore(TransitionSystem(factory(), delivery=delivery, symmetry=symmetry))
    ctx = Context(graph)
    ref = reference(ctx)
    assert ctx.final == ref["final"]
    assert set(np.flatnonzero(ctx.can_finish).tolist()) == ref["can_finish"]
    assert set(np.flatnonzero(ctx.may_escape).tolist()) == ref["may_escape"]
    assert ctx.livelock_members == ref["livelock"]


def test_livelock_toy_has_its_livelock():
    """The differential above is not vacuous: the toy's graph has a trap."""
    ctx = Context(explore(TransitionSystem(toys.livelock_toy())))
    assert ctx.livelock_members and not ctx.deadlocks


@pytest.mark.parametrize(("factory", "delivery", "symmetry"), [
    (documented, "unordered", False), (observed, "fifo", False),
    (lambda: documented(2), "unordered", True)])
def test_step_target_control_is_a_function_of_source_control_and_action(
        factory, delivery, symmetry):
    graph = explore(TransitionSystem(factory(), delivery=delivery, symmetry=symmetry))
    ctx = Context(graph)
    views, mask = ctx.views, ctx.views._mask
    seen: dict[tuple[int, int], int] = {}
    checked = 0
    for i in range(graph.expanded):
        for label, j in graph.successors(i):
            after = views.after(i, label, j)
            key = (graph.states[i] & mask, label)
            target = after._state & mask  # type: ignore[attr-defined]
            assert seen.setdefault(key, target) == target
            checked += 1
    assert checked == graph.n_edges and len(seen) < checked


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 6), max_size=40))
def test_groups_are_the_equal_keys_in_first_occurrence_order(keys):
    from ordercheck.checks.analyses.scan import groups

    first, members, bounds = groups(np.asarray(keys, dtype=np.int64))
    expected: dict[int, list[int]] = {}
    for i, k in enumerate(keys):
        expected.setdefault(k, []).append(i)
    assert [members[a:b].tolist() for a, b in bounds.tolist()] == list(expected.values())
    assert first.tolist() == [g[0] for g in expected.values()]


def _plain_first_step(ctx, pred, want):
    for i in range(ctx.graph.expanded):
        for label, j in ctx.graph.successors(i):
            if bool(pred(ctx.views.step(i, label, j))) == want:
                return (i, label, j)
    return None


STEP_PREDICATES = {
    "reads the action only": lambda s: s.event == "change_seller",
    "reads the target": lambda s: s.after.status["payment"] == "approved",
    "reads messages in flight": lambda s: len(s.before.in_flight) + len(s.after.in_flight) > 3,
    "reads timers late": lambda s: s.before.status["seller-1"] != "cancel" or bool(
        s.before.timers),
}


@pytest.mark.parametrize("name", list(STEP_PREDICATES))
def test_grouped_scans_equal_the_plain_loops(name):
    """First step/state and every state's value, grouped by control value (and action),
    equal the plain loops, whether the predicate reads only statuses or more."""
    from ordercheck.checks.analyses import scan

    graph = explore(TransitionSystem(documented(2), delivery="unordered", symmetry=True))
    pred = STEP_PREDICATES[name]
    for want in (True, False):
        expected = _plain_first_step(Context(graph), pred, want)
        assert scan.first_step(Context(graph), pred, want) == expected
    state_pred = lambda v: bool(v.in_flight) or v.status["payment"] == "denied"  # noqa: E731
    ctx = Context(graph)
    plain = [bool(state_pred(ctx.views[i])) for i in range(ctx.n)]
    assert scan.state_values(Context(graph), state_pred).tolist() == plain
    assert scan.first_state(Context(graph), state_pred) == plain.index(True)


def test_wide_control_values_are_numbered_the_same_way(monkeypatch):
    """Control values too wide for int64 are numbered through a dict: same groups."""
    from ordercheck.checks.analyses import scan

    graph = explore(TransitionSystem(documented(2), delivery="fifo"))
    narrow = Context(graph).ctrl_ids
    monkeypatch.setattr(graph.system, "control_bits", 64)
    wide = Context(graph).ctrl_ids

    def listed(ids: np.ndarray) -> list[list[int]]:
        _, members, bounds = scan.groups(ids)
        return [members[a:b].tolist() for a, b in bounds.tolist()]

    assert listed(narrow) == listed(wide)
    assert len(listed(narrow)) < graph.n_states  # states do share control values
