"""ordercheck: model checker and spec-test harness for marketplace x seller order workflows.

The code lives in three folders installed as subpackages (``checks``, ``diagrams``,
``model``; see ``[tool.setuptools]`` in pyproject.toml).  This tiny package exists so that
``ordercheck`` is a regular package with a ``__main__`` — ``python -m ordercheck`` — and a
version, instead of a namespace package that can have neither.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ordercheck")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "unknown"
