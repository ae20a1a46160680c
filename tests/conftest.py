"""Shared test setup."""

import pytest

pytest_plugins = ["pytester"]


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own result cache, so no test sees another's results."""
    monkeypatch.setenv("ORDERCHECK_CACHE", str(tmp_path_factory.mktemp("cache")))
