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
                    first = raw.read(2)
                    hint = csv_hint(file)
                    if first == b"\x1f\x8b":
                        raw.seek(0)
                        self._python(self.reader.file_events(raw, name, csv_hint=hint), name)
                        continue
                    head = first + raw.readline()
                    if shape_of(head, csv_hint=hint) != "lines":
                        raw.seek(0)
                        self._python(self.reader.file_events(raw, name, csv_hint=hint), name)
                        continue
                    raw.seek(0)
                    self._lines_file(raw, name)
        self._flush_slow()
        if not self._frames:
            return pl.DataFrame(schema=SCHEMA)
        return pl.concat(self._frames, how="vertical", rechunk=False)

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
        ends = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10)
        n = len(ends) + (0 if chunk.endswith(b"\n") else 1)
        starts = np.empty(n, dtype=np.int64)
        starts[0] = 0
        starts[1:] = ends[:n - 1] + 1
        stops = np.empty(n, dtype=np.int64)
        stops[:len(ends)] = ends + 1
        if n > len(ends):
            stops[-1] = len(chunk)
        lines: pl.Series | None = None
        if b"\x00" not in chunk:
            frame = pl.read_csv(io.BytesIO(chunk), has_header=False, separator="\x00",
                                quote_char=None, new_columns=["line"],
                                encoding="utf8-lossy", infer_schema=False)
            if frame.height == n:  # else polars split lines differently: no pattern
                lines = frame["line"]
        taken = self._taken(lines, n)
        raw_len = stops - starts - (np.frombuffer(chunk, dtype=np.uint8)[stops - 1] == 10)
        if lines is not None:  # polars dropped nothing (a BOM, a CR): else the fallback reads it
            same = (lines.str.len_bytes() == pl.Series(raw_len)).fill_null(False)
            taken = taken.with_columns(ok=pl.col("ok").fill_null(False) & same)
        ok = taken["ok"].to_numpy()
        ledger = self.ledger
        base = ledger.records
        fallback = np.flatnonzero(~ok)
        taken_before = np.cumsum(ok) - ok  # taken lines before each line
        slow_records = np.zeros(n, dtype=np.int64)  # records the fallback counted, per line
        for i in fallback.tolist():
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
        rows = taken.with_columns(rec=pl.Series(recs), line=pl.int_range(lineno, lineno + n,
                                                                         dtype=pl.Int64))
        rows = rows.filter(pl.col("ok")).select(
            "rec", pl.lit(src, dtype=pl.Int32).alias("src"), "line",
            pl.lit(None, dtype=pl.String).alias("item"), "order", "party", "state", "last",
            "at", "eid")
        # fallback rows were appended before this chunk's taken rows: the frame is sorted
        # by ``rec`` later, where it matters
        self._frames.append(rows)
        return lineno + n

    def _taken(self, lines: pl.Series | None, n: int) -> pl.DataFrame:
        """Per line: whether the pattern takes it (``ok``) and, if so, the event's fields."""
        if lines is None:
            return pl.DataFrame({"ok": np.zeros(n, dtype=bool)}).with_columns(
                *(pl.lit(None, dtype=SCHEMA[c]).alias(c)
                  for c in ("order", "party", "state", "last", "at", "eid")))
        feed = lines.str.extract_groups(FEED_LINE).struct.unnest()
        hook = lines.str.extract_groups(HOOK_LINE).struct.unnest()
        is_feed = feed["state"].is_not_null()
        reader = self.reader
        df = pl.DataFrame({
            "domain": pl.select(pl.when(is_feed).then(feed["domain"])
                                .otherwise(hook["domain"])).to_series(),
            "order": pl.select(pl.when(is_feed).then(feed["order"])
                               .otherwise(hook["order"])).to_series(),
            "state": pl.select(pl.when(is_feed).then(feed["state"])
                               .otherwise(hook["state"])).to_series(),
            "last": pl.select(pl.when(is_feed).then(feed["last"])
                              .otherwise(hook["last"])).to_series(),
            "ts": pl.select(pl.when(is_feed).then(feed["at"])
                            .otherwise(hook["at"])).to_series(),
            "eid": feed["eid"],
        })
        domains = {k: v for k, v in reader.domains.items()}
        df = df.with_columns(party=pl.col("domain").replace_strict(
            list(domains), list(domains.values()), default=None, return_dtype=pl.String))
        pairs = df.filter(pl.col("party").is_not_null()).select("party", "state").unique()
        modelled = [reader.check(p, s) is None for p, s in pairs.iter_rows()]
        fine = pairs.with_columns(fine=pl.Series(modelled, dtype=pl.Boolean))
        df = df.join(fine, on=["party", "state"], how="left", maintain_order="left")
        ts = pl.col("ts")
        day = ts.str.slice(0, 10).str.to_date("%Y-%m-%d", strict=False)
        hours = ts.str.slice(11, 2).cast(pl.Int64)
        minutes = ts.str.slice(14, 2).cast(pl.Int64)
        secs = ts.str.slice(17).str.strip_suffix("Z").cast(pl.Float64)
        base = day.cast(pl.Int64) * 86400 + hours * 3600 + minutes * 60
        df = df.with_columns(
            at=base.cast(pl.Float64) + secs,
            good=(day.is_not_null() & (ts.str.slice(0, 4) != "0000") & (hours < 24)
                  & (minutes < 60) & (secs < 61)),
        )
        df = df.with_columns(
            ok=(pl.col("party").is_not_null() & pl.col("fine").fill_null(False)
                & pl.col("good").fill_null(False)),
            last=pl.when(pl.col("last") == "").then(None).otherwise(pl.col("last")),
            eid=pl.col("eid"),
        )
        return df.select("ok", "order", "party", "state", "last", "at", "eid")
