"""A trace as a sequence of lane-to-lane events: built once, drawn by every renderer.

Both the Mermaid text (CI summaries, :func:`to_mermaid`) and the DOT picture
(``diagrams.sequence``) draw from :func:`build`, so they cannot disagree on who sent what,
when a message waited, or what was lost.  Lanes: the people and automation who act, then each
party.  A message is drawn from its sender to its receiver at the step that delivers it, with
the step that sent it when it waited in flight across other steps; status changes are notes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

__all__ = ["Arrow", "ArrowKind", "Sequence", "build", "to_mermaid"]


class ArrowKind(StrEnum):
    ACTION = "action"  # an actor (or the party itself) fires an event on a party
    MESSAGE = "message"  # a delivery from sender to receiver
    IGNORED = "ignored"  # a delivery the receiver had no transition for
    LOST = "lost"  # the network lost the message
    REFUSED = "refused"  # an implementation refused a command (conformance traces)


@dataclass(frozen=True, slots=True)
class Arrow:
    n: int | str  # the step number in the trace
    kind: ArrowKind
    source: str  # lane
    target: str  # lane
    label: str  # event or message name
    sent_at: int | str | None = None  # when a message waited: the step that sent it


@dataclass(slots=True)
class Sequence:
    actors: list[str]
    parties: list[str]
    start: dict[str, str]  # party -> initial status
    #: per trace step: its arrow and the statuses that changed on it
    rows: list[tuple[Arrow, dict[str, str]]] = field(default_factory=list)
    title: str = ""

    @property
    def lanes(self) -> list[str]:
        return [*self.actors, *self.parties]


def _sender(before: list[str], party: str, message: str) -> tuple[str, str]:
    """The in-flight key (``sender->receiver:message``) a delivery takes, and its sender."""
    key = next((m for m in before if m.endswith(f"->{party}:{message}")), "")
    return key, (key.split("->")[0] if key else party)


def build(records: list[dict[str, Any]], title: str = "") -> Sequence:
    """The sequence of trace records (dicts in the JSON-lines trace format)."""
    if not records:
        return Sequence(actors=[], parties=[], start={}, title=title)
    parties = list(records[0]["status"])
    actors = sorted({r["actor"] for r in records[1:]
                     if r.get("kind") == "fire" and r.get("actor") not in (None, *parties)})
    seq = Sequence(actors=actors, parties=parties, start=dict(records[0]["status"]),
                   title=title)
    sent_at: dict[str, list[Any]] = {}  # in-flight key -> steps that sent it, oldest first
    prev = records[0]
    for row, r in enumerate(records[1:], start=1):
        n, kind, party = r.get("n", row), r.get("kind"), r.get("party", "")
        before, after = list(prev.get("in_flight", [])), list(r.get("in_flight", []))
        for m in after:  # newly in flight: sent by this step
            if after.count(m) > before.count(m):
                sent_at.setdefault(m, []).append(n)
        if kind == "refuse":
            name = str(r.get("event") or r.get("message") or "")
            arrow = Arrow(n, ArrowKind.REFUSED, party, party, name)
        elif kind == "fire":
            actor = r.get("actor") or party
            arrow = Arrow(n, ArrowKind.ACTION, actor if actor in seq.lanes else party, party,
                          str(r.get("event", "")))
        else:
            msg = str(r.get("message", ""))
            key, sender = _sender(before, party, msg)
            queue = sent_at.get(key, [])
            # a kept copy stays in flight: it keeps its send step for the next delivery
            when = (queue[0] if queue else None) if kind == "deliver-keep" else (
                queue.pop(0) if queue else None)
            arrow_kind = (ArrowKind.LOST if kind == "lose" else
                          ArrowKind.IGNORED if r.get("ignored") else ArrowKind.MESSAGE)
            waited = when if when is not None and when != _prev_n(n) else None
            arrow = Arrow(n, arrow_kind, sender, party, msg, waited)
        status = r.get("status") or prev["status"]
        changed = {p: status[p] for p in parties
                   if p in status and status.get(p) != prev["status"].get(p)}
        seq.rows.append((arrow, changed))
        prev = r
    return seq


def _prev_n(n: Any) -> Any:
    return n - 1 if isinstance(n, int) else None


def _lane(name: str) -> str:
    return "".join(ch if ch.isalnum() else "_" for ch in name)


def arrow_text(arrow: Arrow) -> str:
    """``5. cancel-request (sent at 3) [ignored]``: the words every renderer puts on it."""
    delay = f" (sent at {arrow.sent_at})" if arrow.sent_at is not None else ""
    verb = {ArrowKind.LOST: " [lost]", ArrowKind.IGNORED: " [ignored]",
            ArrowKind.REFUSED: " [refused]"}.get(arrow.kind, "")
    return f"{arrow.n}. {arrow.label}{delay}{verb}"


def to_mermaid(records: list[dict[str, Any]], title: str = "") -> str:
    """A Mermaid ``sequenceDiagram`` of trace records."""
    seq = build(records, title)
    if not seq.parties:
        return "sequenceDiagram\n"
    lines = ["sequenceDiagram"]
    lines += [f"    participant {_lane(lane)} as {lane}" for lane in seq.lanes]
    for arrow, changed in seq.rows:
        src, dst = _lane(arrow.source), _lane(arrow.target)
        if arrow.kind is ArrowKind.ACTION:
            lines.append(f"    Note over {dst}: {arrow_text(arrow)}" if arrow.source == arrow.target
                         else f"    {src}->>{dst}: {arrow_text(arrow)}")
        elif arrow.kind is ArrowKind.LOST:
            lines.append(f"    Note over {src},{dst}: {arrow_text(arrow)}")
        elif arrow.kind is ArrowKind.REFUSED:
            lines.append(f"    Note over {dst}: {arrow_text(arrow)}")
        else:
            lines.append(f"    {src}-){dst}: {arrow_text(arrow)}")
        lines += [f"    Note right of {_lane(p)}: {s}" for p, s in changed.items()]
    if title:
        lines.append(f"    Note over {_lane(seq.parties[0])},{_lane(seq.parties[-1])}: {title}")
    return "\n".join(lines) + "\n"
