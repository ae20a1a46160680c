"""Explorer back ends beyond the reference BFS (:mod:`..explore`): compiled, parallel,
distributed.  Each produces the identical :class:`~..explore.StateGraph` of ``bfs``."""

from __future__ import annotations

from typing import Any

from .compiled import Compiled
from .distributed import Distributed
from .parallel import Parallel
from .spec import SystemSpec, attach_spec, spec_of

__all__ = ["BACK_ENDS", "Compiled", "Distributed", "Parallel", "SystemSpec", "attach_spec",
           "spec_of"]

#: registered into :data:`..explore.EXPLORERS` by name (default options: all cores, a
#: local Dask cluster of two workers)
BACK_ENDS: dict[str, Any] = {Compiled.name: Compiled(), Parallel.name: Parallel(),
                             Distributed.name: Distributed()}
