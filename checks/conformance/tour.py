"""Systematic suites from the explored graph: a transition tour and coverage.

A *case* is the shortest run (BFS tree path plus one edge) that fires one model transition.
Cases are deduplicated greedily by coverage: a case is kept only when it fires a transition
no longer case kept before it fires, so the suite is small and every fireable transition
is exercised at least once.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from ..explore import StateGraph
from .adapter import AdapterError, Command, Guarded, create
from .session import ConformanceModel, Divergence, Session


@dataclass(frozen=True, slots=True, kw_only=True)
class Case:
    """Model steps (label, state) from the initial state that take step ``target``."""

    target: int  # step id: a transition from one configuration of its party
    transition: int  # global transition id
    path: tuple[tuple[int, int], ...]  # [(label, state)], initial state first (label -1)
    covers: frozenset[int]  # step ids along the path


def cases(graph: StateGraph, model: ConformanceModel | None = None) -> list[Case]:
    """One shortest case per step (transition × source configuration), deduplicated."""
    model = model or ConformanceModel(graph, frozenset())
    labels = graph.system.labels
    best: dict[int, tuple[int, int, int, int]] = {}  # step -> (depth, i, label, j)
    for i in range(graph.n_states):
        if not graph.is_expanded(i):
            continue
        for label, j in graph.successors(i):
            if labels[label].transition < 0:
                continue
            step = model.step_of(i, label)
            key = (graph.depth[i], i, label, j)
            if step not in best or key < best[step]:
                best[step] = key
    raw = []
    for step, (_, i, label, j) in best.items():
        path = (*graph.path_to(i), (label, j))
        covers = frozenset(model.step_of(a, lab)
                           for (_, a), (lab, _) in itertools.pairwise(path)
                           if labels[lab].transition >= 0)
        raw.append(Case(target=step, transition=labels[label].transition, path=path,
                        covers=covers))
    raw.sort(key=lambda c: (-len(c.path), c.target))  # long cases cover most
    kept: list[Case] = []
    covered: set[int] = set()
    for case in raw:
        if not case.covers <= covered:
            kept.append(case)
            covered |= case.covers
    kept.sort(key=lambda c: (len(c.path), c.target))
    return kept


def commands_of(model: ConformanceModel, case: Case) -> list[Command]:
    return [c for c in (model.label_command[lab] for lab, _ in case.path[1:]) if c is not None]


@dataclass(slots=True)
class TourResult:
    passed: int
    failures: list[tuple[Case, Divergence]]
    errors: list[tuple[Case, AdapterError, str]]  # (case, error, partial trace)
    covered: set[int]
    covered_steps: set[int]
    seen_status: set[tuple[str, str]]
    steps: int


def play(session: Session, commands: list[Command], *, check_rejects: bool = True) -> None:
    """One case on a fresh order: before each command, every forbidden one must be refused."""
    session.start()
    for command in commands:
        if check_rejects:
            for bad in session.forbidden():
                session.apply(bad, must_reject=True)
        session.apply(command)


def run_tour(model: ConformanceModel, make_adapter, *, timeout: float = 5.0,
             check_rejects: bool = True, stop_after: int | None = None,
             header: dict | None = None) -> TourResult:
    """Run every case on a fresh order; at each step first try every forbidden command."""
    parties = model.system.parties
    result = TourResult(passed=0, failures=[], errors=[], covered=set(), covered_steps=set(),
                        seen_status=set(), steps=0)
    for case in cases(model.graph, model):
        try:
            session = Session(model, Guarded(create(make_adapter), parties, timeout))
        except AdapterError as exc:
            result.errors.append((case, exc, ""))
            break
        try:
            play(session, commands_of(model, case), check_rejects=check_rejects)
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
            result.steps += len(session.history)
            session.close()
        if stop_after is not None and len(result.failures) >= stop_after:
            break
    return result
