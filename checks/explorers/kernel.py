"""The numba kernel of the compiled back end: BFS over integer tables, stopping at a miss.

Imported only by :mod:`.compiled` once numba is known to be installed.  Everything here is a
pure function of numpy arrays; the driver owns the arrays, grows them, and fills the memo
tables whose entries only the :class:`~..system.TransitionSystem` can compute (guards are
user Python callables).  The successor computation re-implements
:meth:`TransitionSystem.successors` step for step — local moves, then every non-empty channel
in channel order, each channel's takes in table order — so the edge order, and with it the
BFS numbering, is the reference's.

A state is two int64 words, ``(control, channels)`` — the codec's int split at
``control_bits``, or, when the channels need more than 64 bits, at a later channel boundary
(:func:`~.compiled.split_point`): then the first channels live in the control word, and
channel ``k``'s word is ``dense[6][k]`` (``dense[7][0]``: the mask of those in the first).  So
a group of 4 (34 control + 76 channel bits) fits.  Memo tables (open addressing, linear
probing, keys of three int64 words, first word ``-1`` = empty; channel contents and control
values are never negative):

* ``SITE``    a guarded decision (:meth:`~..system.TransitionSystem.site_entry`), memoised
              by what its guards read: key (control & mask, channels & mask, SITE | site << 2
              | read-set index << 40) -> pool offset of ``[label, control xor-delta, sends
              id]`` (label -1: nothing fires); ``site_ptr[site]`` is the pool offset of the
              site's read sets ``[count, (control mask, channels mask) * count]`` (-1: none);
* ``TAKE``    key (channel contents, 0, TAKE | channel << 2) -> pool offset of
              ``[count, (message, contents left, flag) * count]``;
* ``PUT``     key (channel contents, 0, PUT | message << 2) -> contents after the send,
              ``-1`` = overflow.

Per party configuration (dense ``pl``): ``[sites, moves, (label, control xor-delta, sends)
* moves, site id * sites]`` — the unguarded moves, then the guarded events' sites; per
(receiver, configuration, message, flag) (dense ``pd``): ``[0, label, delta, sends]``, or
``[1, site, 0, 0]`` when a guard decides the reaction.

A channel at most 16 bits wide keeps its TAKE and PUT entries in dense arrays instead
(``dense``: per channel the base of its take and put tables, -1 when hashed; its symbol
count; each message's symbol; the two arrays), so the common case is one array load.

All four live in one table (the kind is folded into the third key word) and their lists in
one int64 pool.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numba import njit

# kinds of memo entry (folded into the third key word: kind | payload << 2); the P* kinds
# are misses of the dense per-party tables
SITE, TAKE, PUT, PLOCAL, PDELIVER = 0, 1, 3, 4, 5
# kernel statuses
DONE, MISS, GROW, YIELD, BUF_SMALL = 0, 1, 2, 3, 4
# indices into the int64 ``counters`` array shared with the driver
C_I, C_N, C_EDGES, C_DEPTH, C_LEVEL_END, C_NMISS, C_NOVF, C_NCUT, C_BOUND_HITS = range(9)
C_TRUNCATED, C_DEPTH_CUT = 9, 10
N_COUNTERS = 11

_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xC2B2AE3D27D4EB4F)
_M3 = np.uint64(0x165667B19E3779F9)


@njit(cache=True, inline="always")
def _slot(a: int, b: int, c: int, shift: int) -> Any:
    h = (np.uint64(a) * _M1) ^ (np.uint64(b) * _M2) ^ (np.uint64(c) * _M3)
    h = (h ^ (h >> np.uint64(29))) * _M1
    return np.int64(h >> np.uint64(shift))


@njit(cache=True)
def memo_find(ka, kb, kc, a, b, c, shift):
    """Slot of key (a, b, c), or -1."""
    mask = ka.shape[0] - 1
    s = _slot(a, b, c, shift)
    while True:
        if ka[s] == -1:
            return -1
        if ka[s] == a and kb[s] == b and kc[s] == c:
            return s
        s = (s + 1) & mask


@njit(cache=True)
def memo_insert(ka, kb, kc, val, a_s, b_s, c_s, v_s, shift):
    """Insert (or overwrite) every (a_s[i], b_s[i], c_s[i]) -> v_s[i]."""
    mask = ka.shape[0] - 1
    for i in range(a_s.shape[0]):
        a, b, c = a_s[i], b_s[i], c_s[i]
        s = _slot(a, b, c, shift)
        while ka[s] != -1 and not (ka[s] == a and kb[s] == b and kc[s] == c):
            s = (s + 1) & mask
        ka[s], kb[s], kc[s], val[s] = a, b, c, v_s[i]


@njit(cache=True)
def visited_rehash(slots, ctl, chs, n, shift):
    """Re-insert state numbers 0..n-1 into an empty (larger) ``slots`` table."""
    mask = slots.shape[0] - 1
    for j in range(n):
        s = _slot(ctl[j], chs[j], 0, shift)
        while slots[s] != -1:
            s = (s + 1) & mask
        slots[s] = j


@njit(cache=True)
def visited_find(slots, ctl, chs, c, h, shift):
    """The number of state (c, h), or -1."""
    mask = slots.shape[0] - 1
    s = _slot(c, h, 0, shift)
    while True:
        j = slots[s]
        if j == -1 or (ctl[j] == c and chs[j] == h):
            return j
        s = (s + 1) & mask


@njit(cache=True)
def canonical(c, h, bword, bshift, bwidth):
    """:meth:`~..symmetry.Symmetry.canonical` on a two-word state: block tuples sorted
    ascending into blocks 0, 1, ...  Field ``f`` of block ``b`` lies in word ``bword[b, f]``
    (0 control, 1 channels) at ``bshift[b, f]``.  A tuple is packed field 0 most
    significant, so integer order is tuple order."""
    return _canonical(c, h, bword, bshift, bwidth, np.empty(bshift.shape[0], np.int64))


@njit(cache=True, inline="always")
def _canonical(c, h, bword, bshift, bwidth, keys):
    """:func:`canonical` with a scratch array for the block keys (no allocation per edge):
    the keys are packed, insertion-sorted (a handful of blocks), and written back only when
    the order changed."""
    nb, nf = bshift.shape[0], bshift.shape[1]
    same = True
    for b in range(nb):
        key = np.int64(0)
        for f in range(nf):
            w = c if bword[b, f] == 0 else h
            key = (key << bwidth[f]) | ((w >> bshift[b, f]) & ((np.int64(1) << bwidth[f]) - 1))
        j = b
        while j > 0 and keys[j - 1] > key:
            keys[j] = keys[j - 1]
            j -= 1
        keys[j] = key
        if j != b:
            same = False
    if same:
        return c, h
    for b in range(nb):
        key = keys[b]
        for f in range(nf - 1, -1, -1):
            m = (np.int64(1) << bwidth[f]) - 1
            sh = bshift[b, f]
            if bword[b, f] == 0:
                c = (c & ~(m << sh)) | ((key & m) << sh)
            else:
                h = (h & ~(m << sh)) | ((key & m) << sh)
            key >>= bwidth[f]
    return c, h


@njit(cache=True)
def _miss(misses, counters, kind, a, b, c, d):
    k = counters[C_NMISS]
    if k < misses.shape[0]:
        misses[k, 0], misses[k, 1], misses[k, 2], misses[k, 3], misses[k, 4] = kind, a, b, c, d
        counters[C_NMISS] = k + 1


@njit(cache=True)
def _append(w0, w1, sid, ka, kb, kc, val, shift, sends_off, sends_msgs, msg_channel, ch_shift,
            ch_mask, misses, counters, dense):
    """The state (w0, w1) after the sends of ``sid``, and a status: 0 ok, 1 overflow, 2 miss.
    Channel ``k`` lies in word ``dense[6][k]`` at ``ch_shift[k]``."""
    put_base, ch_syms, msg_sym, put_dense, ch_word = (dense[1], dense[2], dense[3], dense[5],
                                                       dense[6])
    for t in range(sends_off[sid], sends_off[sid + 1]):
        msg = sends_msgs[t]
        k = msg_channel[msg]
        sh = ch_shift[k]
        content = ((w1 if ch_word[k] else w0) >> sh) & ch_mask[k]
        if put_base[k] >= 0:  # a narrow channel: its put table is dense (-2 = not filled)
            new = put_dense[put_base[k] + content * ch_syms[k] + msg_sym[msg]]
            if new == -2:
                _miss(misses, counters, PUT, content, msg, 0, 0)
                return w0, w1, 2
        else:
            s = memo_find(ka, kb, kc, content, 0, PUT | (msg << 2), shift)
            if s < 0:
                _miss(misses, counters, PUT, content, msg, 0, 0)
                return w0, w1, 2
            new = val[s]
        if new < 0:
            return w0, w1, 1
        if ch_word[k]:
            w1 ^= (content ^ new) << sh
        else:
            w0 ^= (content ^ new) << sh
    return w0, w1, 0


@njit(cache=True)
def _site(site, ctrl, gch, site_ptr, pool, ka, kb, kc, val, shift, misses, counters):
    """Pool offset of ``site``'s outcome in state (ctrl, gch), or -1 (a miss, recorded)."""
    o = site_ptr[site]
    if o >= 0:
        for m in range(pool[o]):
            cm, hm = pool[o + 1 + 2 * m], pool[o + 2 + 2 * m]
            s = memo_find(ka, kb, kc, ctrl & cm, gch & hm, SITE | (site << 2) | (m << 40),
                          shift)
            if s >= 0:
                return val[s]
    _miss(misses, counters, SITE, site, ctrl, gch, 0)
    return -1


