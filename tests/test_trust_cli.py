"""Issue 10, the CLI part: no input can fake a verdict, and every bad input is named.

Each test drives ``ordercheck.checks.cli.main`` (or a subprocess) and asserts the exact exit
code and the message naming the place.  User models and adapters are written to ``tmp_path``
as files, the way a user has them.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest

from ordercheck.checks import cli
from ordercheck.checks.cli import main
from ordercheck.checks.synopsis import synopsis
from ordercheck.checks.validate import SCHEMA_NAMES, validate, validator

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "model" / "vtex" / "scenarios" / "ki-1004978.jsonl"

# A one-party model whose guard, property and factory misbehave as MODE says.
TOY = '''
from statemachine import State, StateChart
from ordercheck.checks.properties import Always
from ordercheck.checks.protocol import Party, Workflow, transition

MODE = {mode!r}


class C(StateChart):
    catch_errors_as_events = False
    validate_trap_states = False
    validate_final_reachability = False
    a = State("A", value="a", initial=True)
    b = State("B", value="b", final=True)
    go = transition(a.to(b, cond="can_go"), actor="x", cite="t")


def can_go(view):
    if MODE == "guard-raise":
        return 1 / 0
    if MODE == "guard-exit":
        raise SystemExit(0)
    if MODE == "guard-interrupt":
        raise KeyboardInterrupt
    return True


def holds(view):
    if MODE == "property-raise":
        raise ValueError("boom")
    if MODE == "property-exit":
        raise SystemExit(0)
    return True


def workflow():
    if MODE == "factory-exit":
        raise SystemExit(0)
    if MODE == "factory-base":
        raise BaseException("base")
    guards = {{"can_go": 42 if MODE == "guard-not-callable" else can_go}}
    props = (Always(name="fine", description="d",
                    holds=42 if MODE == "property-not-callable" else holds),)
    if MODE == "duplicate-property":
        props += (Always(name="fine", description="again", holds=holds),)
    return Workflow(name="toy", parties=(Party(name="p", chart=C),), guards=guards,
                    properties=props)
'''


def toy(tmp_path: Path, mode: str = "", name: str = "toy") -> str:
    path = tmp_path / f"{name}.py"
    path.write_text(TOY.format(mode=mode))
    return f"{path}:workflow"


def run(capsys, argv: list[str]) -> tuple[int, str, str]:
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def frames(err: str) -> list[str]:
    return re.findall(r'File "([^"]+)"', err)


# -- 1. user code can't fake a verdict ------------------------------------------------------------
@pytest.mark.parametrize(("mode", "message", "line"), [
    ("guard-raise", "guard 'can_go' raised ZeroDivisionError: division by zero", "return 1 / 0"),
    ("guard-exit", "guard 'can_go' raised SystemExit: 0", "raise SystemExit(0)"),
    ("guard-interrupt", "guard 'can_go' raised KeyboardInterrupt", "raise KeyboardInterrupt"),
    ("property-raise", "property 'fine' (holds) raised ValueError: boom",
     'raise ValueError("boom")'),
    ("property-exit", "property 'fine' (holds) raised SystemExit: 0", "raise SystemExit(0)"),
    ("factory-exit", "workflow() raised SystemExit: 0", "raise SystemExit(0)"),
    ("factory-base", "workflow() raised BaseException: base", 'raise BaseException("base")'),
])
def test_user_code_that_raises_or_exits_is_exit_2_naming_it(tmp_path, capsys, mode, message,
                                                             line):
    spec = toy(tmp_path, mode)
    code, out, err = run(capsys, ["check", "--model", spec, "--no-cache"])
    assert code == 2
    assert out == ""
    assert err.startswith("ordercheck: error: ")
    assert message in err.splitlines()[0]
    assert line in err
    # the user's frames only: not ordercheck's, not the standard library's
    assert frames(err) and set(frames(err)) == {str(tmp_path / "toy.py")}
    assert "Traceback" not in err


@pytest.mark.parametrize(("mode", "message"), [
    ("guard-not-callable",
     "Workflow.guards['can_go']: is int, not callable (a guard is a function of the "
     "StatusView)"),
    ("property-not-callable", "property 'fine': holds is int, not callable"),
    ("duplicate-property",
     "property 'fine': is declared twice (property names must be unique: reports select "
     "them by name)"),
])
def test_malformed_user_callables_are_refused_naming_them(tmp_path, capsys, mode, message):
    code, _, err = run(capsys, ["check", "--model", toy(tmp_path, mode), "--no-cache"])
    assert (code, err) == (2, f"ordercheck: error: {message}\n")


def test_model_module_that_exits_on_import_is_exit_2(tmp_path, capsys):
    (tmp_path / "exits.py").write_text("raise SystemExit(0)\n")
    code, _, err = run(capsys, ["check", "--model", f"{tmp_path / 'exits.py'}:workflow"])
    assert code == 2
    assert err.splitlines()[0] == (f"ordercheck: error: --model '{tmp_path / 'exits.py'}:"
                                   f"workflow': importing {tmp_path / 'exits.py'} raised "
                                   "SystemExit: 0")


def test_transition_to_an_undeclared_state_is_named(tmp_path, capsys):
    (tmp_path / "stray.py").write_text(textwrap.dedent('''
        from statemachine import State, StateChart
        from ordercheck.checks.protocol import Party, Workflow, transition

        Z = State("Z", value="z")

        class C(StateChart):
            catch_errors_as_events = False
            validate_trap_states = False
            validate_final_reachability = False
            a = State("A", value="a", initial=True)
            b = State("B", value="b", final=True)
            go = transition(a.to(b), actor="x", cite="t")
            stray = transition(a.to(Z), actor="x", cite="t")

        workflow = Workflow(name="u", parties=(Party(name="p", chart=C),))
    '''))
    code, _, err = run(capsys, ["check", "--model", f"{tmp_path / 'stray.py'}:workflow"])
    assert (code, err) == (2, "ordercheck: error: p chart 'C', transition from 'a' on 'stray': "
                              "targets state 'Z', which is not declared in the chart (make it "
                              "a class attribute)\n")


def test_interrupt_outside_user_code_is_no_verdict_and_our_defect_is_4(capsys):
    assert cli._exit_code_of(KeyboardInterrupt()) == 3
    assert capsys.readouterr().err == "ordercheck: interrupted; no verdict\n"
    assert cli._exit_code_of(RuntimeError("bug")) == 4
    assert capsys.readouterr().err.endswith(
        "RuntimeError: bug\nordercheck: internal error (please report it with the "
        "traceback)\n")


def test_model_file_imports_its_sibling_module(tmp_path, capsys):
    pkg = tmp_path / "models"
    pkg.mkdir()
    (pkg / "helper_for_toy.py").write_text(TOY.format(mode=""))
    (pkg / "main_model.py").write_text("from helper_for_toy import workflow\n")
    code, out, _ = run(capsys, ["check", "--model", f"{pkg / 'main_model.py'}:workflow",
                                "--no-cache"])
    assert code == 0
    assert "verdict: OK" in out
    assert str(pkg) not in sys.path  # only while importing


def test_missing_attribute_is_named_under_the_users_spec(tmp_path, capsys):
    spec = toy(tmp_path).replace(":workflow", ":nope")
    code, _, err = run(capsys, ["check", "--model", spec])
    assert (code, err) == (2, f"ordercheck: error: --model '{spec}': {tmp_path / 'toy.py'} "
                              "has no attribute 'nope'\n")


# -- python: adapters --------------------------------------------------------------------------
ADAPTERS = '''
from tests.adapters import DocumentedImpl


class ExitsOnInit(DocumentedImpl):
    def __init__(self):
        raise SystemExit(0)


class NoReset:
    automatic = frozenset()

    def send(self, command):
        return False

    def status(self):
        return {}


class ExitsOnStatus(DocumentedImpl):
    def status(self):
        raise SystemExit(0)


class Misspelled(DocumentedImpl):
    """Reports 'in-handling' where the model says 'handling'."""

    def status(self):
        return {p: ("in-handling" if s == "handling" else s)
                for p, s in super().status().items()}
'''


@pytest.fixture
def adapters(tmp_path, monkeypatch):
    (tmp_path / "trust_adapters.py").write_text(ADAPTERS)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "trust_adapters", raising=False)
    return "python:trust_adapters"


def test_adapter_that_exits_in_init_is_an_adapter_error(adapters, capsys):
    code, out, err = run(capsys, ["conform", "--adapter", f"{adapters}:ExitsOnInit"])
    assert code == 2
    assert out == ""
    assert err.startswith("ordercheck: adapter error: creating the adapter failed: "
                          "SystemExit: 0\n")
    assert "raise SystemExit(0)" in err


def test_adapter_that_exits_in_a_method_is_an_adapter_error(adapters, capsys):
    code, out, _ = run(capsys, ["conform", "--adapter", f"{adapters}:ExitsOnStatus",
                                "--no-hypothesis"])
    assert code == 2
    assert "  ADAPTER ERROR step 0 (fresh order) status(): the adapter raised SystemExit: 0" in out
    assert out.endswith("  verdict: ERROR\n")


def test_adapter_without_reset_is_refused(adapters, capsys):
    code, _, err = run(capsys, ["conform", "--adapter", f"{adapters}:NoReset"])
    assert (code, err) == (2, f"ordercheck: error: --adapter '{adapters}:NoReset': NoReset has "
                              "no reset() (an adapter offers reset(), send(command) and "
                              "status())\n")


def test_unknown_status_is_one_error_naming_it(adapters, capsys):
    code, out, _ = run(capsys, ["conform", "--adapter", f"{adapters}:Misspelled",
                                "--no-hypothesis"])
    assert code == 2
    errors = [line for line in out.splitlines() if "ERROR" in line and "verdict" not in line]
    assert len(errors) == 1
    assert errors[0].startswith("  ERROR the implementation reports status 'in-handling' for "
                                "seller, which the model does not know (")
    assert "FAIL" not in out
    assert out.endswith("  verdict: ERROR\n")


def test_empty_process_command_is_a_usage_error(capsys):
    code, _, err = run(capsys, ["conform", "--adapter", "process:  "])
    assert (code, err) == (2, "ordercheck: error: --adapter 'process:  ': empty command "
                              "(expected 'process:CMD ARGS...', e.g. 'process:node "
                              "adapter.js')\n")


def test_hello_with_a_string_for_automatic_is_refused(tmp_path, capsys):
    script = tmp_path / "hello.py"
    script.write_text(textwrap.dedent('''
        import json, sys
        for line in sys.stdin:
            op = json.loads(line)["op"]
            if op == "close":
                break
            print(json.dumps({"ok": True, "automatic": "platform"}), flush=True)
    '''))
    code, _, err = run(capsys, ["conform", "--adapter", f"process:{sys.executable} {script}"])
    assert code == 2
    assert err.endswith("hello answer: field 'automatic' must be a list of actor names, "
                        "got 'platform'\n")


# -- no vacuous passes ---------------------------------------------------------------------------
def test_conform_with_nothing_to_run_is_a_usage_error(capsys):
    code, out, err = run(capsys, ["conform", "--adapter", "python:tests.adapters:DocumentedImpl",
                                  "--no-tour", "--no-hypothesis"])
    assert (code, out) == (2, "")
    assert err == ("ordercheck: error: --no-tour --no-hypothesis: nothing to run (a run that "
                   "tests nothing is not a pass); drop one of them\n")


def test_conform_that_exercised_no_transition_is_inconclusive(tmp_path, monkeypatch, capsys):
    spec = toy(tmp_path, name="toy_auto")
    (tmp_path / "auto_adapter.py").write_text(textwrap.dedent(f'''
        from ordercheck.checks.cli import resolve_model
        from ordercheck.checks.conformance.model_adapter import ModelAdapter

        class Auto(ModelAdapter):
            """Runs every step itself: no command is left to test."""
            def __init__(self):
                super().__init__(resolve_model({spec!r}), frozenset({{"x"}}))
    '''))
    monkeypatch.syspath_prepend(str(tmp_path))
    code, out, _ = run(capsys, ["conform", "--model", spec, "--adapter",
                                "python:auto_adapter:Auto", "--budget", "5",
                                "--out", str(tmp_path / "c")])
    assert code == 3
    assert out.endswith("  tour: 0/0 cases passed (0 coverage targets), 0 commands\n"
                        "  hypothesis: 5 examples, 0 commands, no divergence\n"
                        "  coverage: 1/1 model transitions, 1/2 (party, status) pairs observed\n"
                        "  coverage targets: 0/0 (0.0%)\n"
                        "  verdict: INCONCLUSIVE (no command was sent)\n")
    assert json.loads((tmp_path / "c" / "conformance.json").read_text())["verdict"] == \
        "INCONCLUSIVE"


# -- numeric options ----------------------------------------------------------------------------
@pytest.mark.parametrize(("argv", "message"), [
    (["check", "--max-states", "0"], "argument --max-states: must be a positive integer, "
                                     "got '0'"),
    (["check", "--max-states", "-1"], "argument --max-states: must be a positive integer, "
                                      "got '-1'"),
    (["check", "--max-depth", "-1"], "argument --max-depth: must be a positive integer, "
                                     "got '-1'"),
    (["check", "--capacity", "0"], "argument --capacity: must be a positive integer, got '0'"),
    (["check", "--capacity", "-1"], "argument --capacity: must be a positive integer, "
                                    "got '-1'"),
    (["conform", "--adapter", "x", "--budget", "0"], "argument --budget: must be a positive "
                                                     "integer, got '0'"),
    (["conform", "--adapter", "x", "--steps", "0"], "argument --steps: must be a positive "
                                                    "integer, got '0'"),
    (["conform", "--adapter", "x", "--timeout", "-1"], "argument --timeout: must be a "
                                                       "positive number, got '-1'"),
    (["diff", "a:b", "c:d", "--capacity", "0"], "argument --capacity: must be a positive "
                                                "integer, got '0'"),
    (["diagrams", "--timeout", "0"], "argument --timeout: must be a positive number, got '0'"),
])
def test_meaningless_numbers_are_usage_errors(capsys, argv, message):
    code, _, err = run(capsys, argv)
    assert code == 2
    assert err.splitlines()[-1].endswith(f"error: {message}")


# -- output paths --------------------------------------------------------------------------------
@pytest.fixture
def a_file(tmp_path):
    path = tmp_path / "a-file"
    path.write_text("x")
    return path


def test_out_at_an_existing_file(capsys, a_file):
    code, out, err = run(capsys, ["check", "--out", str(a_file), "--no-cache"])
    assert (code, out, err) == (2, "", f"ordercheck: error: --out '{a_file}': exists and is "
                                       "not a directory\n")


def test_junit_xml_at_a_directory(capsys, tmp_path):
    code, _, err = run(capsys, ["check", "--junit-xml", str(tmp_path), "--no-cache"])
    assert (code, err) == (2, f"ordercheck: error: --junit-xml '{tmp_path}': is a directory, "
                              "expected a file\n")


def test_missing_parents_are_created(capsys, tmp_path):
    target = tmp_path / "new" / "deeper" / "junit.xml"
    code, _, _ = run(capsys, ["check", "--junit-xml", str(target), "--out",
                              str(tmp_path / "o" / "p"), "--no-cache"])
    assert code == 0
    assert target.read_text().startswith("<?xml")
    assert (tmp_path / "o" / "p" / "report.json").is_file()


def test_a_place_that_cannot_be_written(capsys):
    # /sys refuses new entries to everyone, root included
    code, _, err = run(capsys, ["check", "--out", "/sys/ordercheck-out", "--no-cache"])
    assert code == 2
    assert err.startswith("ordercheck: error: --out '/sys/ordercheck-out': cannot write "
                          "/sys/ordercheck-out (")


def test_github_step_summary_at_a_directory(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path))
    code, _, err = run(capsys, ["check", "--github-summary", "--no-cache"])
    assert (code, err) == (2, f"ordercheck: error: GITHUB_STEP_SUMMARY '{tmp_path}': is a "
                              "directory, expected a file\n")


def test_github_summary_without_the_variable_says_so(capsys, monkeypatch):
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    code, _, err = run(capsys, ["check", "--github-summary", "--no-cache", "--quiet"])
    assert code == 0
    assert err == ("ordercheck: --github-summary: GITHUB_STEP_SUMMARY is not set (it is set "
                   "inside GitHub Actions); no summary written\n")


@pytest.mark.parametrize("argv", [
    ["vectors", "--out", "{file}"],
    ["report", "--out", "{file}", "--no-diagrams"],
    ["conform", "--adapter", "python:tests.adapters:DocumentedImpl", "--out", "{file}"],
    ["diagrams", "--out", "{file}", "--no-render"],
])
def test_directory_outputs_at_a_file(capsys, a_file, argv):
    code, out, err = run(capsys, [a.format(file=a_file) for a in argv])
    assert (code, out, err) == (2, "", f"ordercheck: error: --out '{a_file}': exists and is "
                                       "not a directory\n")


def test_diff_out_at_a_directory(capsys, tmp_path):
    spec = "ordercheck.model.vtex:documented"
    code, out, err = run(capsys, ["diff", spec, spec, "--out", str(tmp_path)])
    assert (code, out, err) == (2, "", f"ordercheck: error: --out '{tmp_path}': is a "
                                       "directory, expected a file\n")


def test_diagrams_trace_on_a_binary_file(capsys, tmp_path):
    binary = tmp_path / "trace.bin"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    code, out, err = run(capsys, ["diagrams", "--trace", str(binary), "--out", str(tmp_path)])
    assert (code, out) == (2, "")
    assert err == f"ordercheck: error: --trace: {binary}:1: not UTF-8 (byte 0x89 at column 1)\n"


def test_missing_dot_is_a_warning_naming_what_was_not_rendered(capsys, tmp_path, monkeypatch):
    from ordercheck.diagrams import render

    monkeypatch.setattr(render, "available", lambda: False)
    code, out, err = run(capsys, ["diagrams", "--trace", str(SCENARIO), "--out", str(tmp_path)])
    assert code == 0
    assert out.splitlines() == [str(tmp_path / "ki-1004978.dot"),
                                str(tmp_path / "ki-1004978.mmd")]
    assert err == ("ordercheck diagrams: warning: graphviz 'dot' not found; not rendered: "
                   "ki-1004978.svg (DOT and Mermaid written; apt-get install graphviz, or pass "
                   "--no-render)\n")


def test_diff_does_not_repeat_the_kind(capsys):
    from ordercheck.checks.diff import _headline
    from ordercheck.checks.findings import Finding, FindingKind, Severity

    common = {"property": "p", "severity": Severity.ERROR, "state": None}
    deadlock = Finding(kind=FindingKind.DEADLOCK, statuses=(("x", "a"),), **common)
    assert _headline(deadlock) == "deadlock: x a"
    assert _headline(Finding(kind=FindingKind.INVARIANT, **common)) == "invariant: p violated"


# -- --property -----------------------------------------------------------------------------------
def test_property_filter_keeps_only_the_named_properties(capsys):
    code, out, _ = run(capsys, ["check", "--variant", "observed", "--property", "no-deadlock",
                                "--format", "json", "--no-cache"])
    assert code == 1
    findings = json.loads(out)["findings"]
    assert {f["property"] for f in findings} == {"no-deadlock"}
    assert len(findings) == 3  # the deadlocks of the observed model, by status
    code, out, _ = run(capsys, ["check", "--variant", "observed", "--property",
                                "final-statuses-absorbing", "--no-cache"])
    assert code == 0
    assert "verdict: OK" in out


def test_unknown_property_lists_the_known_ones(capsys):
    code, _, err = run(capsys, ["check", "--property", "no-such", "--no-cache"])
    assert code == 2
    assert err.startswith("ordercheck: error: --property 'no-such': no such property in "
                          "vtex-documented; known: no-deadlock, no-livelock, can-always-finish, ")


# -- docs true --------------------------------------------------------------------------------
def test_readme_synopsis_is_the_parsers():
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"<!-- synopsis:.*?-->\n```\n(.*?)```\n<!-- /synopsis -->", readme,
                      re.S)
    assert block is not None, "README.md lost its synopsis block"
    assert block.group(1) == synopsis(), ("README synopsis is stale: paste the output of "
                                          "`python -m ordercheck.checks.synopsis`")


def test_synopsis_lists_every_option_of_every_subcommand():
    from ordercheck.checks.synopsis import subcommands

    text = synopsis()
    for name, parser in subcommands().items():
        line = re.search(rf"^ordercheck {name} .*?(?=^ordercheck |\Z)", text, re.M | re.S)
        assert line is not None, name
        for action in parser._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help":
                    assert flag in line.group(0), (name, flag)
    assert text.count("ordercheck replay ") == 1


def test_version(capsys):
    expected = importlib.metadata.version("ordercheck")
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"ordercheck {expected}\n"


def test_python_dash_m_ordercheck(tmp_path):
    done = subprocess.run([sys.executable, "-m", "ordercheck", "--version"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)
    assert (done.returncode, done.stdout, done.stderr) == (
        0, f"ordercheck {importlib.metadata.version('ordercheck')}\n", "")
    done = subprocess.run([sys.executable, "-m", "ordercheck", "check", "--max-states", "0"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "must be a positive integer" in done.stderr


def test_schemas_validate_offline(capsys, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the network was used")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    assert main(["check", "--variant", "observed", "--format", "json", "--no-cache"]) == 1
    report = json.loads(capsys.readouterr().out)
    validate(report, "check-report")  # $refs trace-step.schema.json by its https id
    report["findings"][0]["trace"][0]["kind"] = "teleport"
    with pytest.raises(jsonschema.ValidationError):
        validate(report, "check-report")
    assert SCHEMA_NAMES == ("check-report", "process-adapter", "trace-step", "vector")
    remote = {"$ref": "https://example.com/elsewhere.json"}
    with pytest.raises(jsonschema.exceptions._WrappedReferencingError):
        list(jsonschema.Draft202012Validator(
            remote, registry=validator("vector")._registry).iter_errors({}))
    with pytest.raises(ValueError, match="no schema 'nope'; known: check-report, "):
        validator("nope")


# -- pytest plugin: UNKNOWN is not a pass ------------------------------------------------------
UNKNOWN_SUITE = '''
from ordercheck.checks.pytest_plugin import check_model

test_bounded = check_model("ordercheck.model.vtex:documented", capacity=1,
                           builtin=("no-deadlock",))
'''


def test_plugin_unknown_fails_by_default(pytester):
    pytester.makepyfile(test_bounded=UNKNOWN_SUITE)
    result = pytester.runpytest("-p", "no:cacheprovider")
    outcomes = result.parseoutcomes()
    assert outcomes.get("skipped", 0) == 0
    assert outcomes["failed"] >= 1
    result.stdout.fnmatch_lines([
        "*ordercheck property 'no-deadlock' (deadlock) undecided:*",
        "*UNKNOWN: exploration hit a bound (channel-capacity); the property was not decided "
        "(set ordercheck_unknown = skip to skip instead)*"])


def test_plugin_unknown_skips_when_configured(pytester):
    pytester.makepyfile(test_bounded=UNKNOWN_SUITE)
    pytester.makeini("[pytest]\nordercheck_unknown = skip\n")
    result = pytester.runpytest("-p", "no:cacheprovider", "-rs")
    assert result.parseoutcomes().get("failed", 0) == 0
    assert result.parseoutcomes()["skipped"] >= 1


def test_plugin_refuses_a_policy_outside_the_closed_set(pytester):
    pytester.makepyfile(test_bounded=UNKNOWN_SUITE)
    pytester.makeini("[pytest]\nordercheck_unknown = maybe\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*ini option ordercheck_unknown = 'maybe': expected one of "
                                 "fail, skip*"])


@pytest.mark.parametrize(("argv", "message"), [
    (["check", "--model", ""], "--model '': empty; expected module:attribute or "
                               "file.py:attribute"),
    (["check", "--out", ""], "--out '': empty path"),
    (["check", "--junit-xml", " "], "--junit-xml ' ': empty path"),
    (["conform", "--adapter", "python:"], "--adapter 'python:': expected 'module:attribute'"),
    (["conform", "--adapter", "python:os:nope"], "--adapter 'python:os:nope': os has no "
                                                 "attribute 'nope'"),
    (["conform", "--adapter", "ftp://x"], "--adapter 'ftp://x': expected python:module:Class, "
                                          "'process:CMD' or http://host:port"),
])
def test_empty_and_malformed_specs_are_named(capsys, argv, message):
    code, out, err = run(capsys, [*argv, "--no-cache"] if argv[0] == "check" else argv)
    assert (code, out, err) == (2, "", f"ordercheck: error: {message}\n")


@pytest.mark.parametrize(("url", "problem"), [
    ("http://", "no host (expected http://HOST:PORT)"),
    ("http://127.0.0.1:notaport", "not a URL (Port could not be cast to integer value as "
                                  "'notaport')"),
    ("http://[::1", "not a URL (Invalid IPv6 URL)"),
])
def test_malformed_http_adapter_url_is_a_usage_error(capsys, url, problem):
    code, out, err = run(capsys, ["conform", "--adapter", url])
    assert (code, out, err) == (2, "", f"ordercheck: error: --adapter {url!r}: {problem}\n")


def test_adapter_loads_from_a_file_with_its_sibling(tmp_path, capsys):
    """The one loader (checks/loading.py) serves --adapter python: as it serves --model."""
    (tmp_path / "sibling_impl.py").write_text("from tests.adapters import DocumentedImpl\n")
    (tmp_path / "my_adapter.py").write_text("from sibling_impl import DocumentedImpl as Impl\n")
    code, out, _ = run(capsys, ["conform", "--adapter",
                                f"python:{tmp_path / 'my_adapter.py'}:Impl", "--budget", "5"])
    assert code == 0
    assert out.endswith("  verdict: CONFORMS\n")
    code, _, err = run(capsys, ["conform", "--adapter",
                                f"python:{tmp_path / 'my_adapter.py'}:Nope"])
    assert (code, err) == (2, f"ordercheck: error: --adapter 'python:{tmp_path / 'my_adapter.py'}"
                              f":Nope': {tmp_path / 'my_adapter.py'} has no attribute 'Nope'\n")


SHAPED = '''
from {base} import C, can_go, holds
from ordercheck.checks.properties import Always
from ordercheck.checks.protocol import Party, Workflow


def workflow():
    fields = dict(name="t", parties=(Party(name="p", chart=C),), guards={{"can_go": can_go}},
                  properties=())
    fields.update({change})
    return Workflow(**fields)
'''


@pytest.mark.parametrize(("change", "message"), [
    ("guards=[('can_go', can_go)]",
     "Workflow.guards: is list, expected a mapping of guard names to functions"),
    ("parties=('p',)", "Workflow.parties[0]: is str 'p', expected a Party"),
    ("properties=None", "Workflow.properties: is NoneType, expected a tuple of properties"),
    ("messages=('m',)", "Workflow.messages[0]: is str 'm', expected a Message"),
    ("timers=('t',)", "Workflow.timers[0]: is str 't', expected a Timer"),
    ("automatic_actors=None", "Workflow.automatic_actors: is None, expected a tuple of actor "
                              "names"),
    ("properties=(Always(name='x', description='d', holds=holds, severity='fatal'),)",
     "property 'x': severity 'fatal' is not one of error, warning"),
])
def test_malformed_workflow_records_are_named(tmp_path, capsys, change, message):
    toy(tmp_path, name="shape_base")
    (tmp_path / "shaped.py").write_text(SHAPED.format(base="shape_base", change=change))
    code, _, err = run(capsys, ["check", "--model", f"{tmp_path / 'shaped.py'}:workflow",
                                "--no-cache"])
    assert (code, err) == (2, f"ordercheck: error: {message}\n")


@pytest.mark.parametrize("delivery", ["fifo", "duplicate"])
def test_every_finding_carries_a_property_name_that_property_accepts(capsys, delivery):
    code, out, _ = run(capsys, ["check", "--variant", "observed", "--delivery", delivery,
                                "--format", "json", "--no-cache"])
    assert code == 1
    from ordercheck.model.vtex import observed

    known = {*cli.ENGINE_PROPERTIES, *(p.name for p in observed().properties)}
    findings = json.loads(out)["findings"]
    assert {f["property"] for f in findings} <= known
    assert {"no-deadlock", "messages-handled"} <= {f["property"] for f in findings}


def test_report_diagrams_out_at_a_file_fails_before_exploring(capsys, tmp_path, a_file):
    code, out, err = run(capsys, ["report", "--out", str(tmp_path / "r"), "--diagrams-out",
                                  str(a_file)])
    assert (code, out, err) == (2, "", f"ordercheck: error: --diagrams-out '{a_file}': exists "
                                       "and is not a directory\n")
    assert not (tmp_path / "r" / "SUMMARY.md").exists()


def test_a_limit_of_the_engine_is_not_blamed_on_user_code(capsys):
    """The codec refuses a capacity whose contents cannot be numbered in 60 bits; the raise
    passes through the ``__init__`` a dataclass generates (``<string>``), which is ours."""
    code, out, err = run(capsys, ["check", "--capacity", "40", "--no-cache", "--quiet"])
    assert (code, out) == (2, "")
    assert err.strip() == ("ordercheck: error: channel marketplace->seller: 4 messages at "
                           "capacity 40 have more than 2^60 possible contents (lower --capacity)")
