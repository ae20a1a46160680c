"""CI outputs: JUnit XML, GitHub summary, result cache, behavioural diff (files and git)."""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

from ordercheck.checks.cli import main

REGRESSED = '''
from dataclasses import replace
from ordercheck.model.vtex import build
from ordercheck.model.vtex.options import DOCUMENTED

def workflow():
    return build(replace(DOCUMENTED, invoice_answers_cancel_request={flag}), name="vtex")
'''


def test_junit_xml_one_testcase_per_property(tmp_path, capsys):
    xml = tmp_path / "r.xml"
    assert main(["check", "--variant", "observed", "--no-cache", "--junit-xml", str(xml)]) == 1
    capsys.readouterr()
    suite = ET.parse(xml).getroot()
    assert suite.tag == "testsuite"
    cases = suite.findall("testcase")
    # 6 built-ins (the 3 warning-level ones included) + 11 of the model's properties
    assert int(suite.get("tests")) == len(cases) == 17
    failed = sorted(c.get("name") for c in cases if c.find("failure") is not None)
    assert int(suite.get("failures")) == len(failed)
    assert failed == sorted(["no-deadlock", "can-always-finish", "agree-at-quiescence",
                             "no-marketplace-invoiced-during-seller-cancellation",
                             "decline-only-when-both-await-decision",
                             "cancellation-request-answered"])
    deadlock = next(c for c in cases if c.get("name") == "no-deadlock").find("failure")
    assert "deliver cancel-request -> seller [ignored]" in deadlock.text


def test_junit_xml_fail_on_warning_fails_the_warning_cases(tmp_path, capsys):
    """``--fail-on warning`` makes warnings fail the run, so JUnit must show them failing."""
    xml = tmp_path / "r.xml"
    main(["check", "--variant", "documented", "--no-cache", "--junit-xml", str(xml)])
    cases = ET.parse(xml).getroot().findall("testcase")
    assert [c.get("name") for c in cases if c.find("failure") is not None] == []
    assert main(["check", "--variant", "documented", "--no-cache", "--fail-on", "warning",
                 "--junit-xml", str(xml)]) == 1
    capsys.readouterr()
    cases = ET.parse(xml).getroot().findall("testcase")
    assert [c.get("name") for c in cases if c.find("failure") is not None] == [
        "every-transition-fires"]


def test_github_summary(tmp_path, capsys, monkeypatch):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    main(["check", "--variant", "observed", "--no-cache", "--github-summary"])
    capsys.readouterr()
    text = summary.read_text()
    assert text.startswith("## ordercheck: vtex-observed (fifo) — **VIOLATED**")
    assert "```mermaid\nsequenceDiagram" in text
    assert "marketplace-)seller: 15. cancel-request [ignored]" in text


def test_cache_hit_and_invalidation(tmp_path, capsys):
    cache = str(tmp_path / "cache")
    model = tmp_path / "m.py"
    model.write_text(REGRESSED.format(flag=True))
    args = ["check", "--model", f"{model}:workflow", "--cache-dir", cache]
    assert main(args) == 0
    first = capsys.readouterr()
    assert "cache hit" not in first.err
    assert main(args) == 0
    second = capsys.readouterr()
    assert "cache hit" in second.err
    assert second.out == first.out
    # any model change is a new key
    model2 = tmp_path / "m2.py"
    model2.write_text(REGRESSED.format(flag=False))
    assert main(["check", "--model", f"{model2}:workflow", "--cache-dir", cache]) == 1
    assert "cache hit" not in capsys.readouterr().err
    # options are part of the key
    assert main([*args, "--delivery", "unordered"]) == 0
    assert "cache hit" not in capsys.readouterr().err
    # a corrupt or deleted cache is only a miss
    for entry in Path(cache).glob("*.json"):
        entry.write_text("{not json")
    assert main(args) == 0
    assert "cache hit" not in capsys.readouterr().err
    subprocess.run(["rm", "-rf", cache], check=True)
    assert main(args) == 0


def test_diff_names_the_new_bad_behaviour_with_a_witness(tmp_path, capsys):
    old, new = tmp_path / "old.py", tmp_path / "new.py"
    old.write_text(REGRESSED.format(flag=True))
    new.write_text(REGRESSED.format(flag=False))
    assert main(["diff", f"{old}:workflow", f"{new}:workflow",
                 "--out", str(tmp_path / "d.md")]) == 1
    out = capsys.readouterr().out
    assert "— **new violation**" in out
    assert "- `marketplace: request-cancel --invoice_received--> invoice`" in out
    assert "- **error** deadlock: marketplace request-cancel, seller invoiced" in out
    assert "16  network        deliver invoice -> marketplace [ignored]" in out
    assert (tmp_path / "d.md").read_text() == out
    assert main(["diff", f"{new}:workflow", f"{old}:workflow"]) == 0  # a fix is no violation
    assert "### Findings that disappeared" in capsys.readouterr().out


def test_diff_against_a_git_revision(tmp_path, capsys, monkeypatch):
    repo = tmp_path / "repo"
    (repo / "pkg").mkdir(parents=True)
    (repo / "pkg" / "__init__.py").write_text("from .flow import workflow\n")
    (repo / "pkg" / "flow.py").write_text(REGRESSED.format(flag=True))

    def git(*a: str) -> None:
        subprocess.run(["git", *a], cwd=repo, check=True, capture_output=True)

    git("init", "-q")
    git("-c", "user.email=t@t", "-c", "user.name=t", "add", ".")
    git("-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "v1")
    (repo / "pkg" / "flow.py").write_text(REGRESSED.format(flag=False))
    monkeypatch.chdir(repo)
    assert main(["diff", "git:HEAD:pkg:workflow", "pkg:workflow"]) == 1
    assert "deadlock: marketplace request-cancel, seller invoiced" in capsys.readouterr().out
    assert main(["diff", "git:nope:pkg:workflow", "pkg:workflow"]) == 2
    assert "cannot read pkg at nope" in capsys.readouterr().err