@njit(cache=True)
def successors(ctrl, chans, out_lab, out_c, out_h, ovf, reads_msgs, ka, kb, kc, val, shift,
               pool, sends_off, sends_msgs, msg_channel, ch_shift, ch_mask, lose_label,
               bword, bshift, bwidth, misses, counters, p_shift, p_mask, p_base, pl,
               msg_recv, msg_ridx, r_count, r_base, pd, dense, site_ptr, keys):
    """Successors of state (ctrl, chans) into ``out_*``: their count, -1 on a memo miss
    (recorded), -2 when ``out_*`` is too small.  ``ovf[0]`` counts sends dropped by a full
    channel; ``keys`` is scratch for the canonical form (one slot per symmetric block, so
    no allocation per state: threads would contend for the allocator)."""
    ovf[0] = 0
    cnt = 0
    cap = out_lab.shape[0]
    gch = chans if reads_msgs else 0
    # per-party moves no guard affects (dense by party configuration), in party order; then
    # every guarded event's site, in party order (``_local_moves``)
    guarded = False
    for p in range(p_shift.shape[0]):
        cfg = (ctrl >> p_shift[p]) & p_mask[p]
        e = pl[p_base[p] + cfg]
        if e < 0:
            _miss(misses, counters, PLOCAL, p, cfg, 0, 0)
            return -1
        if pool[e]:
            guarded = True
    for phase in range(2 if guarded else 1):
        for p in range(p_shift.shape[0]):
            e = pl[p_base[p] + ((ctrl >> p_shift[p]) & p_mask[p])]
            n_moves = pool[e + 1]
            n_items = pool[e] if phase else n_moves
            for t in range(n_items):
                if phase:
                    o3 = _site(pool[e + 2 + 3 * n_moves + t], ctrl, gch, site_ptr, pool, ka,
                               kb, kc, val, shift, misses, counters)
                    if o3 < 0:
                        return -1
                    if pool[o3] < 0:
                        continue  # the guards disable it here
                else:
                    o3 = e + 2 + 3 * t
                label, nctrl, sends = pool[o3], ctrl ^ pool[o3 + 1], pool[o3 + 2]
                nch = chans
                if sends:
                    nctrl, nch, st = _append(nctrl, chans, sends, ka, kb, kc, val, shift,
                                             sends_off, sends_msgs, msg_channel, ch_shift,
                                             ch_mask, misses, counters, dense)
                    if st == 2:
                        return -1
                    if st == 1:
                        ovf[0] += 1
                        continue
                if cnt >= cap:
                    return -2
                out_lab[cnt], out_c[cnt], out_h[cnt] = label, nctrl, nch
                cnt += 1
    ch_word = dense[6]
    if chans == 0 and (ctrl & dense[7][0]) == 0:
        return _canonical_all(out_c, out_h, cnt, bword, bshift, bwidth, keys)
    for k in range(ch_shift.shape[0]):
        sh = ch_shift[k]
        in_w1 = ch_word[k] != 0
        content = ((chans if in_w1 else ctrl) >> sh) & ch_mask[k]
        if content == 0:
            continue
        if dense[0][k] >= 0:  # a narrow channel: its take table is dense
            o = dense[4][dense[0][k] + content]
        else:
            s = memo_find(ka, kb, kc, content, 0, TAKE | (k << 2), shift)
            o = val[s] if s >= 0 else -1
        if o < 0:
            _miss(misses, counters, TAKE, content, k, 0, 0)
            return -1
        for t in range(pool[o]):
            msg, rest, flag = pool[o + 1 + 3 * t], pool[o + 2 + 3 * t], pool[o + 3 + 3 * t]
            rest_ctrl, rest_chans = ctrl, chans
            if in_w1:
                rest_chans = chans ^ ((content ^ rest) << sh)
            else:
                rest_ctrl = ctrl ^ ((content ^ rest) << sh)
            if flag == 2:
                if cnt >= cap:
                    return -2
                out_lab[cnt], out_c[cnt], out_h[cnt] = lose_label[msg], rest_ctrl, rest_chans
                cnt += 1
                continue
            q = msg_recv[msg]
            qcfg = (ctrl >> p_shift[q]) & p_mask[q]
            e = pd[r_base[q] + (qcfg * r_count[q] + msg_ridx[msg]) * 2 + flag]
            if e < 0:
                _miss(misses, counters, PDELIVER, q, qcfg, msg * 2 + flag, 0)
                return -1
            if pool[e]:  # a guarded reaction: its site decides (``_delivery``)
                od = _site(pool[e + 1], ctrl, gch, site_ptr, pool, ka, kb, kc, val, shift,
                           misses, counters)
                if od < 0:
                    return -1
                label, nctrl, sends = pool[od], rest_ctrl ^ pool[od + 1], pool[od + 2]
            else:
                label, nctrl, sends = pool[e + 1], rest_ctrl ^ pool[e + 2], pool[e + 3]
            if label < 0:
                continue  # the receiver is in a transient status: the message waits
            # the same append as for local moves above, written out twice on purpose: factored
            # into an inlined function it made the sequential kernel 2x slower (measured)
            nch = rest_chans
            if sends:
                nctrl, nch, st = _append(nctrl, rest_chans, sends, ka, kb, kc, val, shift,
                                         sends_off, sends_msgs, msg_channel, ch_shift, ch_mask,
                                         misses, counters, dense)
                if st == 2:
                    return -1
                if st == 1:
                    ovf[0] += 1
                    continue
            if cnt >= cap:
                return -2
            out_lab[cnt], out_c[cnt], out_h[cnt] = label, nctrl, nch
            cnt += 1
    return _canonical_all(out_c, out_h, cnt, bword, bshift, bwidth, keys)


