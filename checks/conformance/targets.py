"""Coverage targets: what a conformance run must exercise before it may say CONFORMS.

A :class:`CoverageTarget` is one model transition taken by a command in one *joint context*:
the party configuration it starts from (history memory included), every party's status and
the messages in flight.  Why joint: the same seller transition reached after a request from
the marketplace and after the seller's own request can behave differently in an
implementation; covering the transition once, by its shortest route, lets a defect on the
other route pass.

Targets live on the *settled graph*: its nodes are model states in which the implementation
owes no automatic step (what it can show after ``settle()``), its edges the commands between
them.  Only commands are targets: the implementation's own (automatic) steps cannot be driven.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..belief import Did

if TYPE_CHECKING:
    from .adapter import Command
    from .session import ConformanceModel


def owed_steps(model: ConformanceModel) -> list[tuple[int, ...]]:
    """Per explored state, the automatic *must* steps (labels) still enabled there: what the
    implementation owes once it says it has settled."""
    tracker = model.tracker
    return [tuple(lab for lab, _ in tracker.successors(i)
                  if model.silent[lab] and model.must(lab))
            for i in range(model.graph.n_states)]


@dataclass(frozen=True, slots=True, order=True)
class CoverageTarget:
    """One transition (as a step: transition x source configuration) in one joint context."""

    step: int  # ConformanceModel.step_of
    status: tuple[tuple[str, str], ...]  # every party's status at the source
    in_flight: tuple[str, ...]  # messages in flight at the source ("a->b:m", channel order)


class CoverageTargets:
    """The settled graph of one :class:`ConformanceModel` and its interned targets."""

    def __init__(self, model: ConformanceModel) -> None:
        self.model = model
        self.ids: dict[CoverageTarget, int] = {}
        self.targets: list[CoverageTarget] = []
        # settled state -> [(command, label, settled target state)], sorted
        self.edges: dict[int, list[tuple[Command, int, int]]] = {}
        self.initial: tuple[int, ...] = tuple(sorted(
            model.settle_filter(model.tracker.initial().after)))
        self.parent: dict[int, tuple[int, Command, int] | None] = {}
        self._ahead: dict[frozenset[int], tuple[int, ...]] = {}
        self._explore()

    def _explore(self) -> None:
        """BFS over the settled graph from the settled initial states (deterministic)."""
        model = self.model
        tracker = model.tracker
        queue = deque(self.initial)
        for s in self.initial:
            self.parent[s] = None
        while queue:
            s = queue.popleft()
            out: list[tuple[Command, int, int]] = []
            for command in sorted(tracker.enabled(s)):
                move = tracker.step(frozenset({s}), Did(command))
                for j in sorted(model.settle_filter(move.after)):
                    # the command edge this settled state is reached through
                    _, seg = move.back[j] if move.back is not None else (s, ())
                    label = seg[0][0] if seg else -1
                    out.append((command, label, j))
                    self.target_of(s, label)
                    if j not in self.parent:
                        self.parent[j] = (s, command, label)
                        queue.append(j)
            self.edges[s] = out

    def target_of(self, state: int, label: int, *, create: bool = True) -> int:
        """The target id of command ``label`` from settled ``state``; -1 when not a target
        (or, with ``create=False``, not one of the settled graph's)."""
        model = self.model
        if label < 0 or model.silent[label] or model.system.labels[label].transition < 0:
            return -1
        key = CoverageTarget(step=model.step_of(state, label),
                             status=tuple(sorted(model.status(state).items())),
                             in_flight=tuple(model.tracker.in_flight(state)))
        tid = self.ids.get(key)
        if tid is None and not create:
            return -1
        if tid is None:
            tid = self.ids[key] = len(self.targets)
            self.targets.append(key)
        return tid

    def name(self, tid: int) -> str:
        target = self.targets[tid]
        context = ", ".join(f"{p}: {v}" for p, v in target.status)
        flight = f"; in flight: {', '.join(target.in_flight)}" if target.in_flight else ""
        return f"{self.model.step_names[target.step]} when {{{context}}}{flight}"

    def reachable(self) -> frozenset[int]:
        """Every target of the settled graph."""
        return frozenset(range(len(self.targets)))

    def drivable(self, visited: set[int] | frozenset[int]) -> frozenset[int]:
        """The targets the implementation lets a run reach: from the initial state along
        commands, following a command whose settled outcome is the implementation's choice
        (the gateway approves or denies a payment) only into outcomes it was seen to take
        (``visited``: settled states some observation was consistent with).

        Why: targets behind a choice it never makes cannot be driven; they are reported, not
        required — unless it exposes the choice as a command (``automatic`` naming single
        events), which makes them drivable.  A choice it was seen to make is required, so
        an implementation cannot lower the bar by refusing commands."""
        seen = {s for s in self.initial if len(self.initial) == 1 or s in visited}
        queue = deque(sorted(seen))
        out: set[int] = set()
        while queue:
            s = queue.popleft()
            by_command: dict[Command, set[int]] = {}
            for command, label, j in self.edges.get(s, ()):
                by_command.setdefault(command, set()).add(j)
                tid = self.target_of(s, label, create=False)
                if tid >= 0:
                    out.add(tid)
            for command, _, j in self.edges.get(s, ()):
                if j not in seen and (len(by_command[command]) == 1 or j in visited):
                    seen.add(j)
                    queue.append(j)
        return frozenset(out)

    def ahead(self, belief: frozenset[int]) -> tuple[int, ...]:
        """The targets still reachable from ``belief`` (sorted; memoised per belief)."""
        hit = self._ahead.get(belief)
        if hit is None:
            seen = set(self.model.settle_filter(belief))
            queue = deque(sorted(seen))
            found: set[int] = set()
            while queue:
                s = queue.popleft()
                for _, label, j in self.edges.get(s, ()):
                    tid = self.target_of(s, label, create=False)
                    if tid >= 0:
                        found.add(tid)
                    if j not in seen:
                        seen.add(j)
                        queue.append(j)
            hit = self._ahead[belief] = tuple(sorted(found))
        return hit

    def path_to(self, state: int) -> list[tuple[int, Command, int]]:
        """Settled-graph edges (source, command, label) from an initial state to ``state``."""
        out: list[tuple[int, Command, int]] = []
        x = state
        while (p := self.parent[x]) is not None:
            out.append(p)
            x = p[0]
        out.reverse()
        return out
