"""Symmetry reduction (``TransitionSystem(..., symmetry=True)``, ``check --symmetry``) on VTEX
order groups: the reduced graph has exactly one state per orbit of the unreduced one, the
verdict and the findings agree (statuses up to a permutation of the pairs), every trace shown
is a real run of the unreduced model, and a false symmetry claim is refused."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ordercheck.checks.cli import main
from ordercheck.checks.explore import explore
from ordercheck.checks.findings import Finding
from ordercheck.checks.pipeline import check
from ordercheck.checks.protocol import InvalidModel, Party
from ordercheck.checks.symmetry import canonicalizer, concrete_run
from ordercheck.checks.system import TransitionSystem
from ordercheck.checks.trace import replay
from ordercheck.model.vtex import documented, observed
from ordercheck.model.vtex.seller import seller_chart
from ordercheck.model.vtex.workflow import VARIANTS

CASES = [(2, "fifo"), (2, "unordered")]


@cache
def results(n: int, delivery: str, symmetry: bool):  # type: ignore[no-untyped-def]
    return check(documented(n), delivery=delivery, symmetry=symmetry)


def _pairs(statuses: tuple[tuple[str, str], ...]) -> tuple[object, ...]:
    """A finding's statuses up to a permutation of the pairs: the sorted pair statuses, then
    the payment."""
    st_ = dict(statuses)
    n = sum(1 for p in st_ if p.startswith("marketplace-"))
    pairs = sorted((st_[f"marketplace-{i}"], st_[f"seller-{i}"]) for i in range(1, n + 1))
    return (tuple(pairs), st_.get("payment"))


def _generic(text: str) -> str:
    """Names with the pair number erased (``seller-2`` -> ``seller-i``)."""
    return re.sub(r"-\d+\b", "-i", text)


def _key(f: Finding) -> tuple[object, ...]:
    """A finding's identity up to a permutation of the pairs.  An unhandled-message finding
    is one per (message, party, status); the statuses of its shallowest example are not part
    of it (which of several equally shallow states comes first depends on the numbering), nor
    are counts (under reduction they count orbits)."""
    statuses = () if f.kind == "unhandled-message" else _pairs(f.statuses)
    return (f.kind, f.property, statuses, _generic(f.party), f.status,
            _generic(f.message), _generic(f.transition))


@pytest.mark.parametrize(("n", "delivery"), CASES)
def test_reduced_count_is_the_number_of_orbits(n, delivery):
    full, reduced = results(n, delivery, False), results(n, delivery, True)
    sym = reduced.graph.system.symmetry
    orbits = {sym.canonical(s) for s in full.graph.states}
    assert reduced.graph.n_states == len(orbits)
    assert set(reduced.graph.states) == orbits  # and they are the canonical representatives


@pytest.mark.parametrize(("n", "delivery"), CASES)
def test_verdict_and_findings_agree_with_the_unreduced_run(n, delivery):
    full, reduced = results(n, delivery, False), results(n, delivery, True)
    assert reduced.verdict == full.verdict
    assert {_key(f) for f in reduced.analysis.findings} == {
        _key(f) for f in full.analysis.findings}
    assert sorted(reduced.analysis.witnesses) == sorted(full.analysis.witnesses)


def test_n3_reduced_count_is_the_orbit_count():
    """N = 3 under fifo: the unreduced space has 909,192 states (47 s here, too slow for the
    suite) in 157,160 orbits, counted by canonicalising every unreduced state; the reduced
    exploration finds exactly that many."""
    reduced = explore(TransitionSystem(documented(3), symmetry=True))
    assert (reduced.n_states, reduced.n_edges) == (157_160, 1_029_090)


@pytest.mark.parametrize(("n", "delivery", "symmetry", "states", "edges"), [
    (2, "fifo", False, 11_148, 49_488),
    (2, "fifo", True, 5_655, 25_110),
    (2, "unordered", False, 16_731, 72_774),
    (2, "unordered", True, 8_463, 36_822),
])
def test_pins(n, delivery, symmetry, states, edges):
    graph = results(n, delivery, symmetry).graph
    assert (graph.n_states, graph.n_edges) == (states, edges)


@pytest.mark.parametrize(("n", "delivery"), CASES)
def test_every_trace_is_a_real_run_ending_at_the_finding(n, delivery):
    """Each finding's trace under reduction replays on the *unreduced* model, step by step,
    and ends in the finding's own state (so the statuses shown are the finding's)."""
    reduced = check(documented(n), delivery=delivery, symmetry=True)
    plain = TransitionSystem(documented(n), delivery=delivery)
    graph = reduced.graph
    paths = [f.path for f in reduced.analysis.findings if f.path]
    paths += list(reduced.analysis.witnesses.values())
    assert paths
    for path in paths:
        reps = [graph.states[i] for _, i in path]
        states, labels = concrete_run(graph.system, graph.system.symmetry, reps,
                                      [lab for lab, _ in path[1:]])
        assert states[0] == plain.initial and states[-1] == reps[-1]
        for j, label in enumerate(labels):
            assert (label, states[j + 1]) in plain.successors(states[j])
        steps = [s.to_json() for s in reduced.trace(path)]
        assert replay(plain, steps).ok


def test_a_reduced_trace_moves_the_pair_that_really_moves():
    """The shortest change-seller witness: the concrete run moves one pair only and ends in
    the representative, where the untouched pair (smaller statuses) is pair 1."""
    reduced = results(2, "fifo", True)
    steps = reduced.trace(reduced.analysis.witnesses["seller-can-be-changed"])
    assert [f"{s.party}.{s.event}" for s in steps[1:]] == [
        "marketplace-2.complete_checkout", "marketplace-2.ask_seller",
        "seller-2.order_placed", "seller-2.confirm_order", "seller-2.await_authorization",
        "seller-2.authorization_timeout", "marketplace-2.seller_confirmed",
        "marketplace-2.seller_canceled", "marketplace-2.change_seller"]
    assert steps[-1].status == {"marketplace-1": "order-created", "seller-1": "null",
                                "marketplace-2": "order-created", "seller-2": "cancel",
                                "payment": "pending"}


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_the_fast_canonical_form_is_the_contracts(data):
    """``canonicalizer`` (the hot loop's) equals ``Symmetry.canonical`` (the contract)."""
    system = _system3()
    sym = system.symmetry
    state = data.draw(st.integers(min_value=0, max_value=(1 << max(
        s + w for b in sym.blocks for s, w in b)) - 1))
    assert canonicalizer(sym)(state) == sym.canonical(state)


@cache
def _system3() -> TransitionSystem:
    return TransitionSystem(documented(3), delivery="unordered", symmetry=True)


def test_blocks_have_equal_widths_and_cover_each_pair():
    system = _system3()
    blocks = system.symmetry.blocks
    assert len(blocks) == 3 and len({tuple(w for _, w in b) for b in blocks}) == 1
    assert len(blocks[0]) == 4  # marketplace-i, seller-i, both channels of the pair
    assert system.counterparts[0] == (0, 2, 4)  # marketplace-1 ~ marketplace-2 ~ -3


def test_a_group_whose_charts_differ_is_refused():
    wf = documented(2)
    parties = list(wf.parties)
    parties[3] = replace(parties[3], chart=seller_chart(
        replace(VARIANTS["observed"], group_payment=True, change_seller=True),
        __import__("ordercheck.model.vtex.pairs", fromlist=["Pair"]).Pair(2)))
    with pytest.raises(InvalidModel, match=r"party seller-2 against seller-1: their charts "
                                           r"differ \(configs\)"):
        TransitionSystem(replace(wf, parties=tuple(parties)), symmetry=True)


def test_guards_that_are_not_the_same_code_are_refused():
    wf = documented(2)
    guards = dict(wf.guards)
    guards["marketplace_awaits_decision_2"] = lambda v: False
    with pytest.raises(InvalidModel, match=r"seller-2 against seller-1: transition "
                                           r"'cancellation-requested' --decline-->: guards"):
        TransitionSystem(replace(wf, guards=guards), symmetry=True)


def test_a_channel_across_groups_is_refused():
    wf = documented(2)
    sym = ((wf.parties[0].name, wf.parties[1].name), (wf.parties[2].name, wf.parties[3].name))
    crossed = replace(wf, symmetric=((sym[0][0], sym[1][1]), (sym[1][0], sym[0][1])))
    with pytest.raises(InvalidModel, match="crosses a group's boundary"):
        TransitionSystem(crossed, symmetry=True)


def test_unknown_party_and_no_groups_are_refused():
    wf = documented(2)
    with pytest.raises(InvalidModel, match="unknown party 'nobody'"):
        TransitionSystem(replace(wf, symmetric=(("nobody",), ("seller-1",))), symmetry=True)
    with pytest.raises(InvalidModel, match="vtex-observed declares no interchangeable"):
        TransitionSystem(observed(), symmetry=True)


def test_off_by_default_and_none():
    system = TransitionSystem(documented(2))
    assert system.symmetry is None and system.counterparts == {}
    assert isinstance(documented(2).parties[-1], Party)


def test_cli_symmetry_is_exit_2_on_a_model_without_groups(capsys):
    code = main(["check", "--symmetry", "--no-cache"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "Workflow.symmetric: vtex-documented declares no interchangeable party groups" in err


def test_cli_reduced_run_reports_the_reduced_count(capsys):
    code = main(["check", "--sellers", "2", "--symmetry", "--no-cache", "--quiet"])
    out, _ = capsys.readouterr()
    assert code == 0
    assert "  5655 states, 25110 transitions" in out


@pytest.mark.parametrize(("delivery", "pinned"), [
    ("fifo", {(2, False): 11_148, (2, True): 5_655, (3, False): 909_192, (3, True): 157_160,
              (4, False): 80_747_568, (4, True): 3_596_930}),
    ("unordered", {(2, False): 16_731, (2, True): 8_463, (3, False): 1_720_251,
                   (3, True): 295_139, (4, False): 192_015_603, (4, True): 8_438_430}),
])
def test_group_counts_follow_from_one_pair(delivery, pinned):
    """An independent count: pairs interact only through the payment, which changes once, so
    the group's reachable states with payment status ``p`` are the product of one pair's
    states with ``p`` (``k_p`` of them): ``sum k_p^N`` states and ``sum C(k_p + N - 1, N)``
    orbits (multisets).  The N = 2 and 3 explorations (pinned above and in test_groups) agree;
    N = 4 is what the Python BFS would have to explore (README)."""
    from collections import Counter
    from math import comb

    from ordercheck.model.vtex.workflow import build_group

    one = TransitionSystem(build_group(VARIANTS["documented"], "one", 1), delivery=delivery)
    per_payment = Counter(one.state_view(s)["payment"] for s in explore(one).states)
    for (n, reduced), count in pinned.items():
        expected = sum(comb(k + n - 1, n) if reduced else k ** n for k in per_payment.values())
        assert expected == count, (n, reduced)
    if delivery in ("fifo", "unordered"):
        for reduced in (False, True):
            assert results(2, delivery, reduced).graph.n_states == pinned[(2, reduced)]
