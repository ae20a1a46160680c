"""A fingerprint of everything a check's result depends on: the key of the result cache.

A cached verdict is only as good as its key: a key that misses one input returns an old
verdict for a changed model (issue 10: a changed constant read by a guard passed CI).  So the
key covers, and refuses to exist when it cannot cover:

* the compiled model (every party's tables, messages, timers; see :func:`describe`);
* the **source bytes of every module the model loads**, transitively: the module the model
  spec names, the modules of chart classes, guards, properties and of everything they
  reference, and every module any of those imports (found in the source, so an import inside
  a function counts too), except the standard library, site-packages and ``ordercheck.checks``
  (which the code version covers);
* the **values the model reads at run time**: module globals and closure cells reachable from
  guards and properties, encoded canonically; a value that has no canonical encoding (an
  object whose only repr is its address, say) makes the model uncacheable
  (:class:`Uncacheable`), because hashing ``repr`` there would be unsound;
* ordercheck's **own code version**: a hash of the installed ``ordercheck.checks`` files, not a
  hand-bumped string, plus the Python and dependency versions;
* the options.

It never covers the time or where the checkout lives, so another checkout hits the same entry.
"""

from __future__ import annotations

import ast
import dataclasses
import enum
import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import re
import sys
import sysconfig
import types
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from .system import TransitionSystem

#: Dependencies whose behaviour the compiled model or the analyses depend on.
_DEPENDENCIES = ("python-statemachine", "networkx")

#: Module names covered by :func:`code_version` instead of by the module walk.
_ENGINE_PACKAGE = "ordercheck.checks"

#: Calls that import a module named at run time: the walk cannot see what they load.
_DYNAMIC_IMPORTS = {"import_module", "__import__", "reload", "spec_from_file_location",
                    "run_path", "exec_module"}


class Uncacheable(Exception):
    """The result depends on something the key cannot cover soundly; the message says what."""


# -- ordercheck's own version ------------------------------------------------------------------


