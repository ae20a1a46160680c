"""1-minimal counterexamples and root causes.

Why: Hypothesis shrinks towards *simple* choice sequences, not towards the fewest commands, so
a shrunk failure can keep commands that play no part in it (7 where 1 suffices).  A final
deterministic pass of delta debugging (Zeller's ddmin) over the command list removes every
command whose removal keeps the failure; the result is 1-minimal: dropping any single
command loses it.  "The failure" is its *root cause*: the divergence's reason without the
step number, so minimising never swaps one defect for another.

The same key groups the tour's failures: one defect that breaks 24 cases is reported once,
with the number of cases it broke.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from .adapter import Adapter, AdapterError, Command, Guarded, create
from .session import ConformanceModel, Divergence, Session

_WHERE = re.compile(r"^(before step \d+, probe:|step \d+(?: \(fresh order\))?:?)\s*")

Run = tuple[tuple[Command, bool], ...]  # (command, must_reject) in order


_CONTEXT = re.compile(r" \(statuses .*\)$")


def root_cause(div: Divergence) -> str:
    """The divergence's reason without where it happened (the grouping key): the step
    number and, for a command wrongly accepted or refused, the statuses around it go; the
    statuses an implementation shows wrongly stay (they are the defect)."""
    return _CONTEXT.sub("", _WHERE.sub("", str(div), count=1))


def run_of(session: Session) -> Run:
    return tuple((r.command, r.must_reject) for r in session.history)


def replay(model: ConformanceModel, make_adapter: Callable[[], Adapter], run: Sequence[
        tuple[Command, bool]], *, timeout: float) -> Divergence | None:
    """Play ``run`` on a fresh order; the divergence it ends in, if any."""
    session = Session(model, Guarded(create(make_adapter), model.system.parties, timeout))
    try:
        session.start()
        for command, must_reject in run:
            session.apply(command, must_reject=must_reject)
    except Divergence as div:
        return div
    finally:
        session.close()
    return None


def minimize(model: ConformanceModel, make_adapter: Callable[[], Adapter], failure: Divergence,
             *, timeout: float = 5.0) -> Divergence:
    """Delta debugging over ``failure``'s commands: a 1-minimal run with the same root cause.

    An adapter error while minimising keeps what was found so far (the failure stands)."""
    cause = root_cause(failure)
    best = failure

    def fails(run: Run) -> bool:
        nonlocal best
        div = replay(model, make_adapter, run, timeout=timeout)
        if div is not None and root_cause(div) == cause:
            best = div
            return True
        return False

    run = run_of(failure.session)
    try:
        run = _ddmin(run, fails)
        # ddmin ends 1-minimal; make ``best`` the run it returns
        fails(run)
    except AdapterError:
        pass
    return best


def _ddmin(run: Run, fails: Callable[[Run], bool]) -> Run:
    n = 2
    while len(run) >= 2:
        size = max(1, len(run) // n)
        chunks = [run[i:i + size] for i in range(0, len(run), size)]
        reduced = False
        for k in range(len(chunks)):
            complement = tuple(c for j, chunk in enumerate(chunks) if j != k for c in chunk)
            if complement and fails(complement):
                run = complement
                n = max(n - 1, 2)
                reduced = True
                break
        if not reduced:
            if n >= len(run):
                break
            n = min(len(run), 2 * n)
    return run
