"""Import contracts: the layering the architecture promises, enforced on the source.

Layers, top to bottom (a module may import only its own layer or lower ones):

1. front ends: ``checks.cli`` (and its package), ``checks.pytest_plugin``, ``checks.__main__``,
   ``checks.synopsis`` (the README synopsis, read from the CLI's parsers)
2. ``diagrams``
3. ``checks.conformance``
4. the engine: every other module of ``checks``

And across layers: nothing in ``checks`` or ``diagrams`` imports ``model`` (a model is loaded
by name at run time, like any user model).  Read from the AST, so a lazy import inside a
function counts as much as one at the top.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"checks": "ordercheck.checks", "diagrams": "ordercheck.diagrams",
            "model": "ordercheck.model"}
FRONT = ("ordercheck.checks.cli", "ordercheck.checks.pytest_plugin",
         "ordercheck.checks.__main__", "ordercheck.checks.synopsis")


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    parts[0] = PACKAGES[parts[0]]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer(module: str) -> int:
    if module.startswith(FRONT):
        return 1
    if module.startswith("ordercheck.diagrams"):
        return 2
    if module.startswith("ordercheck.checks.conformance"):
        return 3
    if module.startswith("ordercheck.checks"):
        return 4
    return 0  # model, tests, third party: not layered here


def imports(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module) for every import in the file."""
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            out.append((node.lineno, target))
            # ``from . import x`` imports the submodule x
            out += [(node.lineno, f"{target}.{a.name}") for a in node.names
                    if not node.module]
    return out


SOURCES = sorted(p for top in ("checks", "diagrams") for p in (ROOT / top).rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_layers(path):
    me = module_name(path)
    bad = []
    for line, target in imports(path):
        if not target.startswith("ordercheck."):
            continue
        if target.startswith("ordercheck.model"):
            bad.append(f"line {line}: imports the model {target}")
        elif layer(target) and layer(target) < layer(me):
            bad.append(f"line {line}: {me} (layer {layer(me)}) imports {target} "
                       f"(layer {layer(target)})")
    assert bad == []


def test_the_contract_can_fail(tmp_path):
    """The checker itself: an engine module importing the CLI or the model is caught."""
    fake = ROOT / "checks" / "_contract_probe.py"
    fake.write_text("from .cli import main\nimport ordercheck.model.vtex\n")
    try:
        me = module_name(fake)
        found = [t for _, t in imports(fake)]
        assert found == ["ordercheck.checks.cli", "ordercheck.model.vtex"]
        assert layer(me) == 4 and layer(found[0]) == 1
    finally:
        fake.unlink()
