"""The result cache: rendered check outputs keyed by the fingerprint of their inputs.

One JSON file per key under the cache directory (default ``.ordercheck/cache``).  Entries are
immutable (the key covers the model's code and values, ordercheck's own code and every
option; see :mod:`.fingerprint`), so the cache is safe to delete or to restore from an older
run at any time and needs no invalidation.  Reading never fails a check: an unreadable,
corrupt or incomplete entry is a miss, and a cache that cannot be written is skipped.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any


class Cache:
    """A directory of entries; ``required`` maps each field an entry must have to its type."""

    def __init__(self, root: Path, required: Mapping[str, type] | None = None) -> None:
        self.root = root
        self.required = dict(required or {})

    def _path(self, key: str) -> Path:
        return self.root / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        """The entry for ``key``, or None when there is none or it is not a whole entry."""
        try:
            value = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError):  # RecursionError: "[[[[..." nesting
            return None
        if not isinstance(value, dict):
            return None
        if any(not isinstance(value.get(field), kind) for field, kind in self.required.items()):
            return None
        return value

    def put(self, key: str, value: dict[str, Any]) -> None:
        tmp = ""
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.root, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(value, fh, sort_keys=True)
            os.replace(tmp, self._path(key))  # atomic: readers never see half an entry
        except OSError:
            if tmp:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
            # a read-only checkout still checks, just without caching
