"""The sandbox PagerDuty account's directory: its people, the LLM Platform escalation policy and who
is on call at each level, the platform's services and the priorities; plus PagerDuty's reference
and error shapes, shared by the REST stand-in and the webhook sender."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone
from typing import Any

from sandbox.httpstub import Response

API = "https://api.pagerduty.com"
ACCOUNT = "https://llm-platform.pagerduty.com"
POLICY_ID, POLICY_NAME = "PEPLLM1", "LLM Platform"
# (id, name, email, escalation level, schedule name or None for a permanent direct-user on-call)
PEOPLE = [
    ("PUSER01", "Olivia Ops", "ops1@example.com", 1, "LLM Primary"),
    ("PUSER02", "Oscar Ops", "ops2@example.com", 2, "LLM Secondary"),
    ("PUSER03", "Mia Manager", "manager@example.com", 3, "Engineering Managers"),
    ("PUSER05", "Tara Lead", "lead@example.com", 4, "LLM Team Leads"),  # P1/P2's last stop, apart from P0's
    ("PUSER04", "Chris CTO", "cto@example.com", 5, None),
    ("PUSERBOT", "llmbot", "llmbot@example.com", None, None),
]
LEVELS = {level: pid for pid, _, _, level, _ in PEOPLE if level}
# (id, name, description): the platform's services, all on the LLM Platform policy
SERVICES = [
    ("PSVCLLM", "vLLM Inference", "Llama-3-70B served by vLLM on EKS"),
    ("PSVCRAG", "RAG Service", "Retrieval-augmented generation API"),
    ("PSVCQDR", "Qdrant", "Vector database behind the RAG service"),
]
PRIORITIES = [
    ("PPRIO00", "P0", "Platform down"),
    ("PPRIO01", "P1", "Major degradation"),
    ("PPRIO02", "P2", "Partial degradation"),
    ("PPRIO03", "P3", "Minor issue"),
]
PRIORITY_IDS = {name: pid for pid, name, _ in PRIORITIES}
NO_FROM = 'You must specify a user\'s email address in the "From" header to perform this action'
_PATHS = {
    "user": "users",
    "priority": "priorities",
    "schedule": "schedules",
    "service": "services",
    "escalation_policy": "escalation_policies",
    "incident": "incidents",
}


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


def invalid(*details: str) -> PdError:
    return PdError(400, "Invalid Input Provided", 2001, list(details))


def ref(kind: str, entity_id: str, summary: str) -> dict[str, Any]:
    """A REST reference, keys in the order the REST API writes them."""
    path = _PATHS[kind]
    return {
        "id": entity_id,
        "type": f"{kind}_reference",
        "summary": summary,
        "self": f"{API}/{path}/{entity_id}",
        "html_url": f"{ACCOUNT}/{path}/{entity_id}",
    }


def users() -> dict[str, dict[str, Any]]:
    return {
        pid: {
            "id": pid,
            "type": "user",
            "name": name,
            "summary": name,
            "email": email,
            "self": f"{API}/users/{pid}",
            "html_url": f"{ACCOUNT}/users/{pid}",
        }
        for pid, name, email, _, _ in PEOPLE
    }


def policy_ref() -> dict[str, Any]:
    return ref("escalation_policy", POLICY_ID, POLICY_NAME)


def service(service_id: str, in_maintenance: bool = False) -> dict[str, Any]:
    _, name, description = next(s for s in SERVICES if s[0] == service_id)
    return {
        **ref("service", service_id, name),
        "type": "service",
        "name": name,
        "description": description,
        "status": "maintenance" if in_maintenance else "active",
        "escalation_policy": policy_ref(),
        "teams": [],
        "created_at": "2024-01-15T10:00:00Z",
    }


def find_service(name_or_id: str) -> str:
    """The id of a service named (case-insensitively) or identified by `name_or_id`."""
    for sid, name, _ in SERVICES:
        if name_or_id in (sid, name) or name_or_id.lower() == name.lower():
            return sid
    raise invalid(f"Service {name_or_id!r} not found")


def oncalls(since: datetime, until: datetime, embed_users: bool) -> list[dict[str, Any]]:
    """Who is on call at each level of the policy between `since` and `until`: scheduled levels
    hand over weekly (Monday 00:00 UTC); the top level is a permanent direct-user target."""
    start = (since - timedelta(days=since.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(days=7 * (1 + (until - start).days // 7))
    directory = users()
    found = []
    for pid, name, _, level, schedule in PEOPLE:
        if not level:
            continue
        permanent = schedule is None
        found.append(
            {
                "escalation_policy": policy_ref(),
                "escalation_level": level,
                "user": copy.deepcopy(directory[pid]) if embed_users else ref("user", pid, name),
                "schedule": None if permanent else ref("schedule", f"PSCHED{level}", schedule),
                "start": None if permanent else stamp(start),
                "end": None if permanent else stamp(end),
            }
        )
    return found


def priority(name: str) -> dict[str, Any]:
    """The priority named `name` as a full object (GET /priorities)."""
    pid, _, description = next(p for p in PRIORITIES if p[1] == name)
    return {
        "id": pid,
        "type": "priority",
        "summary": name,
        "name": name,
        "description": description,
        "self": f"{API}/priorities/{pid}",
    }


def stamp(when: datetime) -> str:
    utc = when.astimezone(timezone.utc) if when.tzinfo else when
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value: Any, what: str) -> datetime:
    """An ISO 8601 time with a zone, as PagerDuty takes them; anything else is a 400."""
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise invalid(f"{what} is not a valid ISO 8601 time") from None
    if parsed.tzinfo is None:
        raise invalid(f"{what} must include a time zone")
    return parsed
