"""Reading logs into columns (polars) for ``--engine columnar``, record for record as
:class:`~.parse.LogReader` reads them.

Why a pattern and a fallback: a JSON-lines file is read in large chunks, and a line in the
shape a feed or hook writes (keys in the documented order, plain string values: no escapes,
no control characters) is taken apart by one regular expression over the whole chunk, in
Rust; every other line — a malformed one, a feed page, a value with an escape, an unmapped
status, an odd timestamp — goes through :meth:`~.parse.LogReader.json_line`, the streaming
reader's own code.  The pattern only ever takes a line whose meaning is not in doubt, so the
events and the ledger (counts, ``file:line`` of malformed records, unmapped statuses) are the
streaming reader's.  Files that are not JSON lines (CSV, one JSON array, gzip) and stdin go
through the streaming reader whole.

Each event row carries ``rec``, the count of records read up to and including it (the
streaming engine's release clock), ``src``/``line``/``item`` (its ``file:line``), and the
event's fields; ``at`` is computed exactly as :func:`~.parse._fast_time` computes it.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable, Iterator
from typing import IO, Any

import numpy as np
import polars as pl

from .parse import LogReader, csv_hint, files_of, open_file, shape_of
from .records import Event

CHUNK = 64 << 20  # bytes per vectorised chunk (line aligned)
THREADS = 2  # slices of a chunk matched at once (this project's machines have two cores)

_S = r'[^"\\\x00-\x1f\x{FFFD}]'  # a character of a JSON string without escapes
_TIME = (r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?Z")
FEED_LINE = (rf'^\{{"eventId": "(?P<eid>{_S}*)", "handle": "{_S}*", "domain": '
             rf'"(?P<domain>{_S}*)", "state": "(?P<state>{_S}+)", "lastState": '
             rf'"(?P<last>{_S}*)", "orderId": "(?P<order>{_S}+)", "lastChange": "{_S}*", '
             rf'"currentChange": "(?P<at>{_TIME})"\}}$')
HOOK_LINE = (rf'^\{{"Domain": "(?P<domain>{_S}*)", "OrderId": "(?P<order>{_S}+)", "State": '
             rf'"(?P<state>{_S}+)", "LastState": "(?P<last>{_S}*)", "LastChange": "{_S}*", '
             rf'"CurrentChange": "(?P<at>{_TIME})", "Origin": \{{"Account": "{_S}*", '
             rf'"Key": "{_S}*"\}}\}}$')

SCHEMA = {"rec": pl.Int64, "src": pl.Int32, "line": pl.Int64, "item": pl.String,
          "order": pl.String, "party": pl.String, "state": pl.String, "last": pl.String,
          "at": pl.Float64, "eid": pl.String}


class ColumnReader:
    """Reads sources into one event frame; ``names[src]`` is a source's file name."""

    def __init__(self, reader: LogReader) -> None:
        self.reader = reader
        self.ledger = reader.ledger
        self.names: list[str] = []
        self._frames: list[pl.DataFrame] = []
        self._slow: list[tuple[Any, ...]] = []  # rows from the streaming reader

    def read(self, sources: Iterable[str], stdin: IO[bytes] | None = None) -> pl.DataFrame:
        for source in sources:
            if source == "-":
                stream = stdin if stdin is not None else sys.stdin.buffer
                self._python(self.reader.file_events(stream, "<stdin>", csv_hint=False),
                             "<stdin>")
                continue
            for file in files_of(source):
                name = str(file)
                with open_file(file) as raw:
                    head = raw.readline()
                    hint = csv_hint(file)
                    if head[:2] == b"\x1f\x8b" or shape_of(head, csv_hint=hint) != "lines":
                        raw.seek(0)
                        self._python(self.reader.file_events(raw, name, csv_hint=hint), name)
                        continue
                    raw.seek(0)
                    self._lines_file(raw, name)
        self._flush_slow()
        frames, self._frames = self._frames, []  # the caller's frame is the only copy
        if not frames:
            return pl.DataFrame(schema=SCHEMA)
        return pl.concat(frames, how="vertical", rechunk=False)

    # -- the streaming reader's rows ----------------------------------------------------
    def _src(self, name: str) -> int:
        if not self.names or self.names[-1] != name:
            self.names.append(name)
        return len(self.names) - 1

    def _python(self, events: Iterator[Event], name: str) -> None:
        src = self._src(name)
        ledger, slow = self.ledger, self._slow
        for e in events:
            line, item = (e.pos, None) if isinstance(e.pos, int) else (None, e.pos)
            slow.append((ledger.records, src, line, item, e.order, e.party, e.state, e.last,
                         e.at, e.event_id))

    def _flush_slow(self) -> None:
        if self._slow:
            self._frames.append(pl.DataFrame(self._slow, schema=SCHEMA, orient="row"))
            self._slow = []

    # -- JSON lines, vectorised ----------------------------------------------------------
    def _lines_file(self, raw: IO[bytes], name: str) -> None:
        src = self._src(name)
        lineno = 1  # of the chunk's first line
        while True:
            chunk = raw.read(CHUNK)
            if not chunk:
                return
            if not chunk.endswith(b"\n"):
                chunk += raw.readline()
            lineno = self._chunk(chunk, name, src, lineno)

    def _chunk(self, chunk: bytes, name: str, src: int, lineno: int) -> int:
        """Read one line-aligned chunk whose first line is ``lineno``; the next chunk's."""
        n = chunk.count(b"\n") + (0 if chunk.endswith(b"\n") else 1)
        lines: pl.Series | None = None
        if b"\x00" not in chunk:
            frame = pl.read_csv(io.BytesIO(chunk), has_header=False, separator="\x00",
                                quote_char=None, new_columns=["line"],
                                encoding="utf8-lossy", infer_schema=False)
            if frame.height == n:  # else polars split lines differently: no pattern
                lines = frame["line"]
        starts, stops = self._bounds(chunk, n, lines)
        taken = self._taken(lines, stops - starts - _newline(chunk, stops))
        ok = np.zeros(n, dtype=bool)
        ok[taken["i"].to_numpy()] = True  # the others: the streaming reader's code
        ledger = self.ledger
        base = ledger.records
        taken_before = np.cumsum(ok) - ok  # taken lines before each line
        slow_records = np.zeros(n, dtype=np.int64)  # records the fallback counted, per line
        for i in np.flatnonzero(~ok).tolist():
            before = ledger.records
            for e in self.reader.json_line(chunk[starts[i]:stops[i]], name, lineno + i):
                line, item = (e.pos, None) if isinstance(e.pos, int) else (None, e.pos)
                rec = ledger.records + int(taken_before[i])
                self._slow.append((rec, src, line, item, e.order, e.party, e.state, e.last,
                                   e.at, e.event_id))
            slow_records[i] = ledger.records - before
        self._flush_slow()
        recs = base + np.cumsum(ok.astype(np.int64) + slow_records)
        ledger.records += int(ok.sum())
        rows = taken.select(
            rec=pl.Series(recs[taken["i"].to_numpy()], dtype=pl.Int64),
            src=pl.lit(src, dtype=pl.Int32), line=pl.col("i").cast(pl.Int64) + lineno,
            item=pl.lit(None, dtype=pl.String), order="order", party="party", state="state",
            last="last", at="at", eid="eid")
        # fallback rows were appended before this chunk's taken rows: the frame is sorted
        # by ``rec`` later, where it matters
        self._frames.append(rows)
        return lineno + n

    @staticmethod
    def _bounds(chunk: bytes, n: int, lines: pl.Series | None) -> tuple[Any, Any]:
        """Each line's byte range [start, stop) in the chunk, newline included.  From the
        line lengths polars read when they add up (no CR, no BOM it would drop: lossy
        decoding only ever lengthens a line), else by scanning for newlines."""
        if lines is not None and b"\r" not in chunk and not chunk.startswith(b"\xef\xbb\xbf"):
            lens = lines.str.len_bytes().fill_null(0).to_numpy().astype(np.int64)
            if int(lens.sum()) + chunk.count(b"\n") == len(chunk):
                stops = np.cumsum(lens + 1)
                starts = stops - lens - 1
                stops[-1] = min(int(stops[-1]), len(chunk))
                return starts, stops
        ends = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10)
        starts = np.empty(n, dtype=np.int64)
        starts[0] = 0
        starts[1:] = ends[:n - 1] + 1
        stops = np.empty(n, dtype=np.int64)
        stops[:len(ends)] = ends + 1
        if n > len(ends):
            stops[-1] = len(chunk)
        return starts, stops

    def _taken(self, lines: pl.Series | None, raw_len: Any) -> pl.DataFrame:
        """The lines the patterns take (``i``: index in the chunk) with the event's fields.
        A line whose text polars changed (a dropped CR or BOM: its length differs) is left
        to the fallback."""
        if lines is None:
            return pl.DataFrame(schema={"i": pl.UInt32, **{
                c: SCHEMA[c] for c in ("order", "party", "state", "last", "at", "eid")}})
        frame = pl.DataFrame({"line": lines}).with_row_index("i").filter(
            pl.col("line").str.len_bytes() == pl.Series(raw_len))
        # one query per slice, run together on polars' threads: the patterns are the
        # costliest step of a run, and one expression on one column uses one core
        step = max(1, -(-frame.height // THREADS))
        df = pl.concat(pl.collect_all([_fields(frame.slice(k, step).lazy())
                                       for k in range(0, max(frame.height, 1), step)]))
        reader = self.reader
        domains = dict(reader.domains)
        df = df.with_columns(party=pl.col("domain").replace_strict(
            list(domains), list(domains.values()), default=None, return_dtype=pl.String))
        pairs = df.filter(pl.col("party").is_not_null()).select("party", "state").unique()
        modelled = [reader.check(p, s) is None for p, s in pairs.iter_rows()]
        fine = pairs.with_columns(fine=pl.Series(modelled, dtype=pl.Boolean))
        df = df.join(fine, on=["party", "state"], how="left")
        return df.filter(pl.col("party").is_not_null() & pl.col("fine").fill_null(False)
                         & pl.col("good")).select("i", "order", "party", "state", "last",
                                                  "at", "eid")


def _fields(lines: pl.LazyFrame) -> pl.LazyFrame:
    """Lines (``i``, ``line``) the feed or hook pattern takes, with the event's fields and
    the change time exactly as :func:`~.parse._fast_time` computes it (``good``: it would)."""
    parts = []
    for prefix, pattern, eid in (('{"eventId": ', FEED_LINE, True),
                                 ('{"Domain": ', HOOK_LINE, False)):
        got = (lines.filter(pl.col("line").str.starts_with(prefix))
               .select("i", pl.col("line").str.extract_groups(pattern).alias("g"))
               .unnest("g").filter(pl.col("state").is_not_null()))
        parts.append(got.select("i", "domain", "order", "state", "last", "at",
                                pl.col("eid") if eid else pl.lit(None, pl.String).alias("eid")))
    ts = pl.col("at")
    day = ts.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
    hours = ts.str.slice(11, 2).cast(pl.Int64)
    minutes = ts.str.slice(14, 2).cast(pl.Int64)
    secs = ts.str.slice(17).str.strip_suffix("Z").cast(pl.Float64)
    base = day.cast(pl.Int64) * 86400 + hours * 3600 + minutes * 60
    good = (day.is_not_null() & (ts.str.slice(0, 4) != "0000") & (hours < 24)
            & (minutes < 60) & (secs < 61))
    return pl.concat(parts).select(
        "i", "domain", "order", "state",
        last=pl.when(pl.col("last") == "").then(None).otherwise(pl.col("last")),
        at=base.cast(pl.Float64) + secs, good=good.fill_null(False), eid="eid")


def _newline(chunk: bytes, stops: Any) -> Any:
    """1 where a line ends with a newline (all but perhaps the chunk's last)."""
    out = np.ones(len(stops), dtype=np.int64)
    if not chunk.endswith(b"\n"):
        out[-1] = 0
    return out
