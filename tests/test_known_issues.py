"""The known-issue catalogue: every reproduced issue replays into its symptom, its finding is
reported with a pinned shortest trace, and the documents list every issue of the catalogue."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest

from ordercheck.checks.analyses import analyse
from ordercheck.checks.explore import explore
from ordercheck.checks.system import TransitionSystem
from ordercheck.checks.trace import load, replay
from ordercheck.model.vtex import variant
from ordercheck.model.vtex.known_issues import CATALOGUE

ROOT = Path(__file__).parent.parent
SCENARIOS = ROOT / "model" / "vtex" / "scenarios"
REPRODUCTIONS = [(ki.ref, r) for ki in CATALOGUE for r in ki.reproduced]

#: The reference's list (REF §5 and the KI tags of §0): the catalogue must cover each.
REFERENCE_LIST = {"1004978", "1400005", "1198719", "1242813", "1089344", "656815", "1249934",
                  "792650", "376646", "1372902", "345526", "1031035", "1218606", "1218615",
                  "1465447", "640925", "832400", "1350055"}


@cache
def checked(name: str, delivery: str):
    workflow = variant(name)
    graph = explore(TransitionSystem(workflow, delivery=delivery))
    return graph, analyse(graph, workflow.properties)


def test_catalogue_covers_the_reference_list_once_each():
    refs = [ki.ref for ki in CATALOGUE]
    assert sorted(refs) == sorted(REFERENCE_LIST)
    for ki in CATALOGUE:
        assert bool(ki.reproduced) != bool(ki.outside), ki.ref  # one or the other


def test_every_scenario_file_is_in_the_catalogue():
    files = {p.name for p in SCENARIOS.glob("*.jsonl")}
    assert files == {r.scenario for _, r in REPRODUCTIONS}


@pytest.mark.parametrize(("ref", "rep"), REPRODUCTIONS, ids=lambda x: getattr(x, "scenario", x))
def test_scenario_replays_into_the_findings_state(ref, rep):
    header, records = load(SCENARIOS / rep.scenario)
    assert (header["model_spec"], header["delivery"]) == (
        f"ordercheck.model.vtex:{rep.variant}", rep.delivery)
    assert header["source"].startswith(f"KI-{ref}")
    system = TransitionSystem(variant(rep.variant), delivery=rep.delivery)
    result = replay(system, records)
    assert result.ok, result.reason
    graph, analysis = checked(rep.variant, rep.delivery)
    (finding,) = [f for f in analysis.findings
                  if f.property == rep.property and f.title.startswith(rep.finding)]
    assert finding.severity == "error"
    assert len(finding.path) - 1 == rep.trace_length
    # the scenario ends in the joint status the finding reports
    reported = graph.system.state_view(graph.states[finding.state]).status
    assert result.steps[-1].status == dict(reported)


def test_reproduced_issues_are_rejected_by_the_documented_fifo_model():
    """The documents (reliable delivery) allow none of the reproduced symptoms."""
    for _, rep in REPRODUCTIONS:
        _, records = load(SCENARIOS / rep.scenario)
        assert not replay(TransitionSystem(variant("documented")), records).ok, rep.scenario


@pytest.mark.parametrize("doc", ["docs/vtex-model.md", "README.md"])
def test_documents_table_lists_every_issue(doc):
    text = (ROOT / doc).read_text()
    for ki in CATALOGUE:
        row = next((line for line in text.splitlines() if line.startswith(f"| KI-{ki.ref} ")),
                   None)
        assert row is not None, f"{doc}: no row for KI-{ki.ref}"
        for rep in ki.reproduced:
            assert f"`{rep.scenario}`" in row and f"{rep.trace_length} steps" in row, row
        if ki.outside:
            assert "outside" in row, row
