"""The one belief tracker (checks/belief.py) on the ping-pong toy, whose graph is known by hand.

ping_pong, fifo: 0 (idle, idle) --a.start--> 1 (waiting, idle, ping in flight)
--deliver ping to b--> 2 (waiting, done, pong in flight) --deliver pong to a--> 3 (done, done).
Labels: 0 = a.start (actor a), 1 = deliver ping (network), 2 = deliver pong (network).
"""

from __future__ import annotations

import inspect

import pytest

from ordercheck.checks import belief as belief_module
from ordercheck.checks.belief import (
    ActionRecord,
    BeliefTracker,
    Did,
    Move,
    Refused,
    Saw,
    by_actor,
    explore_model,
)
from ordercheck.checks.conformance import session as session_module
from ordercheck.checks.conformance.session import ConformanceModel, Session
from ordercheck.checks.explore import explore
from ordercheck.checks.system import TransitionSystem
from ordercheck.model.vtex import documented
from tests.toys import ping_pong

START = ActionRecord("fire", "a", "start")
PING = ActionRecord("deliver", "b", "ping")
PONG = ActionRecord("deliver", "a", "pong")


@pytest.fixture(scope="module")
def graph():
    return explore_model(TransitionSystem(ping_pong()))


def test_docstring_example(graph):
    tracker = BeliefTracker(graph, silent=by_actor({"network"}))
    moves = [tracker.initial()]
    assert moves[0].after == {0}
    moves.append(tracker.step(moves[-1].after, Did(START)))
    assert moves[-1].after == {1, 2, 3}
    labels = graph.system.labels
    assert [(i, labels[a].describe(), j) for i, a, j in moves[-1].edges] == [
        (0, "a: a.start", 1), (1, "network delivers ping to b", 2),
        (2, "network delivers pong to a", 3)]
    moves.append(tracker.step(moves[-1].after, Saw.of({"a": "done"})))
    assert moves[-1] == Move(frozenset({1, 2, 3}), frozenset({3}), None)
    assert tracker.witness(moves) == [(-1, 0), (0, 1), (2, 2), (4, 3)]
    assert belief_module.__doc__ is not None
    assert "[(-1, 0), (0, 1), (2, 2), (4, 3)]" in belief_module.__doc__


def test_nothing_silent_is_exact_replay(graph):
    tracker = BeliefTracker(graph)
    moves = [tracker.initial()]
    for action, expected in ((START, {1}), (PING, {2}), (PONG, {3})):
        moves.append(tracker.step(moves[-1].after, Did(action)))
        assert moves[-1].after == expected
    assert tracker.witness(moves) == [(-1, 0), (0, 1), (2, 2), (4, 3)]
    assert tracker.step(frozenset({0}), Did(PING)).after == frozenset()
    assert tracker.actions(frozenset({0, 1})) == {START, PING}


def test_silent_steps_are_never_observed_actions(graph):
    tracker = BeliefTracker(graph, silent=by_actor({"network"}))
    assert tracker.enabled(1) == {}
    assert tracker.action(1) is None and tracker.action(0) == START
    assert tracker.step(frozenset({1}), Did(PING)).after == frozenset()


def test_refusal_drops_the_states_that_allow_the_action(graph):
    tracker = BeliefTracker(graph)
    assert tracker.step(frozenset({0, 1}), Refused(START)).after == {1}
    assert tracker.step(frozenset({0}), Refused(START)).after == frozenset()
    assert tracker.step(frozenset({0}), Refused(PONG)).after == {0}


def test_status_and_in_flight_observations(graph):
    tracker = BeliefTracker(graph)
    everything = frozenset(range(4))
    assert tracker.step(everything, Saw.of({"a": "waiting"})).after == {1, 2}
    assert tracker.step(everything, Saw.of({"a": "waiting"}, ["b->a:pong"])).after == {2}
    assert tracker.step(everything, Saw.of({"a": "waiting"}, [])).after == frozenset()
    assert tracker.step(everything, Saw.of({"nobody": "x"})).after == frozenset()


def test_transitions_are_memoised(graph):
    tracker = BeliefTracker(graph, silent=by_actor({"network"}))
    b = frozenset({0})
    assert tracker.step(b, Did(START)) is tracker.step(frozenset({0}), Did(START))
    assert tracker.step(b, Saw.of({"a": "idle"})) is tracker.step(b, Saw.of({"a": "idle"}))
    assert tracker.close(b) is tracker.close(b)
    assert tracker.initial() is tracker.initial()


def test_a_log_of_statuses_only(graph):
    """Everything silent: the belief is what the statuses allow, time passing between lines."""
    tracker = BeliefTracker(graph, silent=by_actor({"a", "b", "network"}))
    moves = [tracker.initial()]
    assert moves[0].after == {0, 1, 2, 3}
    for status, expected in (({"a": "idle"}, {0}), ({"a": "waiting"}, {1, 2}),
                             ({"b": "done"}, {2, 3}), ({"a": "waiting"}, {2})):
        moves.append(tracker.close(moves[-1].after))
        moves.append(tracker.step(moves[-1].after, Saw.of(status)))
        assert moves[-1].after == expected, status
    assert tracker.witness(moves) == [(-1, 0), (0, 1), (2, 2)]
    back = tracker.step(tracker.close(frozenset({3})).after, Saw.of({"a": "idle"}))
    assert back.after == frozenset()  # statuses never go back


def test_a_bound_makes_an_empty_belief_unknown():
    bounded = explore(TransitionSystem(ping_pong()), max_depth=1)  # state 1 is not expanded
    tracker = BeliefTracker(bounded)
    assert not tracker.known(1) and tracker.known(0)
    after_start = tracker.step(frozenset({0}), Did(START))
    assert (after_start.after, after_start.unknown) == ({1}, False)
    stuck = tracker.step(frozenset({1}), Did(PING))
    assert (stuck.after, stuck.unknown) == (frozenset(), True)
    refused = tracker.step(frozenset({1}), Refused(PING))
    assert (refused.after, refused.unknown) == ({1}, True)  # maybe allowed: kept


def test_the_conformance_session_is_a_client():
    """Session keeps moves of the tracker; no belief code of its own."""
    model = ConformanceModel(explore(TransitionSystem(documented())), frozenset({"platform"}))
    assert isinstance(model.tracker, BeliefTracker)
    source = inspect.getsource(session_module)
    for welded in ("deque", "_closure", "successors(", "class Node"):
        assert welded not in source, welded
    assert Session.belief.__doc__ == "Explored states consistent with everything seen so far."
    initial = model.tracker.initial()  # the platform's checkout steps are silent
    assert [model.status(s)["marketplace"] for s in sorted(initial.after)] == [
        "order-created", "on-order-completed", "waiting-for-authorization"]
    assert [str(c) for c in model.tracker.actions(initial.after)] == [
        "deliver order-placed -> seller"]


def test_the_belief_module_reads_the_engine_only():
    source = inspect.getsource(belief_module)
    imports = [line for line in source.splitlines() if line.startswith(("from ", "import "))]
    assert imports and not [line for line in imports if "model" in line]


def test_a_state_cut_by_max_states_is_not_trusted():
    bounded = explore(TransitionSystem(ping_pong()), max_states=2)  # 0 and 1 found; 1 expanding
    tracker = BeliefTracker(bounded)
    assert [tracker.known(i) for i in range(bounded.n_states)] == [True, False]
    stuck = tracker.step(frozenset({1}), Did(PING))
    assert (stuck.after, stuck.unknown) == (frozenset(), True)
