"""Hypothesis stateful testing generated from the model.

The generated ``RuleBasedStateMachine`` has two rules: ``step`` sends a command some model
state consistent with the run allows (the model's enabledness is the precondition), then
probes the plausible mistakes where the run stands (now and then any forbidden command), and
``must_reject`` probes forbidden commands once the story has ended (end-of-life probes).
After every command the session checks the implementation's statuses against the model
(the model's properties hold on every model state by construction, so consistency with a
model state is the invariant).  ``hypothesis.target`` steers runs toward transitions not yet
covered: the score is minus the BFS distance from the current states to the nearest one.
Failures shrink to short command sequences, then delta debugging makes them 1-minimal
(:mod:`.minimize`); the result is written as a JSON-lines trace.
"""

from __future__ import annotations

import contextlib
import functools
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, settings, target
from hypothesis import seed as seeded_with
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from .adapter import Adapter, AdapterError, Command, Guarded, create
from .minimize import minimize
from .session import ConformanceModel, Divergence, Session


@dataclass(slots=True)
class StatefulOutcome:
    failure: Divergence | None
    trace: str | None
    steps: int
    error: AdapterError | None = None  # the implementation crashed/hung: not a verdict
    covered: set[int] = field(default_factory=set)
    covered_steps: set[int] = field(default_factory=set)
    seen_status: set[tuple[str, str]] = field(default_factory=set)
    covered_targets: set[int] = field(default_factory=set)
    visited: set[int] = field(default_factory=set)


def _search(model: ConformanceModel, belief: frozenset[int], hit: Callable[[int], bool]
            ) -> tuple[int, Command | None]:
    """BFS over the settled graph from the belief to the nearest coverage target ``hit``
    accepts: (distance, first command on the way); (0, None) when none is reachable."""
    targets = model.targets
    start = sorted(model.settle_filter(belief))
    first: dict[int, Command | None] = {s: None for s in start}
    queue = deque((s, 0) for s in start)
    while queue:
        s, d = queue.popleft()
        for command, label, j in targets.edges.get(s, ()):
            cmd = first[s] if first[s] is not None else command
            tid = targets.target_of(s, label, create=False)
            if tid >= 0 and hit(tid):
                return d, cmd
            if j not in first:
                first[j] = cmd
                queue.append((j, d + 1))
    return 0, None


