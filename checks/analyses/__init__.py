"""Analyses over an explored :class:`~..explore.StateGraph`: one module per kind, one
registry (:mod:`.registry`) that dispatches them, and :func:`analyse` that runs them all.

Definitions (exact, because "stuck" is the product):

deadlock
    an expanded, non-final joint state with no successor.
livelock
    a bottom strongly connected component (no edge leaves it) with a cycle and no final
    state: runs can go on for ever without ending.
doomed
    a state from which no final joint state is reachable, that is not itself a deadlock or
    livelock member: the point of no return before the order gets stuck.
unreachable status
    a declared atomic status of a party that no reachable state shows.
dead transition
    a declared transition that no reachable step fires.
unhandled message
    a message delivered to a party that is not final and has no transition for it.

Only fully expanded states are evidence: on a bounded graph a stuck verdict never rests on a
state whose successors were not all computed (see ``StateGraph.cut``).

Findings of one kind are grouped by the parties' statuses (so 40 deadlocks that differ only in
messages in flight are one finding with ``count=40``); each group's representative is its
state with the smallest BFS number, hence a shortest trace.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..explore import StateGraph
from ..findings import Finding, Path
from ..properties import Property
from .context import Context, Views, reaches, to_networkx
from .registry import BUILTIN_PROPERTIES, BUILTINS, PROPERTY_KINDS, KindSpec, kind_of, spec_of

__all__ = ["BUILTINS", "BUILTIN_PROPERTIES", "PROPERTY_KINDS", "Analysis", "Context",
           "KindSpec", "Views", "analyse", "kind_of", "reaches", "spec_of", "to_networkx"]


@dataclass(slots=True)
class Analysis:
    """All findings plus the witnesses of the ``Sometimes`` properties that hold."""

    findings: list[Finding]
    witnesses: dict[str, Path]
    final_states: int
    stats: dict[str, int]


def analyse(graph: StateGraph, properties: Iterable[Property] = ()) -> Analysis:
    """Check the built-in properties, then ``properties``, over ``graph``."""
    ctx = Context(graph)
    findings: list[Finding] = []
    witnesses: dict[str, Path] = {}
    for prop in (*BUILTINS, *properties):
        findings.extend(spec_of(prop).evaluate(ctx, prop, witnesses))
    final = sum(ctx.final)
    stats = {
        "states": graph.n_states,
        "edges": graph.n_edges,
        "max_depth": graph.max_depth,
        "final_states": final,
        "deadlock_states": len(ctx.deadlocks),
        "livelock_states": len(ctx.livelock_members),
        "doomed_states": len(ctx.doomed),
    }
    return Analysis(findings=findings, witnesses=witnesses, final_states=final, stats=stats)
