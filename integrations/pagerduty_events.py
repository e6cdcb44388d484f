"""PagerDuty V3 webhook events as our own small model. The webhook shape differs from REST: the
incident's number is `number` and its people `assignees`; an annotated event carries the note with
the incident nested under `data.incident`; priority, agent and client may be null. A signed body
that is not such an event, in any way, raises Unreadable and nothing else."""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any, NoReturn

from integrations.pagerduty_models import IncidentEvent, valid_id

__all__ = ["INCIDENT_TYPES", "IncidentEvent", "Unreadable", "envelope", "incident_id", "parse"]

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
MAX_BODY = 512 * 1024  # PagerDuty drops anything over 256 KB, so more is not PagerDuty
EVENT_TYPE = re.compile(r"[a-z][a-z0-9_]{0,40}(\.[a-z][a-z0-9_]{0,40}){1,4}")
STATUSES = ("triggered", "acknowledged", "resolved")
TITLE_CHARS, NOTE_CHARS, TEXT_CHARS = 1024, 25_000, 2048


class Unreadable(ValueError):
    """Signed by PagerDuty but not an event we can read: stored and logged, never refused."""


def envelope(body: bytes | str) -> dict[str, Any]:
    """The `event` object of a delivery: a JSON object with an `event` whose id is an id, whose
    event_type is dotted lower-case words and whose data is an object; else Unreadable."""
    raw = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    if not isinstance(raw, bytes) or len(raw) > MAX_BODY:
        _fail("body is not bytes or is too large")
    try:
        document = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):  # ValueError: bad JSON, huge integers
        _fail("not JSON in UTF-8")
    event = document.get("event") if isinstance(document, dict) else None
    if not isinstance(event, dict):
        _fail("no event object")
    kind = event.get("event_type")
    if not isinstance(kind, str) or not EVENT_TYPE.fullmatch(kind):
        _fail("event_type is not an event type")
    if not valid_id(event.get("id")) or not isinstance(event.get("data"), dict):
        _fail(f"{kind}: event id or data has the wrong shape")
    return event


def incident_id(event: Any) -> str:
    """The incident an event belongs to; "" for pings, service events and anything malformed."""
    kind = event.get("event_type") if isinstance(event, dict) else None
    data = event.get("data") if isinstance(event, dict) else None
    if not isinstance(kind, str) or not kind.startswith("incident.") or not isinstance(data, dict):
        return ""
    holder = data if data.get("type") == "incident" else data.get("incident")
    found = holder.get("id") if isinstance(holder, dict) else None
    return found if valid_id(found) else ""


def parse(body: bytes | str) -> IncidentEvent:
    """One incident event, or Unreadable (never another exception)."""
    event = envelope(body)
    if not incident_id(event):
        _fail(f"{event['event_type']}: no incident id")
    data = event["data"]
    common = {
        "id": event["id"],
        "type": event["event_type"],
        "occurred_at": _ts(event.get("occurred_at"), "occurred_at"),
        "agent": _agent(event.get("agent")),
        "incident_id": incident_id(event),
    }
    fields = _incident_fields(data) if data.get("type") == "incident" else _reference_fields(data)
    try:
        return IncidentEvent(**common, **fields)
    except ValueError as exc:  # pydantic's ValidationError; every field was checked above
        _fail(f"{event['event_type']}: {type(exc).__name__}")


def _incident_fields(data: dict[str, Any]) -> dict[str, Any]:
    status = data.get("status")
    if status is not None and status not in STATUSES:
        _fail("status is not an incident status")
    priority = _field(data, "priority")
    return {
        "number": _number(data.get("number")),
        "title": _text(data.get("title"), "title", TITLE_CHARS),
        "status": status,
        "service": _text(_field(data, "service").get("summary"), "service"),
        "service_id": _optional_id(_field(data, "service").get("id"), "service"),
        "assignees": [_person(a) for a in _list(data.get("assignees"), "assignees")],
        "priority": _text(priority.get("summary"), "priority") or None,
        "urgency": _text(data.get("urgency"), "urgency") or None,
        "html_url": _text(data.get("html_url"), "html_url"),
        "policy_id": _optional_id(_field(data, "escalation_policy").get("id"), "escalation_policy"),
        "created_at": _ts(data["created_at"], "created_at") if data.get("created_at") is not None else None,
    }


def _reference_fields(data: dict[str, Any]) -> dict[str, Any]:
    """An event about the incident that carries only its reference (annotated: the note)."""
    reference = _field(data, "incident")
    note = data.get("type") == "incident_note"
    return {
        "title": _text(reference.get("summary"), "incident summary", TITLE_CHARS),
        "html_url": _text(reference.get("html_url"), "incident html_url"),
        "note_id": _optional_id(data.get("id"), "note id") if note else "",
        "note": _text(data.get("content"), "note content", NOTE_CHARS) if note else "",
    }


def _agent(agent: Any) -> str:
    if agent is None:
        return ""
    if not isinstance(agent, dict):
        _fail("agent is not an object")
    if agent.get("type") != "user_reference":
        return ""  # an integration or the service: automation
    return _text(agent.get("summary"), "agent") or _optional_id(agent.get("id"), "agent id")


def _person(reference: Any) -> str:
    if not isinstance(reference, dict):
        _fail("an assignee is not an object")
    return _text(reference.get("summary"), "assignee") or _optional_id(reference.get("id"), "assignee id")


def _field(data: dict[str, Any], key: str) -> dict[str, Any]:
    """An object-valued field that may be null or missing ({} then); any other value is Unreadable."""
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict):
        _fail(f"{key} is not an object")
    return value


def _list(value: Any, what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > 100:
        _fail(f"{what} is not a short list")
    return value


def _text(value: Any, what: str, limit: int = TEXT_CHARS) -> str:
    """A string field: null is "", a long one is cut, anything else (or text that is not valid
    Unicode, such as a lone surrogate from a JSON escape) is Unreadable."""
    if value is None:
        return ""
    if not isinstance(value, str):
        _fail(f"{what} is not a string")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        _fail(f"{what} is not valid Unicode")
    return value[:limit]


def _optional_id(value: Any, what: str) -> str:
    if value is None:
        return ""
    if not valid_id(value):
        _fail(f"{what} is not an id")
    return value


def _number(value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value < 10**12:
        _fail("number is not an incident number")
    return value


def _ts(value: Any, what: str) -> float:
    if not isinstance(value, str) or len(value) > 40:
        _fail(f"{what} is not a time")
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
        return (when if when.tzinfo else when.replace(tzinfo=timezone.utc)).timestamp()
    except (ValueError, OverflowError, OSError):
        _fail(f"{what} is not an ISO 8601 time")


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not JSON")  # NaN and Infinity: Python accepts them, JSON does not


def _fail(reason: str) -> NoReturn:
    raise Unreadable(reason)
