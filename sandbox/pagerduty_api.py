"""PagerDuty REST API v2 stand-in for the calls the bot makes: incidents (list, get, acknowledge, resolve,
escalate, reassign, prioritise, notes), on-calls, priorities and users, with PagerDuty's error bodies,
the `From` header rule, simulated 429s and a record of every call. It serves HTTPS with a throwaway
self-signed certificate because the `pagerduty` client refuses any base URL that is not https://."""

from __future__ import annotations

import copy
import ipaddress
import itertools
import ssl
import tempfile
import threading
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable

from sandbox.httpstub import Request, Response, StubServer

API = "https://api.pagerduty.com"
POLICY = {"id": "PEPLLM1", "type": "escalation_policy_reference", "summary": "LLM Platform"}
SERVICE = {"id": "PSVCLLM", "type": "service_reference", "summary": "LLM Inference"}
# (id, name, email, escalation level, schedule name or None for a permanent direct-user on-call)
PEOPLE = [
    ("PUSER01", "Olivia Ops", "ops1@example.com", 1, "LLM Primary"),
    ("PUSER02", "Oscar Ops", "ops2@example.com", 2, "LLM Secondary"),
    ("PUSER03", "Mia Manager", "manager@example.com", 3, "Engineering Managers"),
    ("PUSER04", "Chris CTO", "cto@example.com", 4, None),
    ("PUSERBOT", "llmbot", "llmbot@example.com", None, None),
]
PRIORITIES = [
    ("PPRIO00", "P0", "Platform down"),
    ("PPRIO01", "P1", "Major degradation"),
    ("PPRIO02", "P2", "Partial degradation"),
    ("PPRIO03", "P3", "Minor issue"),
]
NO_FROM = 'You must specify a user\'s email address in the "From" header to perform this action'
STATUSES = ("triggered", "acknowledged", "resolved")


class PdError(Exception):
    """An error answer in PagerDuty's `{"error": {"message", "code", "errors"}}` shape."""

    def __init__(self, status: int, message: str, code: int, errors: list[str] | None = None):
        super().__init__(message)
        self.status, self.message, self.code, self.errors = status, message, code, errors or []

    def response(self) -> Response:
        error: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors:
            error["errors"] = self.errors
        return Response(self.status, {"error": error})


def _ref(kind: str, entity_id: str, summary: str) -> dict[str, Any]:
    path = {"user": "users", "priority": "priorities", "schedule": "schedules"}[kind]
    return {
        "id": entity_id,
        "type": f"{kind}_reference",
        "summary": summary,
        "self": f"{API}/{path}/{entity_id}",
    }


def _users() -> dict[str, dict[str, Any]]:
    return {
        pid: {
            "id": pid,
            "type": "user",
            "name": name,
            "summary": name,
            "email": email,
            "self": f"{API}/users/{pid}",
            "html_url": f"https://sandbox.pagerduty.com/users/{pid}",
        }
        for pid, name, email, _, _ in PEOPLE
    }


def _incident(pid: str, number: int, title: str, status: str, priority: int, urgency: str) -> dict[str, Any]:
    prio_id, prio_name, _ = PRIORITIES[priority]
    return {
        "id": pid,
        "type": "incident",
        "summary": f"[#{number}] {title}",
        "self": f"{API}/incidents/{pid}",
        "html_url": f"https://sandbox.pagerduty.com/incidents/{pid}",
        "incident_number": number,
        "title": title,
        "status": status,
        "urgency": urgency,
        "created_at": "2024-05-01T09:00:00Z",
        "last_status_change_at": "2024-05-01T09:00:00Z",
        "incident_key": f"key-{number}",
        "service": SERVICE,
        "escalation_policy": POLICY,
        "priority": _ref("priority", prio_id, prio_name),
        "assignments": [{"at": "2024-05-01T09:00:00Z", "assignee": _ref("user", "PUSER01", "Olivia Ops")}],
        "acknowledgements": [],
        "pending_actions": [],
        "assigned_via": "escalation_policy",
    }


def _seed_incidents() -> dict[str, dict[str, Any]]:
    seeds = [
        _incident("PINC001", 101, "vLLM p99 latency above SLO", "triggered", 1, "high"),
        _incident("PINC002", 102, "RAG ingestion backlog growing", "acknowledged", 2, "low"),
        _incident("PINC003", 103, "GPU node NotReady", "resolved", 3, "low"),
    ]
    return {incident["id"]: incident for incident in seeds}


