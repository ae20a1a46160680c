"""The interface of an implementation under test, and guarded calls into it.

An implementation is driven by *commands*: the model's steps that someone outside can cause
(a person's action, a timer firing, delivering the next message).  After each command it is
asked for each party's status.  Steps of the actors it runs by itself (``automatic``, e.g.
``{"platform"}`` when it advances transient statuses on its own) are never commanded; the
checker allows for them when comparing.

Every call goes through :class:`Guarded`, which turns a crash, a hang (per-call timeout) or a
malformed answer into an :class:`AdapterError` naming the step — nothing hangs CI.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from ..catalog import HttpBinding
from ..errors import UsageError
from ..loading import load_attribute
from ..usercode import user_frames

#: The methods every adapter must offer (``close`` is optional).
REQUIRED_METHODS = ("reset", "send", "status")


@dataclass(frozen=True, slots=True, order=True)
class Command:
    """``fire`` party.event, or ``deliver`` the next ``message`` addressed to party."""

    kind: str  # "fire" | "deliver"
    party: str
    name: str  # event for fire, message for deliver

    def to_json(self) -> dict[str, str]:
        key = "event" if self.kind == "fire" else "message"
        return {"kind": self.kind, "party": self.party, key: self.name}

    @staticmethod
    def from_json(obj: dict[str, Any]) -> Command:
        kind = obj.get("kind")
        if kind not in ("fire", "deliver"):
            raise ValueError(f"unknown command kind {kind!r}")
        name = obj.get("event") if kind == "fire" else obj.get("message")
        if not isinstance(obj.get("party"), str) or not isinstance(name, str):
            raise ValueError("a command needs 'party' and 'event' (fire) or 'message' (deliver)")
        return Command(kind, obj["party"], name)

    def __str__(self) -> str:
        if self.kind == "fire":
            return f"{self.party}.{self.name}"
        return f"deliver {self.name} -> {self.party}"


@runtime_checkable
class Adapter(Protocol):
    """What an implementation under test offers.

    ``automatic``: actors whose steps the implementation takes by itself, or single events
    named ``party.event`` (a platform step the implementation exposes as a command is left
    out, so it can be driven).
    ``reset()``: start a fresh order.  ``settle()`` (optional): return once the
    implementation has done what it does by itself (a no-op, or absent, for a synchronous
    one); after it, the implementation owes no automatic step.  ``send(cmd)``: True when the
    implementation accepted the command, False when it refused it (as VTEX answers 400/409).
    ``status()``: party -> status id for the parties it can observe (partial observation is
    fine).
    """

    automatic: frozenset[str]

    def reset(self) -> None: ...

    def send(self, command: Command) -> bool: ...

    def status(self) -> dict[str, str]: ...

    def close(self) -> None: ...


class AdapterError(Exception):
    """The implementation crashed, hung or answered garbage; not a conformance verdict."""


def missing_methods(obj: Any) -> list[str]:
    """The required adapter methods ``obj`` (a class or an instance) lacks."""
    return [m for m in REQUIRED_METHODS if not callable(getattr(obj, m, None))]


def adapter_factory(spec: str, timeout: float = 5.0,
                    http: HttpBinding | None = None) -> Callable[[], Adapter]:
    """A zero-argument factory for ``python:module:Class``, ``process:CMD`` or an http URL."""
    if spec.startswith("python:"):
        cls, _ = load_attribute(spec[len("python:"):], f"--adapter {spec!r}")
        if not callable(cls):
            raise UsageError(f"--adapter {spec!r}: {type(cls).__name__} is not a class or "
                             "factory")
        if isinstance(cls, type) and missing_methods(cls):
            raise UsageError(f"--adapter {spec!r}: {cls.__name__} has no "
                             f"{', '.join(m + '()' for m in missing_methods(cls))} (an adapter "
                             "offers reset(), send(command) and status())")
        return lambda: cls()
    if spec.startswith("process:"):
        import shlex

        from .process import ProcessAdapter

        command = spec[len("process:"):]
        try:
            argv = shlex.split(command)
        except ValueError as exc:
            raise UsageError(f"--adapter {spec!r}: cannot split the command ({exc})") from None
        if not argv:
            raise UsageError(f"--adapter {spec!r}: empty command (expected 'process:CMD "
                             "ARGS...', e.g. 'process:node adapter.js')")
        return lambda: ProcessAdapter(command, timeout=timeout)
    if spec.startswith(("http://", "https://")):
        from urllib.parse import urlsplit

        from .http import HttpAdapter

        try:
            url = urlsplit(spec)
            url.port  # noqa: B018  # raises ValueError on a port that is not a number
        except ValueError as exc:
            raise UsageError(f"--adapter {spec!r}: not a URL ({exc})") from None
        if not url.hostname:
            raise UsageError(f"--adapter {spec!r}: no host (expected http://HOST:PORT)")

        if http is None:
            raise UsageError(f"--adapter {spec!r}: the model declares no HTTP binding "
                             "(ModelEntry.http in its catalog entry); use python: or process:")
        binding = http
        return lambda: HttpAdapter(spec, binding, timeout=timeout)
    raise UsageError(f"--adapter {spec!r}: expected python:module:Class, 'process:CMD' "
                     "or http://host:port")


def _frames_text(exc: BaseException) -> str:
    frames = user_frames(exc)
    return ("\n" + "".join(traceback.format_list(frames)).rstrip("\n")) if frames else ""


def create(make_adapter: Callable[[], Adapter]) -> Adapter:
    """Call the factory, turning any failure — ``SystemExit`` included — into an
    :class:`AdapterError`, and refuse an object that lacks the adapter methods."""
    try:
        adapter = make_adapter()
    except AdapterError:
        raise
    except BaseException as exc:  # user code: it never ends the run with its own code
        raise AdapterError(f"creating the adapter failed: {type(exc).__name__}: {exc}"
                           f"{_frames_text(exc)}") from exc
    missing = missing_methods(adapter)
    if missing:
        raise AdapterError(f"the adapter ({type(adapter).__name__}) has no "
                           f"{', '.join(m + '()' for m in missing)}")
    return adapter


def known_statuses(system: Any) -> dict[str, frozenset[str]]:
    """Party -> the status ids the model declares (what an implementation may report)."""
    return {c.party: frozenset(v for v, st in c.states.items() if st.kind == "atomic")
            for c in system.charts}


def unknown_statuses(observed: Mapping[str, str], known: Mapping[str, frozenset[str]]
                     ) -> list[tuple[str, str]]:
    """The (party, status) pairs of ``observed`` that the model does not declare."""
    return sorted((p, v) for p, v in observed.items() if p in known and v not in known[p])


def unknown_status_of(failure: Any, known: Mapping[str, frozenset[str]]
                      ) -> tuple[str, str] | None:
    """The unknown status a divergence rests on, if that is all it rests on.

    Why: a status the model does not know (a misspelling in the implementation or its
    adapter's mapping) would fail every tour case that passes through it; it is one defect,
    reported once.  A divergence already decided by the answer to a command (a forbidden
    command accepted, an allowed one refused) stays a divergence, whatever status follows."""
    session = getattr(failure, "session", None)
    state = getattr(session, "failure", None)
    if not state:
        return None
    observed = state[1]
    history = getattr(session, "history", [])
    last = history[-1] if history else None
    if last is not None and (not last.accepted or last.must_reject):
        return None
    found = unknown_statuses(observed or {}, known)
    return found[0] if found else None


def _stop() -> None:
    """Sentinel task: the worker thread ends (see :meth:`Guarded.close`)."""


_STOP: Callable[[], Any] = _stop


class Guarded:
    """Calls into an adapter with a per-call timeout and answer validation."""

    def __init__(self, adapter: Adapter, parties: list[str], timeout: float = 5.0) -> None:
        self.adapter = adapter
        self.parties = parties
        self.timeout = timeout
        automatic: frozenset[str] = getattr(adapter, "automatic", frozenset())
        self.automatic = frozenset(automatic)
        # One worker thread per adapter runs every call, so a hang can be timed out.
        self._tasks: queue.Queue[Callable[[], Any]] = queue.Queue()
        self._results: queue.Queue[tuple[bool, Any]] = queue.Queue()
        self._hung: str | None = None
        threading.Thread(target=self._work, daemon=True).start()

    def _work(self) -> None:
        while True:
            fn = self._tasks.get()
            if fn is _STOP:
                return  # closed: the thread ends, so long runs do not pile threads up
            try:
                self._results.put((True, fn()))
            except BaseException as exc:  # reported by _call, never swallowed
                self._results.put((False, exc))

    def _call(self, where: str, fn: Callable[[], Any]) -> Any:
        if self._hung is not None:
            raise AdapterError(f"{where}: not called, the adapter hung earlier ({self._hung})")
        self._tasks.put(fn)
        try:
            ok, value = self._results.get(timeout=self.timeout)
        except queue.Empty:
            self._hung = where
            raise AdapterError(f"{where}: no answer within {self.timeout:g}s "
                               "(the adapter hangs)") from None
        if not ok:
            if isinstance(value, AdapterError):
                raise AdapterError(f"{where}: {value}") from value
            raise AdapterError(f"{where}: the adapter raised "
                               f"{type(value).__name__}: {value}{_frames_text(value)}"
                               ) from value
        return value

    def reset(self, where: str) -> None:
        self._call(f"{where} reset()", self.adapter.reset)

    def settle(self, where: str) -> None:
        """Wait until the implementation has taken its own steps (optional method)."""
        settle = getattr(self.adapter, "settle", None)
        if callable(settle):
            self._call(f"{where} settle()", settle)

    def send(self, where: str, command: Command) -> bool:
        answer = self._call(f"{where} send({command})", lambda: self.adapter.send(command))
        if not isinstance(answer, bool):
            raise AdapterError(f"{where} send({command}): expected True/False, got {answer!r}")
        return answer

    def status(self, where: str) -> dict[str, str]:
        answer = self._call(f"{where} status()", self.adapter.status)
        if not isinstance(answer, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in answer.items()):
            raise AdapterError(f"{where} status(): expected {{party: status}}, got {answer!r}")
        unknown = sorted(set(answer) - set(self.parties))
        if unknown:
            raise AdapterError(f"{where} status(): unknown parties {unknown}")
        return answer

    def close(self) -> None:
        close = getattr(self.adapter, "close", None)
        if close is not None:
            # closing is best effort; the run's verdict is already known
            with contextlib.suppress(AdapterError):
                self._call("close()", close)
        if self._hung is None:
            self._tasks.put(_STOP)
