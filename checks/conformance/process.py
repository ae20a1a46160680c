"""The process adapter: any executable that speaks JSON lines on stdin/stdout.

One request per line from ordercheck, one answer per line from the implementation
(schema: ``checks/schemas/process-adapter.schema.json``)::

    {"op": "hello"}                      -> {"ok": true, "automatic": ["platform"],
                                             "settle": true}
    {"op": "reset"}                      -> {"ok": true}
    {"op": "settle"}                     -> {"ok": true}  (only if hello said "settle": true;
                                             answer once its own steps are done)
    {"op": "send", "command": {"kind": "fire", "party": "seller", "event": "decline"}}
                                         -> {"ok": true, "accepted": false}
    {"op": "status"}                     -> {"ok": true, "status": {"marketplace": "...", ...}}
    {"op": "close"}                      -> (the process exits)

``{"ok": false, "error": "..."}`` reports a failure of the implementation itself.  Lines on
stderr are kept and shown when the process misbehaves.  Every answer has a deadline; a process
that hangs is killed.
"""

from __future__ import annotations

import json
import shlex
import subprocess
import threading
from collections import deque
from typing import Any

from .adapter import AdapterError, Command


class ProcessAdapter:
    def __init__(self, command: str, timeout: float = 5.0) -> None:
        self.command = command
        self.timeout = timeout
        try:
            self.proc = subprocess.Popen(
                shlex.split(command), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True, bufsize=1)
        except OSError as exc:
            raise AdapterError(f"process {command!r}: cannot start ({exc.strerror})") from exc
        self._lines: deque[str] = deque()
        self._stderr: deque[str] = deque(maxlen=20)
        self._ready = threading.Condition()
        threading.Thread(target=self._pump, daemon=True).start()
        threading.Thread(target=self._pump_err, daemon=True).start()
        hello = self._ask({"op": "hello"})
        automatic = hello.get("automatic", [])
        # a string is iterable: "platform" would silently become {"p", "l", "a", ...}
        if not isinstance(automatic, list) or not all(isinstance(a, str) for a in automatic):
            self.close()
            raise AdapterError(f"process {command!r}, hello answer: field 'automatic' must be "
                               f"a list of actor names, got {automatic!r}")
        self.automatic = frozenset(automatic)
        self._settles = hello.get("settle") is True

    def _pump(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            with self._ready:
                self._lines.append(line)
                self._ready.notify()
        with self._ready:
            self._lines.append("")  # EOF marker
            self._ready.notify()

    def _pump_err(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self._stderr.append(line.rstrip("\n"))

    def _ask(self, request: dict[str, Any]) -> dict[str, Any]:
        where = f"process {self.command!r}, request {json.dumps(request, sort_keys=True)}"
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(json.dumps(request, sort_keys=True) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise AdapterError(f"{where}: the process has exited"
                               f" (code {self.proc.poll()}){self._err_tail()}") from None
        with self._ready:
            if not self._ready.wait_for(lambda: bool(self._lines), timeout=self.timeout):
                self.proc.kill()
                raise AdapterError(f"{where}: no answer within {self.timeout:g}s; process "
                                   f"killed{self._err_tail()}")
            line = self._lines.popleft()
        if line == "":
            raise AdapterError(f"{where}: the process exited (code {self.proc.wait()})"
                               f"{self._err_tail()}")
        try:
            answer = json.loads(line)
        except json.JSONDecodeError:
            raise AdapterError(f"{where}: answer is not JSON: {line.strip()[:200]!r}") from None
        if not isinstance(answer, dict) or "ok" not in answer:
            raise AdapterError(f"{where}: answer lacks 'ok': {line.strip()[:200]!r}")
        if answer["ok"] is not True:
            raise AdapterError(f"{where}: the implementation reports an error: "
                               f"{answer.get('error', answer)!r}")
        return answer

    def _err_tail(self) -> str:
        return ("; stderr: " + " | ".join(self._stderr)) if self._stderr else ""

    def reset(self) -> None:
        self._ask({"op": "reset"})

    def settle(self) -> None:
        if self._settles:
            self._ask({"op": "settle"})

    def send(self, command: Command) -> bool:
        answer = self._ask({"op": "send", "command": command.to_json()})
        accepted = answer.get("accepted")
        if not isinstance(accepted, bool):
            raise AdapterError(f"process {self.command!r}: 'accepted' must be true or false, "
                               f"got {accepted!r}")
        return accepted

    def status(self) -> dict[str, str]:
        status = self._ask({"op": "status"}).get("status")
        if not isinstance(status, dict):
            raise AdapterError(f"process {self.command!r}: 'status' must be an object")
        return status

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.write(json.dumps({"op": "close"}) + "\n")
                self.proc.stdin.flush()
                self.proc.wait(timeout=self.timeout)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
