"""Run SPIN on a Promela export and compare what it found with ordercheck's exploration.

``spin -a`` writes the verifier ``pan.c``; it is compiled with ``-DSAFETY`` (no cycle
detection: the export's questions are reachability, deadlock and assertions) and
``-DNOREDUCE`` (no partial-order reduction, so every interleaving is a state, as in
ordercheck), and run with ``-c0`` (do not stop at the first error: count all states, list
every error).  :func:`disagreements` is the cross-check: an empty list means SPIN and
ordercheck agree on the state count, the transition count, the deadlocks, the channel bound
and every invariant.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from ..analyses import spec_of
from ..analyses.context import Context
from ..explore import StateGraph
from ..findings import FindingKind
from ..properties import Always
from .promela import CHANNEL_FULL, OUTSIDE_DOMAIN, PromelaExport

#: C compiler flags for pan: exhaustive safety search, no partial-order reduction.
PAN_CFLAGS = ("-O2", "-DSAFETY", "-DNOREDUCE")


DEPTH_TOO_SMALL = "max search depth too small"


class SpinFailed(RuntimeError):
    """spin, the C compiler or pan failed, or pan's output could not be read."""


def missing_tools() -> str | None:
    """Why SPIN cannot run here (None: ``spin`` and a C compiler are on PATH)."""
    if shutil.which("spin") is None:
        return "spin is not on PATH (Debian: apt-get install spin)"
    if compiler() is None:
        return "no C compiler (gcc or cc) on PATH"
    return None


def compiler() -> str | None:
    return shutil.which("gcc") or shutil.which("cc")


@dataclass(frozen=True, slots=True)
class PanResult:
    """What pan reported, parsed."""

    states: int
    matched: int
    transitions: int
    #: every error pan counted (it prints a message only when it differs from the last one)
    errors: int
    #: pan reported at least one invalid end state (a blocked, non-final state)
    invalid_end_state: bool
    #: the hidden flags whose assertion failed at least once, sorted
    assertions: tuple[str, ...]
    vector_bytes: int
    depth: int
    memory_states_mb: float  # "actual memory usage for states" (the visited store)
    memory_total_mb: float  # "total actual memory usage" (store + hash table + stack)
    pan_seconds: float  # pan's own "elapsed time"
    wall_seconds: float  # running ./pan, compilation excluded
    compile_seconds: float  # spin -a and the C compiler
    output: str = field(repr=False)
    #: the counts as pan printed them: past 10^8 or so pan prints ``%g``-style (e.g.
    #: ``1.3849236e+08``), which rounds; compare with :meth:`agrees`
    printed: dict[str, str] = field(default_factory=dict, repr=False)

    def agrees(self, count: str, value: int) -> bool:
        """``value`` is what pan counted as ``count`` (``states``, ``matched``,
        ``transitions``), to the precision pan printed it with."""
        return printed_as(value, self.printed.get(count, str(getattr(self, count))))


def printed_as(value: int, text: str) -> bool:
    """True when ``value`` prints as ``text``: equal for an integer; for pan's
    exponent form, equal once rounded to the digits it shows (a count of 138,492,355
    prints as ``1.3849236e+08``)."""
    if "e" not in text and "." not in text:
        return int(text) == value
    mantissa = text.lower().split("e")[0].replace(".", "").lstrip("0")
    return float(f"{value:.{max(0, len(mantissa) - 1)}e}") == float(text)


_NUM = r"([0-9][0-9.e+]*)"


def _grab(pattern: str, text: str, default: str | None = None) -> str:
    m = re.search(pattern, text)
    if m is None:
        if default is not None:
            return default
        raise SpinFailed(f"pan's output has no {pattern!r}:\n{text[-2000:]}")
    return m.group(1)


def parse_pan(output: str, *, wall: float = 0.0, compile_seconds: float = 0.0) -> PanResult:
    """Read pan's summary (the lines its manual documents)."""
    if DEPTH_TOO_SMALL in output:
        raise SpinFailed("pan's search depth limit was hit: the search was incomplete "
                         "(raise max_depth)")
    assertions: set[str] = set()
    invalid = False
    for line in output.splitlines():
        invalid = invalid or re.match(r"pan:\d+: invalid end state", line) is not None
        m = re.match(r"pan:\d+: assertion violated .*?(\w+)\)?\s*\(at depth", line)
        if m:
            assertions.add(m.group(1))
    printed = {"states": _grab(rf"{_NUM} states, stored", output),
               "matched": _grab(rf"{_NUM} states, matched", output),
               "transitions": _grab(rf"{_NUM} transitions", output)}
    return PanResult(
        states=int(float(printed["states"])),
        matched=int(float(printed["matched"])),
        transitions=int(float(printed["transitions"])),
        printed=printed,
        errors=int(_grab(r"errors: (\d+)", output)),
        invalid_end_state=invalid,
        assertions=tuple(sorted(assertions)),
        vector_bytes=int(_grab(r"State-vector (\d+) byte", output)),
        depth=int(_grab(r"depth reached (\d+)", output)),
        memory_states_mb=float(_grab(rf"{_NUM}\s+actual memory usage for states", output,
                                     "0")),
        memory_total_mb=float(_grab(rf"{_NUM}\s+total actual memory usage", output)),
        pan_seconds=float(_grab(rf"elapsed time {_NUM} seconds", output, "0")),
        wall_seconds=wall, compile_seconds=compile_seconds, output=output)


