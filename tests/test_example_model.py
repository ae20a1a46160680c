"""The documented two-party example (not VTEX) runs through the CLI with its finding."""

from __future__ import annotations

from ordercheck.checks.cli import main

SPEC = "docs/examples/two_party.py:workflow"


def test_two_party_example(capsys):
    assert main(["check", "--model", SPEC]) == 1
    out = capsys.readouterr().out
    assert "purchase-order (delivery fifo)\n  23 states, 39 transitions, depth 8, 2 final" in out
    titles = [line.split(maxsplit=3)[3] for line in out.splitlines()
              if line[:4].strip().rstrip(".").isdigit() and " error " in line]
    assert titles == [
        "deadlock: buyer withdrawing, supplier shipped",
        "doomed: buyer withdrawing, supplier shipped (x5 states)",
        "agree-at-quiescence violated (x4 states)",
        "withdrawal-answered violated (x8 states)",
    ]
    assert "8  network   deliver shipment -> buyer [ignored]" in out
    assert "buyer withdrawing waits for: message withdrawal-confirmed" in out
