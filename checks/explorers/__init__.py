"""Explorer back ends beyond the reference BFS (:mod:`..explore`): compiled, parallel,
distributed.  Each produces the identical :class:`~..explore.StateGraph` of ``bfs``."""

from __future__ import annotations

from .compiled import Compiled

__all__ = ["BACK_ENDS", "Compiled"]

#: registered into :data:`..explore.EXPLORERS` by name
BACK_ENDS = {Compiled.name: Compiled()}
