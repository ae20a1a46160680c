"""Defaults from ``[tool.ordercheck]`` in the working directory's ``pyproject.toml``.

A project that checks its own model writes the options once instead of in every CI step::

    [tool.ordercheck]            # every subcommand that has the option
    model = "my_pkg.workflow:workflow"
    capacity = 3

    [tool.ordercheck.check]      # one subcommand
    delivery = "unordered"
    fail-on = "warning"

Keys are the long option names without ``--``.  Values go through the option's own type and
choices, so a bad value is the same exit-2 error, naming ``pyproject.toml`` and the key, as
on the command line; the command line still wins.  An unknown key is an error (a typo must
not silently change nothing).
"""

from __future__ import annotations

import argparse
import tomllib
from pathlib import Path
from typing import Any

from ..errors import UsageError

__all__ = ["apply_defaults"]


def _options(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    out = {}
    for action in parser._actions:
        for flag in action.option_strings:
            if flag.startswith("--") and flag not in ("--help", "--version"):
                out[flag[2:]] = action
    return out


def _value(where: str, action: argparse.Action, raw: Any) -> Any:
    if isinstance(action, (argparse._StoreTrueAction, argparse._StoreFalseAction)):
        if not isinstance(raw, bool):
            raise UsageError(f"{where}: expected true or false, got {raw!r}")
        return raw
    values = raw if isinstance(raw, list) and action.nargs in ("+", "*") else [raw]
    if isinstance(action, argparse._AppendAction):
        values = raw if isinstance(raw, list) else [raw]
    out = []
    for v in values:
        if isinstance(v, (dict, list)) or v is None:
            raise UsageError(f"{where}: expected a value, got {v!r}")
        text = str(v).lower() if isinstance(v, bool) else str(v)
        try:
            typed = action.type(text) if callable(action.type) else text
        except (argparse.ArgumentTypeError, ValueError) as exc:
            raise UsageError(f"{where}: {exc}") from None
        if action.choices is not None and typed not in action.choices:
            raise UsageError(f"{where}: {typed!r} is not one of "
                             f"{', '.join(map(str, action.choices))}")
        out.append(typed)
    if isinstance(action, argparse._AppendAction) or action.nargs in ("+", "*"):
        return out
    return out[0]


def apply_defaults(parser: argparse.ArgumentParser, path: Path | None = None) -> None:
    """Set each subcommand's defaults from ``path`` (``./pyproject.toml``) when it has a
    ``[tool.ordercheck]`` table."""
    path = path or Path("pyproject.toml")
    if not path.is_file():
        return
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: not valid TOML: {exc}") from None
    table = data.get("tool", {}).get("ordercheck")
    if table is None:
        return
    if not isinstance(table, dict):
        raise UsageError(f"{path}: [tool.ordercheck] must be a table")
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    commands: dict[str, argparse.ArgumentParser] = dict(sub.choices)
    common = {k: v for k, v in table.items() if not isinstance(v, dict)}
    for key, value in table.items():
        if isinstance(value, dict) and key not in commands:
            raise UsageError(f"{path}: [tool.ordercheck.{key}]: no such subcommand; "
                             f"known: {', '.join(commands)}")
    for key in common:
        if not any(key in _options(p) for p in commands.values()):
            raise UsageError(f"{path}: [tool.ordercheck] {key}: no subcommand has --{key}")
    for name, sp in commands.items():
        options = _options(sp)
        own = table.get(name, {})
        for key in own:
            if key not in options:
                raise UsageError(f"{path}: [tool.ordercheck.{name}] {key}: `ordercheck {name}` "
                                 f"has no --{key}")
        defaults = {}
        for key, raw in (*common.items(), *own.items()):
            if key in options:
                where = f"{path}: [tool.ordercheck{'.' + name if key in own else ''}] {key}"
                defaults[options[key].dest] = _value(where, options[key], raw)
        sp.set_defaults(**defaults)
