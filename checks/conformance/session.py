"""Drive one order through an implementation and compare it with the model, step by step.

The checker keeps the *belief* (:mod:`ordercheck.checks.belief`): the set of explored model
states consistent with everything seen so far (the commands sent, whether each was accepted,
the statuses read).  Steps of the implementation's automatic actors are silent, so after each
command the belief is closed under them; observation of statuses only is then enough.  The
implementation conforms while the belief is not empty and it accepts exactly the commands
some belief state allows.

A :class:`Divergence` carries the session's history, which :meth:`Session.trace` turns into
the shared JSON-lines trace format (the model's steps up to the divergence, then the
implementation's offending step), replayable with ``ordercheck replay``.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..belief import Belief, BeliefTracker, Did, Move, Refused, Saw
from ..explore import StateGraph
from ..system import DELIVER, FIRE, Action, TransitionSystem
from ..trace import TraceStep, dumps, steps_of
from .adapter import Command, Guarded
from .targets import CoverageTargets, owed_steps


class ConformanceModel:
    """The explored model indexed by command, for one set of automatic actors.

    Belief bookkeeping is :class:`~ordercheck.checks.belief.BeliefTracker`'s: the
    implementation's automatic actors are the silent steps, commands are the observed
    actions.  This class adds what only conformance needs: commands, coverage steps and the
    statuses in which a command is plausible.
    """

    def __init__(self, graph: StateGraph, automatic: frozenset[str]) -> None:
        self.graph = graph
        self.system: TransitionSystem = graph.system
        self.automatic = automatic
        silent = silent_for(automatic)
        self.tracker: BeliefTracker[Command] = BeliefTracker(
            graph, silent=silent, action_of=_command_of)
        labels = self.system.labels
        self.silent: list[bool] = [silent(lab) for lab in labels]
        self.label_command: list[Command | None] = [
            self.tracker.action(lab) for lab in range(len(labels))]
        self.alphabet: list[Command] = sorted({c for c in self.label_command if c is not None})
        # A *step* is a transition taken from one local configuration of its party (history
        # memory included): covering steps, not just transitions, is what exposes a decline
        # that returns to the wrong status.
        self.step_ids: dict[tuple[int, int], int] = {}
        self.step_names: list[str] = []
        # (party, status) -> commands of that party enabled in some state showing that status
        self.plausible: dict[tuple[str, str], set[Command]] = {}
        for i in range(graph.n_states):
            status = self.status(i)
            for cmd in self.commands(i):
                self.plausible.setdefault((cmd.party, status[cmd.party]), set()).add(cmd)
        # Why "owed": after settle() the implementation has done what it does by itself, so a
        # model state where one of its automatic *must* steps is still enabled is not a state
        # it can be in.  Without this, "not yet" and "never" look the same.
        self.owed: list[tuple[int, ...]] = owed_steps(self)
        self.settled: frozenset[int] = frozenset(
            i for i in range(graph.n_states) if not self.owed[i])
        self.targets = CoverageTargets(self)

    def must(self, label: int) -> bool:
        """A *must* step: a document states its transition (or it fires none, e.g. a message
        arriving where nothing takes it).  Refusing a *may* fire command is conforming."""
        t = self.system.labels[label].transition
        return t < 0 or self.system.transitions[t].meta.documented

    def settle_filter(self, belief: Belief) -> Belief:
        """The states of ``belief`` in which the implementation owes no automatic step."""
        return belief & self.settled

    def owed_text(self, belief: Belief) -> str:
        """The automatic steps some state of ``belief`` still owes, for a failure message."""
        labels = self.system.labels
        owed = sorted({labels[lab].describe() for s in belief for lab in self.owed[s]})
        return "; ".join(owed)

    def commands(self, state: int) -> dict[Command, list[tuple[int, int]]]:
        """Commands enabled in explored state number ``state``: -> [(label, target)]."""
        return self.tracker.enabled(state)

    def step_of(self, state: int, label: int) -> int:
        """Interned (transition, party configuration) id of an edge; -1 without transition."""
        lab = self.system.labels[label]
        if lab.transition < 0:
            return -1
        p = self.system.party_index[lab.party]
        cfg = self.system.unpack(self.graph.states[state])[0][p]
        key = (lab.transition, cfg)
        sid = self.step_ids.get(key)
        if sid is None:
            sid = self.step_ids[key] = len(self.step_names)
            conf = self.system.charts[p].configs[cfg]
            memo = "".join(f", {h} = {'/'.join(v)}" for h, v in conf.history)
            self.step_names.append(f"{self.system.transitions[lab.transition].label} "
                                   f"(from {conf.leaf}{memo})")
        return sid

    def status(self, state: int) -> dict[str, str]:
        return dict(self.tracker.status(state))


def silent_for(automatic: frozenset[str]) -> Callable[[Action], bool]:
    """Silent steps for an ``automatic`` set of actor names and ``party.event`` names.

    Why single events: a platform step the implementation exposes as a command (payment
    approval) must stay drivable while the rest of the platform runs by itself."""
    def silent(lab: Action) -> bool:
        if lab.kind not in (FIRE, DELIVER):
            return False
        if lab.kind == FIRE and f"{lab.party}.{lab.event}" in automatic:
            return True
        return lab.actor in automatic
    return silent


def _command_of(lab: Action) -> Command | None:
    if lab.kind == FIRE:
        return Command("fire", lab.party, lab.event)
    if lab.kind == DELIVER:
        return Command("deliver", lab.party, lab.message)
    return None


@dataclass(slots=True)
class Record:
    """One command as it happened."""

    n: int
    command: Command
    accepted: bool
    observed: dict[str, str]
    must_reject: bool = False
    may: bool = False  # refused, and the model lets the implementation refuse it


class Divergence(AssertionError):
    """The implementation did something the model does not allow."""

    def __init__(self, message: str, session: Session) -> None:
        super().__init__(message)
        self.session = session


@dataclass(slots=True)
class Session:
    """One order driven through an implementation; the belief is the last move's."""

    model: ConformanceModel
    adapter: Guarded
    moves: list[Move] = field(default_factory=list)  # initial(), then one per observation
    history: list[Record] = field(default_factory=list)
    covered: set[int] = field(default_factory=set)  # global transition ids exercised
    covered_steps: set[int] = field(default_factory=set)  # step ids (see step_of)
    seen_status: set[tuple[str, str]] = field(default_factory=set)
    visited: set[int] = field(default_factory=set)  # settled states seen consistent
    failure: tuple[Command | None, dict[str, str], str] | None = None
    _mark: int = 0  # len(moves) before the current command: a failure's trace ends there

    @property
    def belief(self) -> Belief:
        """Explored states consistent with everything seen so far."""
        return self.moves[-1].after if self.moves else frozenset()

    # -- driving -------------------------------------------------------------------------
    def start(self) -> None:
        self.adapter.reset("step 0:")
        self.adapter.settle("step 0:")
        self.moves = []
        self._push(self.model.tracker.initial())
        self.history = []
        self._observe(None, "step 0 (fresh order)")

    def enabled(self) -> list[Command]:
        """Commands some belief state allows, sorted."""
        return sorted(self.model.tracker.actions(self.belief))

    def forbidden(self) -> list[Command]:
        """Commands no belief state allows: the implementation must refuse them."""
        allowed = set(self.enabled())
        return [c for c in self.model.alphabet if c not in allowed]

    def plausible_forbidden(self) -> list[Command]:
        """Forbidden commands the acting party could give in its current status in some other
        joint state: the mistakes an implementation is likely to make (a decline while the
        other side is not waiting, an invoice racing a request)."""
        near: set[Command] = set()
        for s in self.belief:
            for party, status in self.model.status(s).items():
                near |= self.model.plausible.get((party, status), set())
        return [c for c in self.forbidden() if c in near]

    def apply(self, command: Command, *, must_reject: bool = False) -> bool:
        self._mark = len(self.moves)  # the trace of a failure ends before this command
        # forbidden-command probes do not count as steps: "step N" is the case's N-th command
        n = sum(1 for r in self.history if not r.must_reject) + 1
        where = f"before step {n}, probe:" if must_reject else f"step {n}:"
        accepted = self.adapter.send(where, command)
        self.adapter.settle(where)
        tracker = self.model.tracker
        record = Record(n=n, command=command, accepted=accepted, observed={},
                        must_reject=must_reject)
        self.history.append(record)
        if accepted:
            if command not in tracker.actions(self.belief):
                record.observed = self.adapter.status(where)
                self._fail(command, record.observed,
                           f"{where} the implementation accepted {command}, which the model "
                           f"forbids here (statuses {self._belief_text()})")
            self._push(tracker.step(self.belief, Did(command)))
        else:
            move = tracker.step(self.belief, Refused(command))
            if not move.after:
                may = self._may_refuse(command)
                if may:
                    move = Move(self.belief, may, None)
                    record.may = True
                else:
                    record.observed = self.adapter.status(where)
                    self._fail(command, record.observed,
                               f"{where} the implementation refused {command}, which the "
                               f"model requires in every state consistent with what was seen "
                               f"(statuses {self._belief_text()})")
            self._push(move)
        record.observed = self._observe(command, where)
        return accepted

    def close(self) -> None:
        self.adapter.close()

    def covered_targets(self) -> set[int]:
        """Coverage targets on one model run consistent with the session (its witness)."""
        targets = self.model.targets
        path = self.model.tracker.witness(self.moves) if self.moves else [(-1, 0)]
        out: set[int] = set()
        for (_, src), (label, _) in itertools.pairwise(path):
            if src in self.model.settled:
                tid = targets.target_of(src, label, create=False)
                if tid >= 0:
                    out.add(tid)
        return out

    def _may_refuse(self, command: Command) -> Belief:
        """The belief states kept when a refusal is fine: ``command`` is a fire command whose
        every edge there is a *may* step (the implementation need not offer it)."""
        if command.kind != "fire":
            return frozenset()  # a message the model has in flight must be there
        model = self.model
        kept = frozenset(s for s in self.belief
                         if all(not model.must(lab)
                                for lab, _ in model.commands(s).get(command, ())))
        return kept

    # -- internals -----------------------------------------------------------------------
    def _push(self, move: Move) -> None:
        """Take a move; its steps count as covered (as they happened in the model)."""
        labels = self.model.system.labels
        for s, label, _ in move.edges:
            t = labels[label].transition
            if t >= 0:
                self.covered.add(t)
                self.covered_steps.add(self.model.step_of(s, label))
        self.moves.append(move)

    def _observe(self, command: Command | None, where: str) -> dict[str, str]:
        observed = self.adapter.status(where)
        move = self.model.tracker.step(self.belief, Saw.of(observed))
        if not move.after:
            self._fail(command, observed,
                       f"{where} the implementation shows {_fmt(observed)}; the model expects "
                       f"{self._belief_text()}")
        settled = self.model.settle_filter(move.after)
        if not settled:
            self._fail(command, observed,
                       f"{where} the implementation settled showing {_fmt(observed)} but owes "
                       f"its own step: {self.model.owed_text(move.after)}")
        self.moves.append(move)
        if settled != move.after:
            self.moves.append(Move(move.after, settled, None))
        self.visited |= settled
        for p, v in observed.items():
            self.seen_status.add((p, v))
        return observed

    def _belief_text(self) -> str:
        options = sorted({tuple(sorted(self.model.status(s).items())) for s in self.belief})
        return " or ".join(_fmt(dict(o)) for o in options[:6]) + (
            f" (+{len(options) - 6} more)" if len(options) > 6 else "")

    def _fail(self, command: Command | None, observed: dict[str, str], reason: str) -> None:
        self.failure = (command, observed, reason)
        if command is not None:
            del self.moves[self._mark:]
        raise Divergence(reason, self)

    # -- traces ----------------------------------------------------------------------------
    def model_path(self) -> tuple[list[int], list[int]]:
        """Packed states and labels of one model run consistent with the session so far."""
        path = self.model.tracker.witness(self.moves)
        tracker = self.model.tracker
        return [tracker.packed(s) for _, s in path], [lab for lab, _ in path[1:]]

    def trace_steps(self) -> list[TraceStep]:
        states, labels = self.model_path()
        return steps_of(self.model.system, states, labels)

    def trace(self, header: dict[str, Any] | None = None) -> str:
        """The JSON-lines trace: the model run so far, then the diverging step if any."""
        steps = self.trace_steps()
        text = dumps(steps, header)
        if self.failure is not None:
            command, observed, reason = self.failure
            if command is not None:
                refused = bool(self.history) and not self.history[-1].accepted
                # a refusal is recorded as one (replay then checks that the model required
                # the command), not as a step the implementation took
                what = ({"kind": "refuse", "refused": command.kind, "party": command.party,
                         ("event" if command.kind == "fire" else "message"): command.name}
                        if refused else command.to_json())
                line = {"n": len(steps), **what, "status": observed,
                        "note": f"implementation: {reason}"}
                if " owes its own step: " in reason:
                    line["settled"] = sorted(self.model.automatic)
                text += json.dumps(line, sort_keys=True) + "\n"
        return text


def _fmt(status: dict[str, str]) -> str:
    return "{" + ", ".join(f"{p}: {s}" for p, s in sorted(status.items())) + "}"
