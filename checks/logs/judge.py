"""Judging one order's status changes against the explored model.

Why a client of :class:`~ordercheck.checks.belief.BeliefTracker`: a feed records statuses
only — messages, deliveries and many automatic steps are not logged — so the question is the
tracker's: *which model states are consistent with what the log showed?*  Every step is silent
here; between two records time passes (:meth:`close`), then the record is a filter
(:class:`Saw`) on the statuses known at that moment.  A party is left out of the filter until
its first record (a log may start late, or one side may be missing); a status the log does not
show may have been passed through (a filtered feed shows a subset).

An order's verdict (precedence top down):

* ``deviating`` — the first record no consistent state allows, with the statuses the model
  expected of that party there (or a timer that fired early or late);
* ``doomed`` — the consistent states can no longer reach a final joint state (reverse
  reachability from the final states on the explored graph), from the record that made it so;
* ``stuck`` — a timer the model knows is overdue at ``now``;
* ``incomplete`` — a party has no record although the model says it must have moved;
* ``conforming`` — a final joint state is consistent with the log;
* ``in-progress`` — otherwise.

Replays are memoised by the order's status sequence (distinct sequences are few), and the
tracker memoises every (belief, observation) move, so an event costs a lookup.
"""

from __future__ import annotations

import enum
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from ..belief import BeliefTracker, Did, Label, Move, Saw
from ..explore import StateGraph
from ..trace import TraceStep, steps_of
from .records import Event
from .timers import TimerIssue, TimerRule, check_timeline, rules_of


class Verdict(enum.Enum):
    """An order's verdict, in precedence order (the first that applies)."""

    DEVIATING = "deviating"
    DOOMED = "doomed"
    STUCK = "stuck"
    INCOMPLETE = "incomplete"
    CONFORMING = "conforming"
    IN_PROGRESS = "in-progress"


BAD = frozenset({Verdict.DEVIATING, Verdict.DOOMED, Verdict.STUCK})
CONFORMING = "reached a final status the model allows"  # the reasons of good orders
IN_PROGRESS = "the model allows it to go on"


class DeviationKind(enum.Enum):
    """Why an order deviates."""

    STATUS_NOT_ALLOWED = "status-not-allowed"
    TIMER_EARLY = "timer-fired-early"
    TIMER_LATE = "timer-fired-late"
    UNDECIDED = "undecided-bound"  # the model was explored only up to a bound


@dataclass(frozen=True, slots=True)
class Replay:
    """The model's reading of one status sequence (shared by every order that has it)."""

    moves: tuple[Move, ...]
    rejected_at: int | None  # index of the first record no state allows
    expected: tuple[str, ...]  # statuses the model allowed that party there
    doomed_at: int | None
    final: bool
    unknown: bool
    joint: tuple[tuple[str, str], ...]  # the last known status of each party


@dataclass(frozen=True, slots=True)
class Judgement:
    """One order's verdict and its evidence."""

    order: str
    verdict: Verdict
    reason: str
    joint: tuple[tuple[str, str], ...]
    kind: DeviationKind | None
    at: Event | None  # the record the verdict rests on
    first_seen: float
    last_seen: float
    events: tuple[Event, ...]
    replay: Replay
    tolerances: tuple[str, ...]
    timer_issues: tuple[TimerIssue, ...]
    ids: tuple[tuple[str, str], ...]  # party -> its own order id


