"""``ordercheck logs --engine columnar``: the log as polars columns, the same report byte for
byte as the streaming engine — on a model-generated log (every fault of the generator), with
and without ``--now`` (release clocks), with late records (the run is the streaming
engine's), on an ``--out`` folder, and on a log of every awkward line the pattern must leave
to the streaming reader's code."""

from __future__ import annotations

import gzip
import io
import json
import math
import sys
from pathlib import Path

import pytest

from ordercheck.checks.logs import columnar
from ordercheck.checks.logs.render import dumps_indented
from tests.logs_helpers import CANCELED, HAPPY, KI_1004978, NOW, feed_items, run, write_lines
from tests.test_logs_generated import GEN_NOW_ISO, generate


@pytest.fixture(scope="module")
def log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("columnar") / "gen.jsonl"
    generate(path, 3000, seed=11)
    return path


def same(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Run both engines; assert the same exit code, stdout and stderr; return them."""
    code, out, err = run(capsys, *argv)
    assert run(capsys, *argv, "--engine", "columnar") == (code, out, err)
    return code, out


@pytest.mark.parametrize("fmt", ["json", "text", "csv", "markdown"])
def test_columnar_report_equals_streaming(log: Path, fmt: str,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    code, out = same(capsys, str(log), "--now", GEN_NOW_ISO, "--format", fmt)
    assert code == 1 and out


def test_columnar_equal_without_now(log: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Without --now, an order the streaming engine releases mid-log is judged at the clock
    of its release: the columnar engine recomputes the release points."""
    rep = json.loads(same(capsys, str(log), "--format", "json", "--settle", "2000")[1])
    assert rep["records"]["late"] == 0 and rep["now"] == "2025-06-15T15:05:40Z"


def test_columnar_late_records_are_the_streaming_engines(
        log: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A small --settle makes records late; the columnar run detects it before judging and
    hands the run to the streaming engine (a fresh ledger)."""
    calls: list[int] = []
    real = columnar.releases

    def spy(*args: object, **kwargs: object) -> object:
        try:
            return real(*args, **kwargs)  # type: ignore[arg-type]
        except columnar.LateRecords:
            calls.append(1)
            raise

    monkeypatch.setattr(columnar, "releases", spy)
    rep = json.loads(same(capsys, str(log), "--settle", "40", "--format", "json")[1])
    assert rep["records"]["late"] > 0 and rep["balanced"] is True and calls == [1]


def test_columnar_out_folder_equals_streaming(log: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    argv = [str(log), "--now", GEN_NOW_ISO, "--diagrams", "3"]
    assert run(capsys, *argv, "--out", str(a))[0] == 1
    assert run(capsys, *argv, "--out", str(b), "--engine", "columnar")[0] == 1
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert len(files) == 5 + 720
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)


def awkward_lines() -> bytes:
    """Lines the pattern must not take (or must take exactly as orjson reads them)."""
    happy = feed_items("100-01", HAPPY)
    canceled = feed_items("200-01", CANCELED)
    doomed = feed_items("300-01", KI_1004978)
    plain = [json.dumps(i).encode() for i in happy[:6]]
    out = [plain[0] + b"\r", plain[1], b"", b"   ", plain[2]]
    out.append(json.dumps(happy[3], ensure_ascii=True).replace("h", "\\u0068").encode())
    odd = dict(happy[4], state="w\u00e9ird")  # non-ASCII: unmapped, listed with its count
    out.append(json.dumps(odd, ensure_ascii=False).encode())
    out.append(b"\xff\xfe" + plain[5][2:])  # not UTF-8
    out.append(b'{"eventId": "x\x00", "domain": 1}')  # a NUL byte: the chunk is not matched
    out.append(json.dumps(happy[6:9]).encode())  # a feed page on one line
    late_time = dict(happy[9], currentChange="2025-03-01T14:00:00+00:00")  # an offset
    out.append(json.dumps(late_time).encode())
    out += [json.dumps(i).encode() for i in happy[10:]]
    for i, item in enumerate(canceled):
        if i % 2:  # hook bodies
            hook = {"Domain": item["domain"], "OrderId": item["orderId"], "State": item["state"],
                    "LastState": item["lastState"], "LastChange": item["lastChange"],
                    "CurrentChange": item["currentChange"],
                    "Origin": {"Account": "acme", "Key": "k"}}
            out.append(json.dumps(hook).encode())
        else:
            out.append(json.dumps(item).encode())
    out.append(json.dumps({**canceled[-1], "eventId": "flip-1", "state": "cancel",
                           "lastState": "canceled",
                           "currentChange": "2025-03-01T12:05:00.0000000Z"}).encode())
    out.append(json.dumps({**canceled[-1], "eventId": "flip-2",
                           "currentChange": "2025-03-01T12:05:01.0000000Z"}).encode())
    # a deviating order with the flip: its tolerance is listed with its verdict
    wrong = feed_items("250-01", [CANCELED[0], ("m", "invoiced", 10), *CANCELED[1:]])
    flip = {**wrong[-1], "eventId": "f1", "state": "cancel", "lastState": "canceled",
            "currentChange": "2025-03-01T12:06:00.0000000Z"}
    out += [json.dumps(i).encode() for i in [*wrong, flip]]
    out.append(json.dumps({**wrong[-1], "eventId": "f2",
                           "currentChange": "2025-03-01T12:06:01.0000000Z"}).encode())
    bad_times = ["2025-02-30T10:00:00Z", "0000-01-01T00:00:00Z", "2025-03-01T10:00:60.5Z",
                 "2025-03-01T24:00:00Z", "2025-03-01T10:61:00Z"]
    for k, t in enumerate(bad_times):
        out.append(json.dumps({**doomed[k], "currentChange": t}).encode())
    out += [json.dumps(i).encode() for i in doomed[len(bad_times):]]
    # an eventId reused: the second record is a duplicate change, the third reuses its id
    again = feed_items("400-01", HAPPY[:4])
    out += [json.dumps(i).encode() for i in again]
    out.append(json.dumps({**again[1], "eventId": "reused"}).encode())
    out.append(json.dumps({**again[3], "eventId": "reused", "state": "payment-pending",
                           "lastState": "order-accepted"}).encode())
    # two changes of one party at one instant (ties, chained by lastState)
    tie = feed_items("500-01", HAPPY[:5])
    tie[2]["currentChange"] = tie[3]["currentChange"]
    out += [json.dumps(i).encode() for i in reversed(tie)]
    out.append(b'{"Domain": "OrdersDocumentUpdated", "OrderId": "1", "State": "x", '
               b'"LastState": "", "LastChange": "2025-03-01T10:00:00Z", '
               b'"CurrentChange": "2025-03-01T10:00:00Z", "Origin": {"Account": "a", "Key": "k"}}')
    out.append(b'{"hookConfig": "ping"}')
    out.append(b"[1, 2")
    return b"\n".join(out)  # the last line has no newline


def test_columnar_awkward_lines_equal_streaming(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "logs"
    folder.mkdir()
    data = awkward_lines()
    (folder / "a.jsonl").write_bytes(b"\xef\xbb\xbf" + data)  # a BOM before the first line
    (folder / "b.jsonl").write_bytes(data.replace(b"400-01", b"600-01")
                                     .replace(b"500-01", b"700-01"))
    with gzip.open(folder / "c.jsonl.gz", "wb") as f:
        f.write(data.replace(b"-01", b"-02"))
    (folder / "d.json").write_text(json.dumps(feed_items("800-01", HAPPY), indent=2))
    (folder / "e.csv").write_text("order_id,party,status,timestamp\n"
                                  "900-01,marketplace,on-order-completed,2025-03-01T12:00:00Z\n"
                                  "900-01,marketplace,bogus\n")
    code, out = same(capsys, str(folder), "--now", NOW, "--format", "json")
    rep = json.loads(out)
    assert code == 1 and rep["balanced"] is True
    assert rep["records"]["duplicate"] > 0 and rep["records"]["tolerated"] > 0
    assert {m["at"].rsplit(":", 1)[1] for m in rep["malformed"] if "b.jsonl" in m["at"]} >= {
        "8", "9", str(data.count(b"\n") + 1)}
    assert any("w\u00e9ird" in u["status"] for u in rep["unmapped"])
    flipped = [o for o in rep["bad_orders"] if o["order"] == "250-01"]
    assert flipped[0]["verdict"] == "deviating" and len(flipped[0]["tolerances"]) == 1
    for fmt in ("text", "csv"):
        same(capsys, str(folder), "--now", NOW, "--format", fmt)
    same(capsys, str(folder), "--format", "text")  # no --now: release clocks


def test_columnar_reads_stdin_once(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    data = b"\n".join(json.dumps(i).encode() for i in feed_items("100-01", HAPPY))

    class Stdin:
        buffer = io.BytesIO(data)

    monkeypatch.setattr(sys, "stdin", Stdin)
    code, out, err = run(capsys, "-", "--now", NOW, "--format", "json")
    Stdin.buffer = io.BytesIO(data)
    assert run(capsys, "-", "--now", NOW, "--format", "json", "--engine", "columnar") == (
        code, out, err)
    assert code == 0 and json.loads(out)["verdicts"]["conforming"] == 1


def test_columnar_without_polars_is_a_usage_error(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str],
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_lines(tmp_path / "f.jsonl", feed_items("100-01", HAPPY))
    monkeypatch.setitem(sys.modules, "ordercheck.checks.logs.columnar", None)
    assert run(capsys, str(path), "--engine", "columnar") == (
        2, "", "ordercheck: error: --engine columnar: needs polars and numpy "
               "(pip install 'ordercheck[columnar]')\n")


def test_dumps_indented_is_json_dumps_indent_2() -> None:
    value = {"a": [], "b": {}, "c": [1, 2.5, -0.0, 1e16, 1 / 3, True, False, None],
             "d": {"x": "é \" \\ \n \u2028 \U0001f600", "y": [{"z": []}, [[]]]},
             "e": [math.inf, -math.inf], "f": 10**20}
    assert dumps_indented(value) == json.dumps(value, indent=2)
    assert dumps_indented(float("nan")) == "NaN"
    with pytest.raises(TypeError):
        dumps_indented({1, 2})


def test_columnar_nothing_usable_is_unknown(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    junk = tmp_path / "junk.jsonl"
    junk.write_bytes(b"not json\n\n[1]\n")
    code, out = same(capsys, str(empty), str(junk), "--format", "json")
    rep = json.loads(out)
    assert (code, rep["orders"], rep["records"]["total"], rep["records"]["malformed"]) == (
        3, 0, 2, 2)
