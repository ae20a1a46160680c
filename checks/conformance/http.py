"""The HTTP adapter: drives an implementation through the routes the model's catalog entry
declares (:class:`~..catalog.HttpBinding`; nothing here names a model).  For the VTEX model
(``model/vtex/catalog.py``; ``{account}`` is ``marketplace`` or ``seller``)::

    POST /orders                                              new order -> {"orderId": ...}
    GET  /{account}/api/oms/pvt/orders/{id}                   -> {"status": ...}
    POST /{account}/api/oms/pvt/orders/{id}/cancel            {"reason", "requestedByUser"}
    POST /seller/api/oms/pvt/orders/{id}/start-handling
    POST /seller/api/oms/pvt/orders/{id}/invoice              {"type": "Output", ...}
    POST /seller/api/orders/pvt/document/{id}/deny-cancellation-request
                                       {"cancellationRequestId", "denyReason"}
    POST /_test/orders/{id}/timers/{event}                    test hook: a timer fires
    POST /_test/orders/{id}/deliver/{party}/{message}         test hook: deliver a message

A 2xx answer means accepted, 400 or 409 refused (as VTEX answers a call the status does not
allow); anything else, a connection error or a body that is not JSON is an
:class:`AdapterError` naming the request.  Commands with no route are refused.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from ..catalog import HttpBinding
from .adapter import AdapterError, Command


class HttpAdapter:
    """Drives an implementation over HTTP through the model's :class:`HttpBinding`."""

    def __init__(self, base_url: str, binding: HttpBinding, timeout: float = 5.0) -> None:
        self.base = base_url.rstrip("/")
        self.binding = binding
        self.automatic = binding.automatic
        self.timeout = timeout
        self.order = ""

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None
              ) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json",
                                                  "Accept": "application/json"})
        where = f"{method} {self.base}{path}"
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read()
        except (urllib.error.URLError, OSError) as exc:
            raise AdapterError(f"{where}: {getattr(exc, 'reason', exc)}") from exc
        if status in (400, 409):
            return status, None
        if not 200 <= status < 300:
            raise AdapterError(f"{where}: HTTP {status}: {raw[:200]!r}")
        try:
            return status, json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            raise AdapterError(f"{where}: answer is not JSON: {raw[:200]!r}") from None

    def reset(self) -> None:
        _, body = self._call("POST", self.binding.create_path, {})
        if not isinstance(body, dict) or not isinstance(body.get("orderId"), str):
            raise AdapterError(f"POST {self.base}/orders: no orderId in {body!r}")
        self.order = body["orderId"]

    def send(self, command: Command) -> bool:
        if command.kind == "deliver":
            path = f"/_test/orders/{self.order}/deliver/{command.party}/{command.name}"
            body: dict[str, Any] = {}
        elif command.name in self.binding.timers:
            path = f"/_test/orders/{self.order}/timers/{command.name}"
            body = {}
        else:
            route = self.binding.routes.get((command.party, command.name))
            if route is None:
                return False
            path, body = route[0].format(id=self.order), dict(route[1])
        status, _ = self._call("POST", path, body)
        return status not in (400, 409)

    def status(self) -> dict[str, str]:
        out = {}
        for party in self.binding.parties:
            path = self.binding.status_path.format(party=party, id=self.order)
            _, body = self._call("GET", path)
            if not isinstance(body, dict) or not isinstance(body.get("status"), str):
                raise AdapterError(f"GET {path}: no status in {body!r}")
            out[party] = body["status"]
        return out

    def close(self) -> None:
        pass
