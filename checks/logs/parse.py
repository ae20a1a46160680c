"""Reading logs: Feed v3 items, Hook bodies and plain CSV/JSONL, from files, folders, stdin, gzip.

Why one reader for every shape: a consumer's archive mixes them (a feed page saved as a JSON
array, hook bodies appended one a line, an ERP's CSV export), and the ledger must count every
record of all of them the same way.  A record is a line, or an item of a JSON array on a line
(a feed page), or an item of a file that is one pretty-printed JSON array.  Field names are the
reference's (``vtex-order-workflow-reference.md`` §3):

* Feed v3 item: ``eventId, handle, domain, state, lastState, orderId, lastChange,
  currentChange`` (all required, as in the API schema);
* Hook body: ``Domain, OrderId, State, LastChange`` (+ optional ``LastState, CurrentChange,
  Origin``); the change time is ``CurrentChange`` when present, else ``LastChange``;
  ``{"hookConfig": "ping"}`` is skipped;
* plain: ``order_id, party, status, timestamp`` (+ optional ``last_status, event_id``), as
  CSV with that header or as JSON lines.

A record that cannot be read is *malformed* (``file:line`` and why) and the run goes on.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from sys import intern
from typing import IO, Any

from ..errors import UsageError
from .records import Event, Ledger, LineFate

try:  # a faster JSON decoder when installed (bench measured it); same results either way
    import orjson

    _loads: Callable[[bytes | str], Any] = orjson.loads
except ImportError:  # pragma: no cover - depends on the environment
    _loads = json.loads
_JSONError = ValueError  # json's and orjson's decode errors are ValueErrors

#: Feed/hook ``domain`` -> party of the VTEX two-party model (REF §3: Marketplace, Fulfillment).
VTEX_DOMAINS = {"Marketplace": "marketplace", "Fulfillment": "seller"}
FEED_FIELDS = ("eventId", "handle", "domain", "state", "lastState", "orderId", "lastChange",
               "currentChange")
HOOK_FIELDS = ("Domain", "OrderId", "State", "LastChange")
PLAIN_FIELDS = ("order_id", "party", "status", "timestamp")
_FEED_SET = frozenset(FEED_FIELDS)

#: (party, status) -> None when the model has the status, else why not (an unmapped record)
StatusCheck = Callable[[str, str], str | None]


_DAYS: dict[str, float] = {}


def _day(text: str) -> float | None:
    """Epoch seconds of a ``YYYY-MM-DD`` day at 00:00 UTC (cached), None if not a day."""
    if len(text) != 10 or text[4] != "-" or text[7] != "-":
        return None
    try:
        day = datetime.fromisoformat(text + "T00:00:00+00:00").timestamp()
    except ValueError:
        return None
    if len(_DAYS) < 100_000:
        _DAYS[text] = day
    return day


def _fast_time(value: Any) -> float | None:
    """The feed's own shape (``2024-05-02T10:05:00.1234567Z``): the day's epoch cached, the
    clock read by slicing (measured: 3x faster than datetime); None for any other shape."""
    if type(value) is str and value[-1:] == "Z" and value[10:11] == "T":
        day = _DAYS.get(value[:10])
        if day is None:
            day = _day(value[:10])
        if (day is not None and value[13:14] == ":" and value[16:17] == ":"
                and value[17:19].isdigit()):
            try:
                hours, minutes, secs = int(value[11:13]), int(value[14:16]), float(value[17:-1])
            except ValueError:
                return None
            if 0 <= hours < 24 and 0 <= minutes < 60 and 0 <= secs < 61:
                return day + hours * 3600 + minutes * 60 + secs
    return None


def parse_time(value: Any) -> float:
    """ISO 8601 (``Z`` or an offset; any number of fractional digits; naive means UTC) to
    seconds since the epoch.  Raises ValueError naming the value."""
    fast = _fast_time(value)
    if fast is not None:
        return fast
    if not isinstance(value, str) or not value:
        raise ValueError(f"timestamp {value!r} is not an ISO 8601 string")
    text = value.strip()
    dot = text.find(".")
    if dot >= 0:  # VTEX writes 7 fractional digits; datetime reads at most 6
        end = dot + 1
        while end < len(text) and text[end].isdigit():
            end += 1
        if end - dot > 7:
            text = text[:dot + 7] + text[end:]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"timestamp {value!r} is not ISO 8601") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


class LogReader:
    """Turns records into :class:`Event` objects, counting every record in ``ledger``."""

    def __init__(self, ledger: Ledger, *, parties: Iterable[str], domains: Mapping[str, str],
                 check: StatusCheck) -> None:
        self.ledger = ledger
        self.parties = frozenset(parties)
        self.domains = dict(domains)
        self.check = check

    # -- sources ---------------------------------------------------------------------------
    def read(self, sources: Iterable[str], stdin: IO[bytes] | None = None) -> Iterator[Event]:
        """Events of every source in order: ``-`` is stdin, a folder is its files (sorted,
        recursively), a gzip file is read through gzip (by its magic bytes)."""
        for source in sources:
            if source == "-":
                stream = stdin if stdin is not None else sys.stdin.buffer
                yield from self._stream(_maybe_gunzip(stream), "<stdin>", csv_hint=False)
                continue
            for file in files_of(source):
                with open_file(file) as raw:
                    yield from self.file_events(raw, str(file), csv_hint=csv_hint(file))

    def file_events(self, raw: IO[bytes], name: str, *, csv_hint: bool) -> Iterator[Event]:
        """Events of one open file (gzip detected); the columnar engine's way in for files
        that are not plain JSON lines."""
        yield from self._stream(_maybe_gunzip(raw), name, csv_hint=csv_hint)

    def json_line(self, line: bytes, name: str, lineno: int) -> Iterator[Event]:
        """Events of one JSON line, exactly as :meth:`_json_lines` reads it there (the
        columnar engine's fallback for a line its vectorised pattern does not take)."""
        yield from self._json_lines(line, io.BytesIO(b""), name, start=lineno)

    def _stream(self, stream: IO[bytes], name: str, *, csv_hint: bool) -> Iterator[Event]:
        try:
            first = stream.readline()
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            self.ledger.records += 1
            self.ledger.bad(f"{name}:1", f"cannot read ({exc})")
            return
        shape = shape_of(first, csv_hint=csv_hint)
        if shape == "csv":
            yield from self._csv(first, stream, name)
        elif shape == "array":  # one pretty-printed JSON array: read whole
            yield from self._array_file(first + stream.read(), name)
        else:
            yield from self._json_lines(first, stream, name)

    def _lines(self, first: bytes, stream: IO[bytes], name: str,
               start: int = 1) -> Iterator[tuple[int, bytes]]:
        lineno = start
        if first:
            yield lineno, first
        try:
            for line in stream:
                lineno += 1
                yield lineno, line
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            self.ledger.records += 1
            self.ledger.bad(f"{name}:{lineno + 1}", f"cannot read further ({exc})")

    # -- JSON ------------------------------------------------------------------------------
    def _json_lines(self, first: bytes, stream: IO[bytes], name: str,
                    start: int = 1) -> Iterator[Event]:
        """JSON lines.  A complete Feed v3 item whose domain, status and time are ordinary
        takes an inlined path (most records of a real feed; bench/logs.py measured it at
        twice the speed of the general path); anything else goes through :meth:`_record`,
        which names what is wrong.  Both give the same Event."""
        ledger, domains, feed_set = self.ledger, self.domains, _FEED_SET
        fine: dict[tuple[str, str], bool] = {}  # (party, status) modelled, for this run
        for lineno, line in self._lines(first, stream, name, start):
            try:
                obj = _loads(line)
            except _JSONError as exc:
                if not line.strip():
                    continue
                ledger.records += 1
                ledger.bad(f"{name}:{lineno}", f"not JSON ({_short(exc)})")
                continue
            except RecursionError:
                ledger.records += 1
                ledger.bad(f"{name}:{lineno}", "not JSON (nested too deeply)")
                continue
            if type(obj) is dict and feed_set <= obj.keys():
                domain, order, state = obj["domain"], obj["orderId"], obj["state"]
                party = domains.get(domain) if type(domain) is str else None
                if party and order and state and type(order) is str and type(state) is str:
                    ok = fine.get((party, state))
                    if ok is None:
                        ok = fine[(party, state)] = self.check(party, state) is None
                    at = obj["currentChange"]
                    moment = _fast_time(at) if ok else None
                    if moment is not None:
                        ledger.records += 1
                        last = obj["lastState"]
                        eid = obj["eventId"]
                        yield Event(order, party, intern(state),
                                    intern(last) if last and type(last) is str else None,
                                    moment, None if eid is None else str(eid), name, lineno)
                        continue
            if isinstance(obj, list):  # a feed page on one line
                for i, item in enumerate(obj):
                    event = self._record(item, name, f"{lineno}[{i}]")
                    if event is not None:
                        yield event
            else:
                event = self._record(obj, name, lineno)
                if event is not None:
                    yield event

    def _array_file(self, data: bytes, name: str) -> Iterator[Event]:
        try:
            items = _loads(data)
        except (_JSONError, RecursionError) as exc:
            self.ledger.records += 1
            self.ledger.bad(f"{name}:1", f"not a JSON array ({_short(exc)})")
            return
        if not isinstance(items, list):  # pragma: no cover - starts with '['
            items = [items]
        for i, item in enumerate(items):
            event = self._record(item, name, f"item {i}")
            if event is not None:
                yield event

    def _record(self, obj: Any, name: str, pos: int | str) -> Event | None:
        """One JSON record (feed item, hook body or plain line) -> Event, or its fate."""
        self.ledger.records += 1
        where = f"{name}:{pos}" if not isinstance(obj, dict) else ""
        if not isinstance(obj, dict):
            self.ledger.bad(where, f"expected a JSON object, got {type(obj).__name__}")
            return None
        if "hookConfig" in obj:
            self.ledger.count(LineFate.SKIPPED)
            self.ledger.skipped["hook ping (hookConfig)"] += 1
            return None
        fields: tuple[str, ...]
        if "eventId" in obj and "domain" in obj and "currentChange" in obj:
            try:  # the common case first: a complete Feed v3 item
                return self._event(name, pos, "Feed v3 item", domain=obj["domain"],
                                   order=obj["orderId"], state=obj["state"],
                                   last=obj["lastState"], at=obj["currentChange"],
                                   event_id=obj["eventId"], full=obj)
            except KeyError:
                pass
        where = f"{name}:{pos}"
        if "eventId" in obj or "currentChange" in obj or "domain" in obj:
            fields, kind = FEED_FIELDS, "Feed v3 item"
        elif "OrderId" in obj or "Domain" in obj:
            fields, kind = HOOK_FIELDS, "Hook body"
        elif "order_id" in obj:
            fields, kind = PLAIN_FIELDS, "plain record"
        else:
            self.ledger.bad(where, "not a Feed v3 item (eventId, ...), a Hook body (Domain, "
                                   "OrderId, ...) or a plain record (order_id, ...)")
            return None
        missing = [f for f in fields if f not in obj]
        if missing:
            self.ledger.bad(where, f"{kind} lacks {', '.join(repr(f) for f in missing)}")
            return None
        if kind == "Feed v3 item":
            return self._event(name, pos, kind, domain=obj["domain"], order=obj["orderId"],
                               state=obj["state"], last=obj["lastState"],
                               at=obj["currentChange"], event_id=obj["eventId"])
        if kind == "Hook body":
            return self._event(name, pos, kind, domain=obj["Domain"], order=obj["OrderId"],
                               state=obj["State"], last=obj.get("LastState"),
                               at=obj.get("CurrentChange") or obj["LastChange"], event_id=None)
        return self._event(name, pos, kind, party=obj["party"], order=obj["order_id"],
                           state=obj["status"], last=obj.get("last_status"),
                           at=obj["timestamp"], event_id=obj.get("event_id"))

    # -- CSV -------------------------------------------------------------------------------
    def _csv(self, first: bytes, stream: IO[bytes], name: str) -> Iterator[Event]:
        header = next(csv.reader([first.decode("utf-8-sig", "replace")]), [])
        columns = [c.strip() for c in header]
        missing = [f for f in PLAIN_FIELDS if f not in columns]
        self.ledger.records += 1  # the header line
        if missing:
            self.ledger.bad(f"{name}:1", f"CSV header lacks {', '.join(missing)} (expected "
                                         f"{','.join(PLAIN_FIELDS)}[,last_status,event_id])")
            for lineno, line in self._lines(b"", stream, name):
                if line.strip():
                    self.ledger.records += 1
                    self.ledger.bad(f"{name}:{lineno}", "CSV without a usable header")
            return
        self.ledger.count(LineFate.SKIPPED)
        self.ledger.skipped["CSV header"] += 1
        index = {c: i for i, c in enumerate(columns)}
        for lineno, line in self._lines(b"", stream, name):
            if not line.strip():
                continue
            where = f"{name}:{lineno}"
            self.ledger.records += 1
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError:
                self.ledger.bad(where, "not UTF-8")
                continue
            row = next(csv.reader([text]), [])
            if len(row) != len(columns):
                self.ledger.bad(where, f"{len(row)} fields, the header has {len(columns)}")
                continue

            def get(col: str, row: list[str] = row) -> str | None:
                i = index.get(col)
                return row[i].strip() or None if i is not None else None

            event = self._event(name, lineno, "CSV row", party=get("party"),
                                order=get("order_id"), state=get("status"),
                                last=get("last_status"), at=get("timestamp"),
                                event_id=get("event_id"))
            if event is not None:
                yield event

    # -- one record's fields -----------------------------------------------------------------
    def _event(self, name: str, pos: int | str, kind: str, *, order: Any, state: Any,
               last: Any, at: Any, event_id: Any, domain: Any = None, party: Any = None,
               full: dict[str, Any] | None = None) -> Event | None:
        """The hot path of a run (one call a record): cheap checks first, the ``where`` of a
        record formatted only when something is wrong with it."""
        if full is not None and not full.keys() >= _FEED_SET:
            raise KeyError("incomplete")  # the caller names what is missing
        if domain is not None:
            party = self.domains.get(domain) if isinstance(domain, str) else None
            if party is None:
                if not isinstance(domain, str):
                    self.ledger.bad(f"{name}:{pos}", f"{kind}: domain {domain!r} is not a "
                                                     f"string")
                    return None
                self.ledger.count(LineFate.SKIPPED)
                self.ledger.skipped[f"domain {domain!r}: not a party of the model"] += 1
                return None
        if not (order and state and party and type(order) is str and type(state) is str
                and type(party) is str):
            for label, value in (("order id", order), ("status", state), ("party", party)):
                if not isinstance(value, str) or not value:
                    self.ledger.bad(f"{name}:{pos}",
                                    f"{kind}: {label} {value!r} is not a non-empty string")
                    return None
        if party not in self.parties:
            self.ledger.bad(f"{name}:{pos}", f"{kind}: party {party!r} is not one of "
                                             f"{', '.join(sorted(self.parties))}")
            return None
        try:
            moment = parse_time(at)
        except ValueError as exc:
            self.ledger.bad(f"{name}:{pos}", f"{kind}: {exc}")
            return None
        why = self.check(party, state)
        if why is not None:
            self.ledger.count(LineFate.UNMAPPED)
            self.ledger.unmapped[(state, why)] += 1
            return None
        return Event(intern(order), party, intern(state),
                     intern(last) if last and type(last) is str else None, moment,
                     None if event_id is None else str(event_id), name, pos)


def files_of(source: str) -> list[Path]:
    """The files a source names: itself, or a folder's files (sorted, recursively)."""
    path = Path(source)
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file())
    if path.is_file():
        return [path]
    raise UsageError(f"logs: {source}: no such file or folder")


