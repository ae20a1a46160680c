"""Builders of small VTEX feed/hook logs for tests/test_logs*.py (readable orders by hand)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from ordercheck.checks.cli import main

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC).timestamp()
NOW = "2025-03-05T12:00:00Z"  # four days after T0

#: a flow to invoiced the model allows (the cancellation window lasts 30 min)
HAPPY = [("m", "on-order-completed", 10), ("m", "waiting-for-authorization", 10),
         ("s", "on-order-completed-ffm", 10), ("s", "order-accepted", 10),
         ("m", "payment-pending", 10), ("m", "approve-payment", 10),
         ("s", "waiting-for-manual-authorization", 10), ("m", "payment-approved", 10),
         ("s", "authorize-fulfillment", 10), ("s", "window-to-cancel", 10),
         ("s", "ready-for-handling", 1800), ("s", "start-handling", 10), ("s", "handling", 10),
         ("s", "invoiced", 10), ("m", "invoice", 10), ("m", "invoiced", 10)]
#: a cancel before payment, both sides canceled
CANCELED = [("m", "on-order-completed", 10), ("s", "on-order-completed-ffm", 10),
            ("s", "order-accepted", 10), ("m", "waiting-for-authorization", 10),
            ("m", "payment-pending", 10), ("s", "waiting-for-manual-authorization", 10),
            ("m", "cancel", 10), ("s", "cancel", 10), ("m", "canceled", 10),
            ("s", "canceled", 10)]
#: KI-1004978: the seller denies its own cancellation request, then the marketplace cancels
KI_1004978 = [*HAPPY[:12], ("s", "handling", 10), ("s", "cancellation-requested", 10),
              ("s", "cancellation-request-denied-ffm", 10), ("m", "request-cancel", 10)]
INITIAL = {"m": "order-created", "s": "null"}


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")


def feed_items(order: str, flow: Sequence[tuple[str, str, float]], *, start: float = T0,
               seller_id: str | None = None) -> list[dict[str, str]]:
    """Feed v3 items of one order: ``flow`` is [(m|s, status, seconds after the last change)]."""
    last = dict(INITIAL)
    t = start
    out = []
    for k, (side, state, dt) in enumerate(flow):
        t += dt
        out.append({"eventId": f"{order}-{k}", "handle": "h",
                    "domain": "Marketplace" if side == "m" else "Fulfillment",
                    "state": state, "lastState": last[side],
                    "orderId": order if side == "m" else (seller_id or f"MKP-{order}"),
                    "lastChange": iso(t), "currentChange": iso(t)})
        last[side] = state
    return out


def write_lines(path: Path, items: Sequence[object]) -> Path:
    path.write_text("".join(json.dumps(i) + "\n" for i in items), encoding="utf-8")
    return path


def run(capsys: object, *argv: str) -> tuple[int, str, str]:
    """``ordercheck logs ARGV`` through ``register`` + ``cmd_logs``: (exit, stdout, stderr)."""
    code = main(["logs", *argv])
    out = capsys.readouterr()  # type: ignore[attr-defined]
    return code, out.out, out.err


def report(capsys: object, *argv: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    code, out, _ = run(capsys, *argv, "--format", "json")
    return code, json.loads(out)
