"""``ordercheck logs``: formats, the ledger, linking, feed semantics, verdicts, timers, exit
codes and renderings, on small hand-built VTEX logs (tests/logs_helpers.py)."""

from __future__ import annotations

import gzip
import io
import json
from pathlib import Path

import pytest

from ordercheck.checks.logs.link import default_rule
from ordercheck.checks.trace import load
from tests.logs_helpers import (
    CANCELED,
    HAPPY,
    KI_1004978,
    NOW,
    T0,
    feed_items,
    iso,
    report,
    run,
    write_lines,
)


def verdicts(rep: dict) -> dict[str, int]:  # type: ignore[type-arg]
    return {k: v for k, v in rep["verdicts"].items() if v}


def by_order(rep: dict) -> dict[str, dict]:  # type: ignore[type-arg]
    return {o["order"]: o for o in rep["bad_orders"] + rep["incomplete_orders"]}


# -- input formats and the ledger ------------------------------------------------------------
def test_feed_hook_plain_gzip_folder_every_record_accounted(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    logs = tmp_path / "logs"
    logs.mkdir()
    # 1. a pretty-printed Feed v3 page (a JSON array file)
    (logs / "a-page.json").write_text(json.dumps(feed_items("100-01", HAPPY), indent=2))
    # 2. hook bodies, gzip, with a ping and a document-update hook
    items = feed_items("200-01", CANCELED)
    hooks = [{"Domain": i["domain"], "OrderId": i["orderId"], "State": i["state"],
              "LastState": i["lastState"], "LastChange": i["currentChange"],
              "Origin": {"Account": "acme", "Key": "k"}} for i in items]
    hooks += [{"hookConfig": "ping"},
              {"Domain": "OrdersDocumentUpdated", "OrderId": "200-01", "State": "unknow",
               "LastChange": iso(T0)}]
    with gzip.open(logs / "b-hooks.jsonl.gz", "wt") as f:
        f.write("".join(json.dumps(h) + "\n" for h in hooks))
    # 3. a plain CSV of another system, with a malformed row and an unmapped status
    rows = ["order_id,party,status,timestamp,last_status",
            f"300-01,marketplace,on-order-completed,{iso(T0 + 1)},order-created",
            f"300-01,marketplace,waiting-for-authorization,{iso(T0 + 2)},on-order-completed",
            "300-01,marketplace,oops",
            f"300-01,marketplace,order-create-error,{iso(T0 + 3)},",
            f"300-01,shop,handling,{iso(T0 + 4)},"]
    (logs / "c-other.csv").write_text("\n".join(rows) + "\n")
    code, rep = report(capsys, str(logs), "--now", NOW)
    assert rep["records"] == {"total": 16 + 12 + 6, "used": 16 + 10 + 2, "duplicate": 0,
                              "tolerated": 0, "malformed": 2, "unmapped": 1, "skipped": 3,
                              "late": 0}
    assert rep["balanced"] is True
    assert rep["malformed"] == [
        {"at": f"{logs}/c-other.csv:4", "why": "3 fields, the header has 5"},
        {"at": f"{logs}/c-other.csv:6",
         "why": "CSV row: party 'shop' is not one of marketplace, seller"}]
    assert rep["unmapped"] == [{"status": "order-create-error",
                                "why": "known outside the modelled flow", "count": 1}]
    assert rep["skipped"] == {"CSV header": 1,
                              "domain 'OrdersDocumentUpdated': not a party of the model": 1,
                              "hook ping (hookConfig)": 1}
    assert verdicts(rep) == {"conforming": 2, "in-progress": 1}
    assert code == 0


def test_malformed_lines_are_named_and_never_stop_the_run(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    items = feed_items("100-01", HAPPY)
    lines = [json.dumps(i) for i in items[:3]] + [
        "not json", "[1, 2]", '{"eventId": "e"}', json.dumps({**items[3], "currentChange": "x"}),
        json.dumps({"what": 1}), "\xff"] + [json.dumps(i) for i in items[3:]]
    path = tmp_path / "feed.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, rep = report(capsys, str(path), "--now", NOW)
    why = [(m["at"].rsplit("/", 1)[1], m["why"]) for m in rep["malformed"]]
    assert why == [
        ("feed.jsonl:4", "not JSON (at column 1)"),
        ("feed.jsonl:5[0]", "expected a JSON object, got int"),
        ("feed.jsonl:5[1]", "expected a JSON object, got int"),
        ("feed.jsonl:6", "Feed v3 item lacks 'handle', 'domain', 'state', 'lastState', "
                         "'orderId', 'lastChange', 'currentChange'"),
        ("feed.jsonl:7", "Feed v3 item: timestamp 'x' is not ISO 8601"),
        ("feed.jsonl:8", "not a Feed v3 item (eventId, ...), a Hook body (Domain, OrderId, "
                         "...) or a plain record (order_id, ...)"),
        ("feed.jsonl:9", "not JSON (at column 1)")]
    assert rep["records"]["total"] == 16 + 7 and rep["records"]["used"] == 16
    assert rep["balanced"] and verdicts(rep) == {"conforming": 1} and code == 0


def test_stdin_is_read(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
                       ) -> None:
    data = "".join(json.dumps(i) + "\n" for i in feed_items("100-01", HAPPY)).encode()
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(gzip.compress(data))))
    code, rep = report(capsys, "-", "--now", NOW)
    assert (code, verdicts(rep), rep["records"]["used"]) == (0, {"conforming": 1}, 16)


