"""The compiled kernel on all cores: BFS in chunks of queued states, numbered as ``_bfs``.

Why this shape: exploring is memory-bound — most of a state's successors were visited
before, and finding each in the visited table is a cache miss or two.  Two cores issue twice
the misses at once.  But the numbering must stay the reference's (state ``n`` is the ``n``-th
discovered in BFS order) and the visited table has no atomic insert in numba.  So each chunk
of queued states goes through three phases:

A. (threads) every state's successors, into its own row of the chunk's candidate arrays —
   :func:`.kernel.successors` unchanged, with no miss recording (a miss only marks the row);
B. (threads) every candidate looked up in the visited table, read only: the number of a
   state discovered before this chunk, or -1;
C. (one thread) the sequential loop of :func:`.kernel.run`, state by state and candidate by
   candidate, probing again only the candidates B did not find (new states, and states
   discovered earlier in this chunk) — so numbers, parents, edges, cuts and bounds are
   exactly the sequential run's.

A miss in A records the misses of the missing rows (one thread), as the sequential kernel
does; the rows before the first missing one go through B and C, then the driver fills the
misses and the rest is computed again.  Phase C returns ``GROW`` before a state whose
candidates might not fit, with the room the rest of the chunk needs in
``counters[C_NEED]``, and resumes at that row after the driver grew the arrays (the
candidates' look-ups stay valid: they are state numbers).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .kernel import (
    BUF_SMALL,
    C_DEPTH,
    C_EDGES,
    C_I,
    C_LEVEL_END,
    C_N,
    C_NCUT,
    C_NMISS,
    C_NOVF,
    DONE,
    GROW,
    MISS,
    YIELD,
    store,
    successors,
    visited_find,
)

#: counters[C_NEED]: the room (states, edges) the rest of the chunk needs; C_RESUME,
#: C_RESUME_M: the row phase C stopped at for it (-1: none) and the chunk's rows
C_NEED, C_RESUME, C_RESUME_M = 11, 12, 13
N_COUNTERS = 14


@njit(cache=True, parallel=True)
def _phase_a(i0, m, width, ctl, chs, cl, cc, ch, cnt, ovf, reads_msgs, ka, kb, kc, val,
             shift, pool, sends_off, sends_msgs, msg_channel, ch_shift, ch_mask, lose_label,
             bword, bshift, bwidth, nomiss, counters, p_shift, p_mask, p_base, pl, msg_recv,
             msg_ridx, r_count, r_base, pd, dense, site_ptr):
    keys = np.empty((m, max(1, bshift.shape[0])), np.int64)  # each row its own scratch
    for s in prange(m):
        a, b = s * width, (s + 1) * width
        cnt[s] = successors(ctl[i0 + s], chs[i0 + s], cl[a:b], cc[a:b], ch[a:b], ovf[s:s + 1],
                            reads_msgs, ka, kb, kc, val, shift, pool, sends_off, sends_msgs,
                            msg_channel, ch_shift, ch_mask, lose_label, bword, bshift, bwidth,
                            nomiss, counters, p_shift, p_mask, p_base, pl, msg_recv, msg_ridx,
                            r_count, r_base, pd, dense, site_ptr, keys[s])


@njit(cache=True, parallel=True)
def _phase_b(m, width, cc, ch, cnt, cj, slots, ctl, chs, vshift):
    for s in prange(m):
        for t in range(cnt[s]):
            k = s * width + t
            cj[k] = visited_find(slots, ctl, chs, cc[k], ch[k], vshift)


@njit(cache=True)
def run(counters, stop_at, max_depth, max_states, ctl, chs, parent, plabel, slots, vshift,
        off, succ, slab, ovf_list, cut_list, cl, cc, ch, cnt, ovf, cj, chunk, misses, nomiss,
        reads_msgs, ka, kb, kc, val, shift, pool, sends_off, sends_msgs, msg_channel,
        ch_shift, ch_mask, lose_label, bword, bshift, bwidth, p_shift, p_mask, p_base, pl,
        msg_recv, msg_ridx, r_count, r_base, pd, dense, site_ptr):
    """:func:`.kernel.run` in chunks of ``chunk`` queued states (see the module docstring);
    ``cl``/``cc``/``ch`` hold ``chunk`` rows of ``len(cl) // chunk`` candidates."""
    i, n, ne = counters[C_I], counters[C_N], counters[C_EDGES]
    depth, level_end = counters[C_DEPTH], counters[C_LEVEL_END]
    width = cl.shape[0] // chunk
    vmax = (slots.shape[0] * 3) // 4
    scratch = np.empty(max(1, bshift.shape[0]), np.int64)
    status = DONE
    while i < n:
        s0, m, first_missing = 0, 0, 0
        missing = False
        if counters[C_RESUME] >= 0:  # phase C of a chunk stopped for larger arrays
            s0, m = counters[C_RESUME], counters[C_RESUME_M]
            counters[C_RESUME] = -1
        else:
            if i >= stop_at:
                status = YIELD
                break
            m = min(n - i, chunk)
            _phase_a(i, m, width, ctl, chs, cl, cc, ch, cnt, ovf, reads_msgs, ka, kb, kc,
                     val, shift, pool, sends_off, sends_msgs, msg_channel, ch_shift, ch_mask,
                     lose_label, bword, bshift, bwidth, nomiss, counters, p_shift, p_mask,
                     p_base, pl, msg_recv, msg_ridx, r_count, r_base, pd, dense, site_ptr)
            for s in range(m):
                if cnt[s] == -2:
                    status = BUF_SMALL
                    break
                if cnt[s] == -1:
                    if not missing:
                        missing = True
                        first_missing = s
                    if counters[C_NMISS] < misses.shape[0]:
                        # record its misses, as the sequential kernel does
                        a, b = s * width, (s + 1) * width
                        successors(ctl[i + s], chs[i + s], cl[a:b], cc[a:b], ch[a:b],
                                   ovf[s:s + 1], reads_msgs, ka, kb, kc, val, shift, pool,
                                   sends_off, sends_msgs, msg_channel, ch_shift, ch_mask,
                                   lose_label, bword, bshift, bwidth, misses, counters,
                                   p_shift, p_mask, p_base, pl, msg_recv, msg_ridx, r_count,
                                   r_base, pd, dense, site_ptr, scratch)
            if status == BUF_SMALL:
                break
            if missing:  # the rows before the first miss are complete: store them first
                m = first_missing
            _phase_b(m, width, cc, ch, cnt, cj, slots, ctl, chs, vshift)
        truncated = False
        for s in range(s0, m):
            k = cnt[s]
            if (n + k > ctl.shape[0] or n + k > vmax or ne + k > succ.shape[0]
                    or counters[C_NOVF] >= ovf_list.shape[0]
                    or counters[C_NCUT] >= cut_list.shape[0]):
                need = 0
                for r in range(s, m):
                    need += cnt[r]
                counters[C_NEED] = need  # room for the rest of the chunk
                counters[C_RESUME], counters[C_RESUME_M] = s, m
                status = GROW
                break
            if i == level_end:
                depth += 1
                level_end = n
            n, ne, truncated = store(i, k, ovf[s], max_depth >= 0 and depth >= max_depth, n,
                                     ne, cl, cc, ch, cj, s * width, max_states, slots, vshift,
                                     ctl, chs, parent, plabel, off, succ, slab, counters,
                                     ovf_list, cut_list)
            i += 1
            if truncated:
                break
        if truncated or status == GROW:
            break
        if missing:
            status = MISS
            break
    counters[C_I], counters[C_N], counters[C_EDGES] = i, n, ne
    counters[C_DEPTH], counters[C_LEVEL_END] = depth, level_end
    return status


def zeros_counters() -> np.ndarray:
    return np.zeros(N_COUNTERS, np.int64)
