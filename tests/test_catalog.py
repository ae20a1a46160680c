"""Models are found through the ``ordercheck.models`` entry points; nothing generic names VTEX.

The VTEX model registers its catalog entry in pyproject.toml; the CLI's ``--variant`` choices,
the report job and the diagrams come from it.  A second model plugs in with an entry of its
own — here the ping-pong toy, drawn by the same diagram job with no VTEX in sight.
"""

from __future__ import annotations

import importlib.metadata

import pytest

from ordercheck.checks import catalog
from ordercheck.checks.catalog import ModelEntry
from ordercheck.checks.cli import VARIANTS, build_parser
from ordercheck.diagrams.job import write_all


def test_the_vtex_model_is_installed_through_its_entry_point():
    entries = catalog.installed()
    assert list(entries) == ["vtex"]
    vtex = entries["vtex"]
    assert vtex.variants == VARIANTS == (
        "documented", "observed", "documented_receipt_clock", "observed_receipt_clock")
    assert vtex.report_variants == ("documented", "observed")
    assert build_parser().parse_args(["check"]).variant == vtex.default_variant


def test_builtin_specs_are_what_a_trace_header_may_name():
    specs = catalog.builtin_specs()
    assert specs["observed"] == "ordercheck.model.vtex:observed"
    assert specs["ordercheck.model.vtex:observed"] == "ordercheck.model.vtex:observed"
    assert "tests.toys:ping_pong" not in specs


TOY = ModelEntry(name="toy", module="tests.toys", variants=("ping_pong",),
                 default_variant="ping_pong", report_variants=("ping_pong",))


def test_another_model_plugs_into_the_diagram_job(tmp_path):
    written = write_all(tmp_path, TOY, render=False)
    assert sorted(p.name for p in written) == ["joint-ping_pong.dot", "joint-ping_pong.mmd"]
    assert "idle" in (tmp_path / "joint-ping_pong.dot").read_text()


def test_a_broken_entry_point_is_named(monkeypatch):
    class FakeEP:
        name, value = "broken", "somewhere:THING"

        def load(self):
            return object()

    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: [FakeEP()])
    with pytest.raises(TypeError, match="entry point broken = somewhere:THING is not a "
                                        "ModelEntry"):
        catalog.installed()


def test_an_http_adapter_needs_the_models_http_binding():
    """Routes are the model's knowledge (its catalog entry), not the adapter's."""
    from ordercheck.checks.conformance.adapter import adapter_factory
    from ordercheck.checks.errors import UsageError

    with pytest.raises(UsageError, match="the model declares no HTTP binding"):
        adapter_factory("http://127.0.0.1:9")
    assert catalog.entry_for("ordercheck.model.vtex:observed").http is not None
    assert catalog.entry_for("tests.toys:ping_pong") is None
    assert catalog.entry_for(None) is catalog.default_entry()
