"""The engine on toy systems whose graphs are known by hand."""

from __future__ import annotations

import pytest

from ordercheck.checks.analyses import analyse
from ordercheck.checks.cli import main
from ordercheck.checks.explore import explore
from ordercheck.checks.system import DELIVERY_MODES, TransitionSystem

from .toys import deadlock_toy, livelock_toy, n_sellers, ping_pong


def run(workflow, delivery="fifo"):
    graph = explore(TransitionSystem(workflow, delivery=delivery))
    return graph, analyse(graph, workflow.properties)


PING_PONG = {"fifo": (4, 3), "unordered": (4, 3), "duplicate": (8, 17), "lossy": (6, 5)}


@pytest.mark.parametrize("delivery", DELIVERY_MODES)
def test_ping_pong_counts(delivery):
    graph, analysis = run(ping_pong(), delivery)
    assert (graph.n_states, graph.n_edges) == PING_PONG[delivery]
    errors = [f.title for f in analysis.findings if f.severity == "error"]
    if delivery == "lossy":
        assert errors == ["deadlock: a waiting, b idle", "deadlock: a waiting, b done"]
    else:
        assert errors == []
    assert "both-done" in analysis.witnesses


def test_ping_pong_fifo_states_in_bfs_order():
    graph, _ = run(ping_pong())
    system = graph.system
    seen = [(system.state_view(s)["a"], system.state_view(s)["b"], system.in_flight(s))
            for s in graph.states]
    assert seen == [("idle", "idle", ()), ("waiting", "idle", ("a->b:ping",)),
                    ("waiting", "done", ("b->a:pong",)), ("done", "done", ())]


def test_deadlock_toy_finding_and_trace():
    graph, analysis = run(deadlock_toy())
    assert (graph.n_states, graph.n_edges) == (3, 2)
    (finding,) = [f for f in analysis.findings if f.severity == "error"]
    assert finding.kind == "deadlock"
    assert [graph.system.labels[lab].event for lab, _ in finding.path[1:]] == ["go"]
    assert "p b has no way out" in finding.detail


def test_livelock_toy_is_one_finding():
    graph, analysis = run(livelock_toy())
    assert (graph.n_states, graph.n_edges) == (4, 4)
    (finding,) = [f for f in analysis.findings if f.severity == "error"]
    assert (finding.kind, finding.title, finding.count) == ("livelock",
                                                            "livelock: p l1 | p l2", 2)
    assert analysis.stats["livelock_states"] == 2


@pytest.mark.parametrize(("n", "states", "edges"), [(1, 15, 22), (2, 99, 246),
                                                    (3, 687, 2402), (4, 4803, 21610)])
def test_n_sellers_counts(n, states, edges):
    graph, _ = run(n_sellers(n))
    assert (graph.n_states, graph.n_edges) == (states, edges)


def test_unknown_on_a_toy_via_the_cli(capsys):
    assert main(["check", "--model", "tests.toys:two_sellers", "--max-states", "20"]) == 3
    assert "BOUND HIT: max-states" in capsys.readouterr().out
    assert main(["check", "--model", "tests.toys:two_sellers"]) == 0


def test_channel_capacity_is_a_bound(capsys):
    # the marketplace sends authorize-fulfillment and then cancel-request down one channel
    assert main(["check", "--variant", "documented", "--capacity", "1"]) == 3
    assert "BOUND HIT: channel-capacity" in capsys.readouterr().out
