"""The compiled back end (``--explorer compiled``) is the reference BFS, array for array.

The numba kernel re-implements the successor function over the TransitionSystem's lazily
filled tables, so every test here compares it with :class:`BreadthFirst` on the same model:
the same ``states`` order, parents, labels, depths, CSR edges, cut, bounds and
``expanded`` — not just the same counts — and the same findings through the pipeline.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ordercheck.checks import explorers as explorers_package
from ordercheck.checks import loading, pipeline
from ordercheck.checks import report as rep
from ordercheck.checks.cli import main
from ordercheck.checks.errors import UsageError
from ordercheck.checks.explore import EXPLORERS, PackedStates, StateGraph, explore
from ordercheck.checks.explorers import Compiled
from ordercheck.checks.explorers import kernel as kernel_module
from ordercheck.checks.explorers.compiled import require_numba
from ordercheck.checks.symmetry import Symmetry
from ordercheck.checks.system import DELIVERY_MODES, TransitionSystem
from ordercheck.model.vtex import documented, observed

from .test_fuzz import model_specs, render
from .toys import deadlock_toy, livelock_toy, n_sellers, ping_pong

FIELDS = ("states", "parent", "parent_label", "depth", "off", "succ", "succ_label", "expanded",
          "complete", "bounds_hit", "cut")


def assert_same_graph(a: StateGraph, b: StateGraph) -> None:
    for name in FIELDS:
        assert getattr(a, name) == getattr(b, name), name
    assert type(a.states) is list and type(b.states) in (list, PackedStates)
    assert list(b.states) == a.states and [b.states[i] for i in range(len(a.states))] == a.states
    for name in ("parent", "parent_label", "depth", "off", "succ", "succ_label"):
        assert getattr(a, name).typecode == getattr(b, name).typecode, name


#: the two kernels: sequential, and threaded in chunks of 7 states (so chunks cut levels,
#: misses and growth fall mid-chunk, and the look-ups of every chunk run on two threads)
KERNELS = {"sequential": {"threads": 1}, "threaded": {"threads": 2, "chunk": 7}}


@pytest.fixture(params=sorted(KERNELS))
def kernel(request) -> dict[str, int]:
    return KERNELS[request.param]


def both(make, kernel=KERNELS["sequential"], *, delivery="fifo", capacity=4, **bounds
         ) -> tuple[StateGraph, StateGraph]:
    bfs = explore(TransitionSystem(make(), delivery=delivery, capacity=capacity), **bounds)
    fast = explore(TransitionSystem(make(), delivery=delivery, capacity=capacity),
                   explorer=Compiled(**kernel), **bounds)
    return bfs, fast


def test_registered_by_name():
    assert isinstance(EXPLORERS["compiled"], Compiled)


@pytest.mark.parametrize("delivery", DELIVERY_MODES)
@pytest.mark.parametrize("make", [documented, observed], ids=["documented", "observed"])
def test_vtex_graphs_are_identical(make, delivery, kernel):
    bfs, fast = both(make, kernel, delivery=delivery)
    assert_same_graph(bfs, fast)
    assert bfs.complete and bfs.n_states > 100


@pytest.mark.parametrize("delivery", DELIVERY_MODES)
@pytest.mark.parametrize("make", [ping_pong, deadlock_toy, livelock_toy,
                                  functools.partial(n_sellers, 2)],
                         ids=["ping_pong", "deadlock", "livelock", "2-sellers"])
def test_toy_graphs_are_identical(make, delivery, kernel):
    assert_same_graph(*both(make, kernel, delivery=delivery))


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_n_sellers_identical_with_the_closed_form(n, kernel):
    bfs, fast = both(functools.partial(n_sellers, n), kernel)
    assert_same_graph(bfs, fast)
    assert fast.n_states == 1 + 2 * 7**n and fast.n_edges == 1 + (2 * n + 1) * 7**n


@pytest.mark.parametrize(("bounds", "hit"), [
    ({"max_states": 50}, ["max-states"]),
    ({"max_depth": 4}, ["max-depth"]),
    ({"max_depth": 6, "max_states": 5}, ["max-states"]),
    ({"capacity": 1}, ["channel-capacity"]),
    ({"capacity": 1, "max_depth": 4}, ["max-depth", "channel-capacity"]),
])
@pytest.mark.parametrize("make", [documented, observed], ids=["documented", "observed"])
def test_bounds_cut_exactly_as_bfs(make, bounds, hit, kernel):
    bounds = dict(bounds)  # the parameter is shared by both models
    capacity = bounds.pop("capacity", 4)
    bfs, fast = both(make, kernel, delivery="unordered", capacity=capacity, **bounds)
    assert_same_graph(bfs, fast)
    assert fast.bounds_hit == hit and not fast.complete and fast.cut


def test_overflowed_states_and_bound_hits_recorded_on_the_system():
    a = TransitionSystem(documented(), delivery="duplicate", capacity=1)
    b = TransitionSystem(documented(), delivery="duplicate", capacity=1)
    explore(a)
    explore(b, explorer=Compiled())
    assert a.overflowed == b.overflowed and a.bound_hits == b.bound_hits > 0


@pytest.mark.parametrize("delivery", DELIVERY_MODES)
@pytest.mark.parametrize("make", [documented, observed], ids=["documented", "observed"])
def test_findings_and_verdicts_are_identical(make, delivery):
    ref = pipeline.check(make(), delivery=delivery)
    got = pipeline.check(make(), delivery=delivery, explorer=Compiled())
    assert rep.dumps_json(got) == rep.dumps_json(ref)
    assert rep.render_text(got) == rep.render_text(ref)
    assert got.verdict == ref.verdict


def test_wide_channel_words_use_the_second_word():
    """6 sellers at capacity 4 need 68 bits: more than one word, and still the same graph
    (checked on the first 3,000 states; the full run is the bench's)."""
    system = TransitionSystem(n_sellers(6))
    assert system.control_bits + sum(c.width for c in system.codec.channels) > 64
    bfs, fast = both(functools.partial(n_sellers, 6), max_states=3000)
    assert_same_graph(bfs, fast)
    assert max(fast.states).bit_length() > 63


def test_every_driver_path_resumes_to_the_same_graph(monkeypatch):
    """One miss per return, no probing, a 2-successor buffer, tiny initial arrays and a
    yield every 7 states: each return to Python must resume exactly where it stopped."""
    from ordercheck.checks.explorers import compiled

    for name, value in (("_MISS_BATCH", 1), ("_PROBE", 0), ("_BUFFER", 2),
                        ("_INITIAL_STATES", 2), ("_YIELD_EVERY", 7)):
        monkeypatch.setattr(compiled, name, value)
    calls: list[tuple[int, int, float]] = []
    clock = iter(range(10**6))
    monkeypatch.setattr(compiled.time, "perf_counter", lambda: float(next(clock)))
    bfs = explore(TransitionSystem(observed(), delivery="duplicate"))
    explorer = Compiled(threads=1)
    fast = explore(TransitionSystem(observed(), delivery="duplicate"), explorer=explorer,
                   progress=lambda *a: calls.append(a))
    assert_same_graph(bfs, fast)
    assert len(calls) > 10 and calls[-1][0] <= fast.n_states
    assert explorer.last.returns > 100  # one memo entry per return


def test_every_threaded_driver_path_resumes_to_the_same_graph(monkeypatch):
    """The threaded kernel with one miss per return, 2 candidates per row at first (so rows
    double), tiny initial arrays, chunks of 3 states and a yield every 7 states."""
    from ordercheck.checks.explorers import compiled

    for name, value in (("_MISS_BATCH", 1), ("_WIDTH", 2), ("_INITIAL_STATES", 2),
                        ("_YIELD_EVERY", 7)):
        monkeypatch.setattr(compiled, name, value)
    calls: list[tuple[int, int, float]] = []
    clock = iter(range(10**6))
    monkeypatch.setattr(compiled.time, "perf_counter", lambda: float(next(clock)))
    for make, delivery in ((observed, "duplicate"), (documented, "lossy")):
        bfs = explore(TransitionSystem(make(), delivery=delivery))
        explorer = Compiled(threads=2, chunk=3)
        fast = explore(TransitionSystem(make(), delivery=delivery), explorer=explorer,
                       progress=lambda *a: calls.append(a))
        assert_same_graph(bfs, fast)
        assert explorer.last.returns > 100
    assert len(calls) > 10


def test_packed_states_are_the_codec_ints_and_their_words_answer_the_analyses():
    """Two-word states (the 6-sellers toy needs 68 bits): indexing, slicing, iterating and
    equality give the ints bfs stores; ``control`` and ``quiet`` equal the int arithmetic."""
    system = TransitionSystem(n_sellers(6))
    graph = explore(system, explorer=Compiled(threads=1), max_states=3000)
    ints = explore(TransitionSystem(n_sellers(6)), max_states=3000).states
    packed = graph.states
    assert isinstance(packed, PackedStates) and max(ints).bit_length() > 64
    assert packed == ints and ints == packed and list(packed) == ints and len(packed) == 3000
    assert packed[5:9] == ints[5:9] and packed[-1] == ints[-1]
    assert packed != ints[:-1] and packed != [*ints[:-1], ints[-1] + 1]
    bits, mask = system.control_bits, system._control_mask
    assert packed.control(bits).tolist() == [s & mask for s in ints]
    assert packed.quiet(bits).tolist() == [s <= mask for s in ints]


def test_threads_default_to_one_per_core_and_must_be_positive():
    assert Compiled().threads is None  # resolved per run: os.cpu_count()
    for bad in ({"threads": 0}, {"chunk": 0}):
        with pytest.raises(ValueError, match="at least 1"):
            Compiled(**bad)


def test_a_model_too_wide_for_two_words_is_refused_naming_the_fallback():
    with pytest.raises(UsageError, match=r"needs 41 control bits and 104 channel bits.*"
                                         r"--explorer bfs"):
        explore(TransitionSystem(n_sellers(13)), explorer=Compiled())


def test_channels_beyond_64_bits_move_into_the_first_word():
    """9 sellers need 29 control + 72 channel bits: the kernel splits the codec's int at a
    channel boundary after the control bits (first word: 29 + the first channel's 9 bits), and the
    graph is still BFS's (first 3,000 states)."""
    from ordercheck.checks.explorers.compiled import split_point

    system = TransitionSystem(n_sellers(9))
    assert (system.control_bits, split_point(system)) == (29, 38)
    six = TransitionSystem(n_sellers(6))
    assert split_point(six) == six.control_bits  # channels fit the second word: as before
    assert split_point(TransitionSystem(n_sellers(13))) == -1
    bfs, fast = both(functools.partial(n_sellers, 9), max_states=3000)
    assert_same_graph(bfs, fast)
    assert max(fast.states).bit_length() > 64


@pytest.mark.parametrize("delivery", ["fifo", "unordered"])
def test_vtex_group_of_4_with_symmetry_is_the_reference(delivery):
    """An order group of 4 (guards read the shared payment and messages in flight; 110 bits,
    split across the words) under symmetry reduction: BFS's graph, first 20,000 states."""
    make = functools.partial(documented, sellers=4)
    bfs = explore(TransitionSystem(make(), delivery=delivery, symmetry=True), max_states=20000)
    fast = explore(TransitionSystem(make(), delivery=delivery, symmetry=True),
                   explorer=Compiled(), max_states=20000)
    assert_same_graph(bfs, fast)
    assert fast.n_states == 20000 and max(fast.states).bit_length() > 64


def test_not_a_transition_system_is_refused():
    class Plain:
        initial = 0
        def __init__(self) -> None:
            self.overflowed: set[int] = set()

        def successors(self, state):
            return []

    with pytest.raises(UsageError, match="explores a TransitionSystem"):
        explore(Plain(), explorer=Compiled())


def test_stats_count_the_store_and_the_edges_apart():
    compiled = Compiled()
    graph = explore(TransitionSystem(n_sellers(4)), explorer=compiled)
    stats = compiled.last
    assert (stats.states, stats.edges) == (graph.n_states, graph.n_edges)
    # two int64 words + int32 parent + int32 label + the visited table at load 3/8..3/4
    assert 24 + 4 / 0.75 <= stats.store_bytes / stats.states <= 24 + 4 / 0.375 + 1
    assert stats.edge_bytes >= 8 * graph.n_edges


def test_without_numba_the_cli_says_what_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "numba", None)  # import numba -> ImportError
    monkeypatch.delitem(sys.modules, "ordercheck.checks.explorers.kernel")
    monkeypatch.delattr(explorers_package, "kernel")
    with pytest.raises(UsageError, match=r"needs the numba package.*ordercheck\[fast\]"):
        require_numba()
    code = main(["check", "--variant", "documented", "--explorer", "compiled", "--no-cache"])
    err = capsys.readouterr().err
    assert code == 2
    assert "numba" in err and "Traceback" not in err


