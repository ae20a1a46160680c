"""Drive one order through an implementation and compare it with the model, step by step.

The checker keeps the *belief*: the set of explored model states consistent with everything
seen so far (the commands sent, whether each was accepted, the statuses read).  Steps of the
implementation's automatic actors are not seen, so after each command the belief is closed
under them; observation of statuses only is then enough.  The implementation conforms while
the belief is not empty and it accepts exactly the commands some belief state allows.

A :class:`Divergence` carries the session's history, which :meth:`Session.trace` turns into
the shared JSON-lines trace format (the model's steps up to the divergence, then the
implementation's offending step), replayable with ``ordercheck replay``.
"""

from __future__ import annotations

import json
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from ..explore import StateGraph
from ..system import DELIVER, FIRE, JointSystem
from ..trace import TraceStep, dumps, steps_of
from .adapter import Command, Guarded


class ConformanceModel:
    """The explored model indexed by command, for one set of automatic actors."""

    def __init__(self, graph: StateGraph, automatic: frozenset[str]) -> None:
        self.graph = graph
        self.system: JointSystem = graph.system
        self.automatic = automatic
        self.label_command: list[Command | None] = []
        for lab in self.system.labels:
            if lab.actor in automatic or lab.kind not in (FIRE, DELIVER):
                self.label_command.append(None)
            elif lab.kind == FIRE:
                self.label_command.append(Command("fire", lab.party, lab.event))
            else:
                self.label_command.append(Command("deliver", lab.party, lab.message))
        self._auto = [lab.actor in automatic and lab.kind in (FIRE, DELIVER)
                      for lab in self.system.labels]
        self._by_state: dict[int, dict[Command, list[tuple[int, int]]]] = {}
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
        hit = self._by_state.get(state)
        if hit is None:
            hit = {}
            for label, j in self.graph.successors(state):
                cmd = self.label_command[label]
                if cmd is not None:
                    hit.setdefault(cmd, []).append((label, j))
            self._by_state[state] = hit
        return hit

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

    def automatic_steps(self, state: int) -> list[tuple[int, int]]:
        return [(lab, j) for lab, j in self.graph.successors(state) if self._auto[lab]]

    def status(self, state: int) -> dict[str, str]:
        return dict(self.system.state_view(self.graph.states[state]).status)


@dataclass(slots=True)
class Node:
    state: int
    parent: int  # node index, -1 for the root
    label: int  # label id of the step from parent, -1 for the root


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
    model: ConformanceModel
    adapter: Guarded
    nodes: list[Node] = field(default_factory=list)
    belief: dict[int, int] = field(default_factory=dict)  # state -> node index
    history: list[Record] = field(default_factory=list)
    covered: set[int] = field(default_factory=set)  # global transition ids exercised
    covered_steps: set[int] = field(default_factory=set)  # step ids (see step_of)
    seen_status: set[tuple[str, str]] = field(default_factory=set)
    failure: tuple[Command | None, dict[str, str], str] | None = None
    _before: dict[int, int] = field(default_factory=dict)

    # -- driving -------------------------------------------------------------------------
    def start(self) -> None:
        self.adapter.reset("step 0:")
        self.nodes = [Node(0, -1, -1)]
        self.belief = self._closure({0: 0})
        self.history = []
        self._observe(None, "step 0 (fresh order)")

    def enabled(self) -> list[Command]:
        """Commands some belief state allows, sorted."""
        out: set[Command] = set()
        for s in self.belief:
            out.update(self.model.commands(s))
        return sorted(out)

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
        self._before = dict(self.belief)  # the trace of a failure ends before this command
        n = len(self.history) + 1
        where = f"step {n}:"
        accepted = self.adapter.send(where, command)
        enabled_in = {s: self.model.commands(s)[command] for s in sorted(self.belief)
                      if command in self.model.commands(s)}
        record = Record(n=n, command=command, accepted=accepted, observed={},
                        must_reject=must_reject)
        self.history.append(record)
        if accepted:
            if not enabled_in:
                record.observed = self.adapter.status(where)
                self._fail(command, record.observed,
                           f"step {n}: the implementation accepted {command}, which the model "
                           f"forbids here (statuses {self._belief_text()})")
            new: dict[int, int] = {}
            for s, moves in enabled_in.items():
                for label, j in moves:
                    if j not in new:
                        self.nodes.append(Node(j, self.belief[s], label))
                        new[j] = len(self.nodes) - 1
                    t = self.model.system.labels[label].transition
                    if t >= 0:
                        self.covered.add(t)
                        self.covered_steps.add(self.model.step_of(s, label))
            self.belief = self._closure(new)
        else:
            kept = {s: node for s, node in self.belief.items() if s not in enabled_in}
            if not kept:
                record.observed = self.adapter.status(where)
                self._fail(command, record.observed,
                           f"step {n}: the implementation refused {command}, which the model "
                           f"allows in every state consistent with what was seen "
                           f"(statuses {self._belief_text()})")
            self.belief = kept
        record.observed = self._observe(command, where)
        return accepted

    def close(self) -> None:
        self.adapter.close()

    # -- internals -----------------------------------------------------------------------
    def _closure(self, start: dict[int, int]) -> dict[int, int]:
        belief = dict(start)
        queue = deque(sorted(start))
        while queue:
            s = queue.popleft()
            for label, j in self.model.automatic_steps(s):
                t = self.model.system.labels[label].transition
                if t >= 0:
                    self.covered.add(t)
                    self.covered_steps.add(self.model.step_of(s, label))
                if j not in belief:
                    self.nodes.append(Node(j, belief[s], label))
                    belief[j] = len(self.nodes) - 1
                    queue.append(j)
        return belief

    def _observe(self, command: Command | None, where: str) -> dict[str, str]:
        observed = self.adapter.status(where)
        consistent = {s: node for s, node in self.belief.items()
                      if all(self.model.status(s)[p] == v for p, v in observed.items())}
        if not consistent:
            expected = self._belief_text()
            self._fail(command, observed,
                       f"{where} the implementation shows {_fmt(observed)}; the model expects "
                       f"{expected}")
        self.belief = consistent
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
            self.belief = self._before
        raise Divergence(reason, self)

    # -- traces ----------------------------------------------------------------------------
    def model_path(self) -> tuple[list[int], list[int]]:
        """Packed states and labels of one model run consistent with the session so far."""
        if not self.belief:
            return [self.model.graph.states[0]], []
        node = self.belief[min(self.belief)]
        chain = []
        while node != -1:
            chain.append(self.nodes[node])
            node = self.nodes[node].parent
        chain.reverse()
        states = [self.model.graph.states[nd.state] for nd in chain]
        labels = [nd.label for nd in chain[1:]]
        return states, labels

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
