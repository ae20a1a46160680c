"""The adapter author's manual: what a model asks of an implementation, as data.

Why: an adapter author should not have to read the model's source to learn the command
vocabulary.  :func:`describe` derives everything from the compiled model (the engine's view),
so it is right for any model, not just the built-in one: commands per party and actor (with
*must*/*may*), messages, statuses, the start state, what ``reset()`` must produce and what
``automatic`` means.  ``ordercheck describe`` prints it as text or JSON.
"""

from __future__ import annotations

from typing import Any

from ..explore import StateGraph
from .session import ConformanceModel

AUTOMATIC = (
    "automatic: the actors (or single events, named party.event) whose steps the "
    "implementation takes by itself. They are never sent as commands; after each command "
    "ordercheck calls settle() (optional) and then expects a status in which none of them is "
    "still owed: an implementation that never takes such a step is nonconforming. A platform "
    "step the implementation exposes as a command (a test hook for the payment gateway) is "
    "left out of automatic, and is then driven like any other command.")

RESET = (
    "reset(): start a fresh order. After settle(), status() must show the 'reset() must show' "
    "status for the implementation's automatic set (with none, the model's initial status).")

SEND = (
    "send(command) -> bool: True when accepted, False when refused (as VTEX answers 400/409). "
    "Refusing a 'must' command where the model allows it is nonconforming; refusing a 'may' "
    "command is fine; accepting a command the model forbids is nonconforming. A deliver "
    "command hands the next message of that name to its receiver: refusing it says the "
    "message was never sent.")

ADAPTER = '''from ordercheck.checks.conformance.adapter import Command

class MyOMS:
    automatic = frozenset({"platform"})      # steps my system takes by itself

    def reset(self) -> None:                 # a fresh order
        self.order = my_api.create_order()

    def settle(self) -> None:                # optional: wait for background jobs
        my_api.wait_idle(self.order)

    def send(self, command: Command) -> bool:
        # command.kind is "fire" (command.name is an event) or "deliver" (a message)
        return my_api.call(self.order, command.party, command.kind, command.name) < 400

    def status(self) -> dict[str, str]:      # party -> status id
        return {p: my_api.status(self.order, p) for p in ("marketplace", "seller")}
'''


def describe(graph: StateGraph, automatic: frozenset[str], model_name: str) -> dict[str, Any]:
    """The manual as a JSON-ready dict (deterministic: everything sorted)."""
    model = ConformanceModel(graph, automatic)
    system = graph.system
    labels = system.labels
    commands: dict[tuple[str, str, str], dict[str, Any]] = {}
    for state in range(graph.n_states):
        for label, _ in graph.successors(state):
            lab = labels[label]
            if lab.kind not in ("fire", "deliver"):
                continue
            name = lab.event if lab.kind == "fire" else lab.message
            key = (lab.party, lab.kind, name)
            entry = commands.setdefault(key, {
                "party": lab.party, "kind": lab.kind,
                ("event" if lab.kind == "fire" else "message"): name,
                "actor": lab.actor, "must": False, "automatic": model.silent[label],
                "from": set()})
            # a message in flight must be deliverable: only fire commands can be a "may"
            entry["must"] = entry["must"] or lab.kind == "deliver" or (
                lab.transition >= 0 and model.must(label))
            if lab.transition >= 0:
                entry["from"].add(model.status(state)[lab.party])
    for entry in commands.values():
        entry["from"] = sorted(entry["from"])
    statuses = {c.party: sorted(v for v, st in c.states.items() if st.kind == "atomic")
                for c in system.charts}
    settled_start = sorted({tuple(sorted(model.status(s).items()))
                            for s in model.targets.initial})
    return {
        "model": model_name,
        "parties": list(system.parties),
        "actors": sorted({lab.actor for lab in labels}),
        "automatic": sorted(automatic),
        "statuses": statuses,
        "initial": model.status(0),
        "reset_must_show": [dict(s) for s in settled_start],
        "commands": [commands[k] for k in sorted(commands)],
        "messages": [{"message": m.name, "from": m.sender, "to": m.receiver,
                      "event": m.event} for m in sorted(system.workflow.messages,
                                                        key=lambda m: m.name)],
        "automatic_means": AUTOMATIC, "reset_means": RESET, "send_means": SEND,
        "adapter_example": ADAPTER,
        "coverage_targets": len(model.targets.targets),
    }


def text(manual: dict[str, Any]) -> str:
    """The manual as text for a terminal."""
    out = [f"model {manual['model']}: parties {', '.join(manual['parties'])}; actors "
           f"{', '.join(manual['actors'])}",
           f"automatic (as described): {', '.join(manual['automatic']) or '-'}", "",
           "statuses:"]
    for party, values in manual["statuses"].items():
        out.append(f"  {party}: {', '.join(values)}")
    out += ["", f"initial status: {_fmt(manual['initial'])}",
            "reset() must show (after settle): "
            + " or ".join(_fmt(s) for s in manual["reset_must_show"]), "",
            "commands (party, kind, name; actor; must/may; automatic = not sent; from statuses):"]
    for c in manual["commands"]:
        name = c.get("event") or c.get("message")
        flag = "must" if c["must"] else "may"
        auto = "  [automatic]" if c["automatic"] else ""
        out.append(f"  {c['party']:<12} {c['kind']:<8} {name:<32} {c['actor']:<9} {flag:<4}"
                   f"{auto}  from {', '.join(c['from']) or '-'}")
    out += ["", "messages:"]
    for m in manual["messages"]:
        out.append(f"  {m['message']}: {m['from']} -> {m['to']} (fires {m['event']})")
    out += ["", manual["reset_means"], "", manual["send_means"], "", manual["automatic_means"],
            "", f"coverage targets for this automatic set: {manual['coverage_targets']}", "",
            "a worked adapter (Python; the process and HTTP adapters speak the same protocol):",
            manual["adapter_example"]]
    return "\n".join(out)


def _fmt(status: dict[str, str]) -> str:
    return "{" + ", ".join(f"{p}: {v}" for p, v in sorted(status.items())) + "}"
