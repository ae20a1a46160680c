"""The README's command synopsis, generated from the argparse parsers.

Why: a hand-written synopsis drifts (it once listed ``replay`` twice, with ``check``'s
options).  The parsers are the truth; ``tests/test_trust_cli.py`` fails when the README's
block differs from :func:`synopsis`, and ``python -m ordercheck.checks.synopsis`` prints the
block to paste.
"""

from __future__ import annotations

import argparse
import textwrap

WIDTH = 96
NBSP = "\u00a0"


def _value(action: argparse.Action) -> str:
    if action.choices is not None:
        return "|".join(str(c) for c in action.choices)
    if action.metavar is not None:
        return str(action.metavar)
    return str(action.dest).upper().replace("_", "-")


def _usage(action: argparse.Action) -> str:
    if not action.option_strings:  # positional
        return _value(action)
    flag = max(action.option_strings, key=len)
    text = flag if action.nargs == 0 else f"{flag} {_value(action)}"
    if action.nargs == "+":
        text += " ..."
    if isinstance(action, argparse._AppendAction):
        text += " ..."
    return text if action.required else f"[{text}]"


def command_line(name: str, parser: argparse.ArgumentParser) -> str:
    """One subcommand: its name and every option, wrapped at :data:`WIDTH`."""
    # a no-break space inside one option keeps "[--out DIR]" on one line
    parts = [_usage(a).replace(" ", NBSP) for a in parser._actions
             if not isinstance(a, (argparse._HelpAction, argparse._VersionAction))]
    head = f"ordercheck {name} "
    text = textwrap.fill(" ".join(parts), width=WIDTH, initial_indent=head,
                         subsequent_indent=" " * len(head), break_on_hyphens=False,
                         break_long_words=False)
    return text.replace(NBSP, " ")


def subcommands() -> dict[str, argparse.ArgumentParser]:
    """Every subcommand's parser, in the order ``--help`` lists them."""
    from .cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(sub.choices)


def synopsis() -> str:
    """The whole block, one subcommand after the other (the parser's order)."""
    lines = ["ordercheck --version"]
    lines += [command_line(name, p) for name, p in subcommands().items()]
    return "\n".join(lines) + "\n"


def write_readme(path: str = "README.md") -> bool:
    """Replace the README's synopsis block with the parsers' (True when it changed)."""
    import re
    from pathlib import Path

    readme = Path(path)
    text = readme.read_text(encoding="utf-8")
    new = re.sub(r"(<!-- synopsis:.*?-->\n```\n)(.*?)(```\n<!-- /synopsis -->)",
                 lambda m: m.group(1) + synopsis() + m.group(3), text, count=1, flags=re.S)
    if new != text:
        readme.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":  # pragma: no cover
    import sys

    if sys.argv[1:] == ["--write"]:
        print("README.md updated" if write_readme() else "README.md already current")
    else:
        print(synopsis(), end="")