# -- linking ---------------------------------------------------------------------------------
def test_default_rule_strips_the_seller_prefix() -> None:
    assert default_rule("MKP-1234567890123-01") == "1234567890123-01"
    assert default_rule("1234567890123-01") == "1234567890123-01"
    assert default_rule("abc-def") == "abc-def"


def test_link_file_and_one_sided_orders(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                        ) -> None:
    items = feed_items("100-01", HAPPY, seller_id="SELLER-ORDER-9")
    items += [i for i in feed_items("200-01", HAPPY) if i["domain"] == "Marketplace"]
    log = write_lines(tmp_path / "feed.jsonl", items)
    code, rep = report(capsys, str(log), "--now", NOW)
    # without the link: 100-01 has no seller; SELLER-ORDER-9 is an order with no marketplace
    assert verdicts(rep) == {"incomplete": 3}
    assert by_order(rep)["SELLER-ORDER-9"]["reason"] == (
        "no record of the marketplace's order, but the model says it has left order-created")
    assert by_order(rep)["200-01"]["reason"] == (
        "no record of the seller's order, but the model says it has left null")
    link = tmp_path / "link.csv"
    link.write_text("marketplace_order_id,seller_order_id\n100-01,SELLER-ORDER-9\n")
    code, rep = report(capsys, str(log), "--now", NOW, "--link", str(link))
    assert (code, verdicts(rep)) == (0, {"incomplete": 1, "conforming": 1})
    link.write_text("market,seller\n")
    code, _out, err = run(capsys, str(log), "--link", str(link))
    assert code == 2 and err == (f"ordercheck: error: --link {link}:1: expected the header "
                                 "'marketplace_order_id,seller_order_id', got 'market,seller'\n")


