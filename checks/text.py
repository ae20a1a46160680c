"""The English of findings and actions: the only place the engine turns data into sentences.

Reports, JUnit, Markdown, the pytest plugin and diagrams all call these, so one finding reads
the same everywhere (they used to build their own sentences and drifted apart).
"""

from __future__ import annotations

from typing import Any

from .findings import Blame, Finding, FindingKind, InFlight, Statuses, WaitKind

__all__ = ["describe_action", "describe_statuses", "finding_detail", "finding_title",
           "in_flight_text"]


def describe_statuses(statuses: Statuses) -> str:
    """``marketplace request-cancel, seller invoiced``."""
    return ", ".join(f"{party} {status}" for party, status in statuses)


def describe_action(label: Any) -> str:
    """One action (a ``Action``) as a clause: ``seller: seller.decline``."""
    if label.kind == "lose":
        return f"network loses {label.message}"
    if label.kind in ("deliver", "deliver-keep"):
        verb = "delivers (and keeps a copy of)" if label.kind == "deliver-keep" else "delivers"
        text = f"network {verb} {label.message} to {label.party}"
        return text + (" — ignored, no transition" if label.ignored else "")
    return f"{label.actor}: {label.party}.{label.event}"


def in_flight_text(message: InFlight) -> str:
    return f"{message.sender}->{message.receiver}:{message.message}"


def _waits(blame: Blame) -> str:
    if not blame.waits:
        return f"{blame.party} {blame.status} has no way out"
    reasons = []
    for wait in blame.waits:
        if wait.kind is WaitKind.MESSAGE:
            reasons.append(f"message {wait.name}")
        elif wait.kind is WaitKind.GUARD:
            reasons.append(f"{wait.name} (blocked by guard {', '.join(wait.guards)})")
        else:
            reasons.append(f"{wait.name} (waits for a transient status)")
    return f"{blame.party} {blame.status} waits for: {', '.join(reasons)}"


def _stuck(f: Finding) -> str:
    flight = ", ".join(in_flight_text(m) for m in f.in_flight) if f.in_flight else "nothing"
    timers = ", ".join(f.timers) if f.timers else "none"
    text = f"in flight: {flight}; timers armed: {timers}"
    for blame in f.blame or ():
        text += "; " + _waits(blame)
    return text


def finding_title(f: Finding) -> str:
    kind = f.kind
    if kind is FindingKind.DEADLOCK:
        return f"deadlock: {describe_statuses(f.statuses)}"
    if kind is FindingKind.LIVELOCK:
        return "livelock: " + " | ".join(describe_statuses(k) for k in f.cycle)
    if kind is FindingKind.DOOMED:
        return f"doomed: {describe_statuses(f.statuses)}"
    if kind is FindingKind.UNREACHABLE_STATUS:
        return f"unreachable status: {f.party} {f.status}"
    if kind is FindingKind.DEAD_TRANSITION:
        return f"dead transition: {f.transition}"
    if kind is FindingKind.UNHANDLED_MESSAGE:
        return f"unhandled message: {f.message} reaches {f.party} in {f.status}"
    if kind is FindingKind.WITNESS:
        return f"{f.property}: no witness"
    if f.action is not None:
        return f"{f.property} violated by {describe_action(f.action)}"
    return f"{f.property} violated"


def finding_detail(f: Finding) -> str:
    kind = f.kind
    if kind is FindingKind.DEADLOCK:
        return _stuck(f)
    if kind is FindingKind.LIVELOCK:
        return ("runs can cycle here for ever without reaching a final status; " + _stuck(f))
    if kind is FindingKind.DOOMED:
        return ("no final status is reachable from here any more (every continuation gets "
                "stuck)")
    if kind is FindingKind.UNREACHABLE_STATUS:
        return "no reachable joint state shows this status"
    if kind is FindingKind.DEAD_TRANSITION:
        return "never enabled in any reachable state" + (
            f" (guard {', '.join(f.guards)})" if f.guards else "")
    if kind is FindingKind.UNHANDLED_MESSAGE:
        return (f"{f.party} has no transition for {f.message} in {f.status}; "
                "the message is lost")
    if kind is FindingKind.WITNESS:
        return f.description + " — no reachable state or step shows it"
    if kind is FindingKind.LIVENESS:
        return (f"{f.description} Under {f.fairness}, this run can wait for ever from step "
                f"{f.loop_start} on.")
    return f.description
