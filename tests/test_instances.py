"""Quantified properties (``Property.each``): the projected evaluation
(:mod:`ordercheck.checks.analyses.instances`) gives exactly what evaluating every instance
on every real state and step gives, for predicates that read configurations only, that
read ``quiescent``, and that read messages in flight or timers (the per-state fallback);
with and without symmetry reduction.  Also: what ``each`` accepts, and that it is part of
the cache key."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from ordercheck.checks.analyses import instances
from ordercheck.checks.analyses.context import Context
from ordercheck.checks.explore import explore
from ordercheck.checks.fingerprint import describe as describe_model
from ordercheck.checks.properties import (
    Always,
    AlwaysStep,
    NeverAfter,
    Sometimes,
    SometimesStep,
    project,
    project_step,
    state_holds,
    step_holds,
)
from ordercheck.checks.protocol import InvalidModel
from ordercheck.checks.system import TransitionSystem
from ordercheck.model.vtex import documented

M, S = "marketplace", "seller"


def _group_each(wf):
    return next(p.each for p in wf.properties if p.each)


def _swallowing(v) -> bool:
    """Reads messages in flight inside a bare ``except:`` (a guess when the read fails)."""
    try:
        flying = len(v.in_flight)
    except:  # noqa: E722 - the point: it catches even the engine's signal
        flying = 0
    return v[S] != "invoiced" or flying < 2


def _extra(each):
    """Predicates that take each path of the evaluator; some fail, some hold."""
    return (
        Always(name="swallows-the-signal", description="a bare except around in_flight",
               holds=_swallowing, each=each),
        Always(name="seller-never-invoiced", description="fails: a seeded defect",
               holds=lambda v: v[S] != "invoiced", each=each),
        Always(name="invoiced-only-when-quiet", description="reads quiescent",
               holds=lambda v: v[M] != "invoiced" or v.quiescent or v[S] == "invoiced",
               each=each),
        Always(name="few-in-flight-when-invoiced", description="reads messages in flight",
               holds=lambda v: v[S] != "invoiced" or len(v.in_flight) < 2, each=each),
        Sometimes(name="timer-armed-while-handling", description="reads timers",
                  holds=lambda v: v[S] == "handling" and bool(v.timers), each=each),
        AlwaysStep(name="no-decline-with-much-in-flight", description="step reads in flight",
                   holds=lambda s: s.event != "decline" or len(s.before.in_flight) < 2,
                   each=each),
        AlwaysStep(name="seller-never-declines", description="fails on a step",
                   holds=lambda s: not (s.party == S and s.event == "decline"), each=each),
        SometimesStep(name="never-witnessed", description="no witness",
                      holds=lambda s: s.party == M and s.after[M] == "no-such-status",
                      each=each),
    )


def _graph(delivery: str, symmetry: bool):
    wf = documented(sellers=2)
    wf = dataclasses.replace(wf, properties=(*wf.properties, *_extra(_group_each(wf))))
    ts = TransitionSystem(wf, delivery=delivery, symmetry=symmetry)
    return wf, explore(ts)


@pytest.mark.parametrize(("delivery", "symmetry"), [("fifo", False), ("unordered", True),
                                                    ("lossy", True)])
def test_projected_evaluation_equals_every_instance_on_every_state_and_step(delivery,
                                                                           symmetry):
    wf, graph = _graph(delivery, symmetry)
    ctx = Context(graph)
    views = ctx.views
    quantified = [p for p in wf.properties if p.each]
    assert len(quantified) >= 15
    for prop in quantified:
        for want in (False, True):
            if isinstance(prop, Always | Sometimes):
                expected = np.array([
                    any(bool(prop.holds(project(views[i], inst))) == want
                        for inst in prop.each) for i in range(graph.n_states)])
                got = instances.state_mask(Context(graph), prop, want)
                assert (got == expected).all(), (prop.name, want)
            else:
                expected_step = None
                for i in range(graph.expanded):
                    for label, j in graph.successors(i):
                        seen = [project_step(views.step(i, label, j), inst)
                                for inst in prop.each]
                        if any(bool(prop.holds(s)) == want for s in seen if s is not None):
                            expected_step = (i, label, j)
                            break
                    if expected_step is not None:
                        break
                assert instances.first_step(Context(graph), prop, want) == expected_step, (
                    prop.name, want)


def test_seeded_defects_are_found_and_the_report_names_them():
    from ordercheck.checks.analyses import analyse

    wf, graph = _graph("fifo", False)
    extra = {p.name for p in _extra(())}
    names = {f.property for f in analyse(graph, wf.properties).findings} & extra
    assert names == {"seller-never-invoiced", "seller-never-declines", "never-witnessed",
                     "few-in-flight-when-invoiced", "no-decline-with-much-in-flight",
                     "swallows-the-signal"}


def test_state_and_step_holds_quantify_all_or_some():
    each = ({M: "a", S: "b"}, {M: "c", S: "d"})
    from ordercheck.checks.properties import JointView, StepView
    from ordercheck.checks.system import Action, ActionKind

    view = JointView(status={"a": "x", "b": "y", "c": "x", "d": "z"}, active={}, final={},
                     in_flight=(), timers=())
    view = dataclasses.replace(view, active={p: frozenset() for p in "abcd"},
                               final={p: False for p in "abcd"})
    pred = lambda v: v[S] == "y"  # noqa: E731
    assert not state_holds(Always(name="p", description="", holds=pred, each=each), view)
    assert state_holds(Sometimes(name="p", description="", holds=pred, each=each), view)
    step = StepView(before=view, after=view, label=Action(
        kind=ActionKind.FIRE, party="c", event="go", actor="shopper", transition=0))
    seen = []
    AlwaysStep(name="p", description="", holds=lambda s: seen.append(s.party) or True,
               each=each)
    assert step_holds(AlwaysStep(name="p", description="",
                                 holds=lambda s: seen.append(s.party) or True, each=each),
                      step)
    assert seen == [M]  # only the instance whose party ("c") took the step, by its role


def test_only_state_and_step_kinds_take_instances():
    with pytest.raises(ValueError, match="only Always"):
        NeverAfter(name="n", description="", after=lambda s: True, then=lambda s: True,
                   each=({M: "marketplace"},))


@pytest.mark.parametrize(("instance", "says"), [({M: "nobody"}, "unknown party or message"),
                                                ({"msg": "order-placed"}, "binds no party")])
def test_an_instance_must_name_the_models_parties(instance, says):
    wf = documented()
    bad = Always(name="bad", description="", holds=lambda v: True, each=(instance,))
    with pytest.raises(InvalidModel, match=says) as err:
        TransitionSystem(dataclasses.replace(wf, properties=(bad,)))
    assert "Workflow.properties['bad'].each[0]" in str(err.value)


def test_instances_are_part_of_the_cache_key():
    wf = documented()
    pred = lambda v: True  # noqa: E731
    one = Always(name="p", description="", holds=pred, each=({M: "marketplace"},))
    two = Always(name="p", description="", holds=pred, each=({M: "seller"},))
    keys = [describe_model(TransitionSystem(dataclasses.replace(wf, properties=(p,))))
            for p in (one, two)]
    assert keys[0] != keys[1]
