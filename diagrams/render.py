"""DOT -> SVG/PNG with graphviz's ``dot``, under a timeout (dot can run for minutes on big
graphs: dependency notes §4).  The only module that runs a program.

The ``graphviz`` package finds and identifies the executable; the layout itself runs through
``subprocess`` because ``graphviz.pipe()`` has no timeout (0.21).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import graphviz


class RenderError(RuntimeError):
    pass


def available() -> bool:
    """True when graphviz's ``dot`` runs (checked with the graphviz package)."""
    try:
        graphviz.version()
    except (graphviz.ExecutableNotFound, OSError, RuntimeError):
        return False
    return True


def render(dot_source: str, fmt: str, *, timeout: float = 30.0, engine: str = "dot") -> bytes:
    """Lay out and draw; raises :class:`RenderError` on a missing ``dot``, error or timeout."""
    exe = shutil.which(engine)
    if exe is None:
        raise RenderError(f"graphviz '{engine}' not found: apt-get install graphviz")
    try:
        done = subprocess.run([exe, f"-T{fmt}"], input=dot_source.encode(),
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise RenderError(f"{engine} did not finish within {timeout:g}s; the DOT source is "
                          "kept, draw it with sfdp or a smaller cap") from None
    if done.returncode != 0:
        raise RenderError(f"{engine} failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout


def write(dot_source: str, path: Path, fmt: str, *, timeout: float = 30.0) -> Path:
    out = path.with_suffix(f".{fmt}")
    out.write_bytes(render(dot_source, fmt, timeout=timeout))
    return out