@njit(cache=True)
def _canonical_all(out_c, out_h, cnt, bword, bshift, bwidth, keys):
    if bshift.shape[0] >= 2:
        for t in range(cnt):
            out_c[t], out_h[t] = _canonical(out_c[t], out_h[t], bword, bshift, bwidth, keys)
    return cnt


@njit(cache=True, inline="always")
def store(i, cnt, dropped, beyond_depth, n, ne, lab, cs, hs, found, base, max_states, slots,
          vshift, ctl, chs, parent, plabel, off, succ, slab, counters, ovf_list, cut_list):
    """Store state ``i``'s expansion as :func:`~..explore._bfs` does: its ``cnt`` successors
    (rows ``base..`` of ``lab``/``cs``/``hs``; ``found[row]`` is the number a look-up found
    beforehand, -1 to probe here) numbered from ``n`` when new, its edges from ``ne``, the
    sends it ``dropped`` (a full channel), a cut when it is ``beyond_depth`` (not expanded)
    or when ``max_states`` truncates it.  Returns (n, ne, truncated).  Shared by the
    sequential and the threaded kernel, which differ only in how the rows were computed."""
    if dropped:
        counters[C_BOUND_HITS] += dropped
        ovf_list[counters[C_NOVF]] = i
        counters[C_NOVF] += 1
    truncated = False
    if beyond_depth:
        if cnt:  # not expanded: the frontier beyond the bound is unknown
            cut_list[counters[C_NCUT]] = i
            counters[C_NCUT] += 1
            counters[C_DEPTH_CUT] = 1
        off[i + 1] = ne
        return n, ne, truncated
    vmask = slots.shape[0] - 1
    for t in range(cnt):
        k = base + t
        j = found[k]
        if j == -1:
            c, h = cs[k], hs[k]
            s = _slot(c, h, 0, vshift)
            while True:
                j = slots[s]
                if j == -1 or (ctl[j] == c and chs[j] == h):
                    break
                s = (s + 1) & vmask
            if j == -1:
                if n >= max_states:
                    truncated = True
                    continue
                slots[s] = n
                ctl[n], chs[n] = c, h
                parent[n] = i
                plabel[n] = lab[k]
                j = n
                n += 1
        succ[ne] = j
        slab[ne] = lab[k]
        ne += 1
    off[i + 1] = ne
    if truncated:
        counters[C_TRUNCATED] = 1
        cut_list[counters[C_NCUT]] = i
        counters[C_NCUT] += 1
    return n, ne, truncated


