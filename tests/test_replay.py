"""Replay that can't be faked: headers never run code, nothing replayed is not a pass,
reading streams and stops at the first bad or rejected line, every bad line is named, and
observed-status lines (a log of statuses only) replay through the belief tracker."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from ordercheck.checks.cli import VARIANTS, build_parser, main
from ordercheck.checks.system import TransitionSystem
from ordercheck.checks.trace import (
    MalformedTrace,
    ReplayVerdict,
    TraceReader,
    load,
    open_trace,
    replay,
)
from ordercheck.model.vtex import documented, observed

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "model" / "vtex" / "scenarios" / "ki-1004978.jsonl"
SCHEMA = json.loads((ROOT / "checks" / "schemas" / "trace-step.schema.json").read_text())
TWO_PARTY = ROOT / "docs" / "examples" / "two_party.py"
ALL_ACTORS = ["customer-care", "network", "platform", "seller", "shopper", "timer"]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def scenario_lines() -> list[dict]:
    return [json.loads(line) for line in SCENARIO.read_text().splitlines()]


def write(path: Path, objs: list[dict]) -> Path:
    path.write_text("".join(json.dumps(o) + "\n" for o in objs))
    return path


# -- data never runs code -------------------------------------------------------------------
@pytest.mark.parametrize("spec", ["sys:exit", "os:system", "tests.toys:ping_pong"])
def test_a_header_naming_another_model_is_refused_not_imported(capsys, tmp_path, spec):
    path = write(tmp_path / "t.jsonl", [{"trace": 1, "model_spec": spec}, {"kind": "start"}])
    code, out, err = run(capsys, "replay", str(path))
    assert (code, out) == (2, "")
    assert err == (f"ordercheck: error: {path}:1: the header names the model {spec!r}; a trace "
                   f"may name only a built-in model (documented, observed, "
                   f"documented_receipt_clock, observed_receipt_clock), so it is not "
                   f"loaded: pass --model {spec} to replay on it\n")


def test_a_header_naming_a_python_file_does_not_run_it(capsys, tmp_path):
    marker = tmp_path / "ran"
    evil = tmp_path / "evil.py"
    evil.write_text(f"open({str(marker)!r}, 'w').close()\nworkflow = None\n")
    path = write(tmp_path / "t.jsonl", [{"trace": 1, "model_spec": f"{evil}:workflow"},
                                        {"kind": "start"}])
    code, _, err = run(capsys, "replay", str(path))
    assert code == 2
    assert "may name only a built-in model" in err
    assert not marker.exists()


def test_a_user_model_trace_replays_with_an_explicit_model(capsys, tmp_path):
    spec = f"{TWO_PARTY}:workflow"
    code, _, _ = run(capsys, "check", "--model", spec, "--out", str(tmp_path), "--no-cache")
    assert code == 1
    traces = sorted((tmp_path / "traces").glob("*.jsonl"))
    assert traces
    for trace in traces:
        assert json.loads(trace.read_text().splitlines()[0])["model_spec"] == spec
        code, _, err = run(capsys, "replay", str(trace))
        assert code == 2 and f"pass --model {spec} to replay on it" in err
        code, out, _ = run(capsys, "replay", str(trace), "--model", spec)
        assert code == 0, out
        assert out.splitlines()[0] == f"replay {trace} on {spec} (delivery fifo)"


@pytest.mark.parametrize("named", ["observed", "ordercheck.model.vtex:observed"])
def test_a_header_may_name_a_builtin_model(capsys, tmp_path, named):
    lines = scenario_lines()
    lines[0]["model_spec"] = named
    code, out, _ = run(capsys, "replay", str(write(tmp_path / "t.jsonl", lines)))
    assert code == 0
    assert out.splitlines()[0].endswith("on ordercheck.model.vtex:observed (delivery fifo)")
    assert out.splitlines()[-1] == "OK: all 17 steps allowed by the model"


def test_without_a_header_replay_uses_the_variant_check_defaults_to(capsys, tmp_path):
    parser = build_parser()
    assert parser.parse_args(["check"]).variant == "documented"
    assert parser.parse_args(["replay", "x"]).variant is None  # the header decides
    path = write(tmp_path / "t.jsonl", scenario_lines()[1:])
    code, out, _ = run(capsys, "replay", str(path))
    assert out.splitlines()[0] == f"replay {path} on ordercheck.model.vtex:documented " \
                                  f"(delivery fifo)"
    assert (code, f"REJECTED at {path}:16" in out) == (1, True)  # the decline, as documented
    assert VARIANTS == ("documented", "observed", "documented_receipt_clock",
                        "observed_receipt_clock")  # from the model's catalog entry


# -- nothing replayed is not a pass ---------------------------------------------------------
@pytest.mark.parametrize("content", [
    "",
    "\n\n  \n",
    '{"trace": 1, "model_spec": "ordercheck.model.vtex:documented"}\n',
    '{"kind": "start"}\n',
    '{"kind": "start", "status": {}}\n',
])
def test_nothing_replayed_is_unknown(capsys, tmp_path, content):
    path = tmp_path / "t.jsonl"
    path.write_text(content)
    code, out, err = run(capsys, "replay", str(path))
    assert (code, err) == (3, "")
    assert out == (f"replay {path} on ordercheck.model.vtex:documented (delivery fifo)\n"
                   f"UNKNOWN: nothing replayed ({path} has no step and no expected status)\n")


def test_dev_null_is_unknown(capsys):
    code, out, _ = run(capsys, "replay", "/dev/null")
    assert code == 3
    assert out.splitlines()[-1] == ("UNKNOWN: nothing replayed (/dev/null has no step and no "
                                    "expected status)")


def test_a_start_line_is_checked_but_alone_tests_nothing(capsys, tmp_path):
    """The model fixes the initial state, so a trace that only restates it is not a pass
    (exit 3); one that contradicts it is rejected."""
    path = write(tmp_path / "t.jsonl", [scenario_lines()[1]])
    code, out, _ = run(capsys, "replay", str(path))
    assert code == 3
    assert "nothing replayed" in out.splitlines()[-1]
    path = write(tmp_path / "t.jsonl", [{"kind": "start", "status": {"seller": "handling"}}])
    code, out, _ = run(capsys, "replay", str(path))
    assert code == 1
    assert out.splitlines()[-1] == (f"REJECTED at {path}:1: initial state: seller is 'null' in "
                                    f"the model, the trace says 'handling'")


# -- every bad line named -------------------------------------------------------------------
@pytest.mark.parametrize(("content", "message"), [
    (b'{"kind": "start"}\n{"kind": "observe", "status": {"seller": "caf\xe9"}}\n',
     ":2: not UTF-8 (byte 0xe9 at column 46)"),
    (b'{"kind": "start", "status": null}\n', ":1: status: None is not of type 'object'"),
    (b'{"kind": "start", "n": "five"}\n', ":1: n: 'five' is not of type 'integer'"),
    (b'{"kind": "start", "status": {"seller": 3}}\n',
     ":1: status/seller: 3 is not of type 'string'"),
    (b'{"kind": "start"}\n{"kind": "fire", "party": "seller", "event": "cancel", '
     b'"ignored": "no"}\n', ":2: ignored: 'no' is not of type 'boolean'"),
    (b'{"kind": "start", "in_flight": ["order-placed"]}\n',
     ":1: in_flight/0: 'order-placed' does not match '^[^>]+->[^:]+:.+$'"),
    (b'{"trace": 1, "delivery": "pigeon"}\n',
     ":1: delivery: 'pigeon' is not one of ['fifo', 'unordered', 'duplicate', 'lossy']"),
    (b'{"trace": 2}\n', ":1: trace: 1 was expected"),
    (b'{"trace": 1, "silent": "platform"}\n', ":1: silent: 'platform' is not of type 'array'"),
    (b'{"kind": "start"}\n{"trace": 1}\n', ":2: a header line ('trace') may only be the first"),
    (b'{"kind": "observe"}\n', ":1: an 'observe' line needs a 'status' object"),
    (b'\n\n{"kind": "lose", "party": "seller"}\n', ":3: a 'lose' step needs a 'message'"),
    (b'{"kind": "start", "note": ' + b"[" * 100_000 + b"\n",
     ":1: not a trace line (JSON nested too deeply)"),
])
def test_every_bad_line_is_named(capsys, tmp_path, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    code, out, err = run(capsys, "replay", str(path))
    assert (code, out) == (2, "")
    assert err.startswith(f"ordercheck: error: {path}{message}"), err


# -- streaming ------------------------------------------------------------------------------
def _lines_failing_after(good: list[bytes], limit: int) -> Iterator[bytes]:
    """Lines, then endless filler; pulling a line past ``limit`` fails the test."""
    n = 0
    while True:
        n += 1
        if n > limit:
            raise AssertionError(f"read line {n}, past line {limit}")
        yield good[n - 1] if n <= len(good) else b'{"kind": "start"}\n'


def test_the_reader_reads_no_further_than_a_bad_line():
    good = [b'{"trace": 1}\n'] + [b'{"kind": "start"}\n'] * 18 + [b'{"kind": "start", "n": -1}\n']
    reader = TraceReader(_lines_failing_after(good, 20), "big.jsonl")
    with pytest.raises(MalformedTrace, match=r"^big\.jsonl:20: n: -1 is less than the minimum"):
        for _ in reader:
            pass
    assert reader.lines_read == 20


def test_a_large_file_is_rejected_at_line_20_after_reading_20_lines(tmp_path):
    path = tmp_path / "big.jsonl"
    start = json.dumps(scenario_lines()[1]) + "\n"
    with path.open("w") as f:
        f.write(start * 19 + '{"kind": "start", "n": "five"}\n')
        f.write(start * 200_000)
    with open_trace(path) as reader, pytest.raises(MalformedTrace, match=r":20: n: 'five'"):
        for _ in reader:
            pass
    assert reader.lines_read == 20


def test_replay_stops_at_the_first_rejection():
    lines = [json.dumps(o).encode() + b"\n" for o in scenario_lines()]
    reader = TraceReader(_lines_failing_after(lines, 17), str(SCENARIO))
    result = replay(TransitionSystem(documented()), reader)
    assert (result.verdict, result.failed_at, result.replayed) == (ReplayVerdict.REJECTED, 17, 15)
    assert reader.lines_read == 17
    assert result.reason == "the model does not allow fire 'decline' on seller here"


def test_load_is_the_same_records_as_streaming():
    header, records = load(SCENARIO)
    with open_trace(SCENARIO) as reader:
        assert (reader.header, list(reader)) == (header, records)
    assert [r["_line"] for r in records] == list(range(2, 20))


# -- observed statuses ----------------------------------------------------------------------
def test_observe_lines_check_statuses_without_a_step(capsys, tmp_path):
    lines = scenario_lines()
    lines.append({"kind": "observe", "status": {"seller": "cancellation-request-denied-ffm"}})
    code, out, _ = run(capsys, "replay", str(write(tmp_path / "t.jsonl", lines)))
    assert (code, out.splitlines()[-1]) == (0, "OK: all 17 steps allowed by the model")
    lines[-1] = {"kind": "observe", "status": {"marketplace": "canceled"}}
    path = write(tmp_path / "t.jsonl", lines)
    code, out, _ = run(capsys, "replay", str(path))
    assert code == 1
    assert out.splitlines()[-1] == (f"REJECTED at {path}:20: marketplace is 'request-cancel' in "
                                    f"the model, the trace says 'canceled'")


def _statuses_only(lines: list[dict]) -> list[dict]:
    header = {**lines[0], "silent": ALL_ACTORS}
    return [header] + [{"kind": "observe", "status": line["status"]} for line in lines[1:]]


def test_a_log_of_statuses_only_replays_through_silent_steps(capsys, tmp_path):
    log = _statuses_only(scenario_lines())
    path = write(tmp_path / "log.jsonl", log)
    code, out, _ = run(capsys, "replay", str(path))
    # the witness: the steps the log left out (the last delivery changes no status: 16)
    assert (code, out.splitlines()[-1]) == (0, "OK: all 16 steps allowed by the model")
    assert "seller.decline" in out
    code, out, _ = run(capsys, "replay", str(path), "--variant", "documented")
    assert code == 1
    assert out.splitlines()[-2:] == [
        f"REJECTED at {path}:17: no model state consistent with the lines so far shows "
        f"{{marketplace: payment-approved, seller: cancellation-request-denied-ffm}}",
        "  the model allows here: {marketplace: cancel, seller: canceled}; {marketplace: "
        "cancel, seller: cancel}; {marketplace: canceled, seller: canceled}; {marketplace: "
        "canceled, seller: cancel}; {marketplace: invoice, seller: invoiced}; {marketplace: "
        "invoiced, seller: invoiced}; {marketplace: payment-approved, seller: canceled}; "
        "{marketplace: payment-approved, seller: cancellation-requested}; (+15 more)"]


def test_a_log_of_statuses_only_cannot_go_back(tmp_path):
    log = _statuses_only(scenario_lines())
    log.append({"kind": "observe", "status": {"marketplace": "order-created"}})
    _, records = load(write(tmp_path / "log.jsonl", log))
    result = replay(TransitionSystem(observed()), records, silent=ALL_ACTORS)
    assert (result.verdict, result.failed_at) == (ReplayVerdict.REJECTED, 20)


def test_a_capacity_that_holds_nothing_is_refused(capsys):
    """``--capacity 0`` used to make every send a bound hit (so replay said UNKNOWN); a channel
    that holds no message is meaningless: exit 2.  Undecided rejections under a bound are
    pinned on the tracker itself (tests/test_belief.py)."""
    code, _, err = run(capsys, "replay", str(SCENARIO), "--capacity", "0")
    assert code == 2
    assert "argument --capacity: must be a positive integer, got '0'" in err


def test_the_trace_schema_validates_offline_and_knows_observe_lines():
    jsonschema.validate({"kind": "observe", "status": {"seller": "handling"}}, SCHEMA)
    jsonschema.validate({"trace": 1, "silent": ["platform"]}, SCHEMA)
    for line in scenario_lines():
        jsonschema.validate(line, SCHEMA)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"kind": "observe"}, SCHEMA)


def test_an_observe_line_does_not_break_the_sequence_diagram(tmp_path, capsys):
    lines = scenario_lines()
    lines.append({"kind": "observe", "status": {"seller": "cancellation-request-denied-ffm"}})
    path = write(tmp_path / "obs.jsonl", lines)
    assert main(["diagrams", "--trace", str(path), "--out", str(tmp_path), "--no-render"]) == 0
    assert capsys.readouterr().out == f"{tmp_path}/obs.dot\n{tmp_path}/obs.mmd\n"


def test_a_silent_actor_the_model_does_not_have_is_named(capsys, tmp_path):
    log = _statuses_only(scenario_lines())
    log[0]["silent"] = ["platform", "plattform"]
    path = write(tmp_path / "log.jsonl", log)
    code, out, err = run(capsys, "replay", str(path))
    assert (code, out) == (2, "")
    assert err == (f"ordercheck: error: {path}:1: silent: no step of the model has the "
                   f"actor(s) plattform; its actors are customer-care, network, platform, "
                   f"seller, shopper, timer\n")
