"""VTEX order groups (``sellers=N``, ``check --sellers N``): N = 1 is exactly the two-party
model, a group's structure and pinned state spaces, the change-seller flow, the generic
model-parameter mechanism of the CLI, and the cache key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ordercheck.checks.cli import main
from ordercheck.checks.explore import explore
from ordercheck.checks.pipeline import check
from ordercheck.checks.system import TransitionSystem
from ordercheck.model.vtex import documented, observed


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("factory", [documented, observed])
def test_one_seller_is_the_two_party_model(factory):
    one, plain = factory(1), factory()
    assert [p.name for p in one.parties] == [p.name for p in plain.parties] == [
        "marketplace", "seller"]
    assert (one.name, one.messages, one.timers, sorted(one.guards), one.symmetric) == (
        plain.name, plain.messages, plain.timers, sorted(plain.guards), ())
    for delivery in ("fifo", "unordered"):
        a = explore(TransitionSystem(one, delivery=delivery))
        b = explore(TransitionSystem(plain, delivery=delivery))
        assert (a.n_states, a.n_edges, a.states) == (b.n_states, b.n_edges, b.states)


def test_a_group_names_its_parties_messages_timers_and_guards_per_pair():
    wf = documented(3)
    assert wf.name == "vtex-documented-3-sellers"
    assert [p.name for p in wf.parties] == ["marketplace-1", "seller-1", "marketplace-2",
                                            "seller-2", "marketplace-3", "seller-3", "payment"]
    assert wf.symmetric == (("marketplace-1", "seller-1"), ("marketplace-2", "seller-2"),
                            ("marketplace-3", "seller-3"))
    assert len(wf.messages) == 27 and len(wf.timers) == 12
    assert {m.name for m in wf.messages if m.sender == "seller-2"} == {
        "order-confirmation-2", "cancellation-request-received-2", "cancellation-denied-2",
        "seller-cancellation-2", "invoice-2"}
    assert sorted(g for g in wf.guards if g.endswith("_2")) == [
        "cancel_request_in_flight_2", "marketplace_awaits_decision_2",
        "new_seller_order_placed_2", "pair_quiet_2", "seller_request_is_own_2",
        "seller_slot_closed_2", "seller_stuck_after_denying_2"]
    assert [p.name for p in wf.properties] == [
        "final-statuses-absorbing", "agree-at-quiescence",
        "no-marketplace-invoiced-during-seller-cancellation",
        "decline-only-when-both-await-decision", "can-be-invoiced", "can-be-canceled",
        "decline-reaches-marketplace", "seller-can-be-changed"]


@pytest.mark.parametrize("bad", [0, -1, True, 2.0])
def test_a_group_needs_a_positive_integer(bad):
    with pytest.raises(ValueError, match="sellers must be an integer >= 1"):
        documented(bad)


@pytest.mark.parametrize(("variant", "delivery", "states", "edges", "verdict", "kinds"), [
    ("documented", "fifo", 11_148, 49_488, "OK", {"dead-transition": 4}),
    ("documented", "unordered", 16_731, 72_774, "OK", {"unhandled-message": 2}),
    ("observed", "fifo", 12_113, 52_528, "VIOLATED",
     {"doomed": 562, "deadlock": 21, "dead-transition": 4, "unhandled-message": 4,
      "invariant": 2, "action": 1}),
])
def test_pinned_two_seller_groups(variant, delivery, states, edges, verdict, kinds):
    factory = {"documented": documented, "observed": observed}[variant]
    result = check(factory(2), delivery=delivery)
    assert (result.graph.n_states, result.graph.n_edges) == (states, edges)
    assert result.verdict == verdict
    if kinds is not None:
        found: dict[str, int] = {}
        for f in result.analysis.findings:
            found[f.kind] = found.get(f.kind, 0) + 1
        assert found == kinds


def test_the_shared_payment_is_decided_once_for_the_group():
    """No reachable state has one marketplace order past payment approval while another was
    canceled by a payment denial: the group's payment is one decision."""
    graph = explore(TransitionSystem(documented(2)))
    system = graph.system
    seen = {(v["payment"], v["marketplace-1"]) for v in map(system.state_view, graph.states)}
    assert ("denied", "payment-approved") not in seen
    assert ("approved", "payment-approved") in seen and ("denied", "canceled") in seen


def test_change_seller_pinned_scenario(capsys):
    """The shortest change-seller run (CHSELL; REF C7): the seller gives up while the
    marketplace order waits for its confirmation, the window opens, customer care assigns a
    new seller order, and the pair's seller slot starts over from `null`."""
    result = check(documented(2))
    steps = result.trace(result.analysis.witnesses["seller-can-be-changed"])
    assert [(s.actor, f"{s.party}.{s.event}", s.status["marketplace-1"], s.status["seller-1"])
            for s in steps[1:]] == [
        ("platform", "marketplace-1.complete_checkout", "on-order-completed", "null"),
        ("platform", "marketplace-1.ask_seller", "waiting-for-authorization", "null"),
        ("network", "seller-1.order_placed", "waiting-for-authorization",
         "on-order-completed-ffm"),
        ("platform", "seller-1.confirm_order", "waiting-for-authorization", "order-accepted"),
        ("platform", "seller-1.await_authorization", "waiting-for-authorization",
         "waiting-for-manual-authorization"),
        ("timer", "seller-1.authorization_timeout", "waiting-for-authorization", "cancel"),
        ("network", "marketplace-1.seller_confirmed", "payment-pending", "cancel"),
        ("network", "marketplace-1.seller_canceled", "window-to-change-seller", "cancel"),
        ("customer-care", "marketplace-1.change_seller", "order-created", "cancel"),
    ]
    # and on: the new seller order is placed and the slot starts over
    system = TransitionSystem(documented(2))
    state = system.initial
    by_name = {f"{system.labels[lab].party}.{system.labels[lab].event}": lab
               for lab in range(len(system.labels))}
    for step in steps[1:]:
        state = next(t for lab, t in system.successors(state)
                     if system.labels[lab].party == step.party
                     and system.labels[lab].event == step.event
                     and system.state_view(t).status == step.status)
    for name in ("marketplace-1.complete_checkout", "seller-1.new_seller_order",
                 "seller-1.order_placed"):
        state = next(t for lab, t in system.successors(state) if lab == by_name[name])
    assert system.state_view(state).status["seller-1"] == "on-order-completed-ffm"


