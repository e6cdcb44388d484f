"""The HTTP surface as a WSGI app with an explicit route table; waitress serves it in production
and in tests. Each route translates HTTP only; the work happens in the Bolt app and the store."""

from __future__ import annotations

import json
import logging
from http import HTTPStatus
from typing import Callable, Iterable

from bot.logs import new_request_id, request_id
from bot.metrics import Metrics
from bot.slack import dispatch
from bot.state import Store

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # Slack and PagerDuty bodies are far smaller
Reply = tuple[int, list[tuple[str, str]], bytes]


def _json(status: int, body: dict) -> Reply:
    return status, [("Content-Type", "application/json")], json.dumps(body).encode()


class HttpApp:
    def __init__(
        self,
        bolt_app,
        store: Store,
        metrics: Metrics,
        pagerduty: Callable[[dict[str, str], bytes], Reply] | None = None,
    ):
        self._bolt, self._store, self._metrics = bolt_app, store, metrics
        self._pagerduty = pagerduty  # (lower-cased headers, raw body) -> reply
        self.routes: dict[tuple[str, str], Callable[[dict, bytes], Reply]] = {
            ("POST", "/slack/events"): self.slack_events,
            ("POST", "/pagerduty/webhook"): self.pagerduty_webhook,
            ("GET", "/healthz"): self.healthz,
            ("GET", "/readyz"): self.readyz,
            ("GET", "/metrics"): self.metrics,
        }

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        new_request_id()
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/")
        status, headers, body = self._route(method, path, environ)
        self._metrics.requests.labels(
            path if (method, path) in self.routes else "other", f"{status // 100}xx"
        ).inc()
        start_response(
            f"{status} {HTTPStatus(status).phrase}", headers + [("Content-Length", str(len(body)))]
        )
        return [body]

    def _route(self, method: str, path: str, environ: dict) -> Reply:
        handler = self.routes.get((method, path))
        if handler is None:
            known = any(p == path for _, p in self.routes)
            return _json(405 if known else 404, {"error": "method not allowed" if known else "not found"})
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return _json(400, {"error": "bad Content-Length"})
        if length > MAX_BODY:
            return _json(413, {"error": "body too large"})
        body = environ["wsgi.input"].read(length) if length else b""
        try:
            return handler(environ, body)
        except Exception:
            log.exception("request failed", extra={"path": path})
            return _json(500, {"error": "internal error"})

    def slack_events(self, environ: dict, body: bytes) -> Reply:
        headers = {k: [v] for k, v in _headers(environ).items()}
        response = dispatch(self._bolt, body, environ.get("QUERY_STRING", ""), headers, request_id.get())
        out_headers = [
            (k, v) for k, values in response.headers.items() for v in values if k.lower() != "content-length"
        ]
        return (
            response.status,
            out_headers,
            response.body.encode() if isinstance(response.body, str) else response.body,
        )

    def pagerduty_webhook(self, environ: dict, body: bytes) -> Reply:
        if self._pagerduty is None:
            return _json(404, {"error": "PagerDuty webhooks are not enabled in this version"})
        return self._pagerduty(_headers(environ), body)

    def healthz(self, environ: dict, body: bytes) -> Reply:
        return _json(200, {"status": "ok"})

    def readyz(self, environ: dict, body: bytes) -> Reply:
        checks = {"config": True, "store": self._store.is_writable()}
        return _json(200 if all(checks.values()) else 503, {"ready": all(checks.values()), "checks": checks})

    def metrics(self, environ: dict, body: bytes) -> Reply:
        return 200, [("Content-Type", self._metrics.content_type)], self._metrics.render()


def _headers(environ: dict) -> dict[str, str]:
    headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
    headers["content-type"] = environ.get("CONTENT_TYPE", "")
    return headers
