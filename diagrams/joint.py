"""The explored joint graph, bad states coloured, under a node cap.

Node = (marketplace status, seller status, messages in flight, timers armed).  Final states
are green, deadlocks red, livelock members purple, doomed states orange; a legend says so.
``dot`` is fine up to a few hundred nodes and hangs past a few thousand (dependency notes
§4), so above ``cap`` nodes the picture is the *error subgraph*: the shortest path from the
initial state to every finding's state, plus those states' neighbours — and if that is
still too big, the quotient by the parties' statuses.  The title says which, the cap, and
what was dropped.
"""

from __future__ import annotations

from ordercheck.checks.analyses import Analysis
from ordercheck.checks.explore import StateGraph

from .ir import Cluster, Graph

COLORS = {"final": "#b7e1a1", "deadlock": "#f4a6a6", "livelock": "#d4b9f0",
          "doomed": "#fdd0a2", "initial": "#cfe2f3"}
DEFAULT_CAP = 300


def classify(graph: StateGraph, analysis: Analysis) -> dict[int, str]:
    """State number -> class for colouring (deadlock > livelock > doomed > final), taken from
    the findings' member sets: the diagram shows what the analysis found, never recomputes."""
    out: dict[int, str] = {i: "final" for i, s in enumerate(graph.states)
                           if graph.system.is_final(s)}
    for kind in ("doomed", "livelock", "deadlock"):  # later kinds win
        for f in analysis.findings:
            if f.kind == kind:
                out.update(dict.fromkeys(f.members, kind))
    out.setdefault(0, "initial")
    return out


def _label(graph: StateGraph, i: int) -> str:
    system = graph.system
    s = graph.states[i]
    view = system.state_view(s)
    lines = [f"#{i}"] + [view[p] for p in system.parties]
    flight = system.in_flight(s)
    if flight:
        lines.append("✉ " + ", ".join(m.split(":", 1)[1] for m in flight))
    timers = system.armed_timers(s)
    if timers:
        lines.append("⏱ " + ", ".join(timers))
    return "\n".join(lines)


def joint_graph(graph: StateGraph, analysis: Analysis, *, cap: int = DEFAULT_CAP,
                title: str = "") -> Graph:
    classes = classify(graph, analysis)
    system = graph.system
    g = Graph(name="joint", rankdir="TB",
              title=title or f"explored joint states of {system.workflow.name} "
                             f"({system.delivery})")
    chosen = set(range(graph.n_states))
    if graph.n_states > cap:
        chosen = {0}
        for f in analysis.findings:
            if f.path and f.severity == "error":
                chosen.update(i for _, i in f.path)
                if f.state is not None:
                    chosen.update(j for _, j in graph.successors(f.state))
        if len(chosen) > cap:
            return _quotient(graph, classes, cap, g)
        g.notes.append(f"{graph.n_states} states exceed the cap of {cap}: showing the error "
                       f"subgraph ({len(chosen)} states: shortest paths to each finding and "
                       f"their neighbours); {graph.n_states - len(chosen)} states dropped")
    else:
        g.notes.append(f"all {graph.n_states} states (cap {cap})")
    for i in sorted(chosen):
        cls = classes.get(i, "")
        g.node(id=f"s{i}", label=_label(graph, i), shape="box", fill=COLORS.get(cls, ""),
               tooltip=cls)
    labels = system.labels
    for i in sorted(chosen):
        for lab, j in graph.successors(i):
            if j in chosen:
                step = labels[lab]
                text = (f"{step.party}.{step.event}" if step.kind == "fire"
                        else f"{step.kind} {step.message}")
                g.edge(source=f"s{i}", target=f"s{j}", label=text,
                       style="dashed" if step.kind != "fire" else "")
    _legend(g)
    return g


def _quotient(graph: StateGraph, classes: dict[int, str], cap: int, g: Graph) -> Graph:
    system = graph.system
    key_of = [tuple(system.state_view(s)[p] for p in system.parties) for s in graph.states]
    members: dict[tuple[str, ...], list[int]] = {}
    for i, k in enumerate(key_of):
        members.setdefault(k, []).append(i)
    rank = {"deadlock": 4, "livelock": 3, "doomed": 2, "final": 1}
    g.notes.append(f"{graph.n_states} states exceed the cap of {cap}: showing the quotient by "
                   f"({', '.join(system.parties)}) status: {len(members)} classes; messages "
                   "and timers dropped")
    ids = {k: f"q{n}" for n, k in enumerate(sorted(members, key=lambda k: members[k][0]))}
    for k, ms in sorted(members.items(), key=lambda kv: kv[1][0]):
        worst = max((classes.get(i, "") for i in ms), key=lambda c: rank.get(c, 0))
        g.node(id=ids[k], label="\n".join(k) + f"\n({len(ms)} states)", shape="box",
               fill=COLORS.get(worst, ""), tooltip=worst)
    seen = set()
    for i in range(graph.n_states):
        for _, j in graph.successors(i):
            pair = (ids[key_of[i]], ids[key_of[j]])
            if pair[0] != pair[1] and pair not in seen:
                seen.add(pair)
    for a, b in sorted(seen):
        g.edge(source=a, target=b)
    _legend(g)
    return g


def _legend(g: Graph) -> None:
    g.clusters.append(Cluster(id="legend", label="legend", style="rounded"))
    for cls in ("initial", "final", "deadlock", "livelock", "doomed"):
        g.node(id=f"legend_{cls}", label=cls, shape="box", fill=COLORS[cls], cluster="legend")