@functools.cache
def code_version() -> str:
    """Hash of the installed ``ordercheck.checks`` package: every ``.py`` and schema file.

    Any edit to the engine is a new version, so a cache filled by an older engine (maybe with
    a bug since fixed) is never read by a newer one.  Computed once per process.
    """
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.suffix in (".py", ".json")
                       and "__pycache__" not in p.parts):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def _runtime() -> dict[str, str]:
    versions = {"python": ".".join(map(str, sys.version_info[:3]))}
    for dist in _DEPENDENCIES:
        try:
            versions[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            versions[dist] = "absent"
    return versions


# -- the compiled model --------------------------------------------------------------------------


def _code(fn: Callable[..., Any] | None) -> Any:
    code = getattr(fn, "__code__", None)
    if code is None:  # a partial, a callable object: its repr may hold an address; the
        return type(fn).__qualname__  # value walk encodes it (or refuses to)
    return _code_obj(code)


def _code_obj(code: types.CodeType) -> Any:
    return [code.co_code.hex(), [_const(c) for c in code.co_consts], list(code.co_names)]


def _const(c: Any) -> Any:
    """A code constant, canonically: a nested code object's repr holds its address, and a
    frozenset's (``x in {"a", "b"}``) its hash order, which changes from process to process."""
    if isinstance(c, types.CodeType):
        return _code_obj(c)
    if isinstance(c, frozenset):
        return ["frozenset", sorted((_const(x) for x in c), key=_canonical)]
    if isinstance(c, tuple):
        return ["tuple", [_const(x) for x in c]]
    return repr(c)


def describe(system: TransitionSystem) -> dict[str, Any]:
    """A JSON-able description of the compiled model (sorted, deterministic)."""
    wf = system.workflow
    parties = []
    for chart in system.charts:
        parties.append({
            "party": chart.party,
            "states": sorted([v, s.kind, s.parent or "", s.final, s.initial, s.defers]
                             for v, s in chart.states.items()),
            "transitions": [[t.source, t.event, t.target or "", [list(g) for g in t.guard],
                             t.internal, t.meta.actor, list(t.meta.sends), t.meta.cite]
                            for t in chart.transitions],
        })
    props = []
    for p in wf.properties:
        fields = {k: _code(getattr(p, k)) for k in ("holds", "after", "then", "trigger",
                                                     "response") if hasattr(p, k)}
        props.append({"type": type(p).__name__, "name": p.name, "severity": p.severity,
                      "code": fields,
                      "each": [sorted(inst.items()) for inst in getattr(p, "each", ())]})
    return {
        "parties": parties,
        "messages": [[m.name, m.sender, m.receiver, m.event] for m in wf.messages],
        "timers": [[t.name, t.party, t.event] for t in wf.timers],
        "guards": {name: _code(fn) for name, fn in sorted(wf.guards.items())},
        "automatic": list(wf.automatic_actors),
        "properties": props,
    }


# -- modules -----------------------------------------------------------------------------------


@functools.cache
def _library_roots() -> tuple[str, ...]:
    paths = sysconfig.get_paths()
    roots = {paths[k] for k in ("stdlib", "platstdlib") if k in paths}
    return tuple(str(Path(r).resolve()) for r in roots)


def _is_library(name: str, file: str | None) -> bool:
    """Standard library, site-packages and the engine: not part of the model's own code."""
    if name == _ENGINE_PACKAGE or name.startswith(_ENGINE_PACKAGE + "."):
        return True
    if name.startswith("ordercheck."):
        return False  # ordercheck's model package, wherever it is installed
    if file is None:
        return True  # built-in or namespace package: no source of its own
    parts = Path(file).parts
    if "site-packages" in parts or "dist-packages" in parts:
        return True
    resolved = str(Path(file).resolve())
    return any(resolved.startswith(root + "/") for root in _library_roots())


#: path -> (id of the module object, digest) for the first time this process hashed it.
_LOADED: dict[str, tuple[int, str]] = {}


def _digest(path: str) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError as exc:
        raise Uncacheable(f"cannot read {path} ({exc.strerror or exc})") from exc


def _imports(tree: ast.AST, package: str, file: str) -> Iterator[str]:
    """Every module name an import statement in ``tree`` may load (submodules included)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            base = "." * node.level + (node.module or "")
            try:
                name = importlib.util.resolve_name(base, package) if node.level else base
            except (ImportError, ValueError):
                continue  # a relative import outside a package fails at run time anyway
            yield name
            for alias in node.names:
                yield f"{name}.{alias.name}"
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in _DYNAMIC_IMPORTS:
                raise Uncacheable(f"{file}:{node.lineno} loads a module named at run time "
                                  f"({called}); the modules it loads cannot be known")


# -- the walk ----------------------------------------------------------------------------------


class _Walk:
    """Collects the sources and the run-time values a model depends on."""

    def __init__(self) -> None:
        self.sources: dict[str, str] = {}  # module name -> digest of its source file
        self.modules_seen: set[str] = set()
        self.functions: dict[int, int] = {}  # id(function) -> index in self.function_list
        self.function_list: list[Any] = []

    # modules ---------------------------------------------------------------------------------

    def module(self, name: str) -> None:
        if name in self.modules_seen:
            return
        self.modules_seen.add(name)
        if name == _ENGINE_PACKAGE or name.startswith(_ENGINE_PACKAGE + "."):
            return  # covered by code_version()
        if "." in name:
            self.module(name.rpartition(".")[0])  # a package's __init__ runs first
        mod = sys.modules.get(name)
        if mod is None:
            file, package = self._locate(name)
        else:
            file = getattr(mod, "__file__", None)
            package = getattr(mod, "__package__", None) or ""
        if _is_library(name, file) or file is None:
            return
        digest = _digest(file)
        if mod is not None:
            seen = _LOADED.get(file)
            if seen is not None and seen[0] == id(mod) and seen[1] != digest:
                raise Uncacheable(f"{file} changed after this process imported it; the "
                                  "loaded code is not the file's")
            if seen is None or seen[0] != id(mod):
                _LOADED[file] = (id(mod), digest)
        self.sources[name] = digest
        if file.endswith(".py"):
            try:
                tree = ast.parse(Path(file).read_bytes(), filename=file)
            except (SyntaxError, ValueError) as exc:
                raise Uncacheable(f"cannot parse {file} ({exc})") from exc
            for imported in sorted(set(_imports(tree, package, file))):
                self.module(imported)
        if mod is not None:
            for value in list(vars(mod).values()):  # names bound at run time, too
                if isinstance(value, types.ModuleType):
                    self.module(value.__name__)
                elif isinstance(value, type | types.FunctionType):
                    owner = getattr(value, "__module__", None)
                    if isinstance(owner, str):
                        self.module(owner)

    @staticmethod
    def _locate(name: str) -> tuple[str | None, str]:
        """Find a module nobody imported yet (an import inside a function, say)."""
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError, AttributeError):
            return None, ""
        if spec is None or not spec.has_location or spec.origin is None:
            return None, ""
        package = name if spec.submodule_search_locations is not None else name.rpartition(
            ".")[0]
        return spec.origin, package

    # values ----------------------------------------------------------------------------------

    def function(self, fn: types.FunctionType, where: str) -> Any:
        """A function by its code, defaults, closure cells and the globals it names."""
        if id(fn) in self.functions:
            return ["fn-ref", self.functions[id(fn)]]
        index = len(self.function_list)
        self.functions[id(fn)] = index
        self.function_list.append(None)  # placeholder: recursion refers to the index
        where = f"{where} ({fn.__qualname__})"
        if isinstance(fn.__module__, str):
            self.module(fn.__module__)
        code = fn.__code__
        names = sorted(set(_names(code)))
        fn_globals = fn.__globals__
        used = {}
        for name in names:
            if name in fn_globals:
                used[name] = self._global(fn_globals[name], names, f"{where}: global {name}")
        cells = {}
        for name, cell in zip(code.co_freevars, fn.__closure__ or (), strict=True):
            try:
                content = cell.cell_contents
            except ValueError:
                cells[name] = ["empty-cell"]
                continue
            cells[name] = self.value(content, f"{where}: closure variable {name}")
        self.function_list[index] = {
            "name": fn.__qualname__, "code": _code(fn), "globals": used, "cells": cells,
            "defaults": self.value(fn.__defaults__, f"{where}: defaults"),
            "kwdefaults": self.value(fn.__kwdefaults__, f"{where}: defaults")}
        return ["fn", index]

    def _global(self, value: Any, names: list[str], where: str) -> Any:
        """A global a function names; for a module or a class, the attributes it may read."""
        if isinstance(value, types.ModuleType) or (
                isinstance(value, type) and not _library_module(value.__module__)):
            attrs = {}
            space = vars(value)
            for name in names:
                if name in space and not name.startswith("__"):
                    attrs[name] = self.value(space[name], f"{where}.{name}")
            return [self.value(value, where), attrs]
        return self.value(value, where)

    def value(self, v: Any, where: str) -> Any:
        """A canonical, JSON-able encoding of ``v``; :class:`Uncacheable` when there is none."""
        if v is None or isinstance(v, bool | int | str):
            return [type(v).__name__, v]
        if isinstance(v, float):
            return ["float", repr(v)]
        if isinstance(v, bytes):
            return ["bytes", v.hex()]
        if isinstance(v, enum.Enum):
            return ["enum", self.value(type(v), where), v.name]
        if isinstance(v, tuple | list):
            return [type(v).__name__, [self.value(x, f"{where}[{k}]") for k, x in enumerate(v)]]
        if isinstance(v, set | frozenset):
            items = [self.value(x, f"{where} item") for x in v]
            return [type(v).__name__, sorted(items, key=_canonical)]
        if isinstance(v, Mapping):  # in order: a model may iterate it
            return ["mapping", [[self.value(k, f"{where} key"), self.value(x, f"{where}[{k!r}]")]
                                for k, x in v.items()]]
        if isinstance(v, re.Pattern):
            return ["pattern", self.value(v.pattern, where), v.flags]
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            return ["dataclass", self.value(type(v), where),
                    {f.name: self.value(getattr(v, f.name), f"{where}.{f.name}")
                     for f in dataclasses.fields(v)}]
        if isinstance(v, types.FunctionType):
            if _library_module(v.__module__):  # versioned with its library, not walked
                return ["libfn", v.__module__, v.__qualname__]
            return self.function(v, where)
        if isinstance(v, types.MethodType):
            return ["method", self.value(v.__func__, where), self.value(v.__self__, where)]
        if isinstance(v, functools.partial):
            return ["partial", self.value(v.func, where), self.value(v.args, where),
                    self.value(v.keywords, where)]
        if isinstance(v, type):
            self.module(v.__module__)
            return ["class", v.__qualname__, self._module_label(v.__module__)]
        if isinstance(v, types.ModuleType):
            self.module(v.__name__)
            return ["module", self._module_label(v.__name__)]
        if isinstance(v, types.BuiltinFunctionType):
            return ["builtin", getattr(v, "__module__", None) or "", v.__qualname__]
        raise Uncacheable(f"{where}: a {type(v).__module__}.{type(v).__qualname__} value has "
                          "no canonical encoding, so a change to it could not be seen")

    def _module_label(self, name: str) -> str:
        """Library modules by name; the model's own by content (its name may hold a path)."""
        return f"src:{self.sources[name]}" if name in self.sources else name


def _library_module(name: Any) -> bool:
    if not isinstance(name, str):
        return False
    return _is_library(name, getattr(sys.modules.get(name), "__file__", None))


def _names(code: types.CodeType) -> Iterator[str]:
    yield from code.co_names
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _names(const)


def _canonical(x: Any) -> str:
    return json.dumps(x, sort_keys=True, default=repr)


def spec_modules(spec: str) -> list[str]:
    """The names of the loaded modules a model spec names (where its factory lives).

    ``module:attr`` names a module; ``path.py:attr`` and ``dir:attr`` were loaded from that
    path (under a private name); ``git:REV:path:attr`` from an extracted copy of that path.
    """
    head, _, _ = spec.rpartition(":")
    if spec.startswith("git:"):
        rel = head.split(":", 2)[-1].rstrip("/")
        wanted = ("/" + rel, "/" + rel + "/__init__.py")
        return sorted(name for name, mod in list(sys.modules.items())
                      if name.startswith("_ordercheck_model_")
                      and str(getattr(mod, "__file__", "")).endswith(wanted))
    if "/" in head or head.endswith(".py"):
        path = Path(head).resolve()
        files = {str(path), str(path / "__init__.py")}
        return sorted(name for name, mod in list(sys.modules.items())
                      if str(getattr(mod, "__file__", None)) in files)
    return [head] if head in sys.modules else []


def fingerprint(system: TransitionSystem, *, roots: list[str] | None = None,
                **options: Any) -> str:
    """The cache key of checking ``system`` with ``options``; raises :class:`Uncacheable`.

    ``roots`` are the names of the modules the model was loaded from (:func:`spec_modules`);
    without one the factory's module, whose code may shape the model in ways no value
    records, is unknown, so the model is not cached.
    """
    if not roots:
        raise Uncacheable("the module the model was loaded from is unknown")
    walk = _Walk()
    try:
        for name in roots:
            walk.module(name)
        values = walk.value(system.workflow, "the model")
    except RecursionError:
        raise Uncacheable("the model's values nest too deeply to encode") from None
    blob = json.dumps({
        "code": code_version(), "runtime": _runtime(), "model": describe(system),
        "values": values, "functions": walk.function_list,
        "sources": sorted(walk.sources.values()), "options": options,
    }, sort_keys=True, default=_no_default)
    return hashlib.sha256(blob.encode()).hexdigest()


def _no_default(v: Any) -> Any:
    raise Uncacheable(f"an option value of type {type(v).__name__} has no canonical encoding")
