"""Validate JSON against ordercheck's published schemas, offline.

Why: the schemas (``checks/schemas/*.json``) have ``https://ordercheck.dev/schemas/...`` ids
and ``$ref`` each other by those ids.  A plain ``jsonschema.validate`` does not know that
address and would try to fetch it (or fail) — CI machines are often offline.  This module
builds a ``referencing`` registry over the local files shipped with the package, so every
``$ref`` resolves from disk, and any other remote reference is refused rather than fetched::

    from ordercheck.checks.validate import validate, validator
    validate(json.load(open("out/report.json")), "check-report")   # raises on a violation
    errors = list(validator("trace-step").iter_errors(line))
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
#: The published schemas, by short name (file name without ``.schema.json``).
SCHEMA_NAMES = tuple(sorted(p.name.removesuffix(".schema.json")
                            for p in SCHEMA_DIR.glob("*.schema.json")))


def _no_network(uri: str) -> Resource[Any]:
    """Registry fallback: a reference to anything not shipped is an error, never a fetch."""
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]  # attrs class, untyped init


@cache
def registry() -> Registry[Any]:
    """Every shipped schema, under its ``$id`` and its file name."""
    resources = []
    for path in sorted(SCHEMA_DIR.glob("*.schema.json")):
        resource = Resource.from_contents(json.loads(path.read_text(encoding="utf-8")))
        resources.append((resource.id() or path.name, resource))
    return Registry(retrieve=_no_network).with_resources(resources)  # type: ignore[call-arg]


def schema(name: str) -> dict[str, Any]:
    """The schema called ``name`` (``check-report``, ``trace-step``, ``vector``,
    ``process-adapter``); an unknown name is a ValueError listing the known ones."""
    short = name.removesuffix(".json").removesuffix(".schema")
    if short not in SCHEMA_NAMES:
        raise ValueError(f"no schema {name!r}; known: {', '.join(SCHEMA_NAMES)}")
    loaded: dict[str, Any] = json.loads(
        (SCHEMA_DIR / f"{short}.schema.json").read_text(encoding="utf-8"))
    return loaded


def validator(name: str) -> jsonschema.Draft202012Validator:
    """A validator for schema ``name`` whose references resolve from the local files."""
    return jsonschema.Draft202012Validator(schema(name), registry=registry())


def validate(instance: Any, name: str) -> None:
    """Raise ``jsonschema.ValidationError`` (the best match) when ``instance`` breaks
    schema ``name``."""
    error = jsonschema.exceptions.best_match(validator(name).iter_errors(instance))
    if error is not None:
        raise error
