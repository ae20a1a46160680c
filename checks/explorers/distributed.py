"""``--explorer dask``: :func:`.levels.explore_levels` on a Dask cluster.

For models that outgrow one machine's memory: the visited set (the state-to-number map) is
partitioned by state hash over the cluster's workers, one :class:`~.levels.Shard` each,
kept in the worker process between the steps of one run (tasks are pinned to their worker,
as ``--engine dask`` of ``ordercheck logs`` does).  Workers rebuild the TransitionSystem
from the model's :class:`~.spec.SystemSpec`, cached per run.  Dask was chosen over Ray
because it is already the project's distributed engine (``ordercheck[dask]``).
"""

from __future__ import annotations

import uuid
from typing import Any

from ..errors import UsageError
from ..explore import Bounds, Explorable, Progress, StateGraph
from .levels import Broadcast, Shard, expand, explore_levels, worker_error
from .spec import SystemSpec, spec_of

__all__ = ["Distributed"]

#: per worker process: run id -> (system, shard)
_RUNS: dict[str, tuple[Any, Shard]] = {}


def _run(run: str, spec: SystemSpec) -> tuple[Any, Shard]:
    got = _RUNS.get(run)
    if got is None:
        got = _RUNS[run] = (spec.build(), Shard())
    return got


def _step(run: str, spec: SystemSpec, step: str, arg: Any) -> Any:
    """One step of one run on this worker (the task Dask runs)."""
    try:
        system, shard = _run(run, spec)
        if step == "expand":
            return expand(system, arg)
        if step == "dedup":
            return shard.dedup(arg)
        if step == "assign":
            return shard.assign(arg)
        if step == "seed":
            return shard.seed(arg)
        _RUNS.pop(run, None)  # "release"
        return None
    except Exception as exc:
        raise worker_error(exc) from None


class _DaskCluster(Broadcast):
    """A :class:`~.levels.Cluster` over a ``distributed.Client``: worker ``w`` is the w-th
    worker address in sorted order, and every step of shard ``w`` runs there."""

    def __init__(self, client: Any, spec: SystemSpec) -> None:
        self.client, self.spec = client, spec
        self.addresses = sorted(client.scheduler_info().get("workers", {}))
        if not self.addresses:
            raise UsageError("--explorer dask: the cluster has no worker")
        self.workers = len(self.addresses)
        self.run = uuid.uuid4().hex  # never printed: the output stays deterministic

    def _submit(self, w: int, step: str, arg: Any) -> Any:
        return self.client.submit(_step, self.run, self.spec, step, arg, pure=False,
                                  workers=[self.addresses[w]], allow_other_workers=False)

    def _all(self, step: str, args: list[Any]) -> list[Any]:
        futures = [self._submit(w, step, arg) for w, arg in enumerate(args)]
        return list(self.client.gather(futures))

    def seed(self, w: int, state: int) -> None:
        self._submit(w, "seed", state).result()

    def release(self) -> None:
        self._all("release", [None] * self.workers)


class Distributed:
    """Level-synchronous BFS on Dask: ``scheduler`` an address, or None for a local cluster
    of ``workers`` processes started (and closed) by the run."""

    name = "dask"

    def __init__(self, scheduler: str | None = None, workers: int | None = None,
                 client: Any = None) -> None:
        self.scheduler, self.workers, self.client = scheduler, workers, client

    def explore(self, system: Explorable, bounds: Bounds,
                progress: Progress | None = None) -> StateGraph:
        spec = spec_of(system)
        if spec is None:
            raise UsageError("--explorer dask: the workers rebuild the model from its spec "
                             "(--model or --variant); this system has none")
        from ..logs.dask_engine import connect

        client, cluster = ((self.client, None) if self.client is not None
                           else connect(self.scheduler, self.workers or 2))
        try:
            dask = _DaskCluster(client, spec)
            try:
                return explore_levels(system, bounds, dask, progress)
            finally:
                dask.release()
        finally:
            if self.client is None:
                client.close()
                if cluster is not None:
                    cluster.close()