@njit(cache=True)
def run(counters, stop_at, max_depth, max_states, ctl, chs, parent, plabel, slots, vshift,
        off, succ, slab, ovf_list, cut_list, out_lab, out_c, out_h, misses, probe,
        reads_msgs, ka, kb, kc, val, shift, pool, sends_off, sends_msgs, msg_channel,
        ch_shift, ch_mask, lose_label, bword, bshift, bwidth, p_shift, p_mask, p_base, pl,
        msg_recv, msg_ridx, r_count, r_base, pd, dense, site_ptr):
    """BFS from ``counters[C_I]`` exactly as :func:`~..explore._bfs`; returns a status.

    On ``MISS`` nothing of state ``i`` was stored: the driver fills the recorded misses (of
    ``i`` and of up to ``probe`` later queued states) and calls again.  On ``GROW`` an array
    is too small for one more expansion; on ``YIELD`` ``stop_at`` was reached (progress).
    """
    i, n, ne = counters[C_I], counters[C_N], counters[C_EDGES]
    depth, level_end = counters[C_DEPTH], counters[C_LEVEL_END]
    buf = out_lab.shape[0]
    vmax = (slots.shape[0] * 3) // 4  # load factor at most 3/4
    ovf = np.zeros(1, np.int64)
    keys = np.empty(max(1, bshift.shape[0]), np.int64)
    unknown = np.full(buf, -1, np.int64)  # no candidate looked up beforehand
    status = DONE
    while i < n:
        if i >= stop_at:
            status = YIELD
            break
        if (n + buf > ctl.shape[0] or n + buf > vmax or ne + buf > succ.shape[0]
                or counters[C_NOVF] >= ovf_list.shape[0]
                or counters[C_NCUT] >= cut_list.shape[0]):
            status = GROW
            break
        if i == level_end:
            depth += 1
            level_end = n
        cnt = successors(ctl[i], chs[i], out_lab, out_c, out_h, ovf, reads_msgs, ka, kb, kc,
                         val, shift, pool, sends_off, sends_msgs, msg_channel, ch_shift,
                         ch_mask, lose_label, bword, bshift, bwidth, misses, counters, p_shift,
                         p_mask, p_base, pl, msg_recv, msg_ridx, r_count, r_base, pd,
                         dense, site_ptr, keys)
        if cnt == -2:
            status = BUF_SMALL
            break
        if cnt == -1:
            # batch: collect the misses of the next queued states too, then let Python fill
            for j in range(i + 1, min(n, i + 1 + probe)):
                if counters[C_NMISS] >= misses.shape[0]:
                    break
                successors(ctl[j], chs[j], out_lab, out_c, out_h, ovf, reads_msgs, ka, kb, kc,
                           val, shift, pool, sends_off, sends_msgs, msg_channel, ch_shift,
                           ch_mask, lose_label, bword, bshift, bwidth, misses, counters,
                           p_shift, p_mask, p_base, pl, msg_recv, msg_ridx, r_count, r_base,
                           pd, dense, site_ptr, keys)
            status = MISS
            break
        n, ne, truncated = store(i, cnt, ovf[0], max_depth >= 0 and depth >= max_depth, n, ne,
                                 out_lab, out_c, out_h, unknown, 0, max_states, slots, vshift,
                                 ctl, chs, parent, plabel, off, succ, slab, counters,
                                 ovf_list, cut_list)
        i += 1
        if truncated:
            break
    counters[C_I], counters[C_N], counters[C_EDGES] = i, n, ne
    counters[C_DEPTH], counters[C_LEVEL_END] = depth, level_end
    return status
