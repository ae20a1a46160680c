"""``--explorer parallel``: :func:`.levels.explore_levels` on worker processes of this
machine (one per core by default).

Each worker is a process with a pipe; it rebuilds the TransitionSystem from the model's
:class:`~.spec.SystemSpec` when the system carries one, and otherwise (a system built in
this process from a Workflow object, as the tests do) inherits it through ``fork``.  Either
way its state ints and action ids are the coordinator's (the canonical codec).
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
from multiprocessing.connection import Connection
from typing import Any

from ..errors import UsageError
from ..explore import Bounds, Explorable, Progress, StateGraph
from .levels import Broadcast, Shard, expand, explore_levels, worker_error
from .spec import SystemSpec, spec_of

__all__ = ["Parallel"]

_INHERITED: Any = None  # the coordinator's system, for fork-started workers without a spec


def _serve(conn: Connection, spec: SystemSpec | None) -> None:
    """A worker: answer the coordinator's steps until it closes the pipe."""
    shard = Shard()
    system: Any = None
    failed: Exception | None = None
    try:
        system = spec.build() if spec is not None else _INHERITED
    except Exception as exc:  # reported as the answer to every step
        failed = worker_error(exc)
    while True:
        try:
            step, arg = conn.recv()
        except EOFError:
            return
        if step == "stop":  # not EOF alone: later workers inherited this pipe's other end
            return
        if failed is not None:
            conn.send(("error", failed))
            continue
        try:
            if step == "expand":
                conn.send(("ok", expand(system, arg)))
            elif step == "dedup":
                conn.send(("ok", shard.dedup(arg)))
            elif step == "assign":
                conn.send(("ok", shard.assign(arg)))
            else:
                shard.seed(arg)
                conn.send(("ok", None))
        except Exception as exc:  # handed to the coordinator, which raises it there
            conn.send(("error", worker_error(exc)))


class _Processes(Broadcast):
    """A :class:`~.levels.Cluster` of local processes."""

    def __init__(self, workers: int, spec: SystemSpec | None) -> None:
        ctx = mp.get_context("fork")
        self.workers = workers
        self.conns: list[Connection] = []
        self.procs: list[Any] = []
        for _ in range(workers):
            mine, theirs = ctx.Pipe()
            proc = ctx.Process(target=_serve, args=(theirs, spec), daemon=True)
            proc.start()
            theirs.close()
            self.conns.append(mine)
            self.procs.append(proc)

    def _all(self, step: str, args: list[Any]) -> list[Any]:
        for conn, arg in zip(self.conns, args, strict=True):
            conn.send((step, arg))
        out = []
        for conn in self.conns:
            status, value = conn.recv()
            if status == "error":
                raise value
            out.append(value)
        return out

    def seed(self, w: int, state: int) -> None:
        self.conns[w].send(("seed", state))
        status, value = self.conns[w].recv()
        if status == "error":
            raise value

    def close(self) -> None:
        for conn in self.conns:
            with contextlib.suppress(OSError):  # that worker is gone already
                conn.send(("stop", None))
            conn.close()
        for proc in self.procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.terminate()


class Parallel:
    """Level-synchronous BFS over ``workers`` local processes (default: one per core)."""

    name = "parallel"

    def __init__(self, workers: int | None = None) -> None:
        self.workers = workers

    def explore(self, system: Explorable, bounds: Bounds,
                progress: Progress | None = None) -> StateGraph:
        global _INHERITED
        workers = self.workers or os.cpu_count() or 1
        if workers < 1:
            raise UsageError(f"--workers {workers}: must be at least 1")
        spec = spec_of(system)
        if spec is None and "fork" not in mp.get_all_start_methods():
            raise UsageError("--explorer parallel: this system has no model spec to rebuild "
                             "in a worker, and this platform cannot fork")
        _INHERITED = system
        cluster = _Processes(workers, spec)
        try:
            return explore_levels(system, bounds, cluster, progress)
        finally:
            cluster.close()
            _INHERITED = None
