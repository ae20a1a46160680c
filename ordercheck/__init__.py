"""ordercheck: model checker and spec-test harness for marketplace x seller order workflows.

The code lives in three folders installed as subpackages (``checks``, ``diagrams``,
``model``; see ``[tool.setuptools]`` in pyproject.toml).  This tiny package exists so that
``ordercheck`` is a regular package with a ``__main__`` — ``python -m ordercheck`` — and a
version, instead of a namespace package that can have neither.
"""

from importlib.metadata import PackageNotFoundError, version
from pkgutil import extend_path

# Run from a source checkout, this folder can shadow an installed (non-editable) ordercheck;
# extending the path keeps ``ordercheck.checks`` & co. importable from the installed copy.
__path__ = extend_path(__path__, __name__)

try:
    __version__ = version("ordercheck")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "unknown"
