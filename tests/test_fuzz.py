"""The fuzz campaign (issue 10 item 8): what no input may make ordercheck do.

Hypothesis draws, with a fixed example budget and derandomized (the same cases on every run):

* small user models (python-statemachine ``StateChart`` classes + ``ordercheck.checks.protocol``
  records), well-formed or broken in one named way, written as a ``.py`` file and checked
  through ``ordercheck check --model file.py:workflow``;
* traces (well-formed steps, broken steps) and raw bytes fed to ``ordercheck replay``;
* argument vectors drawn from the real parser's options, with junk values.

Required of every run: never exit 4 (ordercheck's own defect); no traceback on stderr unless
exit 4; a malformed input is exit 2, never 0.  For a well-formed model, a bounded run
(``--max-states``, ``--max-depth``, ``--capacity``) agrees with the unbounded one: VIOLATED
only if the unbounded run is VIOLATED with the same finding, OK only from a run that hit no
bound and then only if the unbounded run is OK.

The budget (``max_examples``) is chosen so the file runs in well under a minute; figures of
a run are in the README's "Reliability" section.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from ordercheck.checks.cli import build_parser, main

FUZZ = settings(derandomize=True, deadline=None, database=None,
                phases=[Phase.explicit, Phase.generate, Phase.shrink],
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow, HealthCheck.filter_too_much])
TRACEBACK = "Traceback (most recent call last)"

# -- running the CLI -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Run:
    argv: tuple[str, ...]
    code: int
    out: str
    err: str


def run(*argv: str, stdin: str = "") -> Run:
    """``ordercheck ARGV`` in this process; a SystemExit escaping ``main`` is its exit code."""
    saved = sys.stdout, sys.stderr, sys.stdin
    sys.stdout, sys.stderr, sys.stdin = io.StringIO(), io.StringIO(), io.StringIO(stdin)
    try:
        try:
            code = main(list(argv))
        except SystemExit as exc:  # main must not let it escape; record what a shell sees
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            sys.stderr.write(f"{TRACEBACK} (SystemExit escaped main)\n")
        except BaseException as exc:  # an escaping exception is the finding
            code = 1
            sys.stderr.write(f"{TRACEBACK} ({type(exc).__name__} escaped main: {exc})\n")
        return Run(tuple(argv), code, sys.stdout.getvalue(), sys.stderr.getvalue())
    finally:
        sys.stdout, sys.stderr, sys.stdin = saved


def robustness_problems(r: Run) -> list[str]:
    """What must hold of any run, whatever its input."""
    problems = []
    if r.code == 4:
        problems.append(f"exit 4 (internal error) for {list(r.argv)}: {r.err[-600:]}")
    elif TRACEBACK in r.err:
        problems.append(f"a traceback under exit {r.code} for {list(r.argv)}: {r.err[-600:]}")
    if r.code not in (0, 1, 2, 3, 4):
        problems.append(f"exit {r.code} is not an ordercheck exit code for {list(r.argv)}")
    return problems


# -- random models -------------------------------------------------------------------------------

EVENTS = ("a", "b", "c")
MALFORMATIONS = ("undeclared-message", "missing-guard", "duplicate-party", "empty-parties",
                 "unknown-receiver", "undeclared-state", "raising-guard", "non-callable-guard",
                 "raising-property", "non-callable-property", "factory-exits",
                 "factory-raises", "not-a-workflow", "duplicate-property")
MALFORMED_EXAMPLES = 10  # per malformation: each is drawn, whatever the model around it


@dataclass
class ModelSpec:
    """A small random workflow as data; :func:`render` writes it as a Python module."""

    n_states: list[int]  # per party
    finals: list[set[int]]  # per party
    #: (party, source, event, target, sends message index or None, guard index or None)
    transitions: list[tuple[int, int, str, int, int | None, int | None]]
    #: (sender, receiver, event on the receiver)
    messages: list[tuple[int, int, str]]
    #: guard k: party p is (not) in state s
    guards: list[tuple[int, int, bool]]
    #: (kind, party, state, other party, other state)
    properties: list[tuple[str, int, int, int, int]]
    timer: tuple[int, str] | None
    malformation: str | None = None


@st.composite
def model_specs(draw: st.DrawFn, malformation: str | None = None) -> ModelSpec:
    parties = draw(st.integers(1, 2))
    n_states = [draw(st.integers(2, 4)) for _ in range(parties)]
    finals = [set(draw(st.sets(st.integers(1, n - 1), max_size=2))) for n in n_states]
    guards = [(p, draw(st.integers(0, n_states[p] - 1)), draw(st.booleans()))
              for p in draw(st.lists(st.integers(0, parties - 1), max_size=2))]
    raw = []
    for _ in range(draw(st.integers(1, 6))):
        p = draw(st.integers(0, parties - 1))
        source = draw(st.sampled_from([s for s in range(n_states[p]) if s not in finals[p]]))
        raw.append((p, source, draw(st.sampled_from(EVENTS)), draw(
            st.integers(0, n_states[p] - 1)), draw(st.sampled_from([None, *range(len(guards))]))))
    messages = []  # a message fires an event its receiver has (else the model is malformed)
    for sender, receiver in draw(st.lists(st.tuples(st.integers(0, parties - 1),
                                                    st.integers(0, parties - 1)), max_size=2)):
        events = sorted({t[2] for t in raw if t[0] == receiver})
        if events:
            messages.append((sender, receiver, draw(st.sampled_from(events))))
    transitions = []
    for p, source, event, target, guard in raw:
        sends = [k for k, (s, _, _) in enumerate(messages) if s == p]
        transitions.append((p, source, event, target, draw(st.sampled_from([None, *sends])),
                            guard))
    props = []
    for kind in draw(st.lists(st.sampled_from(("always", "sometimes", "leads-to")),
                              max_size=2)):
        p, q = draw(st.integers(0, parties - 1)), draw(st.integers(0, parties - 1))
        props.append((kind, p, draw(st.integers(0, n_states[p] - 1)), q,
                      draw(st.integers(0, n_states[q] - 1))))
    timer = None
    if draw(st.booleans()):
        p = draw(st.integers(0, parties - 1))
        used = {e for _, r, e in messages if r == p}
        free = sorted({t[2] for t in transitions if t[0] == p} - used)
        if free:
            timer = (p, draw(st.sampled_from(free)))
    return ModelSpec(n_states, finals, transitions, messages, guards, props, timer,
                     malformation)


def render(spec: ModelSpec) -> str:
    """The model as a Python module with a ``workflow`` factory."""
    bad = spec.malformation
    lines = ["from statemachine import State, StateChart",
             "from ordercheck.checks.properties import Always, LeadsTo, Sometimes",
             "from ordercheck.checks.protocol import Message, Party, Timer, Workflow, transition",
             "", "GHOST = State('Ghost', value='ghost')", ""]
    for p, n in enumerate(spec.n_states):
        lines += [f"class P{p}(StateChart):",
                  "    catch_errors_as_events = False",
                  "    validate_trap_states = False",
                  "    validate_final_reachability = False",
                  "    validate_disconnected_states = False"]
        for s in range(n):
            flags = ", initial=True" if s == 0 else (", final=True" if s in spec.finals[p]
                                                    else "")
            lines.append(f"    s{s} = State('S{s}', value='s{s}'{flags})")
        by_event: dict[str, list[str]] = {}
        for k, (tp, source, event, target, sends, guard) in enumerate(spec.transitions):
            if tp != p:
                continue
            cond = f", cond='g{guard}'" if guard is not None else ""
            if k == 0 and bad in ("missing-guard", "raising-guard", "non-callable-guard"):
                # from the initial state, on an event no message uses: it is evaluated
                cond, source, event = ", cond='g_bad'", 0, "probe"
            to = "GHOST" if k == 0 and bad == "undeclared-state" else f"s{target}"
            msgs = (f"m{sends}",) if sends is not None else ()
            if k == 0 and bad == "undeclared-message":
                msgs = ("ghost-message",)
            by_event.setdefault(event, []).append(
                f"transition(s{source}.to({to}{cond}), actor='actor{p}', cite='fuzz', "
                f"sends={msgs!r})")
        for event, steps in sorted(by_event.items()):
            lines.append(f"    {event} = " + " | ".join(steps))
        lines.append("")
    parties = [f"Party(name='p{p}', chart=P{p})" for p in range(len(spec.n_states))]
    if bad == "duplicate-party":
        parties.append("Party(name='p0', chart=P0)")
    if bad == "empty-parties":
        parties = []
    messages = [f"Message(name='m{k}', sender='p{s}', receiver='p{r}', event='{e}')"
                for k, (s, r, e) in enumerate(spec.messages)]
    if bad == "unknown-receiver":
        messages.append("Message(name='m-lost', sender='p0', receiver='nobody', event='a')")
    guards = [f"'g{k}': lambda v: (v['p{p}'] {'!=' if neg else '=='} 's{s}')"
              for k, (p, s, neg) in enumerate(spec.guards)]
    if bad == "raising-guard":
        guards.append("'g_bad': lambda v: 1 / 0")
    if bad == "non-callable-guard":
        guards.append("'g_bad': 5")
    props = []
    for k, (kind, p, s, q, t) in enumerate(spec.properties):
        if kind == "always":
            props.append(f"Always(name='inv{k}', description='d', "
                         f"holds=lambda v: not (v['p{p}'] == 's{s}' and v['p{q}'] == 's{t}'))")
        elif kind == "sometimes":
            props.append(f"Sometimes(name='wit{k}', description='d', "
                         f"holds=lambda v: v['p{p}'] == 's{s}')")
        else:
            props.append(f"LeadsTo(name='live{k}', description='d', "
                         f"trigger=lambda v: v['p{p}'] == 's{s}', "
                         f"response=lambda v: v['p{q}'] == 's{t}')")
    if bad == "raising-property":
        props.append("Always(name='raises', description='d', holds=lambda v: v['nobody'])")
    if bad == "non-callable-property":
        props.append("Always(name='not-callable', description='d', holds=True)")
    if bad == "duplicate-property":
        props += ["Always(name='twice', description='d', holds=lambda v: True)"] * 2
    timers = []
    if spec.timer is not None:
        timers.append(f"Timer(name='t', party='p{spec.timer[0]}', event='{spec.timer[1]}')")
    body = (f"Workflow(name='fuzz', parties=({''.join(x + ', ' for x in parties)}), "
            f"messages=({''.join(x + ', ' for x in messages)}), "
            f"guards={{{', '.join(guards)}}}, "
            f"timers=({''.join(x + ', ' for x in timers)}), "
            f"properties=({''.join(x + ', ' for x in props)}))")
    lines.append("def workflow():")
    if bad == "factory-exits":
        lines.append("    raise SystemExit(0)")
    elif bad == "factory-raises":
        lines.append("    raise KeyboardInterrupt")
    elif bad == "not-a-workflow":
        lines.append("    return 42")
    else:
        lines.append(f"    return {body}")
    return "\n".join(lines) + "\n"


_FILES = itertools.count()


def write(directory: Path, source: str) -> str:
    """A new file per case: a model file is imported once per path and process."""
    path = directory / f"model_{next(_FILES)}.py"
    path.write_text(source)
    return f"{path}:workflow"


def verdict_of(r: Run) -> dict[str, Any] | None:
    try:
        report = json.loads(r.out)
    except ValueError:
        return None
    return report if isinstance(report, dict) else None


_COUNT = re.compile(r" \(x\d+ states\)$")


def findings(report: dict[str, Any]) -> set[tuple[str, str, str]]:
    """Error findings as (property, kind, title); a bounded run may count fewer states."""
    return {(f["property"], f["kind"], _COUNT.sub("", f["title"]))
            for f in report["findings"] if f["severity"] == "error"}


def agreement_problems(reference: dict[str, Any], bounded: dict[str, Any],
                       option: str) -> list[str]:
    """A bounded run against the unbounded one (both exited 0, 1 or 3 with a report)."""
    problems = []
    verdict = bounded["verdict"]
    if verdict == "VIOLATED":
        extra = findings(bounded) - findings(reference)
        if reference["verdict"] != "VIOLATED" or extra:
            problems.append(f"{option}: VIOLATED with {sorted(extra)} but the unbounded run "
                            f"is {reference['verdict']} with {sorted(findings(reference))}")
    if verdict == "OK" and not bounded["complete"]:
        problems.append(f"{option}: OK from a run that hit {bounded['bounds_hit']}")
    if verdict == "OK" and reference["verdict"] != "OK":
        problems.append(f"{option}: OK but the unbounded run is {reference['verdict']}")
    if bounded["complete"] and verdict != reference["verdict"]:
        problems.append(f"{option}: complete run says {verdict}, unbounded says "
                        f"{reference['verdict']}")
    return problems


#: The "unbounded" reference run: no state or depth bound, channels larger than any
#: generated model fills (each step sends at most one message, six transitions at most).
REFERENCE_CAPACITY = "8"


def bounded_case(directory: Path, spec: ModelSpec, bounds: list[list[str]]) -> list[str]:
    """Problems of one well-formed model: its unbounded run, then each bounded run."""
    model = write(directory, render(spec))
    base = ["check", "--model", model, "--no-cache", "--format", "json"]
    reference_run = run(*base, "--capacity", REFERENCE_CAPACITY)
    problems = robustness_problems(reference_run)
    reference = verdict_of(reference_run)
    if reference_run.code not in (0, 1, 3) or reference is None:
        return [*problems, f"well-formed model: exit {reference_run.code} "
                           f"{reference_run.err[-300:]}"]
    for bound in bounds:
        bounded_run = run(*base, "--capacity", REFERENCE_CAPACITY, *bound)
        problems += robustness_problems(bounded_run)
        bounded = verdict_of(bounded_run)
        if bounded is None:
            problems.append(f"{bound}: exit {bounded_run.code} without a report: "
                            f"{bounded_run.err[-300:]}")
        elif reference["complete"]:
            problems += agreement_problems(reference, bounded, " ".join(bound))
    return problems


BOUNDS = st.tuples(st.integers(1, 12), st.integers(1, 6), st.integers(1, 3)).map(
    lambda b: [["--max-states", str(b[0])], ["--max-depth", str(b[1])],
               ["--capacity", str(b[2])]])


@settings(FUZZ, max_examples=300)
@given(spec=model_specs(), bounds=BOUNDS)
def test_bounded_runs_agree_with_the_unbounded_run(tmp_path, spec, bounds):
    problems = bounded_case(tmp_path, spec, bounds)
    assert not problems, "\n".join([*problems, render(spec)])


def malformed_case(directory: Path, spec: ModelSpec) -> list[str]:
    r = run("check", "--model", write(directory, render(spec)), "--no-cache")
    problems = robustness_problems(r)
    if r.code != 2:
        problems.append(f"{spec.malformation}: exit {r.code}, not 2 (bad input): "
                        f"{(r.out + r.err)[-400:]}")
    elif "ordercheck: error:" not in r.err:
        problems.append(f"{spec.malformation}: exit 2 without an error message: {r.err[-300:]}")
    return problems


@pytest.mark.parametrize("malformation", MALFORMATIONS)
def test_a_malformed_model_is_exit_2_naming_it(tmp_path, malformation):
    @settings(FUZZ, max_examples=MALFORMED_EXAMPLES)
    @given(spec=model_specs(malformation))
    def each(spec: ModelSpec) -> None:
        problems = malformed_case(tmp_path, spec)
        assert not problems, "\n".join([*problems, render(spec)])

    each()


# -- random traces and bytes ---------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "model/vtex/scenarios/ki-1004978.jsonl"
SCENARIO_STEPS = [json.loads(line) for line in SCENARIO.read_text().splitlines()[1:]]
STEP_SCHEMA = json.loads((ROOT / "checks/schemas/trace-step.schema.json").read_text())
STEP_KEYS = sorted({k for step in SCENARIO_STEPS for k in step})
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 3) | st.text(max_size=5)
    | st.sampled_from(("order-created", "null", "invoiced", "marketplace", "seller", "fire",
                       "deliver", "lose", "start")),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(("marketplace", "seller", *STEP_KEYS)), inner, max_size=3),
    max_leaves=6)
HEADERS = st.sampled_from([
    None, {"model": "vtex-observed", "delivery": "fifo"},
    {"model_spec": "ordercheck.model.vtex:observed", "delivery": "fifo"},
    {"model_spec": "ordercheck.model.vtex:documented"},
    {"model_spec": "sys:exit"}, {"model_spec": "os:getcwd"}, {"delivery": "warp"},
    {"model_spec": 5}, {"model_spec": None}, {"model_spec": str(SCENARIO) + ":x"}])


@st.composite
def trace_files(draw: st.DrawFn) -> bytes:
    """A prefix of the shipped KI-1004978 trace, perhaps mutated, under a random header."""
    lines = []
    header = draw(HEADERS)
    if header is not None:
        lines.append(json.dumps({"trace": 1, **header}))
    steps = [dict(step) for step in SCENARIO_STEPS[:draw(
        st.integers(0, len(SCENARIO_STEPS)))]]
    for _ in range(draw(st.integers(0, 2)) if steps else 0):
        step = steps[draw(st.integers(0, len(steps) - 1))]
        key = draw(st.sampled_from(STEP_KEYS))
        if draw(st.booleans()):
            step.pop(key, None)
        else:
            step[key] = draw(JSON_VALUES)
    lines += [json.dumps(step) for step in steps]
    if draw(st.integers(0, 9)) == 0:
        lines.insert(draw(st.integers(0, len(lines))), draw(st.text(max_size=20)))
    return "\n".join(lines).encode()


def _schema_breaks(content: bytes) -> list[str]:
    """Lines of a trace (header included) that break the published trace schema."""
    import jsonschema

    validator = jsonschema.validators.validator_for(STEP_SCHEMA)(STEP_SCHEMA)
    broken = []
    for number, line in enumerate(content.decode("utf-8", "replace").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            broken.append(f"line {number} is not JSON")
            continue
        if any(True for _ in validator.iter_errors(obj)):
            broken.append(f"line {number} breaks the schema")
    return broken


@settings(FUZZ, max_examples=300)
@given(content=trace_files() | st.binary(max_size=200),
       extra=st.sampled_from([[], ["--variant", "documented"], ["--delivery", "lossy"],
                              ["--model", "ordercheck.model.vtex:observed"]]))
def test_replay_of_any_file_is_never_an_internal_error_or_a_vacuous_pass(tmp_path, content,
                                                                          extra):
    problems = replay_case(tmp_path, content, extra)
    assert not problems, "\n".join(problems)


def replay_case(directory: Path, content: bytes, extra: list[str]) -> list[str]:
    path = directory / "t.jsonl"
    path.write_bytes(content)
    r = run("replay", str(path), *extra)
    problems = robustness_problems(r)
    if r.code == 0 and "OK: all 0 steps" in r.out:
        problems.append(f"replay of {content[:80]!r} passed with nothing replayed")
    if r.code == 0 and _schema_breaks(content):
        problems.append(f"replay passed a trace whose {_schema_breaks(content)[0]}: "
                        f"{content[:300]!r}")
    named = _header_spec(content)
    if r.code == 0 and named is not None and extra[:1] not in (["--model"], ["--variant"]) and not (
            isinstance(named, str) and named.startswith("ordercheck.model.vtex:")):
        problems.append(f"replay ran the header's model {named!r} (exit 0): a trace file "
                        "may only name a built-in model")
    return problems


def _header_spec(content: bytes) -> Any:
    """The ``model_spec`` a trace's first line names, if any."""
    try:
        first = json.loads(content.split(b"\n", 1)[0])
    except ValueError:
        return None
    if isinstance(first, dict) and isinstance(first.get("header"), dict):
        first = first["header"]
    return first.get("model_spec") if isinstance(first, dict) else None