def test_cli_output_is_byte_identical(capsys):
    outputs = []
    for explorer in (["bfs"], ["compiled"], ["compiled", "--workers", "1"],
                     ["compiled", "--workers", "2"]):
        code = main(["check", "--variant", "observed", "--delivery", "lossy", "--format",
                     "json", "--explorer", *explorer, "--no-cache", "--quiet"])
        outputs.append((code, capsys.readouterr().out))
    assert outputs[0] == outputs[1] == outputs[2] == outputs[3]
    assert outputs[0][1].startswith("{")


# -- random models (the fuzz campaign's generator) ------------------------------------------

_DIR: list[Path] = []


@settings(max_examples=25, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(spec=model_specs(), delivery=st.sampled_from(DELIVERY_MODES),
       capacity=st.integers(1, 3))
def test_random_models_give_identical_graphs(tmp_path_factory, spec, delivery, capacity,
                                            kernel):
    if not _DIR:
        _DIR.append(tmp_path_factory.mktemp("compiled_models"))
    path = _DIR[0] / f"model_{len(list(_DIR[0].iterdir()))}.py"
    path.write_text(render(spec))
    factory, _ = loading.load_attribute(f"{path}:workflow", "test")
    assert_same_graph(*both(factory, kernel, delivery=delivery, capacity=capacity))


# -- symmetry: the kernel's canonical form is Symmetry.canonical -----------------------------


@st.composite
def symmetric_layouts(draw: st.DrawFn) -> tuple[Symmetry, int, int]:
    """A Symmetry over a two-word state (``cb`` control bits), and a random state."""
    nb, nf = draw(st.integers(2, 4)), draw(st.integers(1, 3))
    widths = [draw(st.integers(1, 5)) for _ in range(nf)]
    cb = draw(st.integers(sum(widths), 40))
    free = list(range(0, 100, 6))  # field slots 6 bits apart: no overlap
    slots = draw(st.permutations(free))[:nb * nf]
    blocks = tuple(tuple((slots[b * nf + f], widths[f]) for f in range(nf))
                   for b in range(nb))
    # a field must not straddle the control/channel boundary
    blocks = tuple(tuple((s if s + w <= cb or s >= cb else cb, w) for s, w in block)
                   for block in blocks)
    try:
        sym = Symmetry(blocks)
    except ValueError:
        sym = Symmetry(tuple(tuple((slots[b * nf + f] + 100, widths[f]) for f in range(nf))
                             for b in range(nb)))
    state = draw(st.integers(0, (1 << (cb + 64)) - 1))
    return sym, cb, state


@settings(max_examples=300, derandomize=True, deadline=None, database=None)
@given(case=symmetric_layouts())
def test_kernel_canonical_is_symmetry_canonical(case):
    from ordercheck.checks.explorers.compiled import _join, _split

    sym, cb, state = case
    cb = max(cb, 0)
    words = np.array([[0 if s < cb else 1 for s, _ in block] for block in sym.blocks], np.int64)
    if any(s >= cb + 64 for block in sym.blocks for s, _ in block):
        return  # beyond the two words: the explorer refuses such a model
    shifts = np.array([[s if s < cb else s - cb for s, _ in block] for block in sym.blocks],
                      np.int64)
    widths = np.array([w for _, w in sym.blocks[0]], np.int64)
    c, h = _split(state, cb)
    got = kernel_module.canonical(c, h, words, shifts, widths)
    assert _join(int(got[0]), int(got[1]), cb) == sym.canonical(state)


class _Symmetric(TransitionSystem):
    """The Python reference of the symmetry contract: every successor canonical."""

    symmetry: Symmetry

    def successors(self, state):
        canon = self.symmetry.canonical
        return [(label, canon(nxt)) for label, nxt in super().successors(state)]


def _sellers_symmetry(system: TransitionSystem, n: int) -> Symmetry:
    """Seller i's block: its configuration field, then its two channels."""
    cb = system.control_bits
    blocks = []
    for i in range(1, n + 1):
        fields = [(system.codec.shifts[i], system.codec.masks[i].bit_length())]
        for pair in ((0, i), (i, 0)):
            k = system.channels.index(pair)
            fields.append((cb + system.codec.channel_shifts[k],
                           system.codec.channels[k].width))
        blocks.append(tuple(fields))
    return Symmetry(tuple(blocks))


@pytest.mark.parametrize("n", [2, 3])
def test_symmetry_reduced_graph_is_the_reference_and_counts_orbits(n):
    ref = _Symmetric(n_sellers(n))
    ref.symmetry = _sellers_symmetry(ref, n)
    fast = TransitionSystem(n_sellers(n))
    fast.symmetry = ref.symmetry  # type: ignore[attr-defined]
    a, b = explore(ref), explore(fast, explorer=Compiled(threads=2, chunk=5))
    assert_same_graph(a, b)
    # orbits of n sellers over 7 local situations (multisets), times the market's 2, + start
    orbits = {2: 28, 3: 84}[n]
    assert b.n_states == 1 + 2 * orbits


def test_threaded_rows_stay_within_their_memory_by_taking_smaller_chunks():
    """Rows double when a state has more successors than they hold; the chunk shrinks so the
    rows stay at 2^21 candidate slots (64 MB), never below 4,096 states, never above the
    chunk asked for."""
    from ordercheck.checks.explorers.compiled import _rows

    assert [_rows(1 << 16, w) for w in (32, 64, 256, 1024)] == [65536, 32768, 8192, 4096]
    assert _rows(7, 2) == 7 and _rows(7, 4096) == 7
