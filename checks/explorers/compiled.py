"""``--explorer compiled``: BFS in a numba kernel over the TransitionSystem's integer tables.

Why this shape: the successor function is a few table look-ups per edge, which CPython pays
~1 µs each for; compiled, the whole BFS (visited set, parent pointers, CSR edges) runs at C
speed.  But the tables are *lazy* — guards are user Python callables, so an entry is only
known once the :class:`~..system.TransitionSystem` has computed it.  So the kernel
(:mod:`.kernel`) runs until it meets an entry not yet filled, records it (and those of the
next queued states: misses come in batches), and returns; this driver fills them with the
system's own methods (:meth:`_party_moves`, :meth:`site_entry` for guarded decisions,
:meth:`_take_memo`, :meth:`_reaction`, the channel put) — the semantics stay the Python
reference's — and resumes.  Warm tables make
returns rare: about one per few thousand states once the control values repeat.

The result is the *identical* :class:`~..explore.StateGraph` of
:class:`~..explore.BreadthFirst` (same numbering, edges, cut and bounds): the kernel mirrors
``_bfs`` line for line, tests/test_compiled.py asserts array equality.

On more than one core (``threads``, default one per core; ``--workers``) the kernel runs in
chunks of queued states (:mod:`.threads`): successors and visited-set look-ups on every
thread, the numbering sequential — the same graph again, and about 1.9x the sequential
kernel's speed on 2 cores for the 7-sellers toy (1.4x under symmetry reduction).

Memory: a state is two int64 words (control, channels: 16 bytes), the visited set an
open-addressing table of int32 state numbers (load 3/8 to 3/4: 5–11 bytes per state), plus
int32 parent and parent-label arrays: 29–35 bytes per state
(:attr:`CompiledStats.store_bytes`).  Depth is not stored: BFS numbers states level by
level, so depth is rebuilt from the level boundaries.  Edges (CSR, 8 bytes each plus 8 per
state) are counted apart (:attr:`CompiledStats.edge_bytes`): the analyses need them today.
"""

from __future__ import annotations

import contextlib
import os
import time
from array import array
from dataclasses import dataclass
from typing import Any

from ..errors import UsageError
from ..explore import Bounds, Explorable, PackedStates, Progress, StateGraph

__all__ = ["Compiled", "CompiledStats", "require_numba"]

_INITIAL_STATES = 1 << 12
_MISS_BATCH = 4096  # misses recorded per return to Python
_PROBE = 2048  # queued states probed for misses after the first one
_YIELD_EVERY = 1 << 16  # states expanded between progress reports
_BUFFER = 256  # successors of one state the kernel can hold (doubled on demand)
_CHUNK = 1 << 16  # queued states per chunk of the threaded kernel (at most)
_THREADS_FROM = 1 << 12  # queued states below which the sequential kernel runs
_CANDIDATES = 1 << 21  # candidate slots of the threaded kernel's rows (chunk x width)
_WIDTH = 32  # its candidates per state at first (doubled on demand)
_DENSE_BITS = 16  # channels at most this wide get direct-indexed TAKE/PUT tables
_DENSE_ENTRIES = 1 << 22
_MAX_CONTROL_BITS = 63
_MAX_CHANNEL_BITS = 64
_WORD = (1 << 64) - 1


def require_numba() -> Any:
    """The kernel module; a clear exit-2 message when numba is not installed."""
    try:
        from . import kernel
    except ImportError as exc:  # numba (or llvmlite) missing or broken
        raise UsageError(
            f"--explorer compiled needs the numba package ({exc}); install it with "
            "pip install 'ordercheck[fast]', or use --explorer bfs") from None
    return kernel


@dataclass(slots=True)
class CompiledStats:
    """What the last compiled run measured (the bench reads it)."""

    states: int = 0
    edges: int = 0
    store_bytes: int = 0  # visited table + states + parent + parent label
    edge_bytes: int = 0  # off + succ + succ label
    returns: int = 0  # how often the kernel came back to fill memo entries
    grows: int = 0  # how often it came back for larger arrays
    kernel_seconds: float = 0.0


