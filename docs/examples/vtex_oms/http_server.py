"""The reference OMS behind VTEX-like HTTP endpoints (see checks/conformance/http.py).

    python -m docs.examples.vtex_oms.http_server 8080        # then, in another shell:
    ordercheck conform --adapter http://127.0.0.1:8080
"""

from __future__ import annotations

import itertools
import json
import re
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .reference import OMS, Refused

ORDER = r"(?P<id>[\w-]+)"
POSTS = [
    (re.compile(rf"^/marketplace/api/oms/pvt/orders/{ORDER}/cancel$"), "cancel_order"),
    (re.compile(rf"^/seller/api/oms/pvt/orders/{ORDER}/cancel$"), "seller_cancel"),
    (re.compile(rf"^/seller/api/oms/pvt/orders/{ORDER}/start-handling$"), "start_handling"),
    (re.compile(rf"^/seller/api/oms/pvt/orders/{ORDER}/invoice$"), "invoice"),
    (re.compile(rf"^/seller/api/orders/pvt/document/{ORDER}/deny-cancellation-request$"),
     "deny_cancellation_request"),
]
TIMERS = {"window_elapsed": "grace_period_elapsed",
          "decision_timeout": "thirty_days_without_decision",
          "authorization_timeout": "thirty_days_without_authorization",
          "change_seller_window_elapsed": "change_seller_window_elapsed"}


def make_server(port: int = 0, oms_class: type[OMS] = OMS) -> ThreadingHTTPServer:
    orders: dict[str, OMS] = {}
    ids = itertools.count(1)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:  # quiet
            pass

        def reply(self, code: int, body: object) -> None:
            raw = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:
            m = re.match(rf"^/(marketplace|seller)/api/oms/pvt/orders/{ORDER}$", self.path)
            if not m or m["id"] not in orders:
                self.reply(404, {"error": "not found"})
                return
            account = getattr(orders[m["id"]], m.group(1))
            self.reply(200, {"orderId": m["id"], "status": account.status})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            try:
                body = json.loads(raw or b"{}")
            except ValueError:
                body = {}
            with lock:
                if self.path == "/orders":
                    oid = f"order-{next(ids)}"
                    orders[oid] = oms_class()
                    self.reply(201, {"orderId": oid})
                    return
                action = self._route(body if isinstance(body, dict) else {})
                if action is None:
                    self.reply(404, {"error": "not found"})
                    return
                try:
                    action()
                except Refused as exc:
                    self.reply(400, {"error": str(exc)})
                    return
                self.reply(200, {})

        def _route(self, body: dict):
            for pattern, name in POSTS:
                m = pattern.match(self.path)
                if m and m["id"] in orders:
                    if name == "cancel_order" and body.get("requestedByUser") is True:
                        name = "user_cancel_request"  # My Account (requestedByUser, OCI)
                    return getattr(orders[m["id"]], name)
            m = re.match(rf"^/_test/orders/{ORDER}/timers/(\w+)$", self.path)
            if m and m["id"] in orders and m.group(2) in TIMERS:
                return getattr(orders[m["id"]], TIMERS[m.group(2)])
            m = re.match(rf"^/_test/orders/{ORDER}/deliver/(marketplace|seller)/([\w-]+)$",
                         self.path)
            if m and m["id"] in orders:
                oms, party, message = orders[m["id"]], m.group(2), m.group(3)
                return lambda: oms.deliver(party, message)
            return None

    return ThreadingHTTPServer(("127.0.0.1", port), Handler)


if __name__ == "__main__":  # pragma: no cover
    server = make_server(int(sys.argv[1]) if len(sys.argv) > 1 else 8080)
    print(f"reference OMS on http://127.0.0.1:{server.server_address[1]}")
    server.serve_forever()
