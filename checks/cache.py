"""The result cache: rendered check outputs keyed by the model's fingerprint.

One JSON file per key under the cache directory (default ``.ordercheck/cache``).  Entries are
immutable (the key covers the model and every option), so the cache is safe to delete at any
time and needs no invalidation beyond the fingerprint.  A corrupt entry is a miss.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


class Cache:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        try:
            value = json.loads(self._path(key).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return value if isinstance(value, dict) else None

    def put(self, key: str, value: dict[str, Any]) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.root, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(value, fh, sort_keys=True)
            os.replace(tmp, self._path(key))  # atomic: readers never see half an entry
        except OSError:
            pass  # a read-only checkout still checks, just without caching
