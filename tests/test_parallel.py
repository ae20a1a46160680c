"""Parallel (local processes) and distributed (Dask) exploration give BFS's StateGraph.

Both run the level-synchronous algorithm of ``checks/explorers/levels.py`` with the visited
set partitioned by state hash; the coordinator renumbers new states in edge order, so the
graph must equal :class:`BreadthFirst`'s array for array — bounds, cut and ``expanded``
included — whether workers inherit the system (fork) or rebuild it from the model spec.
"""

from __future__ import annotations

import functools

import pytest

from ordercheck.checks import pipeline
from ordercheck.checks import report as rep
from ordercheck.checks.cli import main
from ordercheck.checks.errors import UsageError
from ordercheck.checks.explore import EXPLORERS, explore
from ordercheck.checks.explorers import Distributed, Parallel, SystemSpec, attach_spec
from ordercheck.checks.explorers.levels import Shard, owner
from ordercheck.checks.system import DELIVERY_MODES, TransitionSystem
from ordercheck.model.vtex import documented, observed

from .test_compiled import assert_same_graph
from .toys import deadlock_toy, livelock_toy, n_sellers, ping_pong


def with_spec(make, **options) -> TransitionSystem:
    system = TransitionSystem(make(), **options)
    attach_spec(system, SystemSpec(make, options))
    return system


def test_registered_by_name():
    assert isinstance(EXPLORERS["parallel"], Parallel)
    assert isinstance(EXPLORERS["dask"], Distributed)


def test_owner_is_deterministic_and_spreads_states():
    states = range(0, 7000, 7)
    owners = [owner(s, 3) for s in states]
    assert owners == [owner(s, 3) for s in states]
    assert sorted(set(owners)) == [0, 1, 2]
    assert min(owners.count(w) for w in range(3)) > len(owners) / 5


def test_shard_reports_first_occurrences_and_numbers():
    shard = Shard()
    shard.seed(5)
    assert shard.dedup([7, 5, 7, 9, 9]) == [0, 3]
    assert shard.assign([3, -1]) == [3, 0, 3, -1, -1]  # 9 is beyond --max-states: forgotten
    assert shard.dedup([9, 7]) == [0]


@pytest.mark.parametrize("delivery", DELIVERY_MODES)
@pytest.mark.parametrize("make", [documented, observed], ids=["documented", "observed"])
def test_vtex_graphs_are_identical(make, delivery):
    bfs = explore(TransitionSystem(make(), delivery=delivery))
    par = explore(with_spec(make, delivery=delivery), explorer=Parallel(2))
    assert_same_graph(bfs, par)


@pytest.mark.parametrize("delivery", DELIVERY_MODES)
@pytest.mark.parametrize("make", [ping_pong, deadlock_toy, livelock_toy,
                                  functools.partial(n_sellers, 3)],
                         ids=["ping_pong", "deadlock", "livelock", "3-sellers"])
def test_toys_identical_with_inherited_systems(make, delivery):
    """No spec: fork-started workers use the coordinator's own system."""
    bfs = explore(TransitionSystem(make(), delivery=delivery))
    par = explore(TransitionSystem(make(), delivery=delivery), explorer=Parallel(3))
    assert_same_graph(bfs, par)


@pytest.mark.parametrize(("options", "bounds", "hit"), [
    ({}, {"max_states": 50}, ["max-states"]),
    ({}, {"max_depth": 4}, ["max-depth"]),
    ({}, {"max_depth": 6, "max_states": 5}, ["max-states"]),
    ({"capacity": 1}, {}, ["channel-capacity"]),
    ({"capacity": 1}, {"max_depth": 4}, ["max-depth", "channel-capacity"]),
    ({"capacity": 1}, {"max_states": 60}, ["max-states", "channel-capacity"]),
])
def test_bounds_cut_exactly_as_bfs(options, bounds, hit):
    opts = {"delivery": "unordered", **options}
    bfs = explore(TransitionSystem(documented(), **opts), **bounds)
    system = with_spec(documented, **opts)
    par = explore(system, explorer=Parallel(2), **bounds)
    assert_same_graph(bfs, par)
    assert par.bounds_hit == hit


def test_n_sellers_with_a_spec_equal_the_closed_form():
    bfs = explore(TransitionSystem(n_sellers(4)))
    par = explore(with_spec(functools.partial(n_sellers, 4)), explorer=Parallel(2))
    assert_same_graph(bfs, par)
    assert par.n_states == 1 + 2 * 7**4


def test_findings_through_the_pipeline_are_identical():
    ref = pipeline.check(observed(), delivery="lossy")
    got = pipeline.check(observed(), delivery="lossy", explorer=Parallel(2),
                         spec="ordercheck.model.vtex:observed")
    assert rep.dumps_json(got) == rep.dumps_json(ref)


def test_cli_parallel_output_is_byte_identical(capsys):
    outputs = []
    for argv in ([], ["--explorer", "parallel", "--workers", "2"]):
        code = main(["check", "--variant", "documented", "--delivery", "duplicate",
                     "--format", "json", "--no-cache", "--quiet", *argv])
        outputs.append((code, capsys.readouterr().out))
    assert outputs[0] == outputs[1]


@pytest.mark.parametrize(("argv", "message"), [
    (["--scheduler", "tcp://127.0.0.1:1"], "--scheduler: only with --explorer dask"),
    (["--workers", "2"], "--workers: only with --explorer compiled, parallel or dask"),
    (["--explorer", "compiled", "--workers", "0"], "must be a positive integer"),
    (["--explorer", "parallel", "--workers", "0"], "must be a positive integer"),
])
def test_option_misuse_is_exit_2(capsys, argv, message):
    code = main(["check", "--variant", "documented", "--no-cache", *argv])
    assert code == 2
    assert message in capsys.readouterr().err


def test_a_worker_that_fails_on_user_code_is_bad_input():
    """A model spec that no longer loads in the worker: exit 2, not a hang or a defect."""
    system = TransitionSystem(ping_pong())
    attach_spec(system, SystemSpec("no_such_module_xyz:workflow", {}))
    with pytest.raises(UsageError, match=r"in an exploration worker.*no_such_module_xyz"):
        explore(system, explorer=Parallel(2))


# -- Dask ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed", reason="ordercheck[dask] not installed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=":0")
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.mark.parametrize("delivery", ["fifo", "unordered"])
def test_dask_vtex_graph_is_identical(client, delivery):
    bfs = explore(TransitionSystem(documented(), delivery=delivery))
    system = TransitionSystem(documented(), delivery=delivery)
    attach_spec(system, SystemSpec("ordercheck.model.vtex:documented", {"delivery": delivery}))
    got = explore(system, explorer=Distributed(client=client))
    assert_same_graph(bfs, got)
    assert len(client.scheduler_info()["workers"]) == 2


def test_dask_bounds_and_toys(client):
    for make, bounds in ((functools.partial(n_sellers, 3), {"max_states": 100}),
                         (functools.partial(n_sellers, 2), {"max_depth": 3}),
                         (ping_pong, {})):
        bfs = explore(TransitionSystem(make(), delivery="duplicate"), **bounds)
        got = explore(with_spec(make, delivery="duplicate"), explorer=Distributed(client=client),
                      **bounds)
        assert_same_graph(bfs, got)


def test_dask_needs_a_spec(client):
    with pytest.raises(UsageError, match="rebuild the model from its spec"):
        explore(TransitionSystem(ping_pong()), explorer=Distributed(client=client))