def _run(cmd: list[str], cwd: Path, timeout: float | None) -> str:
    try:
        done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                              check=False)
    except subprocess.TimeoutExpired as exc:
        raise SpinFailed(f"{' '.join(cmd)} timed out after {timeout} s") from exc
    if done.returncode != 0:
        raise SpinFailed(f"{' '.join(cmd)} exited {done.returncode}:\n"
                         f"{(done.stdout + done.stderr)[-3000:]}")
    return done.stdout + done.stderr


def run_spin(export: PromelaExport | str, workdir: Path, *, expected_states: int = 0,
             max_depth: int = 10_000, cflags: tuple[str, ...] = PAN_CFLAGS,
             timeout: float | None = 3600) -> PanResult:
    """Write the program to ``workdir``, build pan and run it to completion.

    ``expected_states`` sizes pan's hash table (``-w``) so large runs are not slowed by
    collisions nor small ones charged 128 MB.  ``max_depth`` is pan's first DFS stack size
    (``-m``, allocated up front, so it counts in pan's memory); when the search is deeper,
    pan runs again with ten times the stack (never compiled again), up to the state count.
    """
    cc = compiler()
    if shutil.which("spin") is None or cc is None:
        raise SpinFailed(missing_tools() or "spin unavailable")
    text = export.text if isinstance(export, PromelaExport) else export
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "model.pml").write_text(text)
    started = time.perf_counter()
    _run(["spin", "-a", "model.pml"], workdir, timeout)
    _run([cc, *cflags, "-o", "pan", "pan.c"], workdir, timeout)
    compiled = time.perf_counter()
    hash_bits = max(16, min(32, (2 * max(expected_states, 1)).bit_length()))
    depth = max_depth
    while True:
        started_pan = time.perf_counter()
        output = _run(["./pan", "-c0", "-n", f"-m{depth}", f"-w{hash_bits}"], workdir,
                      timeout)
        wall = time.perf_counter() - started_pan
        if DEPTH_TOO_SMALL not in output or depth > expected_states:
            return parse_pan(output, wall=wall, compile_seconds=compiled - started)
        depth *= 10


def disagreements(graph: StateGraph, export: PromelaExport, pan: PanResult) -> list[str]:
    """Every way SPIN's result differs from ordercheck's (empty: they agree).

    Compared: states; transitions (``1 + edges + finals + full-channel steps``: the
    export's self-loops); whether there is a deadlock (SPIN's invalid end state); the
    channel bound; which invariants fail; the error count (deadlock states + steps into a
    state violating an invariant + full-channel steps); no guard input outside the
    tabulated domain.
    """
    system = graph.system
    bound_hits = system.bound_hits  # before the analyses, which may expand states again
    ctx = Context(graph)
    out: list[str] = []
    if not pan.agrees("states", graph.n_states):
        out.append(f"states: SPIN {pan.states}, ordercheck {graph.n_states}")
    deadlocks = len(ctx.deadlocks)
    if pan.invalid_end_state != (deadlocks > 0):
        out.append(f"deadlock: SPIN {'found' if pan.invalid_end_state else 'none'}, "
                   f"ordercheck {deadlocks} deadlock state(s)")
    if (CHANNEL_FULL in pan.assertions) != (bound_hits > 0):
        out.append(f"channel bound: SPIN {'hit' if CHANNEL_FULL in pan.assertions else 'not hit'}"
                   f", ordercheck {bound_hits} bound hit(s)")
    if OUTSIDE_DOMAIN in pan.assertions:
        out.append("SPIN evaluated a guard outside the tabulated domain")
    # each invariant judged by its own analysis (not all of them: livelock and doomed-state
    # searches over a group of 3 cost more than SPIN's whole run and are not compared)
    failed = {f.property for prop in system.workflow.properties if isinstance(prop, Always)
              for f in spec_of(prop).evaluate(ctx, prop, {}) if f.kind is FindingKind.INVARIANT}
    for flag, name in export.invariants.items():
        if (flag in pan.assertions) != (name in failed):
            out.append(f"invariant {name}: SPIN {'violated' if flag in pan.assertions else 'holds'}"
                       f", ordercheck {'violated' if name in failed else 'holds'}")
    into_bad = sum(export.violating.values())
    if pan.errors != deadlocks + into_bad + bound_hits:
        out.append(f"errors: SPIN {pan.errors}, expected {deadlocks + into_bad + bound_hits} "
                   f"({deadlocks} deadlock states + {into_bad} steps into a state violating "
                   f"an invariant + {bound_hits} full-channel steps)")
    finals = sum(ctx.final)
    expected = 1 + graph.n_edges + finals + bound_hits
    if not pan.agrees("transitions", expected):
        out.append(f"transitions: SPIN {pan.transitions}, expected {expected} "
                   f"(1 + {graph.n_edges} edges + {finals} final self-loops + "
                   f"{bound_hits} full-channel steps)")
    return out
