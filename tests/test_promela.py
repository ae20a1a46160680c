"""The Promela export cross-checked against SPIN: an independent checker must agree exactly.

For every model below and every delivery mode, ordercheck explores, exports, and SPIN
(``spin -a``, pan compiled without partial-order reduction) explores the export: the state
counts must be equal and so must the verdicts — deadlock or not, the channel bound hit or not,
each invariant violated or not — and the transition and error counts must be what the
export's construction predicts (:func:`ordercheck.checks.export.spin.disagreements`).
Deliberately broken exports must make that comparison fail, so a pass means something.

The SPIN tests are skipped only when ``spin`` or a C compiler is missing (CI installs them:
``make setup`` runs ``apt-get install spin``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from ordercheck.checks.cli import main
from ordercheck.checks.cli.common import DEFAULT_ENTRY, resolve_model
from ordercheck.checks.explore import EXPLORERS, StateGraph, explore
from ordercheck.checks.export import UnsupportedExport, export_promela
from ordercheck.checks.export.promela import _Coord, _slices, member
from ordercheck.checks.export.spin import (
    PanResult,
    SpinFailed,
    disagreements,
    missing_tools,
    parse_pan,
    printed_as,
    run_spin,
)
from ordercheck.checks.export.tables import Reached, is_guarded, project, select
from ordercheck.checks.protocol import Workflow
from ordercheck.checks.system import DELIVERY_MODES, TransitionSystem

from . import toys

MISSING = missing_tools()
needs_spin = pytest.mark.skipif(MISSING is not None, reason=f"SPIN cannot run: {MISSING}")
#: -O0: these runs are tiny, compile time dominates (bench/scale.py compiles with -O2)
CFLAGS = ("-O0", "-DSAFETY", "-DNOREDUCE")


def vtex(variant: str, **options: Any) -> Workflow:
    """The installed VTEX model; ``options`` go to its factory (e.g. ``sellers=N``)."""
    assert DEFAULT_ENTRY is not None
    if not options:
        return resolve_model(DEFAULT_ENTRY.spec(variant))
    from ordercheck.checks import loading

    factory, _ = loading.load_attribute(DEFAULT_ENTRY.spec(variant), "test")
    return factory(**options)  # type: ignore[no-any-return]


#: (id, model factory), each checked in every delivery mode.  ``order-group-1`` is the
#: two-party model built by the group factory (``sellers=1``).
MODELS: list[tuple[str, Callable[[], Workflow]]] = [
    ("vtex-documented", partial(vtex, "documented")),
    ("vtex-observed", partial(vtex, "observed")),
    ("order-group-1", partial(vtex, "documented", sellers=1)),
    ("ping-pong", toys.ping_pong),
    ("deadlock", toys.deadlock_toy),
    ("livelock", toys.livelock_toy),
    *[(f"{n}-sellers", partial(toys.n_sellers, n)) for n in (1, 2, 3)],
]

#: Larger order groups (variant, sellers, delivery) and their unreduced state counts.  Guard
#: tables are keyed by what the guards read (:mod:`ordercheck.checks.export.tables`), so a
#: group's program is 50-80 kB whatever its size and ``gcc -O0`` takes about a second; SPIN's
#: search is the cost (the group of 3 unordered: ~5 s for 1.7 M states).  The observed
#: variant's groups violate invariants in thousands of states: their conditions are C
#: functions (``c_code``), which SPIN must run to agree.  Not here: groups under
#: ``duplicate`` (the group of 2 has over 3 M states and hits the channel bound; exploring
#: and exporting it ran out of 23 GB), the group of 3 under ``lossy`` (3.1 M states, ~25 s) and the
#: observed group of 3 (1.0-1.9 M states, 10-15 s): checked by hand, README "Scale:
#: ordercheck next to SPIN".
AGREE, INVOICED = "agree-at-quiescence", "no-marketplace-invoiced-during-seller-cancellation"
GROUP_CASES: dict[tuple[str, int, str], tuple[int, tuple[str, ...], bool, int]] = {
    # (states, invariants violated, a deadlock, SPIN's error count)
    ("documented", 2, "fifo"): (11148, (), False, 0),
    ("documented", 2, "unordered"): (16731, (), False, 0),
    ("documented", 2, "lossy"): (25499, (AGREE,), True, 432),
    ("documented", 3, "fifo"): (909192, (), False, 0),
    ("documented", 3, "unordered"): (1720251, (), False, 0),
    ("documented", 3, "lossy"): (3100975, (AGREE,), True, 13244),
    ("observed", 2, "fifo"): (12113, (AGREE, INVOICED), True, 741),
    ("observed", 2, "unordered"): (17926, (AGREE, INVOICED), True, 960),
    ("observed", 2, "lossy"): (26354, (AGREE, INVOICED), True, 1688),
}


def explored(factory: Callable[[], Workflow], delivery: str, capacity: int = 4) -> StateGraph:
    return explore(TransitionSystem(factory(), delivery=delivery, capacity=capacity))


def spin(graph: StateGraph, text: str, tmp_path: Path) -> PanResult:
    return run_spin(text, tmp_path, expected_states=graph.n_states, cflags=CFLAGS)


@needs_spin
@pytest.mark.parametrize("delivery", DELIVERY_MODES)
@pytest.mark.parametrize(("name", "factory"), MODELS, ids=[m[0] for m in MODELS])
def test_spin_agrees_with_ordercheck(name, factory, delivery, tmp_path):
    graph = explored(factory, delivery)
    export = export_promela(graph)
    pan = spin(graph, export.text, tmp_path)
    assert pan.states == graph.n_states
    assert disagreements(graph, export, pan) == []


@needs_spin
@pytest.mark.parametrize(("variant", "n", "delivery"), GROUP_CASES,
                         ids=[f"{v}-group-{n}-{d}" for v, n, d in GROUP_CASES])
def test_spin_agrees_on_order_groups(variant, n, delivery, tmp_path):
    """The unreduced order group (SPIN does not reduce symmetry), explored by the compiled
    back end (the same graph as BFS, tests/test_compiled.py), then exported: equal states,
    transitions, deadlock, bound and invariant verdicts; a program of tens to hundreds of kB."""
    graph = explore(TransitionSystem(vtex(variant, sellers=n), delivery=delivery),
                    explorer=EXPLORERS["compiled"])
    export = export_promela(graph)
    assert len(export.text) < 250_000  # MBs before guard tables were keyed by read sets
    pan = spin(graph, export.text, tmp_path)
    states, violated, deadlock, errors = GROUP_CASES[(variant, n, delivery)]
    # each group's failing invariants have conditions over 2 kB: SPIN must run them as C
    assert ("\nc_code { int violates_" in export.text) == bool(violated)
    assert pan.states == graph.n_states == states
    assert (tuple(sorted(export.flags[f] for f in pan.assertions)), pan.invalid_end_state,
            pan.errors) == (violated, deadlock, errors)
    assert disagreements(graph, export, pan) == []


def test_a_symmetry_reduced_graph_is_not_exported():
    graph = explore(TransitionSystem(vtex("documented", sellers=2), symmetry=True))
    with pytest.raises(UnsupportedExport, match="unreduced system"):
        export_promela(graph)


def test_export_cli_takes_the_group_size_and_refuses_symmetry(capsys):
    argv = ["export", "--format", "promela", "--sellers", "2"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert err == ("ordercheck: exported vtex-documented-2-sellers (delivery fifo, capacity 4): "
                   "SPIN should store 11148 states for 49488 edges\n")
    assert main([*argv, "--symmetry"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert "--symmetry: the export is of the unreduced system" in err
    assert "Traceback" not in err


@needs_spin
@pytest.mark.parametrize("n", [1, 2, 3])
def test_spin_counts_the_toy_closed_form(n, tmp_path):
    """Independent of ordercheck: SPIN alone finds 1 + 2*7^n states, 1 + (2n+1)*7^n edges
    (its transitions add 1 for the initial state and the 2^n final states' self-loops: each
    seller done or dropped, the marketplace closed)."""
    graph = explored(partial(toys.n_sellers, n), "fifo")
    pan = spin(graph, export_promela(graph).text, tmp_path)
    assert (pan.states, pan.transitions) == (1 + 2 * 7 ** n, 1 + (2 * n + 1) * 7 ** n + 1 + 2 ** n)
    assert (pan.errors, pan.invalid_end_state, pan.assertions) == (0, False, ())


@needs_spin
def test_known_verdicts_reach_spin(tmp_path):
    """The observed model's deadlocks and both invariant failures are SPIN's own errors."""
    graph = explored(partial(vtex, "observed"), "fifo")
    export = export_promela(graph)
    pan = spin(graph, export.text, tmp_path)
    assert pan.invalid_end_state
    assert {export.flags[f] for f in pan.assertions} == {
        "agree-at-quiescence", "no-marketplace-invoiced-during-seller-cancellation"}
    clean = explored(partial(vtex, "documented"), "fifo")
    pan = spin(clean, export_promela(clean).text, tmp_path / "documented")
    assert (pan.errors, pan.invalid_end_state, pan.assertions) == (0, False, ())


@needs_spin
@pytest.mark.parametrize(("variant", "delivery", "capacity"),
                         [("documented", "fifo", 1), ("observed", "duplicate", 2)])
def test_channel_bound_is_an_assertion_with_equal_counts(variant, delivery, capacity, tmp_path):
    graph = explored(partial(vtex, variant), delivery, capacity)
    assert graph.bounds_hit == ["channel-capacity"]
    export = export_promela(graph)
    pan = spin(graph, export.text, tmp_path)
    assert "channel_full" in pan.assertions
    assert pan.states == graph.n_states
    assert disagreements(graph, export, pan) == []


def _drop_first(text: str, marker: str) -> str:
    lines = text.splitlines()
    i = next(i for i, line in enumerate(lines) if marker in line and "channel full" not in line)
    return "\n".join(lines[:i] + lines[i + 1:]) + "\n"


def _negate_first_guard(text: str) -> str:
    """The first tabulated guard of a local move, negated: ``(c0 == 8) && G`` -> ``&& !(G)``."""
    lines = text.splitlines()
    i = next(i for i, line in enumerate(lines)
             if "/* fire " in line and "guard tabulated" in line)
    head, rest = lines[i].split(" -> ", 1)
    cut = head.index(") && ") + len(") && ")
    lines[i] = f"{head[:cut]}!({head[cut:]}) -> {rest}"
    return "\n".join(lines) + "\n"


MUTANTS = {
    # a transition the model has is missing from the export
    "drop-a-transition": lambda text: _drop_first(text, "/* fire "),
    # a delivery is missing
    "drop-a-delivery": lambda text: _drop_first(text, "/* deliver "),
    # final states no longer valid end states: SPIN sees deadlocks ordercheck does not
    "drop-final": lambda text: _drop_first(text, "/* final: "),
    # channels hold one message where ordercheck allows four (VTEX has states with two)
    "capacity-1-not-4": lambda text: text.replace("<= 3)", "<= 0)"),
    # a guard's table inverted
    "negate-a-guard": _negate_first_guard,
}
#: ping-pong never holds two messages in a channel and has no guard
MUTANT_CASES = [(model, mutant) for model in ("ping-pong", "vtex-observed") for mutant in MUTANTS
                if model == "vtex-observed" or mutant in ("drop-a-transition", "drop-a-delivery",
                                                          "drop-final")]


@needs_spin
@pytest.mark.parametrize(("model", "mutant"), MUTANT_CASES)
def test_perturbed_export_fails_the_cross_check(model, mutant, tmp_path):
    graph = explored(dict(MODELS)[model], "fifo")
    export = export_promela(graph)
    text = MUTANTS[mutant](export.text)
    assert text != export.text
    assert disagreements(graph, export, spin(graph, text, tmp_path)) != []


@needs_spin
def test_spin_runs_the_invariant_c_functions(tmp_path):
    """The observed group of 2's ``agree-at-quiescence`` is a C function (its condition is
    5 kB; the other invariant's is a macro); made false, SPIN no longer finds it violated
    and the cross-check fails: pan runs the function, it does not skip it."""
    graph = explore(TransitionSystem(vtex("observed", sellers=2)),
                    explorer=EXPLORERS["compiled"])
    export = export_promela(graph)
    text = export.text.replace("(void) { return (", "(void) { return 0 && (")
    assert text != export.text
    pan = spin(graph, text, tmp_path)
    assert pan.assertions == ("invariant_1",)
    assert any(d.startswith("invariant agree-at-quiescence: SPIN holds, ordercheck violated")
               for d in disagreements(graph, export, pan))


# -- the export itself (no SPIN needed) ----------------------------------------------------------


def test_member_is_a_trie_with_shared_suffixes_and_ranges():
    coords = [_Coord("c0"), _Coord("c1"), _Coord("f", boolean=True)]
    keys = [(0, 1, 0), (0, 1, 1), (2, 1, 0), (2, 1, 1), (3, 5, 1), (4, 5, 1), (5, 5, 1)]
    assert member(keys, coords) == ("(((c0==0 || c0==2) && c1==1) || "
                                    "((c0>=3 && c0<=5) && (c1==5 && f)))")
    assert member([], coords) == "0"


def _holds(condition: str, **values: int) -> bool:
    """A condition ``member`` wrote, evaluated in Python (its syntax is C's and Promela's)."""
    return bool(eval(condition.replace("&&", " and ").replace("||", " or ")
                     .replace("!", " not "), {}, values))


def test_big_invariant_conditions_are_sliced_and_together_exact():
    """SPIN caps a ``c_code`` block's text: the condition is cut into slices under the limit
    whose disjunction is true exactly for the keys."""
    coords = [_Coord("c0"), _Coord("c1")]
    keys = [(a, b) for a in range(0, 40, 2) for b in (1, 3, 4, 5)]
    slices = _slices(keys, coords, limit=120)
    assert len(slices) == 4 and all(len(s) <= 120 for s in slices)
    assert len(member(keys, coords)) > 120
    for a in range(42):
        for b in range(7):
            assert any(_holds(s, c0=a, c1=b) for s in slices) == ((a, b) in keys)


def test_project_keeps_only_the_coordinates_a_selection_depends_on():
    # the selection is a function of coordinate 1 alone; 0 and 2 vary freely
    table = {(0, 5, 0): (1, 2), (1, 5, 1): (1, 2), (0, 6, 1): None, (2, 6, 0): None}
    assert project(table) == ([1], {(5,): (1, 2), (6,): None})
    # here it needs both 0 and 2 (an xor)
    xor = {(0, 9, 0): None, (1, 9, 1): None, (0, 9, 1): (0, 1), (1, 9, 0): (0, 1)}
    assert project(xor)[0] == [0, 2]


def _group_2_fifo() -> StateGraph:
    return explore(TransitionSystem(vtex("documented", sellers=2), delivery="fifo"))


def test_a_guard_table_is_keyed_by_what_the_guards_read():
    """seller-1 in cancellation-requested facing its decision timeout: the guard reads the
    pair's marketplace status and whether the pair's cancel request is in flight (nothing of
    pair 2 or the payment), and only for some marketplace statuses the message: three
    evaluations for four rows, one per read values ordercheck reached."""
    graph = _group_2_fifo()
    system = graph.system
    seller, market = system.party_index["seller-1"], system.party_index["marketplace-1"]
    chart = system.charts[seller]
    cfg = next(c for c in range(len(chart.configs))
               if chart.configs[c].leaf == "cancellation-requested"
               and is_guarded(chart, c, "decision_timeout"))
    table = Reached(graph).table(seller, cfg, "decision_timeout")
    names = [*system.parties, *(m.name for m in system.messages)]
    assert [names[c] for c in table.coords] == ["marketplace-1", "cancel-request-1"]
    leaf = system.charts[market].configs
    rows = {(leaf[m].leaf, flying): chart.configs[sel[1]].leaf if sel else None
            for (m, flying), sel in table.rows.items()}
    assert rows == {("payment-approved", 0): "cancel", ("request-cancel", 0): "cancel",
                    ("request-cancel", 1): "cancel", ("waiting-for-seller-decision", 0): "cancel"}
    assert table.evaluations == 3
    # and the program tests exactly those variables, any other read values an assertion
    text = export_promela(graph).text
    line = next(x for x in text.splitlines() if x.endswith(
        "/* fire seller-1.decision_timeout in cancellation-requested: outside the tabulated "
        "domain */") and f"(c{seller} == {cfg})" in x)
    assert line.startswith(f"  :: d_step {{ (c{seller} == {cfg}) && (!(((c{market}==8 || "
                           f"c{market}==11) && !flying_3) || c{market}==9)) -> outside_domain")


@pytest.mark.parametrize(("factory", "delivery", "pairs"), [
    (partial(vtex, "observed"), "duplicate", 1384), (partial(vtex, "documented"), "unordered", 22),
    (partial(vtex, "documented", sellers=2), "fifo", 20008)],
    ids=["observed-duplicate", "documented-unordered", "group-2"])
def test_guard_tables_give_every_reached_state_its_own_guard_value(factory, delivery, pairs):
    """The defining property, checked by brute force: for every guarded decision and every
    reached state facing it, the table's row for the state's read values is what the guards
    say on that state's own view (computed here from the state, not from the export's
    key matrix)."""
    graph = explored(factory, delivery)
    system, reached = graph.system, Reached(graph)
    guards, mask, bits = system.workflow.guards, system.codec.control_mask, system.control_bits
    checked = 0
    for p, chart in enumerate(system.charts):
        for cfg in range(len(chart.configs)):
            for event in chart.events:
                if not is_guarded(chart, cfg, event):
                    continue
                sites = [None] + [i for i, m in enumerate(system.messages)
                                  if system.party_index[m.receiver] == p and m.event == event]
                for message in sites:
                    table = reached.table(p, cfg, event, message)
                    for state in graph.states:
                        ctrl, chans = state & mask, state >> bits
                        configs = system.codec.configs(ctrl)
                        view = system.view(ctrl, chans)
                        flying = [int(m.name in view.in_flight) for m in system.messages]
                        if configs[p] != cfg or (message is not None and not flying[message]):
                            continue
                        values = [*configs, *flying]
                        key = tuple(values[c] for c in table.coords)
                        assert table.rows[key] == select(chart, cfg, event, view, guards)
                        checked += 1
    assert checked == pairs  # (decision, state) pairs: every one was compared


def test_export_is_deterministic_and_names_every_party_and_channel():
    a = export_promela(explored(partial(vtex, "observed"), "duplicate")).text
    b = export_promela(explored(partial(vtex, "observed"), "duplicate")).text
    assert a == b
    assert "byte c0 = 0;" in a and "byte c1 = 0;" in a
    assert "/* channel 0 marketplace->seller: 0 = order-placed" in a
    assert a.count("  :: d_step {") == a.count("} /* ")


def test_export_cli_writes_the_same_bytes_to_stdout_and_file(capsys, tmp_path):
    argv = ["export", "--format", "promela", "--variant", "observed", "--delivery", "lossy"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert err == ("ordercheck: exported vtex-observed (delivery lossy, capacity 4): SPIN should "
                   "store 167 states for 459 edges\n")
    assert main([*argv, "--out", str(tmp_path / "m.pml")]) == 0
    capsys.readouterr()
    assert (tmp_path / "m.pml").read_text() == out
    assert out.startswith("/* ordercheck export: vtex-observed, delivery lossy, channel "
                          "capacity 4.")


@pytest.mark.parametrize(("argv", "message"), [
    (["--format", "dot"], "argument --format: invalid choice: 'dot'"),
    ([], "the following arguments are required: --format"),
    (["--format", "promela", "--delivery", "psychic"], "argument --delivery: invalid choice"),
    (["--format", "promela", "--capacity", "0"], "--capacity: must be a positive integer"),
    (["--format", "promela", "--model", "tests.toys:ping_pong", "--capacity", "300"],
     "--capacity 300: the Promela export holds channel lengths in a byte"),
    (["--format", "promela", "--out", "/proc/nonexistent/m.pml"], "--out '/proc/nonexistent"),
])
def test_export_cli_bad_input_exits_2(capsys, argv, message):
    assert main(["export", *argv]) == 2
    _, err = capsys.readouterr()
    assert message in err
    assert "Traceback" not in err


def test_export_is_the_same_across_hash_seeds():
    """Set and dict order never leak into the program (two interpreters, two seeds)."""
    argv = [sys.executable, "-m", "ordercheck", "export", "--format", "promela",
            "--variant", "observed", "--delivery", "duplicate"]
    outs = [subprocess.run(argv, capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout
            for seed in ("1", "2")]
    assert outs[0] == outs[1]
    assert outs[0].count("guard tabulated") > 0


def test_a_raising_property_is_the_users_error(capsys, tmp_path):
    model = tmp_path / "model.py"
    model.write_text(
        "from dataclasses import replace\n"
        "from ordercheck.checks.properties import Always\n"
        "from tests.toys import ping_pong\n\n"
        "def _boom(view):\n"
        "    return 1 / 0\n\n"
        "def model():\n"
        "    return replace(ping_pong(), properties=(\n"
        "        Always(name='boom', description='raises', holds=_boom),))\n")
    assert main(["export", "--format", "promela", "--model", f"{model}:model"]) == 2
    _, err = capsys.readouterr()
    assert "property 'boom' (holds) raised ZeroDivisionError" in err


def test_bounded_exploration_is_refused():
    graph = explore(TransitionSystem(toys.n_sellers(2)), max_states=10)
    with pytest.raises(UnsupportedExport, match="hit max-states"):
        export_promela(graph)


PAN_OUTPUT = """pan:1: invalid end state (at depth 2)
pan:2: assertion violated !(invariant_1) (at depth 7)

