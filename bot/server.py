"""The HTTP surface as a WSGI app with an explicit route table: Slack's endpoint (signature checked on
the raw bytes first, replays recognised), the engines' webhook routes, health, readiness and metrics.
Each route translates HTTP only; the work happens in the Bolt app, the engines and the store."""

from __future__ import annotations

import json
import logging
import time
from http import HTTPStatus
from typing import Callable, Iterable, Mapping
from urllib.parse import parse_qs

from bot import slack_signature
from bot.logs import new_request_id, request_id
from bot.metrics import Metrics
from bot.slack import dispatch, slash_command
from bot.state import Store

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # Slack and PagerDuty bodies are far smaller
Reply = tuple[int, list[tuple[str, str]], bytes]
Route = Callable[[dict[str, str], bytes], Reply]  # (lower-cased headers, raw body) -> reply


def _json(status: int, body: dict) -> Reply:
    return status, [("Content-Type", "application/json")], json.dumps(body).encode()


class HttpApp:
    FIXED = (("POST", "/slack/events"), ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/metrics"))

    def __init__(
        self,
        bolt_app,
        store: Store,
        metrics: Metrics,
        signing_secret: str,
        routes: Mapping[tuple[str, str], Route],
        ready: Callable[[], dict[str, str]] = dict,
        slack_over_http: bool = True,
    ):
        self._bolt, self._store, self._metrics, self._secret = bolt_app, store, metrics, signing_secret
        self._ready = ready  # what else /readyz reports without failing on it (the Slack token, the socket)
        self._counters: dict[tuple[str, str], object] = {}  # the requests counter's children, looked up once
        self.routes: dict[tuple[str, str], Route] = {
            ("GET", "/healthz"): self.healthz,
            ("GET", "/readyz"): self.readyz,
            ("GET", "/metrics"): self.metrics,
            **routes,
        }
        if slack_over_http:  # over Socket Mode, Slack's requests come through the socket instead
            self.routes[("POST", "/slack/events")] = self.slack_events

    def __call__(self, environ: dict, start_response) -> Iterable[bytes]:
        new_request_id()
        method, path = environ.get("REQUEST_METHOD", "GET"), environ.get("PATH_INFO", "/")
        status, headers, body = self._route(method, path, environ)
        key = (path if (method, path) in self.routes else "other", f"{status // 100}xx")
        if key not in self._counters:
            self._counters[key] = self._metrics.requests.labels(*key)
        self._counters[key].inc()
        start_response(
            f"{status} {HTTPStatus(status).phrase}", headers + [("Content-Length", str(len(body)))]
        )
        return [body]

    def _route(self, method: str, path: str, environ: dict) -> Reply:
        handler = self.routes.get((method, path))
        if handler is None:
            known = any(p == path for _, p in self.routes)
            return _json(405 if known else 404, {"error": "method not allowed" if known else "not found"})
        body, refusal = _read_body(environ)
        if refusal is not None:
            return refusal
        try:
            return handler(_headers(environ), body)
        except Exception:
            log.exception("request failed", extra={"path": path})
            return _json(500, {"error": "internal error"})

    def slack_events(self, headers: dict[str, str], body: bytes) -> Reply:
        if _is_ssl_check(body):  # Slack's unsigned certificate probe: 200 and nothing else
            return 200, [("Content-Type", "text/plain")], b""
        timestamp, signature = (
            headers.get("x-slack-request-timestamp", ""),
            headers.get("x-slack-signature", ""),
        )
        # the signature window is about the real world's time, whatever clock the bot's timers run on
        reason = slack_signature.problem(self._secret, timestamp, signature, body, time.time())
        if reason:
            log.warning("Slack request refused", extra={"reason": reason, "bytes": len(body)})
            self._metrics.slack_rejected.labels(reason).inc()
            return _json(401, {"error": "invalid request"})
        bolt_headers, now = {k: [v] for k, v in headers.items()}, time.time()
        command = slash_command(self._bolt, body, bolt_headers)
        if command is not None:  # the signature is recorded with the command's own effects
            response = self._bolt.answer_slash(
                command, request_id.get(), self._store.sighting(signature, now)
            )
        elif self._store.first_sighting(signature, now):
            response = dispatch(self._bolt, body, "", bolt_headers, request_id.get())
        else:
            response = None
        if response is None:
            log.warning("Slack request replayed; answered without acting")
            self._metrics.slack_rejected.labels("replay").inc()
            return 200, [("Content-Type", "application/json")], b'{"response_type":"ephemeral","text":""}'
        out = [
            (k, v) for k, values in response.headers.items() for v in values if k.lower() != "content-length"
        ]
        return (
            response.status,
            out,
            response.body.encode() if isinstance(response.body, str) else response.body,
        )

    def healthz(self, headers: dict[str, str], body: bytes) -> Reply:
        return _json(200, {"status": "ok"})

    def readyz(self, headers: dict[str, str], body: bytes) -> Reply:
        checks = {"config": True, "store": self._store.is_writable()}
        ready = all(checks.values())
        return _json(200 if ready else 503, {"ready": ready, "checks": checks, "info": self._ready()})

    def probes(self) -> dict[str, Callable[[], tuple[int, bytes]]]:
        """/healthz and /readyz for the probe listener (bot.http_server.HealthServer)."""
        return {
            path: (lambda route=route: route({}, b"")[::2])
            for path, route in (("/healthz", self.healthz), ("/readyz", self.readyz))
        }

    def metrics(self, headers: dict[str, str], body: bytes) -> Reply:
        self._metrics.outbox_pending.set(self._store.pending_count())
        return 200, [("Content-Type", self._metrics.content_type)], self._metrics.render()


def _is_ssl_check(body: bytes) -> bool:
    return len(body) < 256 and parse_qs(body.decode("ascii", "replace")).get("ssl_check") == ["1"]


def _read_body(environ: dict) -> tuple[bytes, Reply | None]:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return b"", _json(400, {"error": "bad Content-Length"})
    if length > MAX_BODY:
        return b"", _json(413, {"error": "body too large"})
    return (environ["wsgi.input"].read(length) if length else b""), None


def _headers(environ: dict) -> dict[str, str]:
    headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
    headers["content-type"] = environ.get("CONTENT_TYPE", "")
    return headers
