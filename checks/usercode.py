"""The one boundary between ordercheck and the user's Python.

Why this exists: a model factory, its guards and properties, and a ``python:`` adapter are
the user's code, and user code can raise anything — ``SystemExit(0)`` included.  Left alone,
such an exception ends the run with a code that CI reads as a verdict (exit 0 = "all
properties hold") or as ordercheck's own defect (exit 4).  Every entry point therefore runs
under :func:`classify`, which decides *whose* exception it is:

* the exception passed through a frame of user code (any file that is not ordercheck's engine,
  the standard library or an installed package), or through a registered user callable:
  :class:`UserCodeError` — exit 2, naming what raised ("guard 'can_decline' raised
  ZeroDivisionError") and showing the user's frames, not ours;
* otherwise it is ours (exit 4), or an interrupt (no verdict).

:func:`check_workflow` refuses, before anything runs, what would otherwise fail deep in the
engine with our traceback: guards or property predicates that are not callable, and two
properties with one name (reports and ``--property`` select properties by name).
"""

from __future__ import annotations

import sysconfig
import traceback
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import CodeType, FrameType, TracebackType
from typing import Any

from .analyses.registry import PROPERTY_KINDS as KINDS
from .errors import UserCodeError
from .protocol import InvalidModel, Message, Party, Timer

#: The severities a property may have; anything else would never fail a check.
SEVERITIES = ("error", "warning")

#: Property fields that hold user predicates, in the order reports name them.
PREDICATE_FIELDS = ("holds", "after", "then", "trigger", "response")

_HERE = Path(__file__).resolve().parent
_ENGINE_DIRS = (str(_HERE) + "/", str(_HERE.parent / "diagrams") + "/")
#: module names of the engine (``__package__`` of this module and of the diagrams)
_ENGINE_PACKAGE = (__package__ or "ordercheck.checks", "ordercheck.diagrams")
_LIBRARY_DIRS = tuple(
    str(Path(p).resolve()) + "/" for key in ("stdlib", "platstdlib", "purelib", "platlib")
    if (p := sysconfig.get_paths().get(key)))

# code object -> what to call it ("guard 'can_go'"); filled as models are loaded
_NAMES: dict[CodeType, list[str]] = {}


def _code_of(obj: Any) -> CodeType | None:
    """The code a callable runs: functions, bound methods, partials and callable objects."""
    for candidate in (obj, getattr(obj, "__func__", None), getattr(obj, "func", None),
                      getattr(type(obj), "__call__", None)):  # noqa: B004
        code = getattr(candidate, "__code__", None)
        if isinstance(code, CodeType):
            return code
    return None


def register(obj: Any, name: str) -> None:
    """Remember that ``obj``'s code is the user callable called ``name``."""
    code = _code_of(obj)
    if code is not None and name not in _NAMES.setdefault(code, []):
        _NAMES[code].append(name)  # one code, several names: a factory's lambda


def _check_records(field: str, value: Any, kind: type) -> None:
    if not isinstance(value, (tuple, list)):
        raise InvalidModel(f"Workflow.{field}", f"is {type(value).__name__}, expected a tuple "
                           f"of {kind.__name__}")
    for k, item in enumerate(value):
        if not isinstance(item, kind):
            raise InvalidModel(f"Workflow.{field}[{k}]", f"is {type(item).__name__} {item!r}, "
                               f"expected a {kind.__name__}")


def check_shape(workflow: Any) -> None:
    """The record types of a Workflow's fields: a list where a mapping belongs, or a string
    where a Party belongs, would otherwise fail deep in the engine as our own error."""
    if not isinstance(workflow.name, str) or not workflow.name:
        raise InvalidModel("Workflow.name", f"is {workflow.name!r}, expected a non-empty string")
    _check_records("parties", workflow.parties, Party)
    _check_records("messages", workflow.messages, Message)
    _check_records("timers", workflow.timers, Timer)
    if not isinstance(workflow.guards, Mapping) or not all(
            isinstance(k, str) for k in workflow.guards):
        raise InvalidModel("Workflow.guards", f"is {type(workflow.guards).__name__}, expected "
                           "a mapping of guard names to functions")
    if not isinstance(workflow.properties, (tuple, list)):
        raise InvalidModel("Workflow.properties", f"is {type(workflow.properties).__name__}, "
                           "expected a tuple of properties")
    automatic = workflow.automatic_actors
    if not isinstance(automatic, (tuple, list, frozenset, set)) or not all(
            isinstance(a, str) for a in automatic):
        raise InvalidModel("Workflow.automatic_actors", f"is {automatic!r}, expected a tuple "
                           "of actor names")


