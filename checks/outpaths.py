"""Output paths given by the user: checked before the run, written with the option named.

Why: an output path is user input like any other.  A path that is a file where a directory is
expected (or the reverse), a missing parent or a read-only place must be exit 2 naming the
option — not a traceback at the end of a long exploration reported as ordercheck's defect.

Policy (documented in the README): missing parent directories are **created**, as ``mkdir
-p`` would; an existing path of the wrong kind is refused; nothing is deleted.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from .errors import UsageError


def _reason(exc: OSError) -> str:
    return exc.strerror or type(exc).__name__


@contextlib.contextmanager
def writing(option: str, path: Path | str) -> Iterator[None]:
    """Turn an OSError while writing ``path`` into a UsageError naming ``option``."""
    try:
        yield
    except OSError as exc:
        where = exc.filename or path
        raise UsageError(f"{option} {str(path)!r}: cannot write {where} "
                         f"({_reason(exc)})") from None


def _not_empty(option: str, path: Path | str) -> None:
    if not str(path).strip():  # Path("") is ".": an empty option would write to the cwd
        raise UsageError(f"{option} {str(path)!r}: empty path")


def out_dir(option: str, path: Path | str) -> Path:
    """Make sure ``path`` is a writable directory (created with its parents if missing)."""
    _not_empty(option, path)
    p = Path(path)
    if p.exists() and not p.is_dir():
        raise UsageError(f"{option} {str(path)!r}: exists and is not a directory")
    with writing(option, p):
        p.mkdir(parents=True, exist_ok=True)
    if not os.access(p, os.W_OK):
        raise UsageError(f"{option} {str(path)!r}: directory is not writable")
    return p


def out_file(option: str, path: Path | str) -> Path:
    """Make sure ``path`` can be written as a file (its parent created if missing)."""
    _not_empty(option, path)
    p = Path(path)
    if p.is_dir():
        raise UsageError(f"{option} {str(path)!r}: is a directory, expected a file")
    if p.parent.exists() and not p.parent.is_dir():
        raise UsageError(f"{option} {str(path)!r}: {p.parent} is not a directory")
    with writing(option, p):
        p.parent.mkdir(parents=True, exist_ok=True)
    if (p.exists() and not os.access(p, os.W_OK)) or not os.access(p.parent, os.W_OK):
        raise UsageError(f"{option} {str(path)!r}: not writable")
    return p


def write_text(option: str, path: Path | str, text: str, *, append: bool = False) -> None:
    """Write (or append) ``text``; failures name ``option``."""
    with writing(option, path), open(path, "a" if append else "w", encoding="utf-8") as fh:
        fh.write(text)
