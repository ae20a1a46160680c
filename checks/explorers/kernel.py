"""The numba kernel of the compiled back end: BFS over integer tables, stopping at a miss.

Imported only by :mod:`.compiled` once numba is known to be installed.  Everything here is a
pure function of numpy arrays; the driver owns the arrays, grows them, and fills the memo
tables whose entries only the :class:`~..system.TransitionSystem` can compute (guards are
user Python callables).  The successor computation re-implements
:meth:`TransitionSystem.successors` step for step — local moves, then every non-empty channel
in channel order, each channel's takes in table order — so the edge order, and with it the
BFS numbering, is the reference's.

Memo tables (open addressing, linear probing, two int64 words per key, ``-1`` = empty):

* ``LOCAL``   key (control value, or the whole state when guards read messages, 0)
              -> pool offset of ``[count, (label, next control, sends id) * count]``;
* ``TAKE``    key (channel contents, channel) -> pool offset of
              ``[count, (message, contents left, flag) * count]``;
* ``DELIVER`` key (control or state, message * 2 + flag) -> pool offset of
              ``[label, next control, sends id]``;
* ``PUT``     key (channel contents, message) -> contents after the send, ``-1`` = overflow.

All four live in one table (the kind is folded into the second key word) and their lists in
one int64 pool.  States must fit 63 bits (checked by the driver) so ``-1`` is free as a
marker.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# kinds of memo entry (folded into the second key word: kind | payload << 2)
LOCAL, TAKE, DELIVER, PUT = 0, 1, 2, 3
# kernel statuses
DONE, MISS, GROW, YIELD, BUF_SMALL = 0, 1, 2, 3, 4
# indices into the int64 ``counters`` array shared with the driver
C_I, C_N, C_EDGES, C_DEPTH, C_LEVEL_END, C_NMISS, C_NOVF, C_NCUT, C_BOUND_HITS = range(9)
C_TRUNCATED, C_DEPTH_CUT = 9, 10
N_COUNTERS = 11

_M1 = np.uint64(0x9E3779B97F4A7C15)
_M2 = np.uint64(0xC2B2AE3D27D4EB4F)


@njit(cache=True, inline="always")
def _slot(a: int, b: int, shift: int) -> int:
    h = (np.uint64(a) ^ (np.uint64(b) * _M2)) * _M1
    return np.int64(h >> np.uint64(shift))


@njit(cache=True)
def memo_find(ka, kb, a, b, shift):
    """Slot of key (a, b), or -1."""
    mask = ka.shape[0] - 1
    s = _slot(a, b, shift)
    while True:
        if ka[s] == -1:
            return -1
        if ka[s] == a and kb[s] == b:
            return s
        s = (s + 1) & mask


@njit(cache=True)
def memo_insert(ka, kb, val, a_s, b_s, v_s, shift):
    """Insert (or overwrite) every (a_s[i], b_s[i]) -> v_s[i]."""
    mask = ka.shape[0] - 1
    for i in range(a_s.shape[0]):
        a, b = a_s[i], b_s[i]
        s = _slot(a, b, shift)
        while ka[s] != -1 and not (ka[s] == a and kb[s] == b):
            s = (s + 1) & mask
        ka[s], kb[s], val[s] = a, b, v_s[i]


@njit(cache=True)
def visited_rehash(slots, states, n, shift):
    """Re-insert state numbers 0..n-1 into an empty (larger) ``slots`` table."""
    mask = slots.shape[0] - 1
    for j in range(n):
        s = _slot(states[j], 0, shift)
        while slots[s] != -1:
            s = (s + 1) & mask
        slots[s] = j


@njit(cache=True)
def visited_find(slots, states, x, shift):
    """The number of state ``x``, or -1."""
    mask = slots.shape[0] - 1
    s = _slot(x, 0, shift)
    while True:
        j = slots[s]
        if j == -1 or states[j] == x:
            return j
        s = (s + 1) & mask


@njit(cache=True)
def canonical(x, bshift, bwidth):
    """:meth:`~..symmetry.Symmetry.canonical`: block tuples sorted ascending into blocks
    0, 1, ...  A tuple is packed field 0 most significant, so integer order is tuple order."""
    nb, nf = bshift.shape[0], bshift.shape[1]
    keys = np.empty(nb, np.int64)
    for b in range(nb):
        key = np.int64(0)
        for f in range(nf):
            key = (key << bwidth[f]) | ((x >> bshift[b, f]) & ((np.int64(1) << bwidth[f]) - 1))
        keys[b] = key
    ordered = np.sort(keys)
    same = True
    for b in range(nb):
        if ordered[b] != keys[b]:
            same = False
    if same:
        return x
    out = x
    for b in range(nb):
        key = ordered[b]
        for f in range(nf - 1, -1, -1):
            m = (np.int64(1) << bwidth[f]) - 1
            out = (out & ~(m << bshift[b, f])) | ((key & m) << bshift[b, f])
            key >>= bwidth[f]
    return out


@njit(cache=True)
def _miss(misses, counters, kind, a, b, c, d):
    k = counters[C_NMISS]
    if k < misses.shape[0]:
        misses[k, 0], misses[k, 1], misses[k, 2], misses[k, 3], misses[k, 4] = kind, a, b, c, d
        counters[C_NMISS] = k + 1


@njit(cache=True)
def _append(chans, sid, ka, kb, val, shift, sends_off, sends_msgs, msg_channel, ch_shift,
            ch_mask, misses, counters):
    """Channels after the sends of ``sid``: >= 0, -1 overflow, -2 miss (recorded)."""
    for t in range(sends_off[sid], sends_off[sid + 1]):
        msg = sends_msgs[t]
        k = msg_channel[msg]
        sh = ch_shift[k]
        content = (chans >> sh) & ch_mask[k]
        s = memo_find(ka, kb, content, PUT | (msg << 2), shift)
        if s < 0:
            _miss(misses, counters, PUT, content, msg, 0, 0)
            return -2
        new = val[s]
        if new < 0:
            return -1
        chans ^= (content ^ new) << sh
    return chans


@njit(cache=True)
def successors(state, out_lab, out_nxt, ovf, cb, cmask, reads_msgs, ka, kb, val, shift, pool,
               sends_off, sends_msgs, msg_channel, ch_shift, ch_mask, lose_label, bshift,
               bwidth, misses, counters):
    """Successors of ``state`` into ``out_*``: their count, -1 on a memo miss (recorded),
    -2 when ``out_*`` is too small.  ``ovf[0]`` counts sends dropped by a full channel."""
    ctrl = state & cmask
    chans = state >> cb
    ovf[0] = 0
    cnt = 0
    cap = out_lab.shape[0]
    lkey = state if reads_msgs else ctrl
    s = memo_find(ka, kb, lkey, LOCAL, shift)
    if s < 0:
        _miss(misses, counters, LOCAL, lkey, ctrl, chans if reads_msgs else -1, 0)
        return -1
    o = val[s]
    for t in range(pool[o]):
        label, nctrl, sends = pool[o + 1 + 3 * t], pool[o + 2 + 3 * t], pool[o + 3 + 3 * t]
        nch = chans
        if sends:
            nch = _append(chans, sends, ka, kb, val, shift, sends_off, sends_msgs,
                          msg_channel, ch_shift, ch_mask, misses, counters)
            if nch == -2:
                return -1
            if nch == -1:
                ovf[0] += 1
                continue
        if cnt >= cap:
            return -2
        out_lab[cnt], out_nxt[cnt] = label, nctrl | (nch << cb)
        cnt += 1
    if chans == 0:
        return _canonical_all(out_nxt, cnt, bshift, bwidth)
    base = state if reads_msgs else ctrl
    for k in range(ch_shift.shape[0]):
        sh = ch_shift[k]
        content = (chans >> sh) & ch_mask[k]
        if content == 0:
            continue
        s = memo_find(ka, kb, content, TAKE | (k << 2), shift)
        if s < 0:
            _miss(misses, counters, TAKE, content, k, 0, 0)
            return -1
        o = val[s]
        for t in range(pool[o]):
            msg, rest, flag = pool[o + 1 + 3 * t], pool[o + 2 + 3 * t], pool[o + 3 + 3 * t]
            rest_chans = chans ^ ((content ^ rest) << sh)
            if flag == 2:
                if cnt >= cap:
                    return -2
                out_lab[cnt], out_nxt[cnt] = lose_label[msg], ctrl | (rest_chans << cb)
                cnt += 1
                continue
            d = memo_find(ka, kb, base, DELIVER | ((msg * 2 + flag) << 2), shift)
            if d < 0:
                _miss(misses, counters, DELIVER, base, ctrl, msg * 2 + flag,
                      chans if reads_msgs else -1)
                return -1
            od = val[d]
            label, nctrl, sends = pool[od], pool[od + 1], pool[od + 2]
            if label < 0:
                continue  # the receiver is in a transient status: the message waits
            nch = rest_chans
            if sends:
                nch = _append(rest_chans, sends, ka, kb, val, shift, sends_off, sends_msgs,
                              msg_channel, ch_shift, ch_mask, misses, counters)
                if nch == -2:
                    return -1
                if nch == -1:
                    ovf[0] += 1
                    continue
            if cnt >= cap:
                return -2
            out_lab[cnt], out_nxt[cnt] = label, nctrl | (nch << cb)
            cnt += 1
    return _canonical_all(out_nxt, cnt, bshift, bwidth)


@njit(cache=True)
def _canonical_all(out_nxt, cnt, bshift, bwidth):
    if bshift.shape[0] >= 2:
        for t in range(cnt):
            out_nxt[t] = canonical(out_nxt[t], bshift, bwidth)
    return cnt


@njit(cache=True)
def run(counters, stop_at, max_depth, max_states, states, parent, plabel, slots, vshift, off,
        succ, slab, ovf_list, cut_list, out_lab, out_nxt, misses, probe, cb, cmask, reads_msgs,
        ka, kb, val, shift, pool, sends_off, sends_msgs, msg_channel, ch_shift, ch_mask,
        lose_label, bshift, bwidth):
    """BFS from ``counters[C_I]`` exactly as :func:`~..explore._bfs`; returns a status.

    On ``MISS`` nothing of state ``i`` was stored: the driver fills the recorded misses (of
    ``i`` and of up to ``probe`` later queued states) and calls again.  On ``GROW`` an array
    is too small for one more expansion; on ``YIELD`` ``stop_at`` was reached (progress).
    """
    i, n, ne = counters[C_I], counters[C_N], counters[C_EDGES]
    depth, level_end = counters[C_DEPTH], counters[C_LEVEL_END]
    buf = out_lab.shape[0]
    vmask = slots.shape[0] - 1
    ovf = np.zeros(1, np.int64)
    status = DONE
    while i < n:
        if i >= stop_at:
            status = YIELD
            break
        if (n + buf > states.shape[0] or 2 * (n + buf) > slots.shape[0]
                or ne + buf > succ.shape[0] or counters[C_NOVF] >= ovf_list.shape[0]
                or counters[C_NCUT] >= cut_list.shape[0]):
            status = GROW
            break
        if i == level_end:
            depth += 1
            level_end = n
        cnt = successors(states[i], out_lab, out_nxt, ovf, cb, cmask, reads_msgs, ka, kb, val,
                         shift, pool, sends_off, sends_msgs, msg_channel, ch_shift, ch_mask,
                         lose_label, bshift, bwidth, misses, counters)
        if cnt == -2:
            status = BUF_SMALL
            break
        if cnt == -1:
            # batch: collect the misses of the next queued states too, then let Python fill
            for j in range(i + 1, min(n, i + 1 + probe)):
                if counters[C_NMISS] >= misses.shape[0]:
                    break
                successors(states[j], out_lab, out_nxt, ovf, cb, cmask, reads_msgs, ka, kb,
                           val, shift, pool, sends_off, sends_msgs, msg_channel, ch_shift,
                           ch_mask, lose_label, bshift, bwidth, misses, counters)
            status = MISS
            break
        if ovf[0]:
            counters[C_BOUND_HITS] += ovf[0]
            ovf_list[counters[C_NOVF]] = i
            counters[C_NOVF] += 1
        if max_depth >= 0 and depth >= max_depth:
            if cnt:  # not expanded: the frontier beyond the bound is unknown
                cut_list[counters[C_NCUT]] = i
                counters[C_NCUT] += 1
                counters[C_DEPTH_CUT] = 1
            off[i + 1] = ne
            i += 1
            continue
        truncated = False
        for t in range(cnt):
            x = out_nxt[t]
            s = _slot(x, 0, vshift)
            while True:
                j = slots[s]
                if j == -1 or states[j] == x:
                    break
                s = (s + 1) & vmask
            if j == -1:
                if n >= max_states:
                    truncated = True
                    continue
                slots[s] = n
                states[n] = x
                parent[n] = i
                plabel[n] = out_lab[t]
                j = n
                n += 1
            succ[ne] = j
            slab[ne] = out_lab[t]
            ne += 1
        off[i + 1] = ne
        i += 1
        if truncated:
            counters[C_TRUNCATED] = 1
            cut_list[counters[C_NCUT]] = i - 1
            counters[C_NCUT] += 1
            break
    counters[C_I], counters[C_N], counters[C_EDGES] = i, n, ne
    counters[C_DEPTH], counters[C_LEVEL_END] = depth, level_end
    return status
