"""Diagrams: derived from the model, deterministic, drift-checked, rendered, capped."""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ordercheck.checks.analyses import analyse
from ordercheck.checks.cli import main
from ordercheck.checks.explore import explore
from ordercheck.checks.system import TransitionSystem
from ordercheck.diagrams import dot, flow, joint, mermaid, render
from ordercheck.diagrams.job import write_all
from ordercheck.model.vtex import documented, observed
from ordercheck.model.vtex.catalog import ENTRY as VTEX

from . import mutants
from .toys import n_sellers

ROOT = Path(__file__).parent.parent
COMMITTED = ROOT / "docs" / "diagrams"
needs_dot = pytest.mark.skipif(not render.available(), reason="graphviz dot not installed")


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    out = tmp_path_factory.mktemp("diagrams")
    write_all(out, VTEX, render=False)
    return out


def test_committed_diagrams_are_current(fresh):
    """Drift check: `make run` (or `ordercheck diagrams`) regenerates docs/diagrams."""
    names = sorted(p.name for p in fresh.iterdir())
    assert names == sorted(p.name for p in COMMITTED.iterdir()
                           if p.suffix in (".dot", ".mmd"))
    stale = [n for n in names if (fresh / n).read_text() != (COMMITTED / n).read_text()]
    assert stale == [], "regenerate with: ordercheck diagrams --out docs/diagrams"


def test_output_is_byte_identical_across_runs(fresh, tmp_path):
    write_all(tmp_path, VTEX, render=False)
    for p in fresh.iterdir():
        assert (tmp_path / p.name).read_bytes() == p.read_bytes(), p.name


def test_decline_flow_reads_like_the_docs():
    g = flow.flow(documented(), VTEX.flow)
    labels = {n.id: n.label for n in g.nodes}
    assert [c.label for c in g.clusters] == ["Shopper", "Marketplace and customer care service",
                                             "Seller"]
    assert labels["s1"] == "1\nRequest cancel"
    # DCL step 2: "the order status for the marketplace is `waiting for seller decision`"
    assert labels["s2"] == "2\nSends cancel request\n(waiting-for-seller-decision)"
    assert labels["s3"] == "3\nCancellation window?"
    assert labels["s4"].startswith("4\nSeller accepts cancel request?")
    assert labels["s6"].startswith("6\nOrder moves on in order flow\nto be fulfilled")
    edges = {(e.source, e.target, e.label.split("\n")[0]) for e in g.edges}
    assert {("s3", "canceled", "Yes"), ("s3", "s4", "No"), ("s4", "canceled", "Yes"),
            ("s4", "s5", "No"), ("s5", "s6", "")} <= edges
    assert not [n for n in g.nodes if n.id.startswith("stuck")]


def test_observed_flow_highlights_the_stuck_lane_end():
    g = flow.flow(observed(), VTEX.flow)
    (stuck,) = [n for n in g.nodes if n.id.startswith("stuck")]
    assert stuck.label.startswith("cancellation-request-denied-ffm\n(stuck: no way out)")
    assert stuck.color == flow.STUCK
    (edge,) = [e for e in g.edges if e.target == stuck.id]
    assert edge.label == "seller decline\n[seller_request_is_own]"  # its own request only


def test_statechart_draws_may_transitions_dotted_with_a_legend():
    from ordercheck.checks.chart import compile_chart
    from ordercheck.diagrams.statechart import statechart

    wf = documented()
    seller = next(p for p in wf.parties if p.name == "seller")
    g = statechart(compile_chart("seller", seller.chart))
    dotted = sorted(e.label for e in g.edges if e.style == "dotted")
    assert dotted == [
        "authorization_timeout / send seller-cancellation (may)",
        "cancel / send seller-cancellation (may)",
        "cancel / send seller-cancellation (may)",
        "cancel_requested / send cancellation-request-received (may)",
        "cancel_requested / send cancellation-request-received, seller-cancellation (may)",
        "decision_timeout [seller_request_is_own] / send seller-cancellation (may)",
        "marketplace_canceled (may)",
    ]
    assert any("dotted, '(may)': inferred" in n for n in g.notes)


def test_a_changed_model_changes_the_flow():
    """A model without the in-window auto-cancel has no 'Cancellation window?' branch."""
    before = dot.to_dot(flow.flow(documented(), VTEX.flow))
    wf = documented()  # fresh classes: the mutation below edits this copy only
    seller = next(p for p in wf.parties if p.name == "seller").chart
    _without(seller, source="window-to-cancel", event="cancel_requested")
    after = dot.to_dot(flow.flow(wf, VTEX.flow))
    assert "Cancellation window?" in before
    assert "Cancellation window?" not in after
    assert "Seller accepts cancel request?" in after


def _without(chart, *, source, event):
    """The same chart class minus one transition (found by source status and event)."""
    for state in chart.states_map.values():
        for t in list(state.transitions):
            if str(state.value) == source and event in [str(e) for e in t.events]:
                state.transitions.transitions.remove(t)
    return chart