def open_file(file: Path) -> IO[bytes]:
    try:
        return file.open("rb")
    except OSError as exc:
        raise UsageError(f"logs: {file}: cannot read ({exc.strerror})") from None


def csv_hint(file: Path) -> bool:
    """A ``.csv`` suffix (also ``.csv.gz``) says CSV whatever the first line holds."""
    return ".csv" in file.suffixes


def shape_of(first: bytes, *, csv_hint: bool) -> str:
    """``csv``, ``array`` (one pretty-printed JSON array) or ``lines``, by the first line."""
    head = first.lstrip()
    if csv_hint or head.startswith(b"order_id,") or head.startswith(b"\xef\xbb\xbforder_id,"):
        return "csv"
    if head.rstrip() == b"[":
        return "array"
    return "lines"


def _maybe_gunzip(stream: IO[bytes]) -> IO[bytes]:
    """``stream`` itself, or a gzip reader over it when it starts with the gzip magic."""
    buffered: Any = stream if isinstance(stream, io.BufferedReader) else io.BufferedReader(
        stream)  # type: ignore[type-var]
    if buffered.peek(2)[:2] == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=buffered)  # type: ignore[return-value]
    return buffered


def _short(exc: BaseException) -> str:
    """Where the decoder stopped, the same with or without orjson."""
    if isinstance(exc, json.JSONDecodeError):
        return f"at column {exc.colno}"
    if isinstance(exc, UnicodeDecodeError):
        return f"not UTF-8 at byte {exc.start + 1}"
    return type(exc).__name__
