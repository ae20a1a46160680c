"""A malformed model is refused with an InvalidModel naming the place (CLI exit 2)."""

from __future__ import annotations

import pytest
from statemachine import State, StateChart

from ordercheck.checks.cli import main
from ordercheck.checks.protocol import InvalidModel, Message, Party, Timer, Workflow, transition
from ordercheck.checks.system import TransitionSystem


def chart(**extra):
    attrs = {
        "catch_errors_as_events": False,
        "validate_trap_states": False,
        "validate_final_reachability": False,
        "a": State("A", value="a", initial=True),
        "b": State("B", value="b", final=True),
    }
    attrs.update(extra)
    return attrs


def build_chart(name, make_transitions):
    attrs = chart()
    attrs.update(make_transitions(attrs["a"], attrs["b"]))
    return type(name, (StateChart,), attrs)


def go(cond=None, **meta):
    def make(a, b):
        return {"go": transition(a.to(b, cond=cond), actor="x", cite="t", **meta)}
    return make


def wf(charts, **kw):
    parties = tuple(Party(name=n, chart=c) for n, c in charts.items())
    return Workflow(name="bad", parties=parties, **kw)


def test_transition_without_provenance():
    C = build_chart("C", lambda a, b: {"go": a.to(b)})
    with pytest.raises(InvalidModel, match=r"p chart 'C', transition from 'a' on 'go': "
                                           r"transition has no provenance"):
        TransitionSystem(wf({"p": C}))


def test_undeclared_guard():
    C = build_chart("C", go(cond="ready"))
    with pytest.raises(InvalidModel, match=r"p transition 'a' --go-->: guard\(s\) \['ready'\]"):
        TransitionSystem(wf({"p": C}))


def test_undeclared_message():
    C = build_chart("C", go(sends="hello"))
    with pytest.raises(InvalidModel, match="sends undeclared message 'hello'"):
        TransitionSystem(wf({"p": C}))


def test_message_to_unknown_party():
    C = build_chart("C", go())
    msg = Message(name="m", sender="p", receiver="q", event="go")
    with pytest.raises(InvalidModel, match=r"Workflow.messages\['m'\]: unknown party 'q'"):
        TransitionSystem(wf({"p": C}, messages=(msg,)))


def test_message_event_missing_on_receiver():
    C = build_chart("C", go())
    msg = Message(name="m", sender="p", receiver="p", event="nope")
    with pytest.raises(InvalidModel, match="receiver 'p' has no event 'nope'"):
        TransitionSystem(wf({"p": C}, messages=(msg,)))


def test_timer_event_missing():
    C = build_chart("C", go())
    with pytest.raises(InvalidModel, match=r"Workflow.timers\['t'\]: party 'p' has no event"):
        TransitionSystem(wf({"p": C}, timers=(Timer(name="t", party="p", event="tick"),)))


def test_parallel_regions_are_refused():
    class r1(State.Compound):
        x = State(initial=True)
        y = State(final=True)
        transition(x.to(y), actor="a", cite="t")

    class r2(State.Compound):
        u = State(initial=True)
        v = State(final=True)
        transition(u.to(v), actor="a", cite="t")

    par = type("both", (State.Parallel,), {"r1": r1, "r2": r2})
    attrs = chart(both=par, validate_disconnected_states=False)
    attrs["go"] = transition(attrs["a"].to(par), actor="a", cite="t")
    C = type("C", (StateChart,), attrs)
    with pytest.raises(InvalidModel, match="state 'both': parallel regions are not supported"):
        TransitionSystem(wf({"p": C}))


def test_eventless_transition_is_refused():
    attrs = chart()
    transition(attrs["a"].to(attrs["b"], cond="flag"), actor="a", cite="t")
    attrs["flag"] = True
    C = type("C", (StateChart,), attrs)
    with pytest.raises(InvalidModel, match="eventless transitions are not supported"):
        TransitionSystem(wf({"p": C}))


def test_duplicate_party_names():
    C = build_chart("C", go())
    workflow = Workflow(name="bad", parties=(Party(name="p", chart=C), Party(name="p", chart=C)))
    with pytest.raises(InvalidModel, match="party names must be unique"):
        TransitionSystem(workflow)


def test_unknown_delivery_mode():
    C = build_chart("C", go())
    with pytest.raises(InvalidModel, match="unknown delivery mode 'pigeon'"):
        TransitionSystem(wf({"p": C}), delivery="pigeon")


BAD = wf({"p": build_chart("C", go(sends="hello"))})


def test_cli_reports_invalid_model_with_exit_2(capsys):
    code = main(["check", "--model", f"{__name__}:BAD"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "ordercheck: error: p transition 'a' --go-->: sends undeclared message 'hello'" in err


def test_cli_reports_chart_rejected_at_import(capsys):
    code = main(["check", "--model", "tests.fixtures.broken_chart:Broken"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "importing 'tests.fixtures.broken_chart' raised InvalidDefinition" in err
