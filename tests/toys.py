"""Domain-free toy workflows whose graphs are known by hand, for engine tests and the bench.

The VTEX model is too large to count by hand, so the engine's counts and findings are pinned
on these instead: every number below was derived on paper first and then confirmed by
exploring (``tests/test_engine.py``, ``tests/test_example_model.py``).

``ping_pong()``: A sends ``ping`` and waits; B answers ``pong``; both end.

* fifo, unordered: (idle, idle, -) -> (waiting, idle, ping) -> (waiting, done, pong) ->
  (done, done, -): **4 states, 3 edges** (one message at a time, so order cannot matter).
* duplicate: a delivery may keep a copy, and a kept copy delivered later is ignored by a
  party that has moved on (an edge back to the state without the copy, or a self-loop when
  the copy is kept again).  Channels a->b in {-, ping}, b->a in {-, pong}:
  (i,i,-,-) (w,i,p,-) (w,d,-,P) (w,d,p,P) (d,d,-,-) (d,d,-,P) (d,d,p,-) (d,d,p,P):
  **8 states**; edges 1+2+2+4+0+2+2+4 = **17**.
* lossy: fifo plus losing ping (-> waiting, idle, -) or pong (-> waiting, done, -), each a
  deadlock: **6 states, 5 edges**.

``deadlock_toy()``: one party, ``a --go--> b`` (b not final) or ``a --finish--> end``:
**3 states, 2 edges** in every delivery mode (no messages); one deadlock, reached by [go].

``livelock_toy()``: one party, ``s0 --stay--> l1 <--spin--> l2`` and ``s0 --leave--> end``:
**4 states, 4 edges** in every mode; {l1, l2} is a bottom cycle without a final state.

``n_sellers(n)``: one marketplace places an order with n sellers at once (one message each,
on n separate channels); each seller receives it, starts handling, then finishes or drops
it and tells the marketplace, which acknowledges internally and may close at any time
(replies after closing are ignored).  After ``place`` a seller is in one of 7 local
situations — (idle, order in flight), got, handling, (done | dropped) x (reply in flight |
delivered) — with 1, 2, 2, 1, 0, 1, 0 outgoing edges (7 in all); the marketplace is in
wait or end, and only wait can ``close``.  Sellers share no channel, so they interleave
freely and the space is a product:

* fifo, unordered: **1 + 2*7^n states, 1 + (2n+1)*7^n edges** (15/22, 99/246, 687/2402,
  4803/21610 for n = 1..4);
* lossy: adds (idle, order lost), 8 situations, 10 edges:
  **1 + 2*8^n states, 1 + 4(5n+2)*8^(n-1) edges** (17/29, 129/385, 1025/4353);
* duplicate: copies of the order and of the reply may linger, 13 situations, 30 edges:
  **1 + 2*13^n states, 1 + (60n+13)*13^(n-1) edges** (27/74, 339/1730, 4395/32618).

So the space grows 7x per seller (fifo): the bench's scalable model.
"""

from __future__ import annotations

from typing import Any

from statemachine import State, StateChart

from ordercheck.checks.properties import Sometimes
from ordercheck.checks.protocol import Message, Party, Workflow, transition

#: The toys are deliberately broken (traps, unreachable finals): python-statemachine's own
#: validations would refuse them at class creation, before the checker can report.
_LAX = {"catch_errors_as_events": False, "validate_trap_states": False,
        "validate_final_reachability": False, "validate_disconnected_states": False}


def _chart(name: str, states: dict[str, State], transitions: dict[str, Any]) -> type:
    """A chart class built at run time, so one function can make n distinct seller classes."""
    return type(name, (StateChart,), {**_LAX, **states, **transitions})