# -- random argument vectors ---------------------------------------------------------------------


def _options() -> dict[str, list[tuple[str, argparse.Action]]]:
    """Every subcommand's options, read from the real parser (diagrams has its own)."""
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    result = {}
    for name, p in sorted(sub.choices.items()):
        result[name] = [(s, a) for a in p._actions for s in a.option_strings
                        if s not in ("-h", "--help")]
    return result


OPTIONS = _options()
JUNK = st.sampled_from(["", "-1", "0", "1", "3", "99999999999999999999", "nan", "1e3", "-",
                        "/", "/dev/null", "/nonexistent/x", "x:y", ":", "ordercheck.model.vtex:",
                        "git:", "git:HEAD:", "process:", "python:", "http://127.0.0.1:1",
                        "fifo", "observed", "\x00", "é", "--", "sys:exit", "os:getcwd"])


def _value(action: argparse.Action) -> st.SearchStrategy[list[str]]:
    if action.nargs == 0:
        return st.just([])
    choices = list(action.choices) if action.choices else []
    pool = JUNK | st.sampled_from(choices) if choices else JUNK
    count = 2 if action.nargs in ("+", "*") else 1
    return st.lists(pool, min_size=1, max_size=count)


#: Subcommands cheap enough to fuzz; conform/report/diagrams write or serve elsewhere and are
#: covered by their own tests.
FUZZED = ("check", "replay", "vectors", "diff")