(Spin Version 6.5.2 -- 6 December 2019)
State-vector 28 byte, depth reached 9, errors: 5
      110 states, stored
      142 states, matched
      252 transitions (= stored+matched)
    0.290	actual memory usage for states
  128.000	memory used for hash table (-w24)
  128.730	total actual memory usage
pan: elapsed time 0.01 seconds
"""


def test_parse_pan_reads_the_summary():
    pan = parse_pan(PAN_OUTPUT, wall=0.5, compile_seconds=1.5)
    assert (pan.states, pan.matched, pan.transitions, pan.errors) == (110, 142, 252, 5)
    assert (pan.invalid_end_state, pan.assertions) == (True, ("invariant_1",))
    assert (pan.vector_bytes, pan.depth) == (28, 9)
    assert (pan.memory_states_mb, pan.memory_total_mb, pan.pan_seconds) == (0.29, 128.73, 0.01)
    with pytest.raises(SpinFailed, match="search depth"):
        parse_pan("error: max search depth too small\n" + PAN_OUTPUT)
    with pytest.raises(SpinFailed, match="states, stored"):
        parse_pan("pan: nothing\n")


def test_counts_pan_prints_in_exponent_form_compare_to_its_precision():
    """Past ~10^8 pan prints counts as ``%g`` (the 6-sellers toy under duplicate: 138,492,355
    transitions print as ``1.3849236e+08``): equal to the printed digits, not to the float."""
    big = PAN_OUTPUT.replace("252 transitions", "1.3849236e+08 transitions")
    pan = parse_pan(big)
    assert pan.transitions == 138492360 and pan.agrees("transitions", 138492355)
    assert pan.agrees("transitions", 138492365) and not pan.agrees("transitions", 138492366)
    assert not pan.agrees("transitions", 138492345) and pan.agrees("states", 110)
    assert not pan.agrees("states", 111)
    assert printed_as(252, "252") and not printed_as(253, "252")
