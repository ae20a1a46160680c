"""The one loader of user objects named on the command line: models and adapters.

Why one: ``--model`` and ``--adapter python:`` name user code the same ways, and two loaders
drifted (one could import a file's sibling modules, one named errors under an internal
module name).  Spec forms:

* ``module:attr`` — imported with the current directory importable (as pytest does);
* ``path/to/file.py:attr`` or ``path/to/package:attr`` — imported under a name of its own,
  with the file's directory importable while it runs (so it can import its siblings);
* ``git:REV:path:attr`` — ``path`` as it was at git revision ``REV`` of the repository
  around the current directory.

Failures are :class:`UsageError` (a spec that names nothing) or :class:`UserCodeError` (the
user's module raised while importing, ``SystemExit`` included), each prefixed by ``where``
(e.g. ``--model 'x.py:wf'``) so the message names the option as the user wrote it.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import io
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from . import usercode
from .errors import UsageError, UserCodeError


def _load_path(path: Path, where: str) -> Any:
    """Import a module file or package directory by path, under a name of its own."""
    tag = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:12]
    name = f"_ordercheck_model_{tag}"
    if name in sys.modules:
        return sys.modules[name]
    if path.is_dir():
        location = path / "__init__.py"
        ispec = importlib.util.spec_from_file_location(
            name, location, submodule_search_locations=[str(path)])
    else:
        ispec = importlib.util.spec_from_file_location(name, path)
    if ispec is None or ispec.loader is None or not (path.is_dir() or path.is_file()):
        raise UsageError(f"{where}: no module at {path}")
    module = importlib.util.module_from_spec(ispec)
    sys.modules[name] = module
    # the file's directory is importable while it runs, so it can import sibling modules
    folder = str(path.resolve().parent)
    added = folder not in sys.path
    if added:
        sys.path.insert(0, folder)
    try:
        usercode.calling(f"{where}: importing {path}", ispec.loader.exec_module, module)
    except UserCodeError:
        del sys.modules[name]
        raise
    finally:
        if added and folder in sys.path:
            sys.path.remove(folder)
    return module


_CHECKOUTS: list[tempfile.TemporaryDirectory[str]] = []


def _git_checkout(rev: str, path: str, where: str) -> Path:
    """Extract ``path`` at git revision ``rev`` (of the repository around the cwd)."""
    try:
        top = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True,
                             text=True, check=True).stdout.strip()
        rel = subprocess.run(["git", "rev-parse", "--show-prefix"], capture_output=True,
                             text=True, check=True).stdout.strip()
        blob = subprocess.run(["git", "-C", top, "archive", "--format=tar", rev, "--",
                               rel + path], capture_output=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        if isinstance(detail, bytes):
            detail = detail.decode(errors="replace")
        raise UsageError(f"{where}: cannot read {path} at {rev} "
                         f"({detail.strip() or exc})") from exc
    tmp = tempfile.TemporaryDirectory(prefix="ordercheck-rev-")
    _CHECKOUTS.append(tmp)
    with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
        tar.extractall(tmp.name, filter="data")
    return Path(tmp.name) / rel / path


def load_attribute(spec: str, where: str) -> tuple[Any, str]:
    """The object ``spec`` names, and its attribute name."""
    if spec.startswith("git:"):
        _, rev, rest = spec.split(":", 2) if spec.count(":") >= 3 else (None, "", "")
        path, sep, attr = rest.rpartition(":")
        if not rev or not sep or not path:
            raise UsageError(f"{where}: expected git:REV:path:attribute")
        module = _load_path(_git_checkout(rev, path, where), where)
        return getattr_or_fail(module, attr, where, path), attr
    head, sep, attr = spec.rpartition(":")
    if sep and ("/" in head or head.endswith(".py")):
        return getattr_or_fail(_load_path(Path(head), where), attr, where, head), attr
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise UsageError(f"{where}: expected 'module:attribute'")
    if os.getcwd() not in sys.path:  # like pytest and uvicorn: user modules from the cwd
        sys.path.insert(0, os.getcwd())
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and (module_name + ".").startswith(exc.name + "."):  # not one it imports
            raise UsageError(f"{where}: cannot import {module_name!r} ({exc})") from None
        raise UserCodeError(f"{where}: importing {module_name!r}", exc,
                            usercode.user_frames(exc)) from exc
    except BaseException as exc:  # a malformed chart fails at class definition, on import
        raise UserCodeError(f"{where}: importing {module_name!r}", exc,
                            usercode.user_frames(exc)) from exc
    return getattr_or_fail(module, attr, where, module_name), attr


def getattr_or_fail(module: Any, attr: str, where: str, shown: str) -> Any:
    """``module.attr``; a missing one is named as the user wrote it (``shown``), not under
    the internal name a file was imported as."""
    try:
        return getattr(module, attr)
    except AttributeError:
        raise UsageError(f"{where}: {shown} has no attribute {attr!r}") from None
