"""What one log record becomes: an :class:`Event`, or a :class:`LineFate` with the reason.

Why its own module: the parsers, the feed semantics and the report all speak of the same two
things — a status change of one party's order, and the ledger that proves every input record
was accounted for (used, duplicate, tolerated, malformed, unmapped, skipped) — and none of
them should own the other's vocabulary.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field


class LineFate(enum.Enum):
    """Where an input record went.  The ledger's totals add up to the records read."""

    USED = "used"
    DUPLICATE = "duplicate"
    TOLERATED = "tolerated"  # dropped by a named tolerance of a known platform quirk
    MALFORMED = "malformed"
    UNMAPPED = "unmapped"  # a status id the model does not have
    SKIPPED = "skipped"  # a record that is not a status change (hook ping, document update)
    LATE = "late"  # arrived after its order was judged and released (raise --settle)


@dataclass(frozen=True, slots=True)
class Event:
    """One status change of one party's order, as the log recorded it.

    ``at`` is the change time in seconds since the epoch (UTC); :attr:`where` is
    ``file:line`` (kept as the shared file name and the line, formatted when shown: a fleet
    holds millions of events).  ``order`` is the id the log shows (the seller's id for a
    seller event); linking maps it to the joint order later.
    """

    order: str
    party: str
    state: str
    last: str | None
    at: float
    event_id: str | None
    src: str
    pos: int | str  # line number, or "5[0]" / "item 3" for an item of a JSON array

    @property
    def where(self) -> str:
        return f"{self.src}:{self.pos}"


@dataclass(slots=True)
class Ledger:
    """Every record's fate: counts, the malformed records with where and why, the unmapped
    and skipped ones with counts (a malformed record never stops a run)."""

    records: int = 0
    fates: Counter[LineFate] = field(default_factory=Counter)
    malformed: list[tuple[str, str]] = field(default_factory=list)
    unmapped: Counter[tuple[str, str]] = field(default_factory=Counter)  # (status, why)
    skipped: Counter[str] = field(default_factory=Counter)  # why
    tolerances: Counter[str] = field(default_factory=Counter)  # tolerance name -> records

    def count(self, fate: LineFate, n: int = 1) -> None:
        self.fates[fate] += n

    def bad(self, where: str, why: str) -> None:
        self.fates[LineFate.MALFORMED] += 1
        self.malformed.append((where, why))

    def balanced(self) -> bool:
        """The fates add up to the records read."""
        return sum(self.fates.values()) == self.records