# -- feed semantics --------------------------------------------------------------------------
def test_duplicates_reordering_chaining_and_the_cancel_flip(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]
                                                            ) -> None:
    items = feed_items("200-01", CANCELED)
    again = dict(items[2], eventId="other-id")  # the same change under a new event id
    flip = feed_items("200-01", [*CANCELED, ("s", "cancel", 5), ("s", "canceled", 5)])[-2:]
    same_time = feed_items("300-01", HAPPY)
    for i in same_time[10:13]:  # three seller changes at one instant, delivered backwards
        i["currentChange"] = same_time[10]["currentChange"]
    same_time[10:13] = same_time[10:13][::-1]
    log = write_lines(tmp_path / "feed.jsonl",
                      [*list(reversed(items)), items[0], again, *flip, *same_time])
    code, rep = report(capsys, str(log), "--now", NOW)
    assert rep["records"] == {"total": 10 + 2 + 2 + 16, "used": 26, "duplicate": 2,
                              "tolerated": 2, "malformed": 0, "unmapped": 0, "skipped": 0,
                              "late": 0}
    assert rep["tolerances"] == {"canceled -> cancel -> canceled (KI-1242813)": 2}
    assert rep["orders_with_tolerance"] == 1
    assert rep["tolerance_applied"] == [{"order": "200-01", "note": (
        f"canceled -> cancel -> canceled (KI-1242813): seller at {log}:13 and {log}:14")}]
    assert (code, verdicts(rep)) == (0, {"conforming": 2})
    text = run(capsys, str(log), "--now", NOW)[1]
    assert ("tolerances applied (1 orders): canceled -> cancel -> canceled (KI-1242813) "
            "(2 records)") in text


# -- verdicts --------------------------------------------------------------------------------
def test_each_verdict_with_reason_and_trace(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                            ) -> None:
    later = T0 + 86400
    items = (feed_items("100-01", HAPPY)  # conforming
             + feed_items("200-01", HAPPY[:9], start=later)  # in progress
             + feed_items("300-01", [*HAPPY[:4], ("m", "invoiced", 10)])  # deviating
             + feed_items("400-01", KI_1004978)  # doomed (observed)
             + feed_items("500-01", [*HAPPY[:12], ("s", "handling", 10),  # stuck: 30 d
                                                ("s", "cancellation-requested", 10)],
                          start=T0 - 40 * 86400)
             + feed_items("600-01", [*HAPPY[:10], ("s", "ready-for-handling", 60),  # early
                                                *HAPPY[11:]]))
    log = write_lines(tmp_path / "feed.jsonl", items)
    out = tmp_path / "out"
    code, rep = report(capsys, str(log), "--now", NOW, "--out", str(out))
    assert code == 1
    assert verdicts(rep) == {"deviating": 2, "doomed": 1, "stuck": 1, "conforming": 1,
                             "in-progress": 1}
    assert rep["deviation_kinds"] == {"status-not-allowed": 1, "timer-fired-early": 1}
    bad = by_order(rep)
    assert bad["300-01"]["reason"] == (
        f"marketplace waiting-for-authorization -> invoiced at {log}:30 is not allowed; the "
        f"model expected marketplace: payment-pending")
    assert bad["400-01"]["reason"] == (
        f"no final status is reachable any more since seller cancellation-request-denied-ffm "
        f"at {log}:45 (now marketplace request-cancel, seller cancellation-request-denied-ffm)")
    assert bad["500-01"]["reason"] == (
        "seller-decision-30-days (30d) has not fired: seller in cancellation-requested for "
        "43d 23h")
    assert bad["600-01"]["reason"] == (
        f"cancellation-window (30m) fired early: seller left window-to-cancel after 1m "
        f"({log}:71)")
    assert bad["500-01"]["age_seconds"] == pytest.approx(43 * 86400 + 23 * 3600 + 27 * 60
                                                          + 50, abs=1)
    # every bad order has a trace in the shared format, schema-checked on reading
    header, steps = load(out / bad["400-01"]["trace"])
    assert header["title"].startswith("400-01: doomed: ")
    assert steps[-1]["status"] == {"marketplace": "request-cancel",
                                   "seller": "cancellation-request-denied-ffm"}
    header, steps = load(out / bad["300-01"]["trace"])
    assert steps[-1] == {"n": len(steps) - 1, "kind": "observe",
                         "status": {"marketplace": "invoiced"}, "_line": len(steps) + 1}
    assert sorted(p.name for p in (out / "traces").iterdir()) == [
        "300-01.jsonl", "400-01.jsonl", "500-01.jsonl", "600-01.jsonl"]


