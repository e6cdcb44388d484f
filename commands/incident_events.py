"""PagerDuty V3 webhook events as our own small model. The webhook shape differs from REST: the
incident's number is `number` and its people `assignees`; an annotated event carries the note with
the incident nested under `data.incident`; priority, agent and client may be null."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pydantic import BaseModel

INCIDENT_TYPES = (
    "incident.triggered",
    "incident.acknowledged",
    "incident.unacknowledged",
    "incident.resolved",
    "incident.reopened",
    "incident.escalated",
    "incident.reassigned",
    "incident.delegated",
    "incident.priority_updated",
    "incident.annotated",
)


class Unreadable(ValueError):
    """Signed by PagerDuty but not an event we can read: stored and logged, never refused."""


class IncidentEvent(BaseModel):
    id: str
    type: str
    occurred_at: float
    agent: str = ""  # a person's name; "" for automation (agent null or an integration)
    incident_id: str
    number: int | None = None  # None when only a reference came (annotated)
    title: str = ""
    status: str | None = None
    service: str = ""
    assignees: list[str] = []
    priority: str | None = None
    urgency: str | None = None
    html_url: str = ""
    policy_id: str = ""
    created_at: float | None = None
    note_id: str = ""
    note: str = ""


def envelope(body: bytes) -> dict[str, Any]:
    """The `event` object of a delivery, or Unreadable."""
    try:
        document = json.loads(body.decode("utf-8"))
        event = document["event"]
        if not isinstance(event, dict) or not isinstance(event.get("event_type"), str):
            raise TypeError
        return event
    except (UnicodeDecodeError, ValueError, KeyError, TypeError):
        raise Unreadable("not a PagerDuty V3 event envelope") from None


def incident_id(event: dict[str, Any]) -> str:
    """The incident an event belongs to ('' for pings and service events)."""
    data = event.get("data") or {}
    if not str(event.get("event_type", "")).startswith("incident."):
        return ""
    if data.get("type") == "incident":
        return str(data.get("id") or "")
    return str((data.get("incident") or {}).get("id") or "")


def parse(body: str | bytes) -> IncidentEvent:
    event = envelope(body.encode() if isinstance(body, str) else body)
    data = event.get("data") or {}
    try:
        common = {
            "id": str(event["id"]),
            "type": event["event_type"],
            "occurred_at": _ts(event["occurred_at"]),
            "agent": _agent(event.get("agent")),
            "incident_id": incident_id(event),
        }
        if data.get("type") == "incident":
            return IncidentEvent(**common, **_incident_fields(data))
        reference = data.get("incident") or {}
        return IncidentEvent(
            **common,
            title=reference.get("summary", ""),
            html_url=reference.get("html_url", ""),
            note_id=str(data.get("id", "")),
            note=str(data.get("content", "")),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise Unreadable(f"{event.get('event_type')}: {type(exc).__name__}") from None


def _incident_fields(data: dict[str, Any]) -> dict[str, Any]:
    priority = data.get("priority") or {}
    return {
        "number": int(data["number"]),
        "title": data.get("title") or "",
        "status": data.get("status"),
        "service": (data.get("service") or {}).get("summary", ""),
        "assignees": [a.get("summary", a.get("id", "")) for a in data.get("assignees") or []],
        "priority": priority.get("summary"),
        "urgency": data.get("urgency"),
        "html_url": data.get("html_url", ""),
        "policy_id": (data.get("escalation_policy") or {}).get("id", ""),
        "created_at": _ts(data["created_at"]) if data.get("created_at") else None,
    }


def _agent(agent: dict[str, Any] | None) -> str:
    if not agent or agent.get("type") != "user_reference":
        return ""
    return agent.get("summary") or agent.get("id", "")


def _ts(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
