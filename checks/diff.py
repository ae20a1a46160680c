"""Behavioural diff of two models (or one model at two git revisions), for pull requests.

Text diffs of a model file say what changed in the file; this says what changed in
behaviour: statuses and transitions added or removed, joint status combinations newly
reachable or no longer reachable (each new one with a shortest witness trace in the new
model), and findings that appeared or disappeared (new ones with their counterexample).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import report as rep
from .findings import Finding, Path


@dataclass(slots=True)
class Behaviour:
    result: rep.CheckResult
    statuses: set[str]  # "party: status" declared
    transitions: set[str]
    combos: dict[tuple[str, ...], int]  # reachable status tuple -> first state number
    findings: dict[tuple[str, str], Finding]


def behaviour(result: rep.CheckResult) -> Behaviour:
    system = result.graph.system
    statuses = {f"{c.party}: {v}" for c in system.charts for v, s in c.states.items()
                if s.kind == "atomic"}
    combos: dict[tuple[str, ...], int] = {}
    for i, state in enumerate(result.graph.states):
        view = system.state_view(state)
        combos.setdefault(tuple(view[p] for p in system.parties), i)
    findings = {(f.kind.value, f.title): f for f in result.analysis.findings}
    return Behaviour(result, statuses, {t.label for t in system.transitions}, combos, findings)


@dataclass(slots=True)
class ModelDiff:
    old: Behaviour
    new: Behaviour
    statuses_added: list[str] = field(default_factory=list)
    statuses_removed: list[str] = field(default_factory=list)
    transitions_added: list[str] = field(default_factory=list)
    transitions_removed: list[str] = field(default_factory=list)
    combos_added: list[tuple[str, ...]] = field(default_factory=list)
    combos_removed: list[tuple[str, ...]] = field(default_factory=list)
    findings_added: list[Finding] = field(default_factory=list)
    findings_removed: list[Finding] = field(default_factory=list)

    @property
    def new_violation(self) -> bool:
        return any(f.severity == "error" for f in self.findings_added)

    @property
    def empty(self) -> bool:
        return not any((self.statuses_added, self.statuses_removed, self.transitions_added,
                        self.transitions_removed, self.combos_added, self.combos_removed,
                        self.findings_added, self.findings_removed))


def diff(old: rep.CheckResult, new: rep.CheckResult) -> ModelDiff:
    a, b = behaviour(old), behaviour(new)
    return ModelDiff(
        old=a, new=b,
        statuses_added=sorted(b.statuses - a.statuses),
        statuses_removed=sorted(a.statuses - b.statuses),
        transitions_added=sorted(b.transitions - a.transitions),
        transitions_removed=sorted(a.transitions - b.transitions),
        combos_added=sorted(set(b.combos) - set(a.combos), key=lambda c: b.combos[c]),
        combos_removed=sorted(set(a.combos) - set(b.combos), key=lambda c: a.combos[c]),
        findings_added=[b.findings[k] for k in b.findings if k not in a.findings],
        findings_removed=[a.findings[k] for k in a.findings if k not in b.findings],
    )


def _headline(f: Finding) -> str:
    """``kind: title`` — unless the title already starts with its kind ("deadlock: ...")."""
    return f.title if f.title.startswith(f"{f.kind}:") else f"{f.kind}: {f.title}"


def _trace_block(result: rep.CheckResult, path: Path) -> list[str]:
    return ["```text", rep.trace_table(result.trace(path), result.graph.system.parties,
                                       indent=""), "```"]


def render_markdown(d: ModelDiff, old_name: str, new_name: str) -> str:
    parties = d.new.result.graph.system.parties
    st_a, st_b = d.old.result.analysis.stats, d.new.result.analysis.stats
    verdict = ("**new violation**" if d.new_violation else
               "no behavioural change" if d.empty else "behaviour changed, no new violation")
    out = [f"## ordercheck diff: `{old_name}` → `{new_name}` — {verdict}", "",
           "| | old | new |", "|---|---|---|",
           f"| verdict | {d.old.result.verdict} | {d.new.result.verdict} |",
           f"| states | {st_a['states']} | {st_b['states']} |",
           f"| transitions | {st_a['edges']} | {st_b['edges']} |",
           f"| reachable status combinations | {len(d.old.combos)} | {len(d.new.combos)} |", ""]

    def bullet_list(title: str, items: list[str]) -> None:
        if items:
            out.append(f"### {title}")
            out.extend(f"- `{x}`" for x in items)
            out.append("")

    bullet_list("Statuses added", d.statuses_added)
    bullet_list("Statuses removed", d.statuses_removed)
    bullet_list("Transitions added", d.transitions_added)
    bullet_list("Transitions removed", d.transitions_removed)
    if d.findings_added:
        out.append("### Findings that appeared")
        for f in d.findings_added:
            out.append(f"- **{f.severity}** {_headline(f)}")
            if f.path:
                out.extend(_trace_block(d.new.result, f.path))
        out.append("")
    if d.findings_removed:
        out.append("### Findings that disappeared")
        out.extend(f"- {f.severity} {_headline(f)}" for f in d.findings_removed)
        out.append("")
    if d.combos_added:
        out.append("### Newly reachable status combinations (with a witness)")
        for combo in d.combos_added:
            label = ", ".join(f"{p} {s}" for p, s in zip(parties, combo, strict=True))
            out.append(f"- {label}")
            out.extend(_trace_block(d.new.result, d.new.result.graph.path_to(
                d.new.combos[combo])))
        out.append("")
    if d.combos_removed:
        out.append("### No longer reachable status combinations")
        old_parties = d.old.result.graph.system.parties
        out.extend("- " + ", ".join(f"{p} {s}" for p, s in zip(old_parties, c, strict=True))
                   for c in d.combos_removed)
        out.append("")
    return "\n".join(out) + "\n"
