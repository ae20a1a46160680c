"""Soundness under bounds: a bounded run is never wrong (issue "Trust", item 1).

A state whose successors were not all computed — beyond ``max_depth``, the one being expanded
when ``max_states`` struck, one whose send overflowed a channel — is *cut*.  No deadlock,
livelock, doomed state, quiescence or liveness verdict rests on it.  So every bounded run's
verdict is UNKNOWN or the unbounded verdict, and its error findings are findings of the
unbounded run.  These cases were all wrong before (45 of N = 0..101 reported invented
deadlocks on the documented model).
"""

from __future__ import annotations

import pytest
from statemachine import State, StateChart

from ordercheck.checks.analyses import analyse
from ordercheck.checks.explore import explore
from ordercheck.checks.protocol import InvalidModel, Message, Party, Workflow, transition
from ordercheck.checks.report import OK, UNKNOWN, VIOLATED, CheckResult
from ordercheck.checks.system import TransitionSystem
from ordercheck.model.vtex import documented, observed


def verdict(workflow, *, delivery="fifo", capacity=4, **bounds):
    graph = explore(TransitionSystem(workflow, delivery=delivery, capacity=capacity), **bounds)
    analysis = analyse(graph, workflow.properties)
    result = CheckResult(model=workflow.name, delivery=delivery, graph=graph, analysis=analysis)
    errors = {(f.kind, f.title) for f in analysis.findings if f.severity == "error"}
    return result.verdict, errors, graph


@pytest.mark.parametrize("factory", [documented, observed])
def test_every_max_states_agrees_with_the_full_run(factory):
    workflow = factory()
    full, full_errors, graph = verdict(workflow)
    wrong = []
    for n in range(1, graph.n_states + 2):
        got, errors, _ = verdict(workflow, max_states=n)
        if (got == OK and n < graph.n_states) or not errors <= full_errors or (
                got == VIOLATED and full != VIOLATED):
            wrong.append((n, got, sorted(errors - full_errors)))
    assert wrong == []


@pytest.mark.parametrize("factory", [documented, observed])
def test_every_max_depth_agrees_with_the_full_run(factory):
    workflow = factory()
    full, full_errors, graph = verdict(workflow)
    for depth in range(graph.max_depth + 2):
        got, errors, _ = verdict(workflow, max_depth=depth)
        assert errors <= full_errors, depth
        assert got in (UNKNOWN, full), depth
        assert got != OK or depth >= graph.max_depth, depth


def test_documented_holds_and_bounded_runs_say_unknown():
    assert verdict(documented())[0] == OK
    assert verdict(documented(), max_states=94)[0] == UNKNOWN  # was an invented deadlock
    assert verdict(documented(), max_depth=7)[0] == UNKNOWN  # was exit 1
    got, errors, graph = verdict(documented(), capacity=1)
    assert (got, errors) == (UNKNOWN, set())
    assert "channel-capacity" in graph.bounds_hit


def test_a_capacity_below_one_is_refused():
    """``--capacity 0`` used to report a deadlock at the initial state."""
    with pytest.raises(InvalidModel, match="capacity 0 holds no message"):
        TransitionSystem(documented(), capacity=0)


def test_observed_violation_survives_a_bound_that_covers_it():
    """A real counterexample made of expanded states stays real: VIOLATED under a bound."""
    full, full_errors, graph = verdict(observed())
    assert full == VIOLATED
    got, errors, _ = verdict(observed(), max_states=graph.n_states - 1)
    assert got == VIOLATED
    assert errors and errors <= full_errors


class Sender(StateChart):
    idle = State(initial=True)
    sent = State()
    done = State(final=True)
    burst = transition(idle.to(sent), actor="s", cite="toy",
                       sends=("m1", "m2", "m3", "m4", "m5"))
    finish = transition(sent.to(done), actor="s", cite="toy")


class Sink(StateChart):
    open = State(initial=True)
    closed = State(final=True)
    take = transition(open.to.itself(internal=True), actor="network", cite="toy")
    close = transition(open.to(closed), actor="r", cite="toy")


def burst_workflow() -> Workflow:
    return Workflow(
        name="burst", parties=(Party(name="s", chart=Sender), Party(name="r", chart=Sink)),
        messages=tuple(Message(name=f"m{k}", sender="s", receiver="r", event="take")
                       for k in range(1, 6)))


def test_a_send_beyond_capacity_is_a_cut_not_a_deadlock():
    """Five messages in one step at capacity 4: "s idle has no way out" used to be reported.
    The send is dropped, so the state is cut: UNKNOWN, and at capacity 5 the run decides."""
    got, errors, graph = verdict(burst_workflow(), capacity=4)
    assert (got, errors, graph.bounds_hit) == (UNKNOWN, set(), ["channel-capacity"])
    assert graph.cut == {0, 1}  # s idle, with r open or closed
    got5, _, graph5 = verdict(burst_workflow(), capacity=5)
    assert graph5.complete
    assert got5 in (OK, VIOLATED)
