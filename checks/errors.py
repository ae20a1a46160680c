"""Errors that mean "bad input" (exit 2), shared by the CLI, the diagrams CLI and the loaders.

Kept apart from ``cli.py`` so that modules the CLI imports (diagrams, adapters, output paths)
can raise them without importing the CLI.
"""

from __future__ import annotations

import traceback


class UsageError(Exception):
    """Bad command-line input or a bad input file; the message names the place.  Exit 2."""


class UserCodeError(Exception):
    """User code (a model factory, guard, property or adapter) raised; exit 2.

    ``what`` names the callable ("guard 'can_decline'"), ``frames`` are the user's own
    traceback frames, shown instead of ordercheck's.
    """

    def __init__(self, what: str, exc: BaseException,
                 frames: list[traceback.FrameSummary]) -> None:
        self.what = what
        self.exc = exc
        self.frames = frames
        detail = f": {exc}" if str(exc) else ""
        super().__init__(f"{what} raised {type(exc).__name__}{detail}")

    def report(self) -> str:
        """The message and the user's frames, as shown on stderr."""
        text = str(self)
        if self.frames:
            text += "\n" + "".join(traceback.format_list(self.frames)).rstrip("\n")
        return text