def machine_for(model: ConformanceModel, make_adapter: Callable[[], Adapter], *,
                timeout: float, outcome: StatefulOutcome, header: dict[str, Any]
                ) -> type[RuleBasedStateMachine]:
    parties = model.system.parties
    goals = sorted(model.targets.reachable())

    class ModelConformance(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            if outcome.error is not None:
                # a broken adapter: fail fast so shrinking does not wait on it again
                raise outcome.error
            self.session = Session(model, Guarded(create(make_adapter), parties, timeout))
            self.best = float("-inf")
            self.goal: int | None = None
            self.probed: set[tuple[frozenset[int], Command]] = set()
            self.rnd: random.Random | None = None
            self._run(self.session.start)

        def _run(self, fn: Callable[[], Any]) -> Any:
            try:
                return fn()
            except Divergence as div:
                outcome.failure = div
                outcome.trace = div.session.trace(header)
                raise
            except AdapterError as exc:
                if outcome.error is None:
                    outcome.error = exc
                    outcome.trace = self.session.trace(header)
                raise
            finally:
                outcome.covered |= self.session.covered
                outcome.covered_steps |= self.session.covered_steps
                outcome.seen_status |= self.session.seen_status
                outcome.visited |= self.session.visited

        @precondition(lambda self: bool(self.session.enabled()))
        @rule(data=st.data())
        def step(self, data: st.DataObject) -> None:
            enabled = self.session.enabled()
            if data.draw(st.integers(0, 7), label="probe") == 7:
                self._probe_any(data)  # now and then, any forbidden command
            # Steering: each run draws a goal coverage target (a transition in one joint
            # context) and, most of the time, takes the settled graph's shortest way to it;
            # otherwise any enabled command.  Goals are drawn, not taken from global
            # coverage, because Hypothesis replays choices to shrink: only the run's own draws
            # may decide what happens.
            # A goal the run has passed (covered, or out of reach: the order moved on) is
            # redrawn among the targets still ahead that this run has not covered.
            ahead = model.targets.ahead(self.session.belief)
            done = self.session.covered_targets()
            # Why a drawn Random: Hypothesis biases its own draws towards the first option
            # and towards 0, which would favour shallow targets and "do not steer"; the
            # Random is seeded from the run's choices, so replay stays exact.
            if self.rnd is None:
                self.rnd = data.draw(st.randoms(use_true_random=True), label="rnd")
            if self.goal is None or self.goal in done or self.goal not in ahead:
                options = [t for t in ahead if t not in done] or list(ahead) or goals
                self.goal = self.rnd.choice(options)
            goal = self.goal
            sent = 0
            if self.rnd.random() < 0.875:
                # drive all the way to the goal (one rule step, several commands), so a deep
                # joint context is reached whenever it is drawn
                for _ in range(4 * len(parties) + 16):
                    hint = _search(model, self.session.belief, lambda t: t == goal)[1]
                    if hint is None or hint not in self.session.enabled():
                        break
                    self._send(hint)
                    sent += 1
                    if goal in self.session.covered_targets():
                        break
            if not sent:
                self._send(data.draw(st.sampled_from(enabled), label="command"))
            distance, _ = _search(model, self.session.belief,
                                  lambda t: t not in outcome.covered_targets)
            self.best = max(self.best, -float(distance))

        def _send(self, command: Command) -> None:
            self._run(lambda: self.session.apply(command))
            outcome.steps += 1
            # the plausible mistakes where the run now stands are all probed, once per belief
            # in this run (not across runs: a replayed run must probe the same commands)
            for bad in self.session.plausible_forbidden():
                if (self.session.belief, bad) not in self.probed:
                    self.probed.add((self.session.belief, bad))
                    self._run(functools.partial(self.session.apply, bad, must_reject=True))
                    outcome.steps += 1

        @precondition(lambda self: not self.session.enabled())
        @rule(data=st.data())
        def must_reject(self, data: st.DataObject) -> None:
            # the story has ended: end-of-life probes (anything forbidden must be refused)
            self._probe_any(data)

        def _probe_any(self, data: st.DataObject) -> None:
            forbidden = self.session.forbidden()
            if not forbidden:
                return
            command = data.draw(st.sampled_from(forbidden), label="forbidden")
            self._run(lambda: self.session.apply(command, must_reject=True))
            outcome.steps += 1

        def teardown(self) -> None:
            outcome.covered_targets |= self.session.covered_targets()
            if self.best > float("-inf"):
                target(self.best, label="closest-to-uncovered")  # once per run, as required
            self.session.close()

    return ModelConformance


def run_stateful(model: ConformanceModel, make_adapter: Callable[[], Adapter], *,
                 budget: int = 300, steps: int = 40, seed: int = 0,
                 timeout: float = 5.0, header: dict[str, Any] | None = None
                 ) -> StatefulOutcome:
    """Run ``budget`` examples of up to ``steps`` commands; deterministic for a given seed."""
    outcome = StatefulOutcome(failure=None, trace=None, steps=0)
    machine = machine_for(model, make_adapter, timeout=timeout, outcome=outcome,
                          header=header or {})
    config = settings(
        max_examples=budget, stateful_step_count=steps, deadline=None, database=None,
        derandomize=False, print_blob=False, report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
        phases=(Phase.generate, Phase.target, Phase.shrink),
    )
    # Public API only: @seed on the machine (run_state_machine_as_test honours it), so runs
    # are repeatable and a different --seed explores differently.
    seeded = seeded_with(seed)(machine)
    # a failure is recorded in outcome by the machine (the last one is the shrunk run)
    with contextlib.suppress(Divergence, AdapterError):
        run_state_machine_as_test(seeded, settings=config)
    if outcome.failure is not None and outcome.error is None:
        # Hypothesis shrinks choices, not commands: finish with delta debugging
        outcome.failure = minimize(model, make_adapter, outcome.failure, timeout=timeout)
        outcome.trace = outcome.failure.session.trace(header or {})
    return outcome