class _Tables:
    """The memo tables and successor-side arrays the kernel reads, filled from ``system``."""

    def __init__(self, np: Any, kernel: Any, system: Any) -> None:
        self.np, self.k, self.system = np, kernel, system
        self.cap = 1 << 12
        self.ka = np.full(self.cap, -1, np.int64)
        self.kb = np.zeros(self.cap, np.int64)
        self.kc = np.zeros(self.cap, np.int64)
        self.val = np.zeros(self.cap, np.int64)
        self.used = 0
        self.pool = np.zeros(1 << 12, np.int64)
        self.pool_used = 0
        self.sends_seen = -1
        self.sends_off = self.sends_msgs = np.zeros(1, np.int64)
        self.refresh_sends()
        self.msg_channel = np.array(system._msg_channel, np.int64)
        #: the codec's int is split into the kernel's two words at bit ``split``: the
        #: control bits, then every channel whose field ends by bit 63 when the channels
        #: alone would not fit the second word (see :func:`split_point`)
        self.split = split_point(system)
        cb = system.control_bits
        self.ch_word = np.array([0 if cb + sh < self.split else 1 for sh in system._ch_shift]
                                or [0], np.int64)
        self.ch_shift = np.array([cb + sh if cb + sh < self.split else cb + sh - self.split
                                  for sh in system._ch_shift] or [0], np.int64)
        self.ch0_mask = sum(mask << (cb + sh) for sh, mask in
                            zip(system._ch_shift, system._ch_mask, strict=True)
                            if cb + sh < self.split)
        self.ch_mask = np.array(system._ch_mask, np.int64)
        self.lose_label = np.full(max(1, len(system.messages)), -1, np.int64)
        self.reads_msgs = bool(system._guards_read_messages)
        # dense per-party tables: entry of (party, configuration), and of (receiver,
        # configuration, message it receives, flag); -1 = not filled yet
        counts = system.codec.config_counts
        self.p_shift = np.array(system.codec.shifts, np.int64)
        self.p_mask = np.array(system.codec.masks, np.int64)
        self.p_base = np.array([sum(counts[:p]) for p in range(len(counts))], np.int64)
        self.pl = np.full(max(1, sum(counts)), -1, np.int64)
        received: list[list[int]] = [[] for _ in counts]
        for m, q in enumerate(system._msg_receiver):
            received[q].append(m)
        self.msg_recv = np.array(system._msg_receiver or [0], np.int64)
        self.msg_ridx = np.array([received[q].index(m) for m, q in
                                  enumerate(system._msg_receiver)] or [0], np.int64)
        self.r_count = np.array([len(r) for r in received], np.int64)
        sizes = [c * len(r) * 2 for c, r in zip(counts, received, strict=True)]
        self.r_base = np.array([sum(sizes[:q]) for q in range(len(sizes))], np.int64)
        self.pd = np.full(max(1, sum(sizes)), -1, np.int64)
        self.dense = self._dense_channels()
        self.control_mask = system._control_mask
        # per guarded decision (site): pool offset of its read sets, -1 = none yet
        self.site_ptr = np.full(64, -1, np.int64)
        self.site_masks_seen: dict[int, int] = {}
        self.outcomes: dict[tuple[int, int, int], int] = {}  # interned site outcomes

    def _dense_channels(self) -> tuple[Any, ...]:
        """Direct-indexed TAKE and PUT tables for narrow channels (see :mod:`.kernel`)."""
        np, system = self.np, self.system
        ch_base, put_base, ch_syms = [], [], []
        takes = puts = 0
        for k, codec in enumerate(system.codec.channels):
            size = 1 << codec.width
            syms = len(system._channel_msgs[k])
            if codec.width <= _DENSE_BITS and takes + size * (1 + syms) <= _DENSE_ENTRIES:
                ch_base.append(takes)
                put_base.append(puts)
                takes += size
                puts += size * syms
            else:
                ch_base.append(-1)
                put_base.append(-1)
            ch_syms.append(syms)
        return (np.array(ch_base or [0], np.int64), np.array(put_base or [0], np.int64),
                np.array(ch_syms or [0], np.int64),
                np.array(system._symbol or [0], np.int64),
                np.full(max(1, takes), -1, np.int64), np.full(max(1, puts), -2, np.int64),
                self.ch_word, np.array([self.ch0_mask], np.int64))

    @property
    def shift(self) -> int:
        return 64 - (self.cap.bit_length() - 1)

    def refresh_sends(self) -> None:
        """The sends ids are interned lazily by the system: export the table when it grew."""
        sends = self.system._sends_list
        if len(sends) == self.sends_seen:
            return
        off = [0]
        for msgs in sends:
            off.append(off[-1] + len(msgs))
        self.sends_off = self.np.array(off, self.np.int64)
        self.sends_msgs = self.np.array([m for msgs in sends for m in msgs] or [0],
                                        self.np.int64)
        self.sends_seen = len(sends)

    def _store(self, values: list[int]) -> int:
        need = self.pool_used + len(values)
        if need > len(self.pool):
            grown = self.np.zeros(max(need, 2 * len(self.pool)), self.np.int64)
            grown[:self.pool_used] = self.pool[:self.pool_used]
            self.pool = grown
        at = self.pool_used
        self.pool[at:need] = values
        self.pool_used = need
        return at

    def fill(self, misses: Any) -> None:
        """Compute every missed entry with the system's own methods and insert it."""
        np, k, system = self.np, self.k, self.system
        keys: list[tuple[int, int, int]] = []
        vals: list[int] = []
        seen: set[tuple[int, int, int, int]] = set()
        for kind, a, b, c, _ in misses.tolist():
            if kind == k.PLOCAL:
                self._fill_party_local(a, b)
                continue
            if kind == k.PDELIVER:
                self._fill_party_deliver(a, b, c)
                continue
            if (kind, a, b, c) in seen:
                continue
            seen.add((kind, a, b, c))
            if kind == k.SITE:
                keys.append(self._site_key(a, b, c))
                vals.append(self._outcome(system.site_entry(a, *self._site_state(b, c))[1]))
                continue
            if kind == k.TAKE and self.dense[0][b] >= 0:
                self.dense[4][self.dense[0][b] + a] = self._store(self._takes(a, b))
                continue
            if kind == k.PUT:
                ch = system._msg_channel[b]
                if self.dense[1][ch] >= 0:
                    self.dense[5][self.dense[1][ch] + a * self.dense[2][ch]
                                  + system._symbol[b]] = self._put(a, b)
                    continue
                keys.append((a, 0, k.PUT | (b << 2)))
                vals.append(self._put(a, b))
            else:
                keys.append((a, 0, k.TAKE | (b << 2)))
                vals.append(self._store(self._takes(a, b)))
        self.refresh_sends()
        self._refresh_sites()
        if 4 * (self.used + len(vals)) > 3 * self.cap:
            self._grow(self.used + len(vals))
        if not keys:
            return
        cols = np.array(keys, np.int64).reshape(-1, 3)
        k.memo_insert(self.ka, self.kb, self.kc, self.val, cols[:, 0].copy(),
                      cols[:, 1].copy(), cols[:, 2].copy(), np.array(vals, np.int64),
                      self.shift)
        self.used += len(vals)

    def _site_key(self, site: int, ctrl: int, gch: int) -> tuple[int, int, int]:
        """The memo key of ``site`` in state (ctrl, gch) under the read set the system
        memoised it by (``site_entry``; evaluated now when not yet)."""
        system = self.system
        index, _ = system.site_entry(site, *self._site_state(ctrl, gch))
        w0, w1 = self._kernel_mask(*system._site_masks[site][index])
        return (ctrl & w0, gch & w1, self.k.SITE | (site << 2) | (index << 40))

    def _site_state(self, w0: int, gch: int) -> tuple[int, int]:
        """The system's (control, channels) of a kernel state as a site sees it (channels
        0 when no guard reads messages, as the system's callers pass them)."""
        if not self.reads_msgs:
            return w0 & self.control_mask, 0
        state = _join(w0, gch, self.split)
        return state & self.control_mask, state >> self.system.control_bits

    def _kernel_mask(self, cmask: int, hmask: int) -> tuple[int, int]:
        """A read set's (control, channels) masks as masks of the kernel's two words."""
        return _split(cmask | (hmask << self.system.control_bits), self.split)

    def _outcome(self, outcome: tuple[int, int, int]) -> int:
        """Pool offset of a site outcome ``(label, delta, sends)``, stored once."""
        at = self.outcomes.get(outcome)
        if at is None:
            at = self.outcomes[outcome] = self._store(list(outcome))
        return at

    def _refresh_sites(self) -> None:
        """Export every site whose read sets grew (and room for sites interned since)."""
        system, np = self.system, self.np
        n = len(system._site_keys)
        if n > len(self.site_ptr):
            size = len(self.site_ptr)
            while size < n:
                size *= 2
            grown = np.full(size, -1, np.int64)
            grown[:len(self.site_ptr)] = self.site_ptr
            self.site_ptr = grown
        for site in range(n):
            masks = system._site_masks[site]
            if len(masks) != self.site_masks_seen.get(site, 0):
                flat = [len(masks)]
                for cmask, hmask in masks:
                    flat.extend(self._kernel_mask(cmask, hmask))
                self.site_ptr[site] = self._store(flat)
                self.site_masks_seen[site] = len(masks)

    def _takes(self, content: int, k: int) -> list[int]:
        """Channel ``k``'s takes from ``content`` (``_take_memo``), flattened for the pool."""
        system = self.system
        takes = system._takes[k].get(content)
        if takes is None:
            takes = system._take_memo(k, content)
        flat = [len(takes)]
        for msg, rest, flag in takes:
            flat.extend((msg, rest, flag))
            if flag == 2 and self.lose_label[msg] < 0:
                self.lose_label[msg] = system._lose_label(msg)
        return flat

    def _fill_party_local(self, p: int, cfg: int) -> None:
        """Party ``p``'s unguarded moves in ``cfg`` (``_party_moves``, through the system's
        own ``_party_local`` memo) and whether it has guarded events."""
        system = self.system
        index = int(self.p_base[p]) + cfg
        if self.pl[index] >= 0:
            return
        party = system._party_local.get((p, cfg))
        if party is None:
            party = system._party_local[(p, cfg)] = system._party_moves(p, cfg)
        moves, events = party
        flat = [len(events), len(moves)]
        for move in moves:
            flat.extend(move)
        flat.extend(system._site(("fire", p, cfg, event)) for event in events)
        self.pl[index] = self._store(flat)

    def _fill_party_deliver(self, q: int, cfg: int, code: int) -> None:
        """Receiver ``q``'s reaction in ``cfg`` to a delivered message, when no guard decides
        it (``_delivery``'s per-party branch, through ``_party_deliver``); else a marker
        sending the kernel to the joint entry."""
        from ..system import DELIVER, DELIVER_KEEP

        system = self.system
        msg, flag = divmod(code, 2)
        index = (int(self.r_base[q]) + (cfg * int(self.r_count[q]) + int(self.msg_ridx[msg]))
                 * 2 + flag)
        if self.pd[index] >= 0:
            return
        kind = DELIVER_KEEP if flag else DELIVER
        if any(guard for _, guard, _ in
               system.charts[q].moves.get((cfg, system.messages[msg].event), ())):
            self.pd[index] = self._store([1, system._site(("deliver", q, cfg, msg, flag)),
                                          0, 0])
            return
        pkey = (q, cfg, msg, kind)
        reaction = system._party_deliver.get(pkey)
        if reaction is None:
            reaction = system._party_deliver[pkey] = system._reaction(q, cfg, msg, kind, None)
        self.pd[index] = self._store([0, *reaction])

    def _put(self, content: int, msg: int) -> int:
        """Channel contents after sending ``msg``, -1 when full (``_append_msgs`` per message,
        through the system's own ``_puts`` memo)."""
        system = self.system
        ch = system._msg_channel[msg]
        new: int | None = system._puts[ch].get((content, msg))
        if new is None:
            grown = system._semantics.put(system._contents(ch, content), msg)
            new = -1 if len(grown) > system.capacity else system._rank(ch, grown)
            system._puts[ch][(content, msg)] = new
        return new

    def _grow(self, entries: int) -> None:
        np = self.np
        cap = self.cap
        while 2 * entries > cap:
            cap *= 2
        live = self.ka != -1
        a, b, c, v = self.ka[live], self.kb[live], self.kc[live], self.val[live]
        self.cap = cap
        self.ka = np.full(cap, -1, np.int64)
        self.kb = np.zeros(cap, np.int64)
        self.kc = np.zeros(cap, np.int64)
        self.val = np.zeros(cap, np.int64)
        self.k.memo_insert(self.ka, self.kb, self.kc, self.val, a, b, c, v, self.shift)

    def symmetry_arrays(self) -> tuple[Any, Any, Any]:
        """``system.symmetry``'s blocks as (word[block, field], shift[block, field],
        width[field]) arrays over the two-word state; empty without a symmetry (see
        :mod:`..symmetry`: block fields are absolute positions in the codec's int)."""
        np = self.np
        sym = getattr(self.system, "symmetry", None)
        if sym is None:
            return (np.zeros((0, 1), np.int64), np.zeros((0, 1), np.int64),
                    np.zeros(1, np.int64))
        cb = self.split
        words = np.array([[0 if s < cb else 1 for s, _ in block] for block in sym.blocks],
                         np.int64)
        shifts = np.array([[s if s < cb else s - cb for s, _ in block]
                           for block in sym.blocks], np.int64)
        widths = np.array([w for _, w in sym.blocks[0]], np.int64)
        return words, shifts, widths


