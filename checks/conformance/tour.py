"""The transition tour: one planned case per coverage target, each finishing the story.

A *case* drives a fresh order along the settled graph (:mod:`.targets`) to the source of one
:class:`~.targets.CoverageTarget`, takes it, then continues to a settled *quiescent* point:
no message in flight.  Why finish: what a step causes next — the message it sends, the other
party's reaction — is only checked if the case goes on until nothing is left to happen;
stopping right after the target step lets an implementation that never sends pass.

Cases are deduplicated greedily by coverage: longest first, a case is kept only when it
covers a target no case kept before it covers, so the suite stays affordable.  Forbidden
commands are probed before each command, once per belief per tour (the same belief answers
the same way in a conforming implementation; probing it again costs calls and tests nothing).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .adapter import Adapter, AdapterError, Command, Guarded, create
from .session import ConformanceModel, Divergence, Session
from .targets import CoverageTargets


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    """Commands from a fresh order that take coverage target ``target``, then finish."""

    target: int  # CoverageTarget id
    commands: tuple[Command, ...]
    covers: frozenset[int]  # target ids along the planned run
    states: tuple[int, ...]  # the settled states planned after each command


def _finish(targets: CoverageTargets, state: int) -> list[tuple[int, Command, int]]:
    """Shortest settled-graph run from ``state`` to a state with no message in flight,
    deliveries only (the story of what was sent), as (source, command, label) edges; [] when
    ``state`` is already quiescent or no delivery run gets there."""
    tracker = targets.model.tracker
    if not tracker.in_flight(state):
        return []
    parent: dict[int, tuple[int, Command, int] | None] = {state: None}
    queue = deque([state])
    while queue:
        s = queue.popleft()
        if not tracker.in_flight(s):
            out = []
            x = s
            while (p := parent[x]) is not None:
                out.append(p)
                x = p[0]
            return list(reversed(out))
        for command, label, j in targets.edges.get(s, ()):
            if command.kind == "deliver" and j not in parent:
                parent[j] = (s, command, label)
                queue.append(j)
    return []


def plan(targets: CoverageTargets) -> list[Case]:
    """One case per target (shortest route to its source, the target, the story's end),
    deduplicated by coverage."""
    best: dict[int, tuple[int, int, Command, int, int]] = {}  # tid -> (depth, s, cmd, lab, j)
    depth = {s: len(targets.path_to(s)) for s in targets.edges}
    for s in sorted(targets.edges):
        for command, label, j in targets.edges[s]:
            tid = targets.target_of(s, label, create=False)
            if tid < 0:
                continue
            key = (depth[s], s, command, label, j)
            if tid not in best or key[:2] < best[tid][:2]:
                best[tid] = key
    raw: list[Case] = []
    for tid, (_, s, command, label, j) in sorted(best.items()):
        run = [*targets.path_to(s), (s, command, label)]
        end = j
        finish = _finish(targets, end)
        run += finish
        states = [*(e[0] for e in run[1:]), end if not finish else _end_of(targets, finish)]
        covers = frozenset(t for t in (targets.target_of(src, lab, create=False)
                                       for src, _, lab in run) if t >= 0)
        raw.append(Case(target=tid, commands=tuple(c for _, c, _ in run), covers=covers,
                        states=tuple(states)))
    raw.sort(key=lambda c: (-len(c.commands), c.target))  # long cases cover most
    kept: list[Case] = []
    covered: set[int] = set()
    for case in raw:
        if not case.covers <= covered:
            kept.append(case)
            covered |= case.covers
    kept.sort(key=lambda c: (len(c.commands), c.target))
    return kept


def _end_of(targets: CoverageTargets, finish: list[tuple[int, Command, int]]) -> int:
    s, command, label = finish[-1]
    for c, lab, j in targets.edges[s]:
        if c == command and lab == label and not targets.model.tracker.in_flight(j):
            return j
    return s  # pragma: no cover  # _finish ends on a quiescent edge


def cases(model: ConformanceModel) -> list[Case]:
    """The tour's cases for ``model`` (its automatic actors decide the settled graph)."""
    return plan(model.targets)


@dataclass(slots=True)
class TourResult:
    passed: int
    failures: list[tuple[Case, Divergence]]
    errors: list[tuple[Case, AdapterError, str]]  # (case, error, partial trace)
    covered: set[int]
    covered_steps: set[int]
    seen_status: set[tuple[str, str]]
    steps: int
    cases: int = 0
    covered_targets: set[int] = field(default_factory=set)
    visited: set[int] = field(default_factory=set)


def play(session: Session, commands: tuple[Command, ...] | list[Command], *,
         check_rejects: bool = True, probed: set[tuple[Any, Command]] | None = None) -> None:
    """One case on a fresh order: before each command, every forbidden one must be refused
    (once per belief when ``probed`` is shared across cases); the order must end settled."""
    session.start()
    for command in commands:
        if check_rejects:
            for bad in session.forbidden():
                if probed is not None:
                    if (session.belief, bad) in probed:
                        continue
                    probed.add((session.belief, bad))
                session.apply(bad, must_reject=True)
        session.apply(command)


def run_tour(model: ConformanceModel, make_adapter: Callable[[], Adapter], *,
             timeout: float = 5.0, check_rejects: bool = True, stop_after: int | None = None,
             header: dict[str, Any] | None = None) -> TourResult:
    """Run every case on a fresh order; before each command try the forbidden ones."""
    parties = model.system.parties
    suite = cases(model)
    result = TourResult(passed=0, failures=[], errors=[], covered=set(), covered_steps=set(),
                        seen_status=set(), steps=0, cases=len(suite))
    probed: set[tuple[Any, Command]] = set()
    for case in suite:
        try:
            session = Session(model, Guarded(create(make_adapter), parties, timeout))
        except AdapterError as exc:
            result.errors.append((case, exc, ""))
            break
        try:
            play(session, case.commands, check_rejects=check_rejects, probed=probed)
            result.passed += 1
        except Divergence as div:
            result.failures.append((case, div))
        except AdapterError as exc:
            result.errors.append((case, exc, session.trace(header)))
            break  # a broken adapter breaks every case; report the first
        finally:
            result.covered |= session.covered
            result.covered_steps |= session.covered_steps
            result.seen_status |= session.seen_status
            result.covered_targets |= session.covered_targets()
            result.visited |= session.visited
            result.steps += len(session.history)
            session.close()
        if stop_after is not None and len(result.failures) >= stop_after:
            break
    return result
