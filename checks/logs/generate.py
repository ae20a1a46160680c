"""A synthetic VTEX-format log, driven by the model, with the verdict each order should get.

Why the generator is model-driven and labels by construction (never by asking the judge):
the labels are what the tests hold the judge to.  Each order is one *intent*:

* ``conforming`` — a random walk on the explored graph, kept inside the states that can still
  finish, to a final state; status changes become records;
* ``in-progress`` — the same walk cut at a random point, its last change a minute before now;
* ``stuck`` — a walk cut where a party shows a status with a timed timer armed, its last change
  a day longer ago than the timer's length;
* ``doomed`` — a known-issue scenario trace (KI-1004978, KI-1400005) replayed as records;
* ``deviating`` (``status-not-allowed``) — a walk where, at a random point, the marketplace
  jumps to ``invoiced`` from a status the model never leaves that way;
* ``deviating`` (``timer-fired-late``) — a conforming walk whose timer-only move (the window
  closing) comes a day late;
* ``incomplete`` — a conforming walk to ``invoiced`` whose seller records are all left out.

On top, faults that must not change any verdict: duplicates (same ``eventId``, and the same
change under a new ``eventId``), delivery out of order (records leave through a shuffling
buffer), the ``canceled -> cancel -> canceled`` flip after a cancel, unmapped statuses,
hook bodies instead of feed items, and malformed lines.  Time steps inside a walk are seconds;
a timer's move comes its length after its party entered the status (plus < 1 min), and a walk
never lets time jump past another party's armed timer.  Memory is bounded by one order.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any

from .judge import Judge
from .records import LineFate
from .timers import TimerRule

DAY = 86400.0
INTENTS = (("conforming", 52), ("in-progress", 14), ("stuck", 6), ("doomed", 8),
           ("deviating", 8), ("timer-late", 4), ("incomplete", 8))
MARKET_ID_PREFIX = "MKP"  # the seller-side prefix of the default linking rule


@dataclass(frozen=True, slots=True)
class Change:
    """One status change of a walk: party, from, to, at."""

    party: str
    last: str
    state: str
    at: float


@dataclass(slots=True)
class Generated:
    """What the generator wrote: intended verdicts (and kinds) per order, record fates."""

    labels: dict[str, tuple[str, str]] = field(default_factory=dict)
    fates: Counter[LineFate] = field(default_factory=Counter)
    events: int = 0  # status-change records written, duplicates included

    @property
    def records(self) -> int:
        return sum(self.fates.values())


def iso(t: float) -> str:
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")


class Generator:
    """Writes orders to ``out`` as Feed v3 JSON lines (some as hook bodies)."""

    def __init__(self, judge: Judge, scenarios: Sequence[Sequence[dict[str, Any]]],
                 now: float, seed: int = 0, faults: bool = True) -> None:
        self.judge = judge
        self.graph = judge.graph
        self.tracker = judge.tracker
        self.rng = random.Random(seed)
        self.now = now
        self.faults = faults
        self.scenarios = [list(s) for s in scenarios]
        self.rules = {(r.party, r.name): r for r in judge.timer_rules}
        self.timer_of: dict[tuple[Any, Any], TimerRule] = {}  # (party, event) -> rule
        for name, party, event, _ in self._timer_specs():
            rule = self.rules.get((party, name))
            if rule is not None and rule.length is not None:
                self.timer_of[(party, event)] = rule
        self.market = judge.parties[0]
        self.moves = {(lab.party, self.tracker.status(i)[lab.party], self.tracker.status(j)[
            lab.party]) for i in range(len(self.graph.states))
            for lab_i, j in self.graph.successors(i) for lab in [self.tracker.label(lab_i)]}
        self._buffer: list[str] = []
        finals = judge.finals
        self.ends = {v: judge._reverse_reach(frozenset(
            s for s in finals if self.tracker.status(s)[self.market] == v))
            for v in sorted({self.tracker.status(s)[self.market] for s in finals})}

    def _timer_specs(self) -> Iterable[tuple[str, str, str, str]]:
        return self.judge.timer_specs

    # -- walks ---------------------------------------------------------------------------
    def _armed_overrun(self, entered: dict[str, float], status: dict[str, str],
                       at: float, skip: str | None) -> bool:
        for rule in self.rules.values():
            if rule.length is None or rule.party == skip:
                continue
            if status[rule.party] in rule.armed and at - entered[rule.party] > rule.length / 2:
                return True
        return False

    def walk(self, start: float, *, until_final: bool, final_status: str | None = None,
             tries: int = 50) -> tuple[list[Change], int] | None:
        """A walk inside the states that can reach a final state whose marketplace status is
        ``final_status`` (default: one drawn at random); None if no walk was found."""
        if final_status is None:
            final_status = self.rng.choice(sorted(self.ends))
        for _ in range(tries):
            got = self._walk_once(start, until_final, final_status)
            if got is not None:
                return got
        return None

    def _walk_once(self, start: float, until_final: bool, final_status: str | None
                   ) -> tuple[list[Change], int] | None:
        rng, tracker = self.rng, self.tracker
        state, clock = 0, start
        status = dict(tracker.status(0))
        entered = {p: start for p in status}
        changes: list[Change] = []
        for _ in range(400):
            if tracker.is_final(state):
                if final_status and status[self.market] != final_status:
                    return None
                return changes, state
            options = []
            for label, j in self.graph.successors(state):
                if j not in self.ends[final_status or ""]:
                    continue
                lab = tracker.label(label)
                rule = self.timer_of.get((lab.party, lab.event)) if lab.kind == "fire" else None
                if rule is not None and rule.length is not None:
                    at = max(clock + 1, entered[lab.party] + rule.length + rng.uniform(0, 50))
                else:
                    at = clock + rng.uniform(1, 20)
                if self._armed_overrun(entered, status, at, lab.party if rule else None):
                    continue
                options.append((label, j, at))
            if not options:
                return None
            label, j, at = rng.choice(options)
            after = tracker.status(j)
            for p in status:
                if after[p] != status[p]:
                    changes.append(Change(p, status[p], after[p], at))
                    entered[p] = at
            status = dict(after)
            state, clock = j, at
        return None if until_final else (changes, state)

    # -- orders --------------------------------------------------------------------------
    def order(self, n: int) -> tuple[str, str, list[Change]] | None:
        """(intent, kind, changes) of order ``n`` (times relative to 0)."""
        rng = self.rng
        intent = rng.choices([i for i, _ in INTENTS], [w for _, w in INTENTS])[0]
        if intent == "doomed" and self.scenarios:
            return "doomed", "", self._scenario(rng.choice(self.scenarios))
        if intent == "incomplete":
            got = self.walk(0.0, until_final=True, final_status="invoiced")
            if got is None:
                return None
            return "incomplete", "", [c for c in got[0] if c.party == self.market]
        got = self.walk(0.0, until_final=True)
        if got is None:
            return None
        changes = got[0]
        if intent == "conforming":
            return "conforming", "", changes
        if intent == "timer-late":
            for k, c in enumerate(changes):
                rule = next((r for r in self.rules.values() if r.party == c.party
                             and (c.last, c.state) in r.only_moves and r.length), None)
                if rule is not None:
                    late = DAY
                    shifted = changes[:k] + [Change(x.party, x.last, x.state, x.at + late)
                                             for x in changes[k:]]
                    return "deviating", "timer-fired-late", shifted
            return "conforming", "", changes
        if intent == "deviating":
            spots = [k for k, c in enumerate(changes) if c.party == self.market
                     and (self.market, c.state, "invoiced") not in self.moves
                     and c.state not in ("invoiced", "canceled")]
            if not spots:
                return "conforming", "", changes
            k = rng.choice(spots)
            c = changes[k]
            jump = Change(self.market, c.state, "invoiced", c.at + 1)
            kept = [x for x in changes[:k + 1]]
            return "deviating", "status-not-allowed", [*kept, jump]
        # cut walks: in-progress or stuck
        cuts = []
        for k in range(1, len(changes)):
            prefix = changes[:k]
            last_of = {}
            for c in prefix:
                last_of[c.party] = c
            armed = [r for r in self.rules.values() if r.length and r.party in last_of
                     and last_of[r.party].state in r.armed]
            cuts.append((k, armed))
        if intent == "stuck":
            stuck = [(k, a) for k, a in cuts if a]
            if not stuck:
                return None
            k, armed = rng.choice(stuck)
            length = max(r.length or 0.0 for r in armed)
            prefix = changes[:k]
            end = prefix[-1].at
            shift = -(end + length + DAY)  # the last change: length + 1 day before now
            return "stuck", "", [Change(c.party, c.last, c.state, c.at + shift) for c in prefix]
        k = rng.choice([k for k, _ in cuts]) if cuts else len(changes)
        prefix = changes[:k]
        return "in-progress", "", prefix

    def _scenario(self, steps: Sequence[dict[str, Any]]) -> list[Change]:
        rng = self.rng
        status = dict(steps[0]["status"])
        entered = {p: 0.0 for p in status}
        clock = 0.0
        out = []
        for step in steps[1:]:
            if step.get("kind") == "observe":
                continue
            rule = self.timer_of.get((step.get("party"), step.get("event")))
            if step.get("actor") == "timer" and rule is not None and rule.length:
                at = max(clock + 1, entered[rule.party] + rule.length + rng.uniform(0, 50))
            else:
                at = clock + rng.uniform(1, 20)
            for p, v in step["status"].items():
                if v != status[p]:
                    out.append(Change(p, status[p], v, at))
                    entered[p] = at
            status = dict(step["status"])
            clock = at
        return out

    # -- records -------------------------------------------------------------------------
    def write(self, out: IO[str], orders: int) -> Generated:
        gen = Generated()
        rng = self.rng
        width = max(6, len(str(orders)))
        for n in range(orders):
            made = None
            while made is None:
                made = self.order(n)
            intent, kind, changes = made
            market_id = f"{10**12 + n:0{width}d}-01"
            seller_id = f"{MARKET_ID_PREFIX}-{market_id}"
            gen.labels[market_id] = (intent, kind)
            if not changes:
                gen.labels.pop(market_id)
                continue
            if intent in ("stuck",):
                base = self.now
            else:
                base = self.now - 60 - changes[-1].at if intent != "doomed" else (
                    self.now - 3 * DAY - changes[-1].at)
                if intent in ("conforming", "deviating", "incomplete"):
                    base -= rng.uniform(0, 20 * DAY)
            records = [self._record(c, base, market_id, seller_id, f"{n}-{k}")
                       for k, c in enumerate(changes)]
            gen.fates[LineFate.USED] += len(records)
            if self.faults:
                records = self._faults(records, changes, base, market_id, seller_id, n, gen,
                                       intent)
            for rec in records:
                self._emit(out, rec)
            gen.events += len(records)
        while self._buffer:
            out.write(self._buffer.pop(rng.randrange(len(self._buffer))))
        return gen

    def _record(self, c: Change, base: float, market_id: str, seller_id: str,
                event_id: str) -> str:
        order = market_id if c.party == self.market else seller_id
        domain = "Marketplace" if c.party == self.market else "Fulfillment"
        at = iso(base + c.at)
        if self.faults and self.rng.random() < 0.15:
            return json.dumps({"Domain": domain, "OrderId": order, "State": c.state,
                               "LastState": c.last, "LastChange": at, "CurrentChange": at,
                               "Origin": {"Account": "acme", "Key": "vtexappkey-acme"}})
        return json.dumps({"eventId": event_id, "handle": f"h{event_id}", "domain": domain,
                           "state": c.state, "lastState": c.last, "orderId": order,
                           "lastChange": at, "currentChange": at})

    def _faults(self, records: list[str], changes: list[Change], base: float, market_id: str,
                seller_id: str, n: int, gen: Generated, intent: str) -> list[str]:
        rng = self.rng
        out = list(records)
        if rng.random() < 0.1:  # the same record twice
            out.append(rng.choice(records))
            gen.fates[LineFate.DUPLICATE] += 1
        if rng.random() < 0.05:  # the same change under a new event id (a feed item)
            c = rng.choice(changes)
            rec = json.loads(self._record(c, base, market_id, seller_id, f"{n}-dup"))
            if "eventId" in rec:
                out.append(json.dumps(rec))
                gen.fates[LineFate.DUPLICATE] += 1
        last = changes[-1]
        if intent == "conforming" and last.state == "canceled" and rng.random() < 0.3:
            flip = [Change(last.party, "canceled", "cancel", last.at + 5),
                    Change(last.party, "cancel", "canceled", last.at + 9)]
            out += [self._record(c, base, market_id, seller_id, f"{n}-flip{k}")
                    for k, c in enumerate(flip)]
            gen.fates[LineFate.TOLERATED] += 2
        if rng.random() < 0.02:
            c = changes[0]
            bad = Change(c.party, c.state, rng.choice(["order-create-error", "weird-status"]),
                         c.at + 0.5)
            out.append(self._record(bad, base, market_id, seller_id, f"{n}-unmapped"))
            gen.fates[LineFate.UNMAPPED] += 1
        if rng.random() < 0.02:
            out.append(rng.choice(['{"eventId": "x", "domain": "Marketplace"',
                                   "garbage line", '{"eventId": "y"}',
                                   json.dumps({"eventId": f"{n}-t", "handle": "h",
                                               "domain": "Marketplace", "state": "invoiced",
                                               "lastState": "invoice", "orderId": market_id,
                                               "lastChange": "yesterday",
                                               "currentChange": "not a time"})]))
            gen.fates[LineFate.MALFORMED] += 1
        return out

    def _emit(self, out: IO[str], record: str) -> None:
        """Out of order delivery: records leave through a small shuffling buffer."""
        self._buffer.append(record + "\n")
        if len(self._buffer) > 64:
            out.write(self._buffer.pop(self.rng.randrange(len(self._buffer))))


def generate_file(path: str, judge: Judge, scenarios: Sequence[Sequence[dict[str, Any]]],
                  orders: int, *, now: float, seed: int = 0, faults: bool = True) -> Generated:
    """Write a synthetic log of ``orders`` orders to ``path``; the labels are returned."""
    with open(path, "w", encoding="utf-8") as out:
        return Generator(judge, scenarios, now, seed=seed, faults=faults).write(out, orders)