def check_workflow(workflow: Any) -> None:
    """Refuse malformed records, non-callable guards and predicates, unknown property kinds
    or severities and duplicate property names; register the callables so that an exception
    raised by one of them is reported under its name."""
    check_shape(workflow)
    for name, guard in sorted(workflow.guards.items()):
        if not callable(guard):
            raise InvalidModel(f"Workflow.guards[{name!r}]",
                               f"is {type(guard).__name__}, not callable",
                               "a guard is a function of the StatusView")
        register(guard, f"guard {name!r}")
    seen: set[str] = set()
    for prop in workflow.properties:
        pname = getattr(prop, "name", None)
        if not isinstance(pname, str) or not pname:
            raise InvalidModel("Workflow.properties", f"{prop!r} has no name")
        if type(prop) not in KINDS:
            raise InvalidModel(f"property {pname!r}", f"is a {type(prop).__name__}, not one of "
                               f"{', '.join(k.__name__ for k in KINDS)}")
        if prop.severity not in SEVERITIES:
            raise InvalidModel(f"property {pname!r}", f"severity {prop.severity!r} is not one "
                               f"of {', '.join(SEVERITIES)}")
        if pname in seen:
            raise InvalidModel(f"property {pname!r}", "is declared twice",
                               "property names must be unique: reports select them by name")
        seen.add(pname)
        for field in PREDICATE_FIELDS:
            if not hasattr(prop, field):
                continue
            predicate = getattr(prop, field)
            if not callable(predicate):
                raise InvalidModel(f"property {pname!r}",
                                   f"{field} is {type(predicate).__name__}, not callable")
            register(predicate, f"property {pname!r} ({field})")


def _is_user_frame(frame: FrameType) -> bool:
    filename = frame.f_code.co_filename
    if filename.startswith("<"):  # <frozen importlib._bootstrap>, <string> of exec()
        # exec()'d code is the user's unless it runs in an engine module's namespace: the
        # ``__init__`` a dataclass generates for our own classes (codec limits raise there)
        return filename == "<string>" and not str(
            frame.f_globals.get("__name__", "")).startswith(_ENGINE_PACKAGE)
    path = str(Path(filename).resolve())
    return not path.startswith(_ENGINE_DIRS) and not path.startswith(_LIBRARY_DIRS)


def _walk(tb: TracebackType | None) -> Iterable[TracebackType]:
    while tb is not None:
        yield tb
        tb = tb.tb_next


def user_frames(exc: BaseException) -> list[traceback.FrameSummary]:
    """The frames of ``exc``'s traceback that belong to user code (outermost first)."""
    frames = [tb for tb in _walk(exc.__traceback__)
              if tb.tb_frame.f_code in _NAMES or _is_user_frame(tb.tb_frame)]
    return list(traceback.StackSummary.extract((tb.tb_frame, tb.tb_lineno) for tb in frames))


def classify(exc: BaseException) -> UserCodeError | None:
    """A :class:`UserCodeError` when ``exc`` was raised by (or through) user code, else None."""
    if isinstance(exc, UserCodeError):
        return exc
    names = [" or ".join(_NAMES[tb.tb_frame.f_code][:3]) for tb in _walk(exc.__traceback__)
             if tb.tb_frame.f_code in _NAMES]
    frames = user_frames(exc)
    if not names and not frames:
        return None
    what = names[0] if names else f"user code ({frames[-1].name} in {frames[-1].filename})"
    return UserCodeError(what, exc, frames)


def calling(what: str, fn: Any, *args: Any) -> Any:
    """Call user code ``fn``; any exception, ``SystemExit`` included, becomes a
    :class:`UserCodeError` naming ``what``."""
    try:
        return fn(*args)
    except BaseException as exc:
        raise UserCodeError(what, exc, user_frames(exc)) from exc
