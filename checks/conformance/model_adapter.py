"""An implementation made from the model itself: the harness's own self-test, and the
smallest example of the :class:`~.adapter.Adapter` protocol."""

from __future__ import annotations

from ..protocol import Workflow
from ..system import TransitionSystem
from .adapter import Command
from .session import silent_for


class ModelAdapter:
    """Runs the model's own semantics; ``automatic`` actors advance on their own."""

    def __init__(self, workflow: Workflow | TransitionSystem,
                 automatic: frozenset[str] = frozenset(), delivery: str = "fifo") -> None:
        self.system = (workflow if isinstance(workflow, TransitionSystem)
                       else TransitionSystem(workflow, delivery=delivery))
        self.automatic = automatic
        self._silent = silent_for(automatic)
        self.state = self.system.initial

    def reset(self) -> None:
        self.state = self._settle(self.system.initial)

    def _settle(self, state: int) -> int:
        while True:
            for label, nxt in self.system.successors(state):
                if self._silent(self.system.labels[label]):
                    state = nxt
                    break
            else:
                return state

    def send(self, command: Command) -> bool:
        for label, nxt in self.system.successors(self.state):
            lab = self.system.labels[label]
            name = lab.event if command.kind == "fire" else lab.message
            if lab.kind == command.kind and lab.party == command.party and name == command.name:
                self.state = self._settle(nxt)
                return True
        return False

    def status(self) -> dict[str, str]:
        return dict(self.system.state_view(self.state).status)

    def close(self) -> None:
        pass