# -- the CLI: a generic model parameter -----------------------------------------------------
def test_cli_sellers_reaches_the_factory(capsys):
    code, out, _ = run(capsys, "check", "--sellers", "2", "--no-cache", "--quiet")
    assert code == 0
    assert out.splitlines()[:3] == ["ordercheck: vtex-documented-2-sellers (delivery fifo)",
                                    "  11148 states, 49488 transitions, depth 37, 5 final",
                                    "  verdict: OK"]


@pytest.mark.parametrize("value", ["0", "-3", "two"])
def test_cli_sellers_must_be_positive(capsys, value):
    code, _, err = run(capsys, "check", "--sellers", value, "--no-cache")
    assert code == 2
    assert f"argument --sellers: must be a positive integer, got '{value}'" in err


def test_cli_a_model_without_the_parameter_is_refused(capsys):
    code, _, err = run(capsys, "check", "--model", "tests.toys:two_sellers", "--sellers", "2",
                       "--no-cache")
    assert code == 2
    assert err == ("ordercheck: error: --sellers: model 'tests.toys:two_sellers' takes no "
                   "parameter 'sellers' (its factory two_sellers has no keyword 'sellers')\n")


def test_cli_a_workflow_object_takes_no_parameter(capsys, tmp_path, monkeypatch):
    (tmp_path / "plain_model.py").write_text(
        "from ordercheck.model.vtex import documented\nWF = documented()\n")
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, "check", "--model", "plain_model:WF", "--sellers", "2",
                       "--no-cache")
    assert code == 2
    assert "--sellers: model 'plain_model:WF' takes no parameter 'sellers'" in err


def test_cli_config_may_set_sellers(capsys, tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text("[tool.ordercheck.check]\nsellers = 2\n")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "check", "--no-cache", "--quiet", "--max-states", "10")
    assert code == 3
    assert out.startswith("ordercheck: vtex-documented-2-sellers (delivery fifo)\n")


def test_cache_never_shares_a_hit_between_group_sizes(capsys, tmp_path):
    cache = str(tmp_path / "cache")
    common = ("check", "--max-states", "50", "--cache-dir", cache, "--format", "json")
    code2, out2, _ = run(capsys, *common, "--sellers", "2")
    again, out2b, err2b = run(capsys, *common, "--sellers", "2")
    assert "cache hit" in err2b and out2b == out2 and again == code2 == 3
    code3, out3, err3 = run(capsys, *common, "--sellers", "3")
    assert "cache hit" not in err3 and code3 == 3
    assert json.loads(out3)["model"] == "vtex-documented-3-sellers"
    sym, _, err_sym = run(capsys, *common, "--sellers", "2", "--symmetry")
    assert "cache hit" not in err_sym and sym == 3
    assert len(list(Path(cache).rglob("*.json"))) == 3


def test_describe_takes_the_parameter_too(capsys):
    code, out, _ = run(capsys, "describe", "--sellers", "2", "--format", "json")
    assert code == 0
    manual = json.loads(out)
    assert manual["model"] == "vtex-documented-2-sellers"
    assert manual["parties"] == ["marketplace-1", "seller-1", "marketplace-2", "seller-2",
                                 "payment"]


def test_every_citation_of_a_group_is_a_known_source():
    import re

    from ordercheck.model.vtex.sources import SOURCES

    for wf in (documented(2), observed(2)):
        cites = [t.meta.cite for c in TransitionSystem(wf).charts for t in c.transitions]
        cites += [m.cite for m in wf.messages] + [t.cite for t in wf.timers] + [
            p.cite for p in wf.properties]
        tags = {tag for c in cites
                for tag in re.findall(r"\b(KI-\d+|[A-Z]{2,}[A-Z0-9]*)\b", c)} - {"INF"}
        assert "KI-656815" in tags and "CHSELL" in tags
        assert tags <= set(SOURCES), sorted(tags - set(SOURCES))


DEAD = ["dead transition: marketplace-{i}: waiting-for-authorization --seller_canceled--> "
        "window-to-change-seller",
        "dead transition: seller-{i}: waiting-for-manual-authorization --cancel_requested--> "
        "cancel"]
UNHANDLED = ["unhandled message: order-confirmation-{i} reaches marketplace-{i} in "
             "window-to-change-seller"]


@pytest.mark.parametrize("symmetry", [False, True])
@pytest.mark.parametrize(("delivery", "titles"), [("fifo", DEAD), ("unordered", UNHANDLED)])
def test_pinned_two_seller_findings(delivery, titles, symmetry):
    """The documented group of two: OK, with warnings only — the same titles with and without
    reduction (coverage counts a counterpart's transition, so both pairs' dead transitions
    stay listed)."""
    result = check(documented(2), delivery=delivery, symmetry=symmetry)
    assert result.verdict == "OK"
    assert [f.title for f in result.analysis.findings] == [
        t.format(i=i) for i in (1, 2) for t in titles]
