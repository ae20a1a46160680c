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

import json
from dataclasses import dataclass, field
from typing import Any

from ..belief import Belief, BeliefTracker, Did, Move, Refused, Saw, by_actor
from ..explore import StateGraph
from ..system import DELIVER, FIRE, Action, JointSystem
from ..trace import TraceStep, dumps, steps_of
from .adapter import Command, Guarded


class ConformanceModel:
    """The explored model indexed by command, for one set of automatic actors.

    Belief bookkeeping is :class:`~ordercheck.checks.belief.BeliefTracker`'s: the
    implementation's automatic actors are the silent steps, commands are the observed
    actions.  This class adds what only conformance needs: commands, coverage steps and the
    statuses in which a command is plausible.
    """

    def __init__(self, graph: StateGraph, automatic: frozenset[str]) -> None:
        self.graph = graph
        self.system: JointSystem = graph.system
        self.automatic = automatic
        self.tracker: BeliefTracker[Command] = BeliefTracker(
            graph, silent=by_actor(automatic, (FIRE, DELIVER)), action_of=_command_of)
        self.label_command: list[Command | None] = [
            self.tracker.action(lab) for lab in range(len(self.system.labels))]
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
    failure: tuple[Command | None, dict[str, str], str] | None = None
    _mark: int = 0  # len(moves) before the current command: a failure's trace ends there

    @property
    def belief(self) -> Belief:
        """Explored states consistent with everything seen so far."""
        return self.moves[-1].after if self.moves else frozenset()

    # -- driving -------------------------------------------------------------------------
    def start(self) -> None:
        self.adapter.reset("step 0:")
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
        n = len(self.history) + 1
        where = f"step {n}:"
        accepted = self.adapter.send(where, command)
        tracker = self.model.tracker
        record = Record(n=n, command=command, accepted=accepted, observed={},
                        must_reject=must_reject)
        self.history.append(record)
        if accepted:
            if command not in tracker.actions(self.belief):
                record.observed = self.adapter.status(where)
                self._fail(command, record.observed,
                           f"step {n}: the implementation accepted {command}, which the model "
                           f"forbids here (statuses {self._belief_text()})")
            self._push(tracker.step(self.belief, Did(command)))
        else:
            move = tracker.step(self.belief, Refused(command))
            if not move.after:
                record.observed = self.adapter.status(where)
                self._fail(command, record.observed,
                           f"step {n}: the implementation refused {command}, which the model "
                           f"allows in every state consistent with what was seen "
                           f"(statuses {self._belief_text()})")
            self._push(move)
        record.observed = self._observe(command, where)
        return accepted

    def close(self) -> None:
        self.adapter.close()

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
        self.moves.append(move)
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
                line = {"n": len(steps), **command.to_json(), "status": observed,
                        "note": f"implementation: {reason}"}
                text += json.dumps(line, sort_keys=True) + "\n"
        return text


def _fmt(status: dict[str, str]) -> str:
    return "{" + ", ".join(f"{p}: {s}" for p, s in sorted(status.items())) + "}"