def ping_pong() -> Workflow:
    """Two parties, one message each way: the smallest model where delivery modes differ."""
    idle, waiting, done = (State(value="idle", initial=True), State(value="waiting"),
                           State(value="done", final=True))
    a = _chart("A", {"idle": idle, "waiting": waiting, "done": done}, {
        "start": transition(idle.to(waiting), actor="a", sends="ping", cite="toy"),
        "pong": transition(waiting.to(done), actor="a", cite="toy")})
    b_idle, b_done = State(value="idle", initial=True), State(value="done", final=True)
    b = _chart("B", {"idle": b_idle, "done": b_done}, {
        "ping": transition(b_idle.to(b_done), actor="b", sends="pong", cite="toy")})
    return Workflow(name="ping-pong", parties=(Party(name="a", chart=a),
                                               Party(name="b", chart=b)),
                    messages=(Message(name="ping", sender="a", receiver="b", event="ping"),
                              Message(name="pong", sender="b", receiver="a", event="pong")),
                    properties=(Sometimes(name="both-done", description="both end",
                                          holds=lambda v: v["a"] == v["b"] == "done"),))


def deadlock_toy() -> Workflow:
    """Exactly one deadlock (status b), one step from the start: pins the shortest trace."""
    a, b = State(value="a", initial=True), State(value="b")
    end = State(value="end", final=True)
    chart = _chart("D", {"a": a, "b": b, "end": end}, {
        "go": transition(a.to(b), actor="x", cite="toy"),
        "finish": transition(a.to(end), actor="x", cite="toy")})
    return Workflow(name="deadlock", parties=(Party(name="p", chart=chart),))


def livelock_toy() -> Workflow:
    """A bottom cycle with no final status and no deadlock: only livelock detection sees it."""
    s0, l1, l2 = State(value="s0", initial=True), State(value="l1"), State(value="l2")
    end = State(value="end", final=True)
    chart = _chart("L", {"s0": s0, "l1": l1, "l2": l2, "end": end}, {
        "stay": transition(s0.to(l1), actor="x", cite="toy"),
        "spin": transition(l1.to(l2) | l2.to(l1), actor="x", cite="toy"),
        "leave": transition(s0.to(end), actor="x", cite="toy")})
    return Workflow(name="livelock", parties=(Party(name="p", chart=chart),))


def _seller(i: int) -> type:
    """Seller ``i``'s chart; its replies are named per seller so each has its own channel."""
    idle, got = State(value="idle", initial=True), State(value="got")
    handling = State(value="handling")
    done, dropped = State(value="done", final=True), State(value="dropped", final=True)
    return _chart(f"Seller{i}", {"idle": idle, "got": got, "handling": handling,
                                 "done": done, "dropped": dropped}, {
        "receive": transition(idle.to(got), actor="platform", cite="toy"),
        "start": transition(got.to(handling), actor="seller", cite="toy"),
        "finish": transition(handling.to(done), actor="seller", sends=f"done{i}", cite="toy"),
        "drop": transition(got.to(dropped) | handling.to(dropped), actor="seller",
                           sends=f"dropped{i}", cite="toy")})


def n_sellers(n: int) -> Workflow:
    """One marketplace, ``n`` independent sellers: a state space of known size 1 + 2*7^n."""
    start, wait = State(value="start", initial=True), State(value="wait")
    end = State(value="end", final=True)
    market = _chart("Market", {"start": start, "wait": wait, "end": end}, {
        "place": transition(start.to(wait), actor="platform", cite="toy",
                            sends=tuple(f"order{i}" for i in range(n))),
        "ack": transition(wait.to.itself(internal=True), actor="platform", cite="toy"),
        "close": transition(wait.to(end), actor="platform", cite="toy")})
    parties = [Party(name="market", chart=market)]
    messages = []
    for i in range(n):
        parties.append(Party(name=f"seller{i}", chart=_seller(i)))
        messages += [
            Message(name=f"order{i}", sender="market", receiver=f"seller{i}", event="receive"),
            Message(name=f"done{i}", sender=f"seller{i}", receiver="market", event="ack"),
            Message(name=f"dropped{i}", sender=f"seller{i}", receiver="market", event="ack")]
    return Workflow(name=f"{n}-sellers", parties=tuple(parties), messages=tuple(messages))


def two_sellers() -> Workflow:
    """``n_sellers(2)`` as a zero-argument callable, for ``--model tests.toys:two_sellers``."""
    return n_sellers(2)
