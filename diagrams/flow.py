"""The docs' "declining order cancellation" diagram (OCI ``deny_cancel_request.png``; DCL),
derived from the model rather than drawn by hand.

Three lanes (Shopper; Marketplace and customer care; Seller) and the numbered steps 1-6.
Each element is found by walking the model, so a model that lacks a behaviour lacks its
box or branch:

1  a shopper transition that sends a message: "Request cancel";
2  the marketplace's sending of that message: "Sends cancel request";
3  the seller's reaction to it: a branch straight to an end status, from a status whose
   timer leads on to where requests are asked, is the cancellation window
   ("Cancellation window?" Yes -> "Order is canceled");
4  from the status the other branch leads to, a seller transition to an end status
   (accept) and one that sends a message back (decline): the second diamond;
5  the marketplace's reaction to that message: "Receives deny cancel request";
6  the status it moves on to: "Order moves on in order flow to be fulfilled".

With the ``observed`` variant, a seller transition from the request status into a status
with no way out (KI-1004978's ``cancellation-request-denied-ffm``) is drawn as a highlighted
stuck lane end.
"""

from __future__ import annotations

from dataclasses import dataclass

from ordercheck.checks.catalog import FlowRoles
from ordercheck.checks.chart import CompiledChart, TransitionInfo
from ordercheck.checks.protocol import Workflow
from ordercheck.checks.system import TransitionSystem

from .ir import Cluster, Graph

STUCK = "#d62728"


@dataclass(slots=True)
class Found:
    request: TransitionInfo | None = None  # shopper's cancel at the marketplace
    message: str = ""
    window: TransitionInfo | None = None  # seller auto-cancels in the window
    ask: TransitionInfo | None = None  # seller takes the request (window over)
    accept: TransitionInfo | None = None
    decline: TransitionInfo | None = None
    deny_message: str = ""
    moves_on: TransitionInfo | None = None  # marketplace's reaction to the denial
    waits: TransitionInfo | None = None  # marketplace takes the seller's acknowledgement
    stuck: list[TransitionInfo] | None = None


def _ends_in_cancel(chart: CompiledChart, value: str | None, automatic: str) -> bool:
    """A status that is final or reaches a final status by platform steps alone."""
    seen = set()
    while value is not None and value not in seen:
        seen.add(value)
        info = chart.states.get(value)
        if info is None:
            return False
        if info.final:
            return True
        nxt = [t for t in chart.transitions if t.source == value and t.meta.actor == automatic
               and not t.meta.sends]
        value = nxt[0].target if len(nxt) == 1 else None
    return False


def _no_way_out(chart: CompiledChart, value: str | None) -> bool:
    if value is None:
        return False
    info = chart.states[value]
    if info.kind != "atomic":
        return False  # compound or history: the statuses inside have their own ways out
    outgoing = [t for t in chart.transitions
                if t.source == value and t.target not in (None, value)]
    return not info.final and not outgoing


def find(workflow: Workflow, roles: FlowRoles) -> Found:
    system = TransitionSystem(workflow)
    charts = {c.party: c for c in system.charts}
    msg_by_name = {m.name: m for m in workflow.messages}
    market, seller = charts.get(roles.first), charts.get(roles.second)
    f = Found()
    if market is None or seller is None:
        return f
    # the request that goes to the seller (not a cancel the marketplace completes alone)
    f.request = next((t for t in market.transitions
                      if t.meta.actor == roles.requester and t.meta.sends
                      and not _ends_in_cancel(market, t.target, roles.automatic)), None)
    if f.request is None:
        return f
    f.message = f.request.meta.sends[0]
    event = msg_by_name[f.message].event
    reactions = [t for t in seller.transitions if t.event == event]
    auto = roles.automatic
    f.ask = next((t for t in reactions if t.target and not _ends_in_cancel(seller, t.target, auto)
                  and t.target != t.source), None)
    # the window: a status where the request cancels at once and whose timer leads on to
    # where the request is asked instead (window-to-cancel --grace period--> fulfilling)
    timer_events = {t.event for t in workflow.timers if t.party == roles.second}
    ask_from = f.ask.source if f.ask else None
    f.window = next((t for t in reactions if _ends_in_cancel(seller, t.target, auto) and any(
        w.source == t.source and w.event in timer_events and w.target == ask_from
        for w in seller.transitions)), None)
    if f.ask is None:
        return f
    request_status = f.ask.target
    decisions = [t for t in seller.transitions
                 if t.source == request_status and t.meta.actor == roles.second]
    f.accept = next((t for t in decisions if _ends_in_cancel(seller, t.target, auto)), None)
    f.decline = next((t for t in decisions if t.meta.sends and t.target != request_status
                      and not _ends_in_cancel(seller, t.target, auto)
                      and any(msg_by_name[m].receiver == roles.first
                              for m in t.meta.sends)), None)
    f.stuck = [t for t in decisions if _no_way_out(seller, t.target)]
    # DCL step 2: the marketplace status while the seller decides (waiting for seller
    # decision): where the seller's acknowledgement of the request takes it
    acks = {msg_by_name[m].event for m in f.ask.meta.sends if m in msg_by_name}
    f.waits = next((t for t in market.transitions
                    if t.source == f.request.target and t.event in acks), None)
    if f.decline is not None:
        f.deny_message = f.decline.meta.sends[0]
        deny_event = msg_by_name[f.deny_message].event
        f.moves_on = next((t for t in market.transitions if t.event == deny_event), None)
    return f