class Judge:
    """Judges orders on one explored graph (memo tables live as long as the judge)."""

    def __init__(self, graph: StateGraph, timers: Sequence[tuple[str, str, str, str]],
                 overrides: dict[str, float], slack: float) -> None:
        self.graph = graph
        self.system = graph.system
        self.timer_specs = tuple(timers)
        self.tracker: BeliefTracker[object] = BeliefTracker(graph, silent=lambda lab: True)
        self.parties = self.tracker.parties
        self.slack = slack
        n = len(graph.states)
        self.initial_status = dict(self.tracker.status(0))
        self.finals = frozenset(s for s in range(n) if self.tracker.is_final(s))
        self.can_finish = self._reverse_reach(self.finals)
        self.statuses = {p: frozenset(self.tracker.status(s)[p] for s in range(n))
                         for p in self.parties}
        self.final_statuses: dict[str, frozenset[str]] = {
            p: frozenset(self.tracker.status(s)[p] for s in self.finals) for p in self.parties}
        self.timer_rules: list[TimerRule] = self._timer_rules(timers, overrides)
        self._moves = self._status_moves()
        self._trackers: dict[frozenset[str], BeliefTracker[str]] = {}
        self._replays: dict[tuple[tuple[str, str, bool], ...], Replay] = {}

    def _reverse_reach(self, targets: frozenset[int]) -> frozenset[int]:
        """States from which some target is reachable (unexplored states count as able:
        no verdict rests on an open state)."""
        n = len(self.graph.states)
        preds: list[list[int]] = [[] for _ in range(n)]
        seeds = set(targets)
        for s in range(n):
            if not self.tracker.known(s):
                seeds.add(s)
            for _, j in self.graph.successors(s):
                preds[j].append(s)
        seen = set(seeds)
        queue = deque(seeds)
        while queue:
            j = queue.popleft()
            for i in preds[j]:
                if i not in seen:
                    seen.add(i)
                    queue.append(i)
        return frozenset(seen)

    def _status_moves(self) -> dict[Label, bool]:
        """Whether each step label changes its party's status (on every explored edge).  A
        label that sometimes does and sometimes does not counts as a move: it is then never
        silent, so a log must show it (no VTEX label is mixed: tests/test_logs.py)."""
        moves: dict[Label, bool] = {}
        for s in range(len(self.graph.states)):
            before = self.tracker.status(s)
            for label, j in self.graph.successors(s):
                lab = self.tracker.label(label)
                changed = before != self.tracker.status(j)
                moves[lab] = moves.get(lab, False) or changed
        return moves

    def _timer_rules(self, timers: Sequence[tuple[str, str, str, str]],
                     overrides: dict[str, float]) -> list[TimerRule]:
        moves: dict[tuple[str, str], set[tuple[str, str]]] = {}
        others: dict[str, set[tuple[str, str]]] = {}
        timer_keys = {(party, event) for _, party, event, _ in timers}
        for s in range(len(self.graph.states)):
            before = self.tracker.status(s)
            for label, j in self.graph.successors(s):
                lab = self.tracker.label(label)
                after = self.tracker.status(j)
                p = lab.party
                if p not in before or before[p] == after[p]:
                    continue
                move = (before[p], after[p])
                if lab.kind == "fire" and (p, lab.event) in timer_keys:
                    moves.setdefault((p, lab.event), set()).add(move)
                else:
                    others.setdefault(p, set()).add(move)
        return rules_of(timers, moves, others, overrides)

    @property
    def replays(self) -> int:
        """Distinct status sequences replayed so far."""
        return len(self._replays)

    @property
    def sequences(self) -> frozenset[tuple[tuple[str, str, bool], ...]]:
        """The distinct status sequences replayed so far (engines that judge on several
        workers count their union)."""
        return frozenset(self._replays)

    # -- replay --------------------------------------------------------------------------
    def _tracker(self, observed: frozenset[str]) -> BeliefTracker[str]:
        """The exact tracker for orders whose log shows these parties: a status move of an
        observed party is an action (``Did(party)``), every other step is silent."""
        hit = self._trackers.get(observed)
        if hit is None:
            moves = self._moves

            def silent(lab: Label) -> bool:
                return not moves.get(lab, True) or lab.party not in observed

            def action(lab: Label) -> str:
                return lab.party

            hit = self._trackers[observed] = BeliefTracker(self.graph, silent=silent,
                                                           action_of=action)
        return hit

    def replay(self, sequence: tuple[tuple[str, str, bool], ...]) -> Replay:
        """The model's reading of a status sequence [(party, status, gap)] (memoised)."""
        hit = self._replays.get(sequence)
        if hit is None:
            hit = self._replays[sequence] = self._replay(sequence)
        return hit

    def _replay(self, sequence: tuple[tuple[str, str, bool], ...]) -> Replay:
        exact = self._tracker(frozenset(p for p, _, _ in sequence))
        loose = self.tracker
        moves: list[Move] = [exact.initial()]
        known: dict[str, str] = {}
        doomed_at: int | None = None
        unknown = False
        for k, (party, status, gap) in enumerate(sequence):
            known[party] = status
            saw = Saw.of(known)
            if gap:  # records are missing before this one: any silent path may explain it
                closed = loose.close(moves[-1].after)
                acted = closed
                step = loose.step(closed.after, saw)
            else:
                closed = exact.close(moves[-1].after)
                acted = exact.step(closed.after, Did(party))
                step = exact.step(acted.after, saw)
            unknown |= closed.unknown or acted.unknown
            if not step.after:
                allowed = sorted({exact.status(s)[party] for s in acted.after} - {status})
                return Replay(tuple(moves), k, tuple(allowed), doomed_at, False, unknown,
                              tuple(sorted(known.items())))
            moves.extend((closed, step) if gap else (closed, acted, step))
            if doomed_at is None and not (step.after & self.can_finish):
                doomed_at = k
        last = moves[-1].after
        return Replay(tuple(moves), None, (), doomed_at, bool(last & self.finals), unknown,
                      tuple(sorted(known.items())))

    def sequence(self, events: Sequence[Event]) -> tuple[tuple[str, str, bool], ...]:
        """(party, status, gap) per record; ``gap``: its ``lastState`` is not the status the
        log last showed for that party (or, first, the party's initial status), so records
        are missing before it."""
        last: dict[str, str] = {}
        out = []
        for e in events:
            before = last.get(e.party, self.initial_status[e.party])
            out.append((e.party, e.state, e.last is not None and e.last != before))
            last[e.party] = e.state
        return tuple(out)

    # -- one order -----------------------------------------------------------------------
    def judge(self, order: str, events: Sequence[Event], now: float,
              tolerances: tuple[str, ...] = (), ids: tuple[tuple[str, str], ...] = ()
              ) -> Judgement:
        """The verdict of one order whose records are ``events`` in change order."""
        sequence = self.sequence(events)
        rep = self.replay(sequence)
        first = events[0].at if events else now
        last = events[-1].at if events else now

        def done(verdict: Verdict, reason: str, kind: DeviationKind | None = None,
                 at: Event | None = None, issues: tuple[TimerIssue, ...] = ()) -> Judgement:
            return Judgement(order, verdict, reason, rep.joint, kind, at, first, last,
                             tuple(events), rep, tolerances, issues, ids)

        if rep.rejected_at is not None:
            e = events[rep.rejected_at]
            if rep.unknown:
                return done(Verdict.DEVIATING, f"{e.party} {e.state} at {e.where} is beyond the "
                            f"explored bound: undecided", DeviationKind.UNDECIDED, e)
            expected = ", ".join(rep.expected) or "no other status"
            prev = e.last or "its previous status"
            return done(Verdict.DEVIATING,
                        f"{e.party} {prev} -> {e.state} at {e.where} is not allowed; the model "
                        f"expected {e.party}: {expected}", DeviationKind.STATUS_NOT_ALLOWED, e)
        issues: list[TimerIssue] = []
        for party in self.parties:
            timeline = [(e.state, e.at, e) for e in events if e.party == party]
            if timeline:
                issues.extend(check_timeline(self.timer_rules, party, timeline, now,
                                             self.slack))
        fired = [i for i in issues if i.kind != "overdue"]
        if fired:
            kind = (DeviationKind.TIMER_LATE if fired[0].kind == "fired-late"
                    else DeviationKind.TIMER_EARLY)
            return done(Verdict.DEVIATING, fired[0].text(), kind, None, tuple(issues))
        if rep.doomed_at is not None:
            e = events[rep.doomed_at]
            joint = ", ".join(f"{p} {v}" for p, v in rep.joint)
            return done(Verdict.DOOMED, f"no final status is reachable any more since {e.party} "
                        f"{e.state} at {e.where} (now {joint})", None, e, tuple(issues))
        if issues:
            return done(Verdict.STUCK, issues[0].text(), None, None, tuple(issues))
        seen = {e.party for e in events}
        last_belief = rep.moves[-1].after
        for party in self.parties:
            if party in seen:
                continue
            start = self.initial_status[party]
            if not any(self.tracker.status(s)[party] == start for s in last_belief):
                return done(Verdict.INCOMPLETE, f"no record of the {party}'s order, but the "
                            f"model says it has left {start}")
        if rep.final:
            return done(Verdict.CONFORMING, CONFORMING)
        return done(Verdict.IN_PROGRESS, IN_PROGRESS)

    # -- evidence ------------------------------------------------------------------------
    def trace(self, j: Judgement) -> list[TraceStep]:
        """A model path consistent with the order's records, in the shared trace format; for
        a deviation, the rejected record follows as an ``observe`` line (not a step)."""
        path = self.tracker.witness(list(j.replay.moves))
        states = [self.graph.states[s] for _, s in path]
        labels = [label for label, _ in path[1:]]
        return steps_of(self.system, states, labels)
