"""Seeded-defect VTEX models, made by patching the model's source (as mutation-testing tools
do), so the shipped model carries no defect switch.

Each mutant is a list of (file in ``model/vtex/``, text, replacement); the text must occur
exactly once, so a change to the model that moves it fails loudly here instead of silently
testing the unmutated model.  :func:`mutant` copies the package to a temporary directory,
applies the patches, imports the copy under a private name and returns its ``documented()``.
"""

from __future__ import annotations

import importlib
import shutil
import sys
import tempfile
from pathlib import Path

from ordercheck.checks.protocol import Workflow

MODEL = Path(__file__).resolve().parent.parent / "model" / "vtex"

PATCHES: dict[str, list[tuple[str, str, str]]] = {
    # DCL: "If within 30 days the seller takes no action ..., automatically canceled": gone.
    "no_decision_timer": [
        ("workflow.py", "        timers=TIMERS,",
         "        timers=tuple(t for t in TIMERS if t.event != 'decision_timeout'),"),
        ("seller.py", "        decision_timeout = (",
         "        if False:  # the mutation: the transitions are never declared\n"
         "          decision_timeout = ("),
    ],
    # DCL step 4 / OCI: the deny endpoint no longer checks the marketplace's status.
    "decline_checks_marketplace": [
        ("seller.py", 'fulfilling.previous, cond=p.g("marketplace_awaits_decision")),',
         "fulfilling.previous),"),
    ],
    # DCL: after a decline the seller goes to `fulfilling`'s initial status, not back.
    "decline_restores_previous_status": [
        ("seller.py", 'fulfilling.previous, cond=p.g("marketplace_awaits_decision")),',
         'fulfilling, cond=p.g("marketplace_awaits_decision")),'),
    ],
    # DCL step 5: the decline no longer notifies the marketplace.
    "decline_notifies_marketplace": [
        ("seller.py", '            sends=p.m("cancellation-denied"),\n', ""),
    ],
    # HTC / CUST: an invoiced seller order can still be canceled.
    "invoiced_is_final": [
        ("seller.py", 'invoiced = State("Invoiced", value="invoiced", final=True)',
         'invoiced = State("Invoiced", value="invoiced", final=False)'),
        ("seller.py", "    return SellerOrder",
         "        cancel |= transition(invoiced.to(canceling), actor=SELLER,\n"
         "                             sends='seller-cancellation', cite='mutant')\n\n"
         "    return SellerOrder"),
    ],
}

_BUILT: dict[str, Workflow] = {}


class PatchDoesNotApply(AssertionError):
    pass


def patched_package(name: str, root: Path) -> str:
    """Copy ``model/vtex`` under ``root`` with ``name``'s patches; the package's name."""
    package = f"_vtex_mutant_{name}"
    target = root / package
    shutil.copytree(MODEL, target, ignore=shutil.ignore_patterns("__pycache__", "scenarios"))
    for file, old, new in PATCHES[name]:
        path = target / file
        text = path.read_text(encoding="utf-8")
        if text.count(old) != 1:
            raise PatchDoesNotApply(f"mutant {name}: {file} has {text.count(old)} copies of "
                                    f"{old!r} (expected 1): update tests/mutants.py")
        path.write_text(text.replace(old, new), encoding="utf-8")
    return package


def mutant(name: str) -> Workflow:
    """The documented VTEX model with ``name``'s seeded defect."""
    if name not in _BUILT:
        root = Path(tempfile.mkdtemp(prefix="ordercheck-mutant-"))
        package = patched_package(name, root)
        sys.path.insert(0, str(root))
        try:
            module = importlib.import_module(package)
        finally:
            sys.path.remove(str(root))
        from dataclasses import replace

        _BUILT[name] = replace(module.documented(), name=f"mutant-{name}")
    return _BUILT[name]
