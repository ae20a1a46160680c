"""A feed's events of one order put in the order the changes happened.

Why this is its own step: Feed v3 promises neither uniqueness nor order (REF §3: "events not
unique (duplicates) and no ordering guarantee"), and hooks are retried.  So, per order:

1. **dedupe** — a record whose ``eventId`` was seen, or the same change twice (same party,
   status, previous status and change time), is a *duplicate*;
2. **order** — by change time (``currentChange``); changes of one party at the same instant
   are chained by ``lastState`` (the one whose ``lastState`` is the status before it first);
3. **tolerate** the platform's known non-monotonic ``canceled -> cancel -> canceled``
   (KI-1242813: an unlocked write flips a canceled order back to ``cancel``): the ``cancel``
   and the repeated ``canceled`` are *tolerated* records and the order says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .records import Event, Ledger, LineFate

CANCEL_FLIP = "canceled -> cancel -> canceled (KI-1242813)"


@dataclass(frozen=True, slots=True)
class Arranged:
    """One order's events in change order, and the tolerances applied (with where)."""

    events: tuple[Event, ...]
    tolerances: tuple[str, ...]
    duplicates: int


def arrange(events: Sequence[Event], parties: Sequence[str], ledger: Ledger) -> Arranged:
    """Dedupe, order and tolerate one order's events; counts each record's fate."""
    ids: set[str] = set()
    changes: set[tuple[str, str, str | None, float]] = set()
    per_party: dict[str, list[Event]] = {p: [] for p in parties}
    duplicates = 0
    for e in events:
        change = (e.party, e.state, e.last, e.at)
        eid = e.event_id
        if change in changes or (eid is not None and eid in ids):
            duplicates += 1
            continue
        if eid is not None:
            ids.add(eid)
        changes.add(change)
        per_party[e.party].append(e)
    if duplicates:
        ledger.count(LineFate.DUPLICATE, duplicates)
    tolerances: list[str] = []
    ordered: list[tuple[float, int, int, Event]] = []
    for rank, party in enumerate(parties):
        chain = _chain(per_party[party])
        if "canceled" in {e.state for e in chain}:
            chain = _tolerate(chain, tolerances, ledger)
        ordered.extend([(e.at, rank, i, e) for i, e in enumerate(chain)])
    ordered.sort()  # (at, rank, i) is unique: events are never compared
    kept = tuple([t[3] for t in ordered])
    ledger.count(LineFate.USED, len(kept))
    return Arranged(kept, tuple(tolerances), duplicates)


def _at(e: Event) -> float:
    return e.at


def _chain(events: list[Event]) -> list[Event]:
    """By change time; ties broken by ``lastState`` chaining, then by record order."""
    events = sorted(events, key=_at)
    if len({e.at for e in events}) == len(events):  # no ties: the common case
        return events
    out: list[Event] = []
    i = 0
    while i < len(events):
        j = i
        while j < len(events) and events[j].at == events[i].at:
            j += 1
        group = events[i:j]
        while group:
            prev = out[-1].state if out else None
            pick = next((e for e in group if e.last is not None and e.last == prev), group[0])
            out.append(pick)
            group.remove(pick)
        i = j
    return out


def _tolerate(chain: list[Event], notes: list[str], ledger: Ledger) -> list[Event]:
    out: list[Event] = []
    i = 0
    while i < len(chain):
        e = chain[i]
        if (e.state == "cancel" and out and out[-1].state == "canceled"
                and i + 1 < len(chain) and chain[i + 1].state == "canceled"):
            notes.append(f"{CANCEL_FLIP}: {e.party} at {e.where} and "
                         f"{chain[i + 1].where}")
            ledger.count(LineFate.TOLERATED, 2)
            ledger.tolerances[CANCEL_FLIP] += 2
            i += 2
            continue
        out.append(e)
        i += 1
    return out
