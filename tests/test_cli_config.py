"""``[tool.ordercheck]`` in pyproject.toml sets option defaults; the command line wins; a bad
key or value is exit 2 naming the file and the key."""

from __future__ import annotations

import json
import sys

import pytest

from ordercheck.checks.cli import main

from .test_example_model import ROOT


@pytest.fixture
def project(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", [str(ROOT), *sys.path])

    def write(text: str) -> None:
        (tmp_path / "pyproject.toml").write_text(text)
    return write


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_defaults_come_from_the_table_and_the_command_line_wins(project, capsys):
    project('[tool.ordercheck]\nmodel = "tests.toys:ping_pong"\nno-cache = true\n'
            '[tool.ordercheck.check]\ndelivery = "duplicate"\nformat = "json"\n')
    code, out, _ = run(capsys, "check", "--quiet")
    report = json.loads(out)
    assert (code, report["delivery"], report["stats"]["states"]) == (0, "duplicate", 8)
    code, out, _ = run(capsys, "check", "--quiet", "--delivery", "lossy")
    assert (code, json.loads(out)["delivery"]) == (1, "lossy")


@pytest.mark.parametrize(("toml", "message"), [
    ('[tool.ordercheck]\ncapacity = 0\n',
     "pyproject.toml: [tool.ordercheck] capacity: must be a positive integer, got '0'"),
    ('[tool.ordercheck.check]\ndelivery = "carrier-pigeon"\n',
     "pyproject.toml: [tool.ordercheck.check] delivery: 'carrier-pigeon' is not one of fifo, "
     "unordered, duplicate, lossy"),
    ('[tool.ordercheck]\ncapacty = 3\n',
     "pyproject.toml: [tool.ordercheck] capacty: no subcommand has --capacty"),
    ('[tool.ordercheck.chek]\ndelivery = "fifo"\n',
     "pyproject.toml: [tool.ordercheck.chek]: no such subcommand"),
    ('[tool.ordercheck.report]\nmodel = "x:y"\n',
     "pyproject.toml: [tool.ordercheck.report] model: `ordercheck report` has no --model"),
    ('[tool.ordercheck\n', "pyproject.toml: not valid TOML"),
])
def test_a_bad_table_is_exit_2_naming_the_key(project, capsys, toml, message):
    project(toml)
    code, out, err = run(capsys, "check", "--quiet")
    assert (code, out) == (2, "")
    assert err.startswith(f"ordercheck: error: {message}")


def test_no_table_changes_nothing(project, capsys):
    project('[project]\nname = "x"\n')
    code, out, _ = run(capsys, "check", "--model", "tests.toys:ping_pong", "--quiet",
                       "--format", "json", "--no-cache")
    assert (code, json.loads(out)["delivery"]) == (0, "fifo")
