"""The models installed with ordercheck, found through the ``ordercheck.models`` entry points.

A model package describes itself with one :class:`ModelEntry` — its variants, which of them the
main job (``ordercheck report``) checks, and what its diagrams need (parties to draw, the roles
of the docs' decline flow, scenario traces) — and registers it::

    [project.entry-points."ordercheck.models"]
    vtex = "ordercheck.model.vtex.catalog:ENTRY"

So the engine, the CLI and the diagrams know *no* model by name: ``--variant`` lists what is
installed, and a second model package plugs in without a change here.  Loading an entry point
runs code of an *installed* package (the user's choice), never code named by a data file.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["ENTRY_POINT_GROUP", "FlowRoles", "HttpBinding", "ModelEntry", "Scenario",
           "builtin_specs", "default_entry", "entry_for", "installed"]

ENTRY_POINT_GROUP = "ordercheck.models"


@dataclass(frozen=True, slots=True, kw_only=True)
class FlowRoles:
    """Who plays which part in a "declining order cancellation"-style flow diagram."""

    requester: str  # the actor who asks for the cancellation ("shopper")
    first: str  # the party the request is made at ("marketplace")
    second: str  # the party that decides ("seller")
    automatic: str  # the actor of pass-through steps ("platform")
    lanes: tuple[tuple[str, str], ...]  # (lane id, label), left to right


@dataclass(frozen=True, slots=True, kw_only=True)
class Scenario:
    """A trace shipped with the model, drawn as a sequence diagram by the main job."""

    name: str
    path: Path
    title: str


@dataclass(frozen=True, slots=True, kw_only=True)
class HttpBinding:
    """How the model's commands map to an implementation's HTTP API (``--adapter http://``).

    ``routes``: (party, event) -> (path template with ``{id}``, JSON body) for the commands a
    person or client calls; ``timers``: events the adapter fires through the test hook
    ``POST /_test/orders/{id}/timers/{event}``; deliveries go through
    ``POST /_test/orders/{id}/deliver/{party}/{message}``.  A command with no route is
    refused."""

    parties: tuple[str, ...]
    routes: Mapping[tuple[str, str], tuple[str, Mapping[str, Any]]]
    timers: frozenset[str] = frozenset()
    status_path: str = "/{party}/api/oms/pvt/orders/{id}"  # GET -> {"status": ...}
    create_path: str = "/orders"  # POST -> {"orderId": ...}
    automatic: frozenset[str] = frozenset({"platform"})


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelEntry:
    name: str
    module: str  # the module whose attributes are the variants (zero-argument factories)
    variants: tuple[str, ...]
    default_variant: str
    #: the variants ``ordercheck report`` checks (under every delivery mode)
    report_variants: tuple[str, ...] = ()
    #: statecharts: each party drawn from ``compare[0]`` with ``compare[1]``'s additions
    parties: tuple[str, ...] = ()
    compare: tuple[str, str] | None = None
    flow: FlowRoles | None = None
    #: variants whose deadlocks are drawn as sequence diagrams
    sequence_variants: tuple[str, ...] = ()
    scenarios: tuple[Scenario, ...] = ()
    #: ``ordercheck logs``: the variant recorded orders are judged against by default, and the
    #: status classifier (``module:function``: status id -> modelled / known outside the flow)
    log_variant: str = ""
    status_classifier: str = ""
    #: the HTTP API an implementation of this model exposes, for ``--adapter http://``
    http: HttpBinding | None = None
    #: actor -> colour of its transitions in statecharts
    actor_colors: Mapping[str, str] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)

    def spec(self, variant: str) -> str:
        return f"{self.module}:{variant}"


def installed() -> dict[str, ModelEntry]:
    """Every registered model, by entry-point name (sorted: deterministic)."""
    out: dict[str, ModelEntry] = {}
    for ep in sorted(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP),
                     key=lambda e: e.name):
        entry = ep.load()
        if not isinstance(entry, ModelEntry):
            raise TypeError(f"entry point {ep.name} = {ep.value} is not a ModelEntry")
        out[ep.name] = entry
    return out


def default_entry() -> ModelEntry | None:
    """The model ``--variant`` refers to: the first installed one (``vtex`` here)."""
    entries = installed()
    return next(iter(entries.values()), None)


def builtin_specs() -> dict[str, str]:
    """What a user or a trace header may name without ``--model``: each variant of the default
    model by its short name, and every variant of every installed model as ``module:variant``."""
    out: dict[str, str] = {}
    default = default_entry()
    for entry in installed().values():
        for variant in entry.variants:
            out[entry.spec(variant)] = entry.spec(variant)
            if entry is default:
                out[variant] = entry.spec(variant)
    return out


def entry_for(spec: str | None) -> ModelEntry | None:
    """The installed model a spec names (``module:variant`` or a variant of the default
    model), else the default model (what a bare ``vectors run`` is about)."""
    default = default_entry()
    if spec is None:
        return default
    for entry in installed().values():
        if spec.partition(":")[0] == entry.module or (
                entry is default and spec in entry.variants):
            return entry
    return None