@st.composite
def argvs(draw: st.DrawFn) -> list[str]:
    command = draw(st.sampled_from([*FUZZED, "bogus", ""]))
    argv = [command] if command else []
    options = OPTIONS.get(command, [])
    if command in ("replay",):
        argv.append(draw(JUNK | st.just(str(SCENARIO))))
    if command == "diff":
        argv += [draw(JUNK | st.just("ordercheck.model.vtex:documented")) for _ in range(2)]
    for _ in range(draw(st.integers(0, 3))):
        if not options:
            break
        flag, action = draw(st.sampled_from(options))
        if flag in ("--out", "--junit-xml", "--cache-dir", "--diagrams-out"):
            # places nothing can be written to (a file as parent, a device, /proc), so a
            # fuzz run never leaves files behind; "a-file" is made in the test's directory
            argv += [flag, draw(st.sampled_from(["/dev/null", "a-file/x", "a-file",
                                                 "/proc/version"]))]
            continue
        argv += [flag, *draw(_value(action))]
    return argv


@settings(FUZZ, max_examples=400)
@given(argv=argvs())
def test_any_argument_vector_is_never_an_internal_error(argv, monkeypatch, tmp_path):
    (tmp_path / "a-file").write_text("not a directory")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    problems = argv_case(argv)
    assert not problems, "\n".join(problems)


NUMERIC = {flag for options in OPTIONS.values() for flag, action in options
           if action.type in (int, float)}


def argv_case(argv: list[str]) -> list[str]:
    r = run(*argv, "--no-cache") if argv[:1] == ["check"] else run(*argv)
    problems = robustness_problems(r)
    negative = [f"{flag} {value}" for flag, value in itertools.pairwise(argv)
                if flag in NUMERIC and re.fullmatch(r"-\d+", value)]
    if negative and r.code == 0:
        problems.append(f"exit 0 with a negative {', '.join(negative)} in {argv}")
    return problems
