"""PagerDuty REST API v2 stand-in for the calls the bot makes: incidents (list, get, acknowledge,
resolve, escalate, reassign, prioritise, notes), on-calls, priorities, users, services and maintenance
windows, with PagerDuty's error bodies, the `From` header rule, simulated 429s and a record of every
call. `page()` opens an incident the sender's webhooks can then announce. HTTPS only, like the client."""

from __future__ import annotations

import copy
import itertools
import ssl
import tempfile
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Sequence

from sandbox import pagerduty_data as directory
from sandbox import pagerduty_sender
from sandbox.httpstub import Request, Response, StubServer
from sandbox.pagerduty_data import NO_FROM, PdError, invalid
from sandbox.pagerduty_incidents import IncidentBook
from sandbox.pagerduty_routes import answered, body_json, logged_body, routes
from sandbox.pagerduty_tls import write_self_signed_certificate
from sandbox.pagerduty_windows import WindowBook

__all__ = ["NO_FROM", "PagerDutyStub", "PdError", "write_self_signed_certificate"]
URGENCY = {"P0": "high", "P1": "high", "P2": "low", "P3": "low"}


class PagerDutyStub(StubServer):
    """The stand-in server; `page()`, `calls()`, `incident(id)`, `escalation_level(id)`, `notes(id)`
    and `ratelimit(n)` serve in-process tests. `webhook_secrets` sign what `/_sandbox/page` sends."""

    def __init__(
        self,
        now: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
        webhook_secrets: Sequence[str] | None = None,
    ):
        super().__init__("pagerduty")
        self._now, self._secrets = now, webhook_secrets
        self._lock = threading.RLock()
        self._note_ids = itertools.count(1)
        self.reset()
        for method, pattern, handler in routes(self):
            self.route(method, pattern, self._guarded(handler))
        self.route("GET", r"/_sandbox/calls", lambda req: Response(body={"calls": self.calls()}))
        self.route("POST", r"/_sandbox/ratelimit", answered(self._set_ratelimit))
        self.route("POST", r"/_sandbox/reset", lambda req: self.reset() or Response(body={"ok": True}))
        self.route("POST", r"/_sandbox/page", answered(self._page_route))

    # ---- Python API ---------------------------------------------------------------------------
    def start(self, port: int = 0) -> str:
        """Serve HTTPS; trust `ca_file` (or `client_ssl_context()`) in clients."""
        self._tls_dir = tempfile.TemporaryDirectory(prefix="pd-sandbox-")
        cert, key = write_self_signed_certificate(Path(self._tls_dir.name))
        self.ca_file = str(cert)
        super().start(port)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        # the handshake then runs in each request's thread, so a stuck client cannot block accept()
        self._server.socket = context.wrap_socket(
            self._server.socket, server_side=True, do_handshake_on_connect=False
        )
        return self.url

    def stop(self) -> None:
        super().stop()
        if getattr(self, "_tls_dir", None):
            self._tls_dir.cleanup()
            self._tls_dir = None

    @property
    def url(self) -> str:
        return "https" + super().url.removeprefix("http")

    def client_ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)

    def page(
        self, priority: str = "P1", title: str = "vLLM p99 latency above SLO", service: str = "vLLM Inference"
    ) -> dict[str, Any] | None:
        """Open a triggered incident as an alert on `service` (name or id) would, assigned to level 1's
        on-call; None when the service is in a maintenance window (PagerDuty opens nothing then)."""
        if priority not in directory.PRIORITY_IDS:
            raise ValueError(f"priority must be one of {sorted(directory.PRIORITY_IDS)}")
        with self._lock:
            service_id = directory.find_service(service)
            if self.windows.in_maintenance(service_id):
                return None
            return copy.deepcopy(self.book.open(title, priority, service_id, URGENCY[priority]))

    def now(self) -> datetime:
        return self._now()

    def calls(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(call) for call in self._calls]

    def incident(self, incident_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self.book.incidents[incident_id])

    def escalation_level(self, incident_id: str) -> int:
        """The level PagerDuty keeps internally (REST never shows it)."""
        with self._lock:
            return self.book.levels[incident_id]

    def notes(self, incident_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self.book.notes.get(incident_id, []))

    def ratelimit(self, count: int) -> None:
        with self._lock:
            self._limited = count

    def reset(self) -> None:
        with self._lock:
            self.users = directory.users()
            self.book = IncidentBook(self._now, self.users)
            self.windows = WindowBook(self._now)
            self.book.seed()
            self._calls: list[dict[str, Any]] = []
            self._limited = 0

    # ---- request plumbing ---------------------------------------------------------------------
    def _guarded(self, handler: Callable[[Request], Response]) -> Callable[[Request], Response]:
        def serve(req: Request) -> Response:
            with self._lock:
                try:
                    response = self._admit(req) or handler(req)
                except PdError as error:
                    response = error.response()
                self._calls.append(
                    {
                        "method": req.method,
                        "path": req.path,
                        "query": req.query,
                        "from": req.headers.get("From"),
                        "body": logged_body(req),
                        "status": response.status,
                    }
                )
                return response

        return serve

    def _admit(self, req: Request) -> Response | None:
        if self._limited > 0:
            self._limited -= 1
            headers = {"ratelimit-limit": "960", "ratelimit-remaining": "0", "ratelimit-reset": "20"}
            return Response(429, {"error": {"message": "Rate Limit Exceeded", "code": 2020}}, headers)
        auth = req.headers.get("Authorization", "")
        if not (auth.startswith("Token token=") or auth.startswith("Bearer ")) or auth.endswith("="):
            raise PdError(401, "Authentication failed", 2006)
        return None

    def requester(self, req: Request) -> dict[str, Any]:
        """The user named by the `From` header, which PagerDuty requires on writes with an account key."""
        email = req.headers.get("From")
        if not email:
            raise PdError(400, NO_FROM, 2001)
        if "@" not in email:
            raise PdError(400, 'Malformed "From" header', 1028)
        for user in self.users.values():
            if user["email"] == email:
                return user
        raise PdError(400, "Requester User Not Found", 1008)

    def new_note_id(self) -> str:
        return f"PNOTE{next(self._note_ids):03d}"

    # ---- sandbox admin ------------------------------------------------------------------------
    def _set_ratelimit(self, req: Request) -> Response:
        spec = body_json(req)
        count = spec.get("count", 1) if isinstance(spec, dict) else 1
        if not isinstance(count, int):
            raise invalid("count must be an integer")
        self.ratelimit(count)
        return Response(body={"ok": True})

    def _page_route(self, req: Request) -> Response:
        """`{"priority", "title", "service"?, "webhook_url"?}`: open an incident and, given the bot's
        webhook URL, announce it there with a signed `incident.triggered` (outside the lock)."""
        spec = body_json(req)
        if not isinstance(spec, dict) or spec.get("priority") not in directory.PRIORITY_IDS:
            raise invalid("priority must be one of P0, P1, P2, P3")
        title = str(spec.get("title") or "Sandbox page")
        incident = self.page(spec["priority"], title, str(spec.get("service") or "vLLM Inference"))
        if incident is None:
            return Response(200, {"incident": None, "suppressed": "the service is in a maintenance window"})
        answer: dict[str, Any] = {"incident": incident}
        if spec.get("webhook_url"):
            body = pagerduty_sender.event(
                "incident.triggered", pagerduty_sender.webhook_data(incident), agent=None
            )
            delivered = pagerduty_sender.deliver(str(spec["webhook_url"]), body, self._webhook_secrets())
            answer["delivery"] = {"status": delivered.status_code}
        return Response(201, answer)

    def _webhook_secrets(self) -> Sequence[str]:
        if self._secrets is None:  # imported late: sandbox.platform imports this module
            from sandbox.platform import PAGERDUTY_WEBHOOK_SECRETS

            return PAGERDUTY_WEBHOOK_SECRETS
        return self._secrets