def test_mutant_decline_without_notification_loses_steps_5_and_6():
    g = flow.flow(mutants.mutant("decline_notifies_marketplace"), VTEX.flow)
    ids = {n.id for n in g.nodes}
    assert "s4" in ids and "s5" not in ids and "s6" not in ids


MERMAID_LINE = re.compile(
    r"^(flowchart (LR|TB)|stateDiagram-v2|sequenceDiagram|%%.*"
    r"|\s+subgraph n_\w+\[\".*\"\]|\s+end"
    r"|\s+n_\w+(\[|\(|\{|\(\(|\(\(\()\".*\"(\]|\)|\}|\)\)|\)\)\))"
    r"|\s+n_\w+ (-->|-\.->|==>)(\|\".*\"\|)? n_\w+"
    r"|\s+style n_\w+ [a-z:#0-9,]+"
    r"|\s+state \".*\" as \w+( \{)?|\s+\}|\s+\[\*\] --> \w+|\s+\w+ --> \[\*\]"
    r"|\s+\w+ --> \w+ : .+"
    r"|\s+participant \w+ as [\w-]+"
    r"|\s+\w+(->>|-\))\w+: .+|\s+Note (over|right of) \w+(,\w+)?: .+)$")


def test_mermaid_output_parses_line_by_line(fresh):
    for path in sorted(fresh.glob("*.mmd")):
        for lineno, line in enumerate(path.read_text().splitlines(), start=1):
            assert MERMAID_LINE.match(line), f"{path.name}:{lineno}: {line!r}"


@needs_dot
def test_svg_render_holds_the_expected_labels(tmp_path):
    svg = render.render(dot.to_dot(flow.flow(documented(), VTEX.flow)), "svg")
    root = ET.fromstring(svg)
    texts = " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    for label in ("Request cancel", "Cancellation window?", "Seller accepts cancel request?",
                  "Receives deny cancel request", "Order is canceled", "Shopper", "Seller"):
        assert label in texts


@needs_dot
def test_large_graph_is_capped_and_layout_is_bounded():
    wf = n_sellers(4)  # 4,803 states, no finding: the error subgraph is the initial state
    graph = explore(TransitionSystem(wf))
    g = joint.joint_graph(graph, analyse(graph, ()), cap=300)
    assert g.notes[0] == ("4803 states exceed the cap of 300: showing the error subgraph (1 "
                          "states: shortest paths to each finding and their neighbours); 4802 "
                          "states dropped")
    obs = observed()
    dup = explore(TransitionSystem(obs, delivery="duplicate"))  # 3,007 states, many findings
    q = joint.joint_graph(dup, analyse(dup, obs.properties), cap=30)
    assert q.notes[0].startswith("3031 states exceed the cap of 30: showing the quotient by "
                                 "(marketplace, seller) status")
    assert len([n for n in q.nodes if not n.id.startswith("legend")]) <= 70
    source = dot.to_dot(q)
    started = time.perf_counter()
    with pytest.raises(render.RenderError, match=r"did not finish within 0\.01s"):
        render.render(dot.to_dot(joint.joint_graph(graph, analyse(graph, ()), cap=10_000)),
                      "svg", timeout=0.01)
    assert time.perf_counter() - started < 5
    assert render.render(source, "svg", timeout=60).startswith(b"<?xml")


def test_joint_graph_colours_bad_states():
    wf = observed()
    graph = explore(TransitionSystem(wf))
    g = joint.joint_graph(graph, analyse(graph, wf.properties))
    fills = {n.fill for n in g.nodes if not n.id.startswith("legend")}
    assert {joint.COLORS["deadlock"], joint.COLORS["doomed"], joint.COLORS["final"]} <= fills
    assert g.notes == ["all 110 states (cap 300)"]
    assert "legend" in [c.id for c in g.clusters]


def test_mermaid_flowchart_of_the_flow():
    text = mermaid.to_mermaid(flow.flow(documented(), VTEX.flow))
    assert text.splitlines()[1] == "flowchart LR"
    assert 'n_s3{"3<br/>Cancellation window?"}' in text


def test_diagrams_trace_command(tmp_path, capsys):
    trace = ROOT / "model" / "vtex" / "scenarios" / "ki-1004978.jsonl"
    assert main(["diagrams", "--trace", str(trace), "--out", str(tmp_path),
                 "--no-render"]) == 0
    mmd = (tmp_path / "ki-1004978.mmd").read_text()
    assert "marketplace-)seller: 17. cancel-request (sent at 16) [ignored]" not in mmd
    assert "marketplace-)seller: 17. cancel-request [ignored]" in mmd
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"kind": "fire"}\n')
    assert main(["diagrams", "--trace", str(bad), "--out", str(tmp_path)]) == 2
    assert f"{bad}:1" in capsys.readouterr().err
