"""``ordercheck logs --format html``: one self-contained page (no network), escaped, the same
bytes for the same input, and used for real in Debian's chromium through Playwright (the
system executable: no browser download)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.logs_helpers import (
    CANCELED,
    HAPPY,
    KI_1004978,
    NOW,
    feed_items,
    run,
    write_lines,
)

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
EVIL = "<script>window.pwned=1</script>"


def fleet(tmp_path: Path) -> tuple[Path, Path]:
    """Five orders: two conforming, two doomed (one with a hostile id), one deviating."""
    items = (feed_items("100-01", HAPPY) + feed_items("200-01", CANCELED)
             + feed_items("300-01", KI_1004978)
             + feed_items(EVIL, KI_1004978, seller_id="EVIL-01")
             + feed_items("400-01", [*HAPPY[:5], ("m", "invoiced", 10)]))
    log = write_lines(tmp_path / "feed.jsonl", items)
    link = tmp_path / "link.csv"
    link.write_text(f"marketplace_order_id,seller_order_id\n{EVIL},EVIL-01\n"
                    "100-01,MKP-100-01\n200-01,MKP-200-01\n300-01,MKP-300-01\n"
                    "400-01,MKP-400-01\n")
    return log, link


def page(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    log, link = fleet(tmp_path)
    code, out, err = run(capsys, str(log), "--link", str(link), "--now", NOW,
                         "--format", "html")
    assert (code, err) == (1, "")
    return out


def test_page_is_self_contained_escaped_and_deterministic(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    html = page(tmp_path, capsys)
    assert html == page(tmp_path, capsys)
    assert html.startswith("<!DOCTYPE html>") and html.endswith("</html>\n")
    assert EVIL not in html and "&lt;script&gt;window.pwned=1&lt;/script&gt;" in html
    # nothing is fetched: no external URL in any src/href, one inline script, CSP forbids more
    assert re.findall(r'(?:src|href)="(?!data:|#)[^"]*"', html) == []
    assert html.count("<script") == 1 and "default-src 'none'" in html
    assert html.count('<img alt="sequence diagram of ') == 3


def test_out_writes_report_html_with_trace_links(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log, link = fleet(tmp_path)
    out = tmp_path / "out"
    code, _, _ = run(capsys, str(log), "--link", str(link), "--now", NOW, "--out", str(out))
    assert code == 1
    html = (out / "report.html").read_text()
    assert sorted(re.findall(r'href="(traces/[^"]+)"', html)) == [
        "traces/300-01.jsonl", "traces/400-01.jsonl",
        "traces/_script_window.pwned_1__script_.jsonl"]
    assert all((out / ref).is_file() for ref in re.findall(r'href="(traces/[^"]+)"', html))


@pytest.mark.skipif(not CHROMIUM.exists(),
                    reason=f"{CHROMIUM} missing: apt-get install chromium (make setup)")
def test_page_in_chromium_counts_sort_filter_diagram(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "report.html"
    target.write_text(page(tmp_path, capsys), encoding="utf-8")
    requests: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            tab = browser.new_page()
            tab.on("request", lambda r: requests.append(r.url))
            tab.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            tab.goto(target.as_uri())
            counts = {g.get_attribute("data-verdict"): g.locator(".count").text_content()
                      for g in tab.locator("#verdict-chart g").all()}
            assert counts == {"deviating": "1", "doomed": "2", "stuck": "0",
                              "incomplete": "0", "conforming": "2", "in-progress": "0"}
            assert tab.locator("#orders-total").inner_text() == "5"

            def column(n: int) -> list[str]:
                return [c.inner_text() for c in
                        tab.locator(f"#orders tbody tr:not([hidden]) td:nth-child({n})").all()]

            assert column(1) == ["300-01", "400-01", EVIL]  # by id, as rendered
            tab.click("#orders th:nth-child(1)")
            assert column(1) == ["300-01", "400-01", EVIL]  # ascending
            tab.click("#orders th:nth-child(1)")
            assert column(1) == [EVIL, "400-01", "300-01"]  # descending
            tab.click("#orders th:nth-child(2)")
            assert column(2) == ["deviating", "doomed", "doomed"]
            # age, numeric, ascending: the deviating order stopped first, so it is the oldest;
            # the two doomed ones are equally old (ties by id)
            tab.click("#orders th:nth-child(4)")
            assert column(1) == ["300-01", EVIL, "400-01"]
            tab.fill("#filter", "doomed")
            assert sorted(column(1)) == sorted(["300-01", EVIL])
            assert tab.locator("#shown").inner_text() == "2"
            tab.fill("#filter", "denied-ffm")
            assert tab.locator("#shown").inner_text() == "2"
            tab.fill("#filter", "")
            assert tab.locator("#shown").inner_text() == "3"

            assert tab.locator("details[open]").count() == 0
            tab.locator("#orders a.show").nth(0).click()
            opened = tab.locator("details[open]")
            opened.wait_for(timeout=5000)  # the page opens it on 'hashchange' (async)
            assert opened.count() == 1
            assert opened.locator("summary").inner_text() == "300-01 (doomed)"
            assert "joint status: marketplace" in opened.inner_text()
            img = opened.locator("img")
            assert img.is_visible()
            assert img.evaluate("i => i.complete && i.naturalWidth > 100") is True
            assert tab.evaluate("() => window.pwned === undefined")
        finally:
            browser.close()
    assert dialogs == []
    assert [u for u in requests if not u.startswith(("file:", "data:"))] == []