def test_documented_variant_rejects_the_known_issue(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    log = write_lines(tmp_path / "feed.jsonl", feed_items("400-01", KI_1004978))
    code, rep = report(capsys, str(log), "--now", NOW, "--variant", "documented")
    assert (code, verdicts(rep)) == (1, {"deviating": 1})
    assert by_order(rep)["400-01"]["reason"] == (
        f"seller cancellation-requested -> cancellation-request-denied-ffm at {log}:15 is not "
        f"allowed; the model expected seller: cancel, invoiced")


def test_timer_late_and_the_window_length_option(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    flow = [*HAPPY[:10], ("s", "ready-for-handling", 3 * 3600), *HAPPY[11:]]
    log = write_lines(tmp_path / "feed.jsonl", feed_items("100-01", flow))
    code, rep = report(capsys, str(log), "--now", NOW)
    assert (code, rep["deviation_kinds"]) == (1, {"timer-fired-late": 1})
    code, rep = report(capsys, str(log), "--now", NOW, "--timer", "cancellation-window=3h")
    assert (code, verdicts(rep)) == (0, {"conforming": 1})


def test_a_gap_in_the_records_is_read_loosely(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    """A missing record (lastState is not the status shown before) lets any silent path
    explain the next one; without a gap, skipping statuses is a deviation."""
    items = feed_items("100-01", HAPPY)
    del items[12]  # seller start-handling: the next record says lastState start-handling
    log = write_lines(tmp_path / "feed.jsonl", items)
    assert verdicts(report(capsys, str(log), "--now", NOW)[1]) == {"conforming": 1}


# -- usage, exit codes, determinism ----------------------------------------------------------
@pytest.mark.parametrize(("argv", "message"), [
    (["missing.jsonl"], "logs: missing.jsonl: no such file or folder"),
    (["LOG", "--now", "yesterday"], "--now: timestamp 'yesterday' is not ISO 8601"),
    (["LOG", "--timer", "nope=1h"], "--timer 'nope=1h': the model has no timer 'nope' (it has: "
     "authorization-30-days, cancellation-window, change-seller-window, "
     "seller-decision-30-days)"),
    (["LOG", "--timer", "cancellation-window=soon"],
     "--timer 'cancellation-window=soon': 'soon' is not a duration like 30m, 2h, 30d"),
    (["LOG", "--slack", "x"], "--slack 'x': not a duration like 15m, 1h"),
    (["LOG", "--domain", "Fulfillment=shop"],
     "--domain 'Fulfillment=shop': expected NAME=PARTY with PARTY one of marketplace, seller"),
    (["LOG", "--statuses", "tests.logs_helpers:nothing"],
     "--statuses 'tests.logs_helpers:nothing': tests.logs_helpers has no attribute 'nothing'"),
])
def test_bad_usage_is_exit_2_naming_the_place(tmp_path: Path, argv: list[str], message: str,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    log = write_lines(tmp_path / "feed.jsonl", feed_items("100-01", HAPPY))
    code, out, err = run(capsys, *[str(log) if a == "LOG" else a for a in argv])
    assert (code, out, err) == (2, "", f"ordercheck: error: {message}\n")


def test_a_classifier_that_raises_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                            ) -> None:
    items = feed_items("100-01", HAPPY[:2])
    items[1]["state"] = "strange"
    log = write_lines(tmp_path / "feed.jsonl", items)
    code, out, err = run(capsys, str(log), "--statuses", "tests.test_logs:raising")
    assert code == 2 and out == ""
    assert err.startswith("ordercheck: error: --statuses 'tests.test_logs:raising'('strange') "
                          "raised RuntimeError: no\n")


def raising(status: str) -> str:
    raise RuntimeError("no")


def test_nothing_usable_is_unknown_not_a_pass(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "feed.jsonl"
    log.write_text("garbage\n")
    code, out, err = run(capsys, str(log))
    assert code == 3 and err == "ordercheck logs: no order judged (no usable record): UNKNOWN\n"
    assert "records: 1 = 0 used, 0 duplicate, 0 tolerated, 1 malformed" in out


def test_renderings_agree_and_are_deterministic(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    items = (feed_items("100-01", HAPPY) + feed_items("400-01", KI_1004978)
             + feed_items("200-01", CANCELED))
    log = write_lines(tmp_path / "feed.jsonl", items)
    runs = [run(capsys, str(log), "--format", fmt) for fmt in ("text", "markdown", "csv")
            for _ in range(2)]
    assert runs[0] == runs[1] and runs[2] == runs[3] and runs[4] == runs[5]
    text, md, csv_text = runs[0][1], runs[2][1], runs[4][1]
    assert "verdicts: 0 deviating, 1 doomed, 0 stuck, 0 incomplete, 2 conforming, " \
           "0 in-progress" in text
    assert "| doomed | 1 |" in md and "| conforming | 2 |" in md
    assert csv_text.splitlines() == [
        "order,ids,verdict,kind,status,age_seconds,reason",
        "100-01,marketplace=100-01 seller=MKP-100-01,conforming,,"
        "\"marketplace invoiced, seller invoiced\",0,reached a final status the model allows",
        "200-01,marketplace=200-01 seller=MKP-200-01,conforming,,"
        "\"marketplace canceled, seller canceled\",1850,reached a final status the model allows",
        "400-01,marketplace=400-01 seller=MKP-400-01,doomed,,\"marketplace request-cancel, "
        "seller cancellation-request-denied-ffm\",0,\"no final status is reachable any more "
        f"since seller cancellation-request-denied-ffm at {log}:31 (now marketplace "
        "request-cancel, seller cancellation-request-denied-ffm)\""]
    assert all(r[0] == 1 for r in runs)


def test_bad_orders_traces_replay_and_draw(tmp_path: Path, capsys: pytest.CaptureFixture[str]
                                           ) -> None:
    """A doomed order's trace replays step by step (exit 0); a deviation's ends with the
    rejected record as an observe line, which replay rejects (exit 1); both draw."""
    from ordercheck.checks.cli import main as cli

    log = write_lines(tmp_path / "feed.jsonl", feed_items("400-01", KI_1004978))
    out = tmp_path / "out"
    for variant, want in (("observed", 0), ("documented", 1)):
        assert run(capsys, str(log), "--variant", variant, "--out", str(out / variant))[0] == 1
        trace = out / variant / "traces" / "400-01.jsonl"
        assert cli(["replay", str(trace), "--variant", variant]) == want
        assert cli(["diagrams", "--trace", str(trace), "--out", str(tmp_path / "d"),
                    "--no-render"]) == 0
    last = capsys.readouterr().out.splitlines()
    assert last[-2:] == [f"{tmp_path}/d/400-01.dot", f"{tmp_path}/d/400-01.mmd"]


def test_plain_json_lines_and_a_feed_page_on_one_line(tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    items = feed_items("100-01", HAPPY)
    page = json.dumps(items[:5])  # a feed page: one JSON array on one line
    plain = [json.dumps({"order_id": i["orderId"], "status": i["state"],
                         "party": "marketplace" if i["domain"] == "Marketplace" else "seller",
                         "timestamp": i["currentChange"], "last_status": i["lastState"]})
             for i in items[5:]]
    log = tmp_path / "mixed.jsonl"
    log.write_text("\n".join([page, *plain]) + "\n")
    code, rep = report(capsys, str(log), "--now", NOW)
    assert (code, verdicts(rep), rep["records"]["total"], rep["records"]["used"]) == (
        0, {"conforming": 1}, 16, 16)
