"""Guarded decisions memoised by what their guards read (checks/readset.py, system sites).

The recording view must note exactly the reads that can change a guard's path, and the
exploration with read-set memo entries must equal one where every guard reads everything
(so every entry is keyed by the whole state, the old memo)."""

from __future__ import annotations

from dataclasses import replace

from ordercheck.checks.explore import explore
from ordercheck.checks.protocol import StatusView
from ordercheck.checks.readset import ReadSet, recording_view
from ordercheck.checks.system import TransitionSystem
from ordercheck.model.vtex import documented

VIEW = StatusView(status={"a": "x", "b": "y"},
                  active={"a": frozenset({"x", "top"}), "b": frozenset({"y"})},
                  in_flight=frozenset({"m1", "m2"}))


def reads_of(guard) -> ReadSet:
    reads = ReadSet()
    guard(recording_view(VIEW, reads))
    return reads


def test_a_status_lookup_reads_that_party_only():
    assert reads_of(lambda v: v["a"] == "x") == ReadSet(parties={"a"})
    assert reads_of(lambda v: v.in_("b", "y")) == ReadSet(parties={"b"})
    assert reads_of(lambda v: v.status.get("b")) == ReadSet(parties={"b"})


def test_short_circuit_reads_only_what_was_evaluated():
    assert reads_of(lambda v: v["a"] == "no" and v["b"] == "y") == ReadSet(parties={"a"})
    assert reads_of(lambda v: v["a"] == "x" and v["b"] == "y") == ReadSet(parties={"a", "b"})


def test_enumerating_parties_reads_them_all_but_their_names_read_nothing():
    assert reads_of(lambda v: "a" in v.status and len(v.status) == 2) == ReadSet()
    assert reads_of(lambda v: sorted(v.status)) == ReadSet()
    assert reads_of(lambda v: dict(v.status)) == ReadSet(parties={"a", "b"})
    assert reads_of(lambda v: list(v.active.values())) == ReadSet(parties={"a", "b"})


def test_messages_tested_by_name_or_enumerated():
    assert reads_of(lambda v: "m1" in v.in_flight) == ReadSet(messages={"m1"})
    # a frozenset on the left: Set.__rand__ tests each of its names
    assert reads_of(lambda v: frozenset({"m2", "m9"}) & v.in_flight) == \
        ReadSet(messages={"m2", "m9"})
    assert reads_of(lambda v: v.in_flight & {"m1"}) == ReadSet(messages={"m1"})
    for enumerate_ in (len, list, bool, lambda f: f == frozenset(), lambda f: f - {"m1"}):
        assert reads_of(lambda v, e=enumerate_: e(v.in_flight)).all_messages


def test_set_algebra_answers_like_a_frozenset():
    reads = ReadSet()
    flight = recording_view(VIEW, reads).in_flight
    assert (frozenset({"m2", "m9"}) & flight) == frozenset({"m2"})
    assert (flight | {"m3"}) == frozenset({"m1", "m2", "m3"})
    assert flight == frozenset({"m1", "m2"}) and not flight.isdisjoint({"m1"})


def _reading_everything(guard):
    def full(view: StatusView) -> bool:
        dict(view.status)
        dict(view.active)
        len(view.in_flight)
        return bool(guard(view))
    full.reads_messages = getattr(guard, "reads_messages", False)  # type: ignore[attr-defined]
    return full


def test_read_set_memo_explores_the_graph_of_whole_state_keys():
    """An order group of 2: the guards read their own pair and the payment.  Memoised by
    those reads, the graph equals the one where every decision is keyed by the whole state;
    and the decisions need a handful of entries, not one per state."""
    workflow = documented(sellers=2)
    wide = replace(workflow, guards={name: _reading_everything(g)
                                     for name, g in workflow.guards.items()})
    for delivery in ("fifo", "unordered"):
        narrow_system = TransitionSystem(workflow, delivery=delivery)
        narrow = explore(narrow_system)
        wide_system = TransitionSystem(wide, delivery=delivery)
        whole = explore(wide_system)
        assert (narrow.states, list(narrow.succ), list(narrow.succ_label)) == \
            (whole.states, list(whole.succ), list(whole.succ_label))
        entries = sum(len(memo) for memo in narrow_system._site_memo)
        assert entries < 200 < sum(len(memo) for memo in wide_system._site_memo)
        full = (1 << narrow_system.control_bits) - 1
        assert all(cmask != full for masks in narrow_system._site_masks
                   for cmask, _ in masks)
