"""PagerDuty's REST objects and webhook events as our own small models, and the one rule for what
counts as a PagerDuty id (used before an id goes into a URL path and when reading webhooks)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from pydantic import BaseModel

# PagerDuty ids are short upper-case alphanumerics (PT4KHLK, Q0RIJJZL24RC6W); a little wider here,
# never wide enough to carry a path separator, a query or Slack markup
ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def valid_id(value: Any) -> bool:
    return isinstance(value, str) and ID.fullmatch(value) is not None


class Person(BaseModel):
    id: str
    name: str
    email: str = ""  # only when PagerDuty embedded the full user


class PdIncident(BaseModel):
    id: str
    number: int
    title: str
    status: str  # triggered | acknowledged | resolved
    service_id: str = ""
    service_name: str = ""
    priority: str | None = None  # e.g. "P1"; None when the incident has no priority
    urgency: str = "high"
    policy_id: str = ""
    assignees: list[Person] = []
    assigned_at: datetime | None = None  # when the newest assignment was made
    html_url: str = ""
    created_at: datetime | None = None
    last_status_change_at: datetime | None = None


class IncidentEvent(BaseModel):
    """One V3 webhook event about an incident (see pagerduty_events.parse)."""

    id: str
    type: str
    occurred_at: float
    agent: str = ""  # a person's name; "" for automation (agent null or an integration)
    incident_id: str
    number: int | None = None  # None when only a reference came (annotated)
    title: str = ""
    status: str | None = None
    service: str = ""
    service_id: str = ""
    assignees: list[str] = []
    priority: str | None = None
    urgency: str | None = None
    html_url: str = ""
    policy_id: str = ""
    created_at: float | None = None
    note_id: str = ""
    note: str = ""


class OnCall(BaseModel):
    level: int
    user_id: str
    name: str
    email: str = ""


class Note(BaseModel):
    id: str
    content: str


class PdPriority(BaseModel):
    id: str
    name: str
    description: str = ""


class PdService(BaseModel):
    id: str
    name: str
    status: str = ""  # active, warning, critical, maintenance, disabled
    policy_id: str = ""
    html_url: str = ""


class PdMaintenanceWindow(BaseModel):
    id: str
    description: str = ""
    start: datetime
    end: datetime
    service_ids: list[str] = []


def incident(raw: dict[str, Any]) -> PdIncident:
    service = raw.get("service") or {}
    assignments = raw.get("assignments") or []
    times = [datetime.fromisoformat(a["at"]) for a in assignments if a.get("at")]
    return PdIncident(
        id=raw["id"],
        number=raw["incident_number"],
        title=raw.get("title") or "",
        status=raw["status"],
        service_id=service.get("id", ""),
        service_name=service.get("summary", ""),
        priority=(raw.get("priority") or {}).get("summary"),
        urgency=raw.get("urgency") or "high",
        policy_id=(raw.get("escalation_policy") or {}).get("id", ""),
        assignees=[person(a["assignee"]) for a in assignments if a.get("assignee")],
        assigned_at=max(times) if times else None,
        html_url=raw.get("html_url") or "",
        created_at=raw.get("created_at"),
        last_status_change_at=raw.get("last_status_change_at"),
    )


def person(user: dict[str, Any]) -> Person:
    """A user reference (summary) or a full user (name, email)."""
    return Person(
        id=user["id"], name=user.get("name") or user.get("summary", ""), email=user.get("email", "")
    )


def oncall(raw: dict[str, Any]) -> OnCall:
    who = person(raw["user"])
    return OnCall(level=raw["escalation_level"], user_id=who.id, name=who.name, email=who.email)


def service(raw: dict[str, Any]) -> PdService:
    return PdService(
        id=raw["id"],
        name=raw.get("name") or raw.get("summary", ""),
        status=raw.get("status", ""),
        policy_id=(raw.get("escalation_policy") or {}).get("id", ""),
        html_url=raw.get("html_url") or "",
    )


def window(raw: dict[str, Any]) -> PdMaintenanceWindow:
    return PdMaintenanceWindow(
        id=raw["id"],
        description=raw.get("description") or "",
        start=raw["start_time"],
        end=raw["end_time"],
        service_ids=[s["id"] for s in raw.get("services") or []],
    )