class Compiled:
    """The numba back end: the same :class:`StateGraph` as ``bfs``, numbered identically."""

    name = "compiled"

    def __init__(self, threads: int | None = None, chunk: int = _CHUNK) -> None:
        if (threads is not None and threads < 1) or chunk < 1:
            raise ValueError(f"threads and chunk must be at least 1, got {threads}, {chunk}")
        #: kernel threads (None: one per core): 1 runs :func:`.kernel.run`, more
        #: :func:`.threads.run` — the same graph, with the successors and visited-set
        #: look-ups of a chunk of states computed on every thread
        self.threads = threads
        #: states per chunk of the threaded kernel (each chunk costs two pool launches)
        self.chunk = chunk
        self.last = CompiledStats()

    def explore(self, system: Explorable, bounds: Bounds,
                progress: Progress | None = None) -> StateGraph:
        kernel = require_numba()
        import numpy as np

        if not hasattr(system, "_local_moves"):
            raise UsageError("--explorer compiled explores a TransitionSystem (its integer "
                             f"tables); got {type(system).__name__}: use --explorer bfs")
        ts: Any = system
        if split_point(ts) < 0:
            chan_bits = sum(ch.width for ch in ts.codec.channels)
            raise UsageError(
                f"--explorer compiled: a joint state of this model needs {ts.control_bits} "
                f"control bits and {chan_bits} channel bits, more than the kernel's two "
                f"words hold ({_MAX_CONTROL_BITS} + {_MAX_CHANNEL_BITS} bits, split at a "
                "channel boundary); use --explorer bfs (or a lower --capacity)")
        started = time.perf_counter()
        tables = _Tables(np, kernel, ts)
        bword, bshift, bwidth = tables.symmetry_arrays()
        max_states = bounds.max_states if bounds.max_states is not None else (1 << 62)
        max_depth = bounds.max_depth if bounds.max_depth is not None else -1

        scap = _INITIAL_STATES
        ctl = np.zeros(scap, np.int64)
        chs = np.zeros(scap, np.int64)
        parent = np.full(scap, -1, np.int32)
        plabel = np.full(scap, -1, np.int32)
        slots = np.full(2 * scap, -1, np.int32)
        off = np.zeros(scap + 1, np.int64)
        succ = np.zeros(4 * scap, np.int32)
        slab = np.zeros(4 * scap, np.int32)
        ovf_list = np.zeros(64, np.int64)
        cut_list = np.zeros(64, np.int64)
        buf = _BUFFER
        out_lab = np.zeros(buf, np.int64)
        out_c, out_h = np.zeros(buf, np.int64), np.zeros(buf, np.int64)
        misses = np.zeros((max(1, _MISS_BATCH), 5), np.int64)
        counters = np.zeros(kernel.N_COUNTERS, np.int64)
        threads = self.threads or os.cpu_count() or 1
        threaded = threads > 1
        if threaded:
            import numba

            from . import threads as threaded_module

            tkernel: Any = threaded_module  # numba dispatchers: untyped calls
            counters = np.zeros(tkernel.N_COUNTERS, np.int64)
            counters[tkernel.C_RESUME] = -1
            numba_config: Any = numba.config
            if numba_config.THREADING_LAYER == "default":
                # GNU OpenMP (numba's first choice) kills a process that forks after using
                # it, and the parallel and Dask explorers, the bench and pytest fork
                numba_config.THREADING_LAYER = "workqueue"
            numba.set_num_threads(min(threads, numba_config.NUMBA_NUM_THREADS))
            width = _WIDTH
            chunk = _rows(self.chunk, width)
            rows = _chunk_arrays(np, chunk, width)
        nomiss = np.zeros((0, 5), np.int64)
        ctl[0], chs[0] = _split(ts.initial, tables.split)
        kernel.visited_rehash(slots, ctl, chs, 1, _shift(slots))
        counters[kernel.C_N] = 1
        counters[kernel.C_LEVEL_END] = 1
        returns, grows, kernel_seconds = 0, 0, 0.0
        next_report = started + 1.0
        while True:
            stop_at = (counters[kernel.C_I] + _YIELD_EVERY if progress is not None
                       else 1 << 62)
            t0 = time.perf_counter()
            memo = (tables.reads_msgs, tables.ka, tables.kb, tables.kc, tables.val,
                    tables.shift, tables.pool, tables.sends_off, tables.sends_msgs,
                    tables.msg_channel, tables.ch_shift, tables.ch_mask, tables.lose_label,
                    bword, bshift, bwidth, tables.p_shift, tables.p_mask, tables.p_base,
                    tables.pl, tables.msg_recv, tables.msg_ridx, tables.r_count,
                    tables.r_base, tables.pd, tables.dense, tables.site_ptr)
            # threads only with thousands of states queued (or a chunk to resume): a small
            # frontier is not worth a pool launch, and small models never start one
            chunked = threaded and (
                counters[kernel.C_N] - counters[kernel.C_I] >= min(self.chunk, _THREADS_FROM)
                or counters[tkernel.C_RESUME] >= 0)
            if threaded and not chunked:
                stop_at = min(stop_at, counters[kernel.C_I] + _THREADS_FROM)
            if chunked:
                status = tkernel.run(
                    counters, stop_at, max_depth, max_states, ctl, chs, parent, plabel, slots,
                    _shift(slots), off, succ, slab, ovf_list, cut_list, *rows, chunk, misses,
                    nomiss, *memo)
            else:
                status = kernel.run(
                    counters, stop_at, max_depth, max_states, ctl, chs, parent, plabel, slots,
                    _shift(slots), off, succ, slab, ovf_list, cut_list, out_lab, out_c, out_h,
                    misses, _PROBE, *memo)
            kernel_seconds += time.perf_counter() - t0
            n = int(counters[kernel.C_N])
            if status == kernel.DONE:
                break
            if status == kernel.MISS:
                returns += 1
                tables.fill(misses[:counters[kernel.C_NMISS]])
                counters[kernel.C_NMISS] = 0
            elif status == kernel.BUF_SMALL:
                buf *= 2
                out_lab = np.zeros(buf, np.int64)
                out_c, out_h = np.zeros(buf, np.int64), np.zeros(buf, np.int64)
                if threaded:
                    width *= 2
                    chunk = _rows(self.chunk, width)
                    rows = _chunk_arrays(np, chunk, width)
            elif status == kernel.GROW:
                grows += 1
                room = max(buf, int(counters[tkernel.C_NEED])) if threaded else buf
                if n + room > len(ctl):
                    new = max(2 * len(ctl), n + room)
                    ctl, chs = _grown(np, ctl, new, 0), _grown(np, chs, new, 0)
                    parent, plabel = _grown(np, parent, new, -1), _grown(np, plabel, new, -1)
                    off = _grown(np, off, new + 1, 0)
                if 4 * (n + room) > 3 * len(slots):
                    size = len(slots)
                    while 4 * (n + room) > 3 * size:
                        size *= 2
                    slots = np.full(size, -1, np.int32)
                    kernel.visited_rehash(slots, ctl, chs, n, _shift(slots))
                ne = int(counters[kernel.C_EDGES])
                if ne + room > len(succ):
                    new = max(2 * len(succ), ne + room)
                    succ, slab = _grown(np, succ, new, 0), _grown(np, slab, new, 0)
                if counters[kernel.C_NOVF] >= len(ovf_list):
                    ovf_list = _grown(np, ovf_list, 2 * len(ovf_list), 0)
                if counters[kernel.C_NCUT] >= len(cut_list):
                    cut_list = _grown(np, cut_list, 2 * len(cut_list), 0)
            elif progress is not None:  # YIELD
                now = time.perf_counter()
                if now >= next_report:
                    i = int(counters[kernel.C_I])
                    progress(n, n - i, n / (now - started))
                    next_report = now + 1.0
        n = int(counters[kernel.C_N])
        self.last = CompiledStats(
            states=n, edges=int(counters[kernel.C_EDGES]),
            store_bytes=int(slots.nbytes + (ctl.nbytes + chs.nbytes + parent.nbytes
                                            + plabel.nbytes) * n // len(ctl)),
            edge_bytes=int((off.nbytes * n // len(off))
                           + (succ.nbytes + slab.nbytes) * int(counters[kernel.C_EDGES])
                           // len(succ)),
            returns=returns, grows=grows, kernel_seconds=kernel_seconds)
        return self._graph(np, kernel, ts, tables.split, counters, ctl, chs, parent, plabel,
                           off, succ, slab, ovf_list, cut_list, slots, started)

    @staticmethod
    def _graph(np: Any, kernel: Any, system: Any, cb: int, counters: Any, ctl: Any, chs: Any,
               parent: Any, plabel: Any, off: Any, succ: Any, slab: Any, ovf_list: Any,
               cut_list: Any, slots: Any, started: float) -> StateGraph:
        """The kernel's arrays as the StateGraph ``_bfs`` builds (same types, same order)."""
        n, ne, i = (int(counters[kernel.C_N]), int(counters[kernel.C_EDGES]),
                    int(counters[kernel.C_I]))
        off[i + 1:n + 1] = ne  # never expanded: no edges (``_bfs`` pads ``off`` the same way)
        bounds: list[str] = []
        if counters[kernel.C_DEPTH_CUT]:
            bounds.append("max-depth")
        if counters[kernel.C_TRUNCATED]:
            bounds.append("max-states")
        cut = {int(x) for x in cut_list[:counters[kernel.C_NCUT]]}
        system.overflowed.update(_join(int(ctl[j]), int(chs[j]), cb)
                                 for j in ovf_list[:counters[kernel.C_NOVF]])
        system.bound_hits += int(counters[kernel.C_BOUND_HITS])
        if system.overflowed:
            found = [kernel.visited_find(slots, ctl, chs, *_split(s, cb), _shift(slots))
                     for s in system.overflowed]
            overflowed = [int(j) for j in found if j >= 0]
            if overflowed:
                cut.update(overflowed)
                bounds.append("channel-capacity")
        return StateGraph(
            system=system,
            states=_packed(np, ctl, chs, n, cb),
            parent=_array("i", parent[:n]),
            parent_label=_array("i", plabel[:n]),
            depth=_array("i", _depths(np, parent[:n])),
            off=_array("q", off[:n + 1]),
            succ=_array("i", succ[:ne]),
            succ_label=_array("i", slab[:ne]),
            expanded=i,
            complete=not bounds,
            bounds_hit=bounds,
            seconds=time.perf_counter() - started,
            cut=cut,
        )


def _rows(chunk: int, width: int) -> int:
    """States per chunk for rows of ``width`` candidates: at most ``chunk``, and at most
    :data:`_CANDIDATES` candidate slots in all (64 MB of rows), so models of high branching
    take smaller chunks rather than more memory."""
    return min(chunk, max(_THREADS_FROM, _CANDIDATES // width))


def _chunk_arrays(np: Any, chunk: int, width: int) -> tuple[Any, ...]:
    """The threaded kernel's candidate rows: ``chunk`` rows of ``width`` candidates (label,
    control, channels), then per row its count and dropped sends, then per candidate its
    number found by the look-up phase."""
    size = chunk * width
    return (np.zeros(size, np.int64), np.zeros(size, np.int64),
                   np.zeros(size, np.int64), np.zeros(chunk, np.int64),
                   np.zeros(chunk, np.int64), np.zeros(size, np.int64))


def _shift(slots: Any) -> int:
    """The hash shift of a power-of-two table (top bits of the 64-bit product)."""
    return 64 - (len(slots).bit_length() - 1)


def split_point(system: Any) -> int:
    """Where the kernel splits the codec's int into two int64 words: ``control_bits`` when
    the channels fit the second word (the usual case); else the first channel boundary
    that leaves at most 64 bits for it, while the first keeps at most 63; -1 when none.
    Channel fields never straddle the words."""
    cb = system.control_bits
    ends = [cb] + [cb + sh + ch.width for sh, ch in
                   zip(system._ch_shift, system.codec.channels, strict=True)]
    total = ends[-1]
    for end in ends:
        if end <= _MAX_CONTROL_BITS and total - end <= _MAX_CHANNEL_BITS:
            return end
    return -1


def _split(state: int, cb: int) -> tuple[int, int]:
    """The codec's int as the kernel's (control, channels) int64 words."""
    ctrl, chans = state & ((1 << cb) - 1), state >> cb
    return ctrl, chans - (1 << 64) if chans >> 63 else chans


def _join(ctrl: int, chans: int, cb: int) -> int:
    return ctrl | ((chans & _WORD) << cb)


def _packed(np: Any, ctl: Any, chs: Any, n: int, cb: int) -> PackedStates:
    """The kernel's words of states ``0..n-1`` as the StateGraph's states (the arrays are
    shrunk in place: the driver is done with them)."""
    for a in (ctl, chs):
        with contextlib.suppress(ValueError):  # not resizable in place: copied below
            a.resize(n, refcheck=False)
    return PackedStates(ctl[:n].copy() if len(ctl) != n else ctl,
                        (chs[:n].copy() if len(chs) != n else chs).view(np.uint64), cb)


def _grown(np: Any, a: Any, size: int, fill: int) -> Any:
    """``a`` grown to ``size``, the new part ``fill``.  In place when numpy owns the buffer:
    ``ndarray.resize`` reallocs, and the C library moves a large block by remapping its pages
    rather than copying them (growing the arrays of 8 M states by copies cost seconds)."""
    old = len(a)
    try:
        a.resize(size, refcheck=False)  # the driver holds the only reference
    except ValueError:  # not resizable in place (a view): copy
        out = np.empty(size, a.dtype)
        out[:old] = a
        a = out
    if fill:
        a[old:] = fill
    return a


def _depths(np: Any, parent: Any) -> Any:
    """BFS depth of every state from the parent array: parents are non-decreasing in BFS
    numbering, so level d+1 is the run of states whose parents lie in level d."""
    n = len(parent)
    depth = np.zeros(n, np.int32)
    hi, d = 1, 0
    while hi < n:
        new_hi = int(np.searchsorted(parent, hi, side="left"))
        d += 1
        depth[hi:new_hi] = d
        hi = new_hi
    return depth


def _array(typecode: str, values: Any) -> array:
    """``values`` as an ``array`` (one copy: ``frombytes`` reads the numpy buffer)."""
    out = array(typecode)
    data = values.astype("i" if typecode == "i" else "q", copy=False)
    out.frombytes(memoryview(data).cast("B"))  # 1-D slices: contiguous
    return out