def write_self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A one-day certificate for 127.0.0.1 that is its own CA; returns (cert.pem, key.pem)."""
    from cryptography import x509  # installed with the sandbox extra (moto needs it)
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "llmbot sandbox pagerduty")])
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


class PagerDutyStub(StubServer):
    """The stand-in server; `calls()`, `incident(id)`, `notes(id)` and `ratelimit(n)` serve in-process tests."""

    def __init__(self, now: Callable[[], datetime] = lambda: datetime.now(timezone.utc)):
        super().__init__("pagerduty")
        self._now = now
        self._lock = threading.RLock()
        self._note_ids = itertools.count(1)
        self.reset()
        routes = [
            ("GET", r"/incidents", self._list_incidents),
            ("GET", r"/incidents/(?P<id>\w+)", self._get),
            ("PUT", r"/incidents/(?P<id>\w+)", self._put),
            ("GET", r"/incidents/(?P<id>\w+)/notes", self._list_notes),
            ("POST", r"/incidents/(?P<id>\w+)/notes", self._add_note),
            ("GET", r"/oncalls", self._oncalls),
            ("GET", r"/priorities", self._priorities),
            ("GET", r"/users", self._list_users),
        ]
        for method, pattern, handler in routes:
            self.route(method, pattern, self._guarded(handler))
        self.route("GET", r"/_sandbox/calls", lambda req: Response(body={"calls": self.calls()}))
        self.route("POST", r"/_sandbox/ratelimit", self._set_ratelimit)
        self.route("POST", r"/_sandbox/reset", self._reset)

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

    def calls(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(call) for call in self._calls]

    def incident(self, incident_id: str) -> dict[str, Any]:
        with self._lock:
            return copy.deepcopy(self._incidents[incident_id])

    def escalation_level(self, incident_id: str) -> int:
        """The level PagerDuty keeps internally (REST never shows it)."""
        with self._lock:
            return self._levels[incident_id]

    def notes(self, incident_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return copy.deepcopy(self._notes.get(incident_id, []))

    def ratelimit(self, count: int) -> None:
        with self._lock:
            self._limited = count

    def reset(self) -> None:
        with self._lock:
            self._users = _users()
            self._incidents = _seed_incidents()
            self._levels = {incident_id: 1 for incident_id in self._incidents}
            self._notes: dict[str, list[dict[str, Any]]] = {}
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
                        "body": req.json() if req.body else None,
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

    def _requester(self, req: Request) -> dict[str, Any]:
        email = req.headers.get("From")
        if not email:
            raise PdError(400, NO_FROM, 2001)
        if "@" not in email:
            raise PdError(400, 'Malformed "From" header', 1028)
        for user in self._users.values():
            if user["email"] == email:
                return user
        raise PdError(400, "Requester User Not Found", 1008)

    def _find(self, incident_id: str) -> dict[str, Any]:
        if incident_id not in self._incidents:
            raise PdError(404, "Not Found", 2100)
        return self._incidents[incident_id]

    def _stamp(self) -> str:
        return self._now().strftime("%Y-%m-%dT%H:%M:%SZ")

    @staticmethod
    def _page(req: Request, key: str, items: list[dict[str, Any]]) -> Response:
        limit, offset = int(req.arg("limit", "25") or 25), int(req.arg("offset", "0") or 0)
        page = items[offset : offset + limit]
        total = len(items) if req.arg("total") == "true" else None
        return Response(
            body={
                key: page,
                "limit": limit,
                "offset": offset,
                "more": offset + limit < len(items),
                "total": total,
            }
        )

    # ---- incidents ----------------------------------------------------------------------------
    def _list_incidents(self, req: Request) -> Response:
        wanted = req.query.get("statuses[]") or list(STATUSES)
        found = [copy.deepcopy(i) for i in self._incidents.values() if i["status"] in wanted]
        return self._page(req, "incidents", found)

    def _get(self, req: Request) -> Response:
        return Response(body={"incident": copy.deepcopy(self._find(req.params["id"]))})

    def _put(self, req: Request) -> Response:
        incident = self._find(req.params["id"])
        requester = self._requester(req)
        change = (req.json() or {}).get("incident")
        if not isinstance(change, dict):
            raise PdError(400, "Invalid Input Provided", 2001, ["incident is required"])
        updated = copy.deepcopy(incident)
        for key, apply in (
            ("status", self._set_status),
            ("escalation_level", self._escalate),
            ("assignments", self._assign),
            ("priority", self._prioritise),
        ):
            if key in change:
                apply(updated, change[key], requester)
        self._incidents[updated["id"]] = updated
        return Response(body={"incident": copy.deepcopy(updated)})

    def _set_status(self, incident: dict[str, Any], status: str, requester: dict[str, Any]) -> None:
        if status not in STATUSES:
            raise PdError(400, "Invalid Status", 1003)
        if status == "acknowledged":
            who = _ref("user", requester["id"], requester["name"])
            incident["acknowledgements"].append({"at": self._stamp(), "acknowledger": who})
        incident.update(status=status, last_status_change_at=self._stamp())

    def _escalate(self, incident: dict[str, Any], level: Any, requester: dict[str, Any]) -> None:
        people = [p for p in PEOPLE if p[3] == level]
        if not people or incident["status"] == "resolved":
            raise PdError(400, "Cannot Escalate", 1006)
        pid, name = people[0][0], people[0][1]
        incident["assignments"] = [{"at": self._stamp(), "assignee": _ref("user", pid, name)}]
        self._levels[incident["id"]] = level

    def _assign(self, incident: dict[str, Any], assignments: list[dict[str, Any]], _: dict[str, Any]) -> None:
        ids = [a.get("assignee", {}).get("id") for a in assignments]
        if not ids or any(i not in self._users for i in ids):
            raise PdError(400, "Assigned To User Not Found", 1007)
        incident["assignments"] = [
            {"at": self._stamp(), "assignee": _ref("user", i, self._users[i]["name"])} for i in ids
        ]

    def _prioritise(self, incident: dict[str, Any], priority: Any, _: dict[str, Any]) -> None:
        wanted = priority.get("id") if isinstance(priority, dict) else priority
        for prio_id, name, _description in PRIORITIES:
            if wanted in (prio_id, name):
                incident["priority"] = _ref("priority", prio_id, name)
                return
        raise PdError(400, "Invalid Priority", 1020)

    def _list_notes(self, req: Request) -> Response:
        self._find(req.params["id"])
        return Response(body={"notes": copy.deepcopy(self._notes.get(req.params["id"], []))})

    def _add_note(self, req: Request) -> Response:
        self._find(req.params["id"])
        requester = self._requester(req)
        content = ((req.json() or {}).get("note") or {}).get("content")
        if not content:
            raise PdError(400, "Invalid Input Provided", 2001, ["Note content cannot be empty."])
        note = {
            "id": f"PNOTE{next(self._note_ids):03d}",
            "user": _ref("user", requester["id"], requester["name"]),
            "channel": {"summary": "The PagerDuty website or APIs"},
            "content": content,
            "created_at": self._stamp(),
        }
        self._notes.setdefault(req.params["id"], []).append(note)
        return Response(201, {"note": copy.deepcopy(note)})

    # ---- directory ----------------------------------------------------------------------------
    def _oncalls(self, req: Request) -> Response:
        policies = req.query.get("escalation_policy_ids[]")
        if policies and POLICY["id"] not in policies:
            return self._page(req, "oncalls", [])
        embed = "users" in req.query.get("include[]", [])
        return self._page(req, "oncalls", [self._oncall(person, embed) for person in PEOPLE if person[3]])

    def _oncall(self, person: tuple, embed_user: bool) -> dict[str, Any]:
        pid, name, _, level, schedule = person
        user = copy.deepcopy(self._users[pid]) if embed_user else _ref("user", pid, name)
        permanent = schedule is None
        return {
            "escalation_policy": POLICY,
            "escalation_level": level,
            "user": user,
            "schedule": None if permanent else _ref("schedule", f"PSCHED{level}", schedule),
            "start": None if permanent else "2024-05-01T00:00:00Z",
            "end": None if permanent else "2024-05-08T00:00:00Z",
        }

    def _priorities(self, req: Request) -> Response:
        found = [
            {
                "id": pid,
                "type": "priority",
                "summary": name,
                "name": name,
                "description": description,
                "self": f"{API}/priorities/{pid}",
            }
            for pid, name, description in PRIORITIES
        ]
        return self._page(req, "priorities", found)

    def _list_users(self, req: Request) -> Response:
        query = (req.arg("query") or "").lower()
        found = [
            copy.deepcopy(u)
            for u in self._users.values()
            if query in u["email"].lower() or query in u["name"].lower()
        ]
        return self._page(req, "users", found)

    # ---- sandbox admin ------------------------------------------------------------------------
    def _set_ratelimit(self, req: Request) -> Response:
        self.ratelimit(int((req.json() or {}).get("count", 1)))
        return Response(body={"ok": True})

    def _reset(self, req: Request) -> Response:
        self.reset()
        return Response(body={"ok": True})
