"""``ordercheck`` command line: argv, files and exit codes live here and only here.

One module per subcommand (``check``, ``report``, ``conform``, ``vectors``, ``diff``,
``replay``, ``logs``, ``diagrams``, ``export``), each with a ``register(subparsers)`` and its
``cmd_*``; what they share (exit codes, option types, loading, the one check pipeline) is in
:mod:`.common`.

Exit codes (:class:`ExitCode`): 0 all properties hold, 1 a violation, 2 usage error or bad
input (the message names the place; user code that raises or exits included), 3 UNKNOWN (a
bound was hit before anything failed, nothing was tested, or an interrupt), 4 ordercheck's own
defect.  Every subcommand runs under one handler (:func:`main`) that decides which of these an
exception is.

The engine does not import the VTEX model: ``--variant NAME`` is shorthand for
``--model ordercheck.model.vtex:NAME``, resolved at run time like any user model.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import sys
import traceback
from collections.abc import Sequence

from .. import usercode
from ..errors import UsageError
from ..protocol import InvalidModel
from ..trace import MalformedTrace
from . import (
    check,
    config,
    conform,
    describe,
    diagrams,
    diff,
    export,
    logs,
    replay,
    report,
    vectors,
)
from .common import (
    ENGINE_PROPERTIES,
    VARIANTS,
    ExitCode,
    positive_float,
    positive_int,
    resolve_model,
    run_check,
)

__all__ = ["ENGINE_PROPERTIES", "VARIANTS", "ExitCode", "UsageError", "build_parser", "main",
           "positive_float", "positive_int", "resolve_model", "run_check", "version"]

#: Subcommands in the order ``--help`` lists them.
SUBCOMMANDS = (check, report, conform, vectors, describe, diff, replay, logs, diagrams,
               export)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ordercheck",
        description="Model checker for marketplace x seller order workflows.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    for module in SUBCOMMANDS:
        module.register(sub)
    return parser


def version() -> str:
    """The installed distribution's version (one source of truth: pyproject.toml)."""
    try:
        return importlib.metadata.version("ordercheck")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree, not installed
        return "unknown (not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    """Parse, run one subcommand, and map what happened to an exit code.

    This is the one boundary: whatever a subcommand raises — user code included, even
    ``SystemExit(0)`` — is classified here, so nothing but a verdict can produce 0 or 1."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        parser = build_parser()
        config.apply_defaults(parser)
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # argparse: exit 2 on usage errors, 0 after --help
            return int(exc.code or 0)
        return int(args.func(args))
    except BaseException as exc:
        return _exit_code_of(exc)


def _exit_code_of(exc: BaseException) -> int:
    blamed = usercode.classify(exc)
    if blamed is not None:
        sys.stderr.write(f"ordercheck: error: {blamed.report()}\n")
        return ExitCode.BAD_INPUT
    if isinstance(exc, (UsageError, InvalidModel, MalformedTrace)):
        sys.stderr.write(f"ordercheck: error: {exc}\n")
        return ExitCode.BAD_INPUT
    if isinstance(exc, KeyboardInterrupt):
        sys.stderr.write("ordercheck: interrupted; no verdict\n")
        return ExitCode.UNKNOWN
    # a bug in ordercheck: never let it look like a verdict (exit 0 or 1)
    traceback.print_exception(exc)
    sys.stderr.write("ordercheck: internal error (please report it with the traceback)\n")
    return ExitCode.INTERNAL