def flow(workflow: Workflow, roles: FlowRoles, title: str = "") -> Graph:
    f = find(workflow, roles)
    g = Graph(name="decline-flow", rankdir="LR",
              title=title or f"Declining order cancellation — derived from {workflow.name}")
    for lane, label in roles.lanes:
        g.clusters.append(Cluster(id=lane, label=label, style="filled", fill="#f7f7f7"))

    def cite(t: TransitionInfo | None) -> str:
        return f"{t.label}\n{t.meta.cite}" if t else ""

    if f.request is None:
        g.notes.append("the model has no shopper cancellation request")
        return g
    g.node(id="s1", label="1\nRequest cancel", shape="rounded", cluster=roles.requester,
           tooltip=cite(f.request))
    waiting = f.waits.target if f.waits else f.request.target
    g.node(id="s2", label=f"2\nSends cancel request\n({waiting})", cluster=roles.first,
           tooltip=cite(f.waits or f.request))
    g.edge(source="s1", target="s2", label="Receives cancel request")
    canceled = "canceled"
    g.node(id=canceled, label="Order is canceled", shape="rounded", fill="#d9d9d9",
           cluster=roles.second)
    previous = "s2"
    if f.window is not None:
        g.node(id="s3", label="3\nCancellation window?", shape="diamond", cluster=roles.second,
               tooltip=cite(f.window))
        g.edge(source="s2", target="s3", label=f"Receives cancel request\n({f.message})")
        g.edge(source="s3", target=canceled, label=f"Yes\n({f.window.source})", color="#2ca02c")
        previous = "s3"
    if f.ask is None:
        g.notes.append("the seller cannot take a cancel request outside the window")
        return g
    g.node(id="s4", label=f"4\nSeller accepts cancel request?\n({f.ask.target})",
           shape="diamond", cluster=roles.second, tooltip=cite(f.ask))
    g.edge(source=previous, target="s4",
           label="No" if previous == "s3" else f"Receives cancel request\n({f.message})",
           color="#d62728" if previous == "s3" else "")
    if f.accept is not None:
        g.edge(source="s4", target=canceled, label="Yes", color="#2ca02c",
               tooltip=cite(f.accept))
    if f.decline is not None:
        g.node(id="s5", label=f"5\nReceives deny cancel request\n({f.deny_message})",
               cluster=roles.first, tooltip=cite(f.decline))
        g.edge(source="s4", target="s5", label="No", color="#d62728", tooltip=cite(f.decline))
        if f.moves_on is not None:
            g.node(id="s6", label=f"6\nOrder moves on in order flow\nto be fulfilled\n"
                                  f"({f.moves_on.target})",
                   fill="#f4b6c2", cluster=roles.first, tooltip=cite(f.moves_on))
            g.edge(source="s5", target="s6")
    for k, t in enumerate(f.stuck or []):
        node = f"stuck{k}"
        g.node(id=node, label=f"{t.target}\n(stuck: no way out)\n{t.meta.cite}",
               shape="rounded", style="bold", color=STUCK, fill="#fde0dd", cluster=roles.second,
               tooltip=cite(t))
        guard = " and ".join(("" if want else "not ") + n for n, want in t.guard)
        g.edge(source="s4", target=node,
               label=f"seller {t.event}" + (f"\n[{guard}]" if guard else ""),
               color=STUCK, style="bold")
    return g
