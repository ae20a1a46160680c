"""Domain-free toy workflows whose graphs are known by hand, for engine tests and the bench.

``ping_pong``: A sends ``ping`` and waits; B answers ``pong``; both end.  Under FIFO the
joint states are (idle, idle, -) -> (waiting, idle, ping) -> (waiting, done, pong) ->
(done, done, -): 4 states, 3 edges.  Lossy adds the two losses, each a deadlock: 6 states,
5 edges.

``deadlock_toy``: one party, ``a --go--> b`` (b not final) or ``a --finish--> end``:
3 states, 2 edges, one deadlock reached by [go].

``livelock_toy``: one party, ``s0 --stay--> l1 <--spin--> l2`` and ``s0 --leave--> end``:
4 states, 4 edges; {l1, l2} is a bottom cycle without a final state (a livelock).

``n_sellers(n)``: one marketplace places an order with n sellers at once; each seller
receives it, starts handling, then finishes or drops it and tells the marketplace.  The
sellers interleave freely, so the state space grows about 7x per seller: the bench's
scalable model.
"""

from __future__ import annotations

from typing import Any

from statemachine import State, StateChart

from ordercheck.checks.properties import Sometimes
from ordercheck.checks.protocol import Message, Party, Workflow, step

_LAX = {"catch_errors_as_events": False, "validate_trap_states": False,
        "validate_final_reachability": False, "validate_disconnected_states": False}


def _chart(name: str, states: dict[str, State], transitions: dict[str, Any]) -> type:
    return type(name, (StateChart,), {**_LAX, **states, **transitions})


def ping_pong() -> Workflow:
    idle, waiting, done = (State(value="idle", initial=True), State(value="waiting"),
                           State(value="done", final=True))
    a = _chart("A", {"idle": idle, "waiting": waiting, "done": done}, {
        "start": step(idle.to(waiting), actor="a", sends="ping", cite="toy"),
        "pong": step(waiting.to(done), actor="a", cite="toy")})
    b_idle, b_done = State(value="idle", initial=True), State(value="done", final=True)
    b = _chart("B", {"idle": b_idle, "done": b_done}, {
        "ping": step(b_idle.to(b_done), actor="b", sends="pong", cite="toy")})
    return Workflow(name="ping-pong", parties=(Party(name="a", chart=a),
                                               Party(name="b", chart=b)),
                    messages=(Message(name="ping", sender="a", receiver="b", event="ping"),
                              Message(name="pong", sender="b", receiver="a", event="pong")),
                    properties=(Sometimes(name="both-done", description="both end",
                                          holds=lambda v: v["a"] == v["b"] == "done"),))


def deadlock_toy() -> Workflow:
    a, b = State(value="a", initial=True), State(value="b")
    end = State(value="end", final=True)
    chart = _chart("D", {"a": a, "b": b, "end": end}, {
        "go": step(a.to(b), actor="x", cite="toy"),
        "finish": step(a.to(end), actor="x", cite="toy")})
    return Workflow(name="deadlock", parties=(Party(name="p", chart=chart),))


def livelock_toy() -> Workflow:
    s0, l1, l2 = State(value="s0", initial=True), State(value="l1"), State(value="l2")
    end = State(value="end", final=True)
    chart = _chart("L", {"s0": s0, "l1": l1, "l2": l2, "end": end}, {
        "stay": step(s0.to(l1), actor="x", cite="toy"),
        "spin": step(l1.to(l2) | l2.to(l1), actor="x", cite="toy"),
        "leave": step(s0.to(end), actor="x", cite="toy")})
    return Workflow(name="livelock", parties=(Party(name="p", chart=chart),))


def _seller(i: int) -> type:
    idle, got = State(value="idle", initial=True), State(value="got")
    handling = State(value="handling")
    done, dropped = State(value="done", final=True), State(value="dropped", final=True)
    return _chart(f"Seller{i}", {"idle": idle, "got": got, "handling": handling,
                                 "done": done, "dropped": dropped}, {
        "receive": step(idle.to(got), actor="platform", cite="toy"),
        "start": step(got.to(handling), actor="seller", cite="toy"),
        "finish": step(handling.to(done), actor="seller", sends=f"done{i}", cite="toy"),
        "drop": step(got.to(dropped) | handling.to(dropped), actor="seller",
                     sends=f"dropped{i}", cite="toy")})


def n_sellers(n: int) -> Workflow:
    start, wait = State(value="start", initial=True), State(value="wait")
    end = State(value="end", final=True)
    market = _chart("Market", {"start": start, "wait": wait, "end": end}, {
        "place": step(start.to(wait), actor="platform", cite="toy",
                      sends=tuple(f"order{i}" for i in range(n))),
        "ack": step(wait.to.itself(internal=True), actor="platform", cite="toy"),
        "close": step(wait.to(end), actor="platform", cite="toy")})
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
    return n_sellers(2)
