"""The bot's only PagerDuty REST API v2 client (the `pagerduty` package): incident actions as a named
user (`From`), escalation and the level an incident is at, notes, on-calls, priorities, services and
maintenance windows, all returned as our own models. Retries are bounded so a call ends in seconds,
and every failure becomes an integrations.errors exception (system "pagerduty")."""

from __future__ import annotations

import ssl
from datetime import datetime, timedelta
from typing import Any, Iterable

import pagerduty

from integrations import pagerduty_models as models
from integrations.errors import NotFound
from integrations.pagerduty_errors import SYSTEM, call, read, read_all
from integrations.pagerduty_models import (
    Note,
    OnCall,
    PdIncident,
    PdMaintenanceWindow,
    PdPriority,
    PdService,
    valid_id,
)

__all__ = [
    "Note",
    "OnCall",
    "PagerDutyClient",
    "PdIncident",
    "PdMaintenanceWindow",
    "PdPriority",
    "PdService",
]


class PagerDutyClient:
    """Raises Unavailable (timeout, network, 429 twice, 5xx), Forbidden (401/403/402), NotFound
    (404, or an id that cannot be PagerDuty's) and a plain IntegrationError with PagerDuty's own
    message for a refused request (400), e.g. "Incident Already Resolved"."""

    def __init__(
        self,
        url: str,
        token: str,
        from_email: str = "",
        timeout_seconds: float = 3.0,
        ca_file: str | None = None,
    ):
        verify = ssl.create_default_context(cafile=ca_file) if ca_file else True
        self._client = pagerduty.RestApiV2Client(
            token or "missing-token", default_from=from_email or None, base_url=url.rstrip("/"), verify=verify
        )
        self._client.timeout = timeout_seconds
        self._client.retry[429] = 1  # one more try, then the caller says "try again"
        self._client.max_http_attempts = 2
        self._client.max_network_attempts = 1
        self._client.sleep_timer = 0.2
        self._client.sleep_timer_base = 1
        self._client.stagger_cooldown = 0

    # --- incident actions: each acts as `email`, the person who clicked --------------------
    def acknowledge(self, incident_id: str, email: str) -> PdIncident:
        return self._update(incident_id, {"status": "acknowledged"}, email)

    def resolve(self, incident_id: str, email: str, resolution: str = "") -> PdIncident:
        change: dict[str, Any] = {"status": "resolved"}
        if resolution:
            change["resolution"] = resolution
        return self._update(incident_id, change, email)

    def escalate(self, incident_id: str, level: int, email: str = "") -> PdIncident:
        """Move the incident to `level` of its policy; PagerDuty assigns that level's on-call and an
        acknowledged incident becomes triggered again."""
        return self._update(incident_id, {"escalation_level": level}, email)

    def reassign(self, incident_id: str, user_email_or_id: str, email: str) -> PdIncident:
        """Assign the incident to one user (e.g. "reassign to me": the clicker's own email)."""
        user = {"id": self._user_id(user_email_or_id), "type": "user_reference"}
        return self._update(incident_id, {"assignments": [{"assignee": user}]}, email)

    def add_note(self, incident_id: str, content: str, email: str) -> Note:
        path = f"incidents/{_path_id(incident_id)}/notes"
        note = call(self._client.rpost, path, json={"content": content}, headers=_from(email))
        return read(lambda raw: Note(id=raw["id"], content=raw["content"]), note)

    # --- reading ----------------------------------------------------------------------------
    def incident(self, incident_id: str) -> PdIncident:
        raw = call(self._client.rget, f"incidents/{_path_id(incident_id)}", params={"include": ["assignees"]})
        return read(models.incident, raw)

    def current_level(self, incident_id: str) -> int | None:
        """The escalation level the incident is at now, which REST never states: the level at which
        its assignees were on call for its policy when they were assigned. None when that cannot be
        told (resolved, or assigned to someone outside the policy); the highest level when the
        assignees sit on several, so a caller that escalates only upwards never moves it back."""
        now = self.incident(incident_id)
        if now.status == "resolved" or not now.assignees or not now.policy_id:
            return None
        assigned = {person.id for person in now.assignees}
        levels = {o.level for o in self.oncalls(now.policy_id, at=now.assigned_at) if o.user_id in assigned}
        return max(levels) if levels else None

    def oncalls(self, policy_id: str, at: datetime | None = None) -> list[OnCall]:
        """Who is on call at each level of the policy, now or at the moment `at`."""
        params: dict[str, Any] = {"escalation_policy_ids": [policy_id], "include": ["users"]}
        if at is not None:
            params.update(since=at.isoformat(), until=(at + timedelta(seconds=1)).isoformat())
        items = call(self._client.list_all, "oncalls", params=params)
        return sorted(read_all(models.oncall, [i for i in items if i.get("user")]), key=lambda o: o.level)

    def priorities(self) -> list[PdPriority]:
        """The account's priorities, most severe first."""
        items = call(self._client.list_all, "priorities")
        return read_all(
            lambda p: PdPriority(id=p["id"], name=p["name"], description=p.get("description") or ""), items
        )

    def services(self, query: str = "") -> list[PdService]:
        """Services whose name matches `query` (all when empty)."""
        items = call(self._client.list_all, "services", params={"query": query} if query else {})
        return read_all(models.service, items)

    # --- maintenance windows ----------------------------------------------------------------
    def create_maintenance_window(
        self, service_ids: Iterable[str], start: datetime, end: datetime, description: str, email: str = ""
    ) -> str:
        """Open a window in which PagerDuty opens no incidents for the services; returns its id."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("maintenance window times need a time zone")
        body = {
            "type": "maintenance_window",
            "start_time": start.isoformat(),
            "end_time": end.isoformat(),
            "description": description,
            "services": [{"id": _path_id(s), "type": "service_reference"} for s in service_ids],
        }
        created = call(self._client.rpost, "maintenance_windows", json=body, headers=_from(email))
        return read(lambda raw: str(raw["id"]), created)

    def delete_maintenance_window(self, window_id: str) -> bool:
        """End an ongoing window now (a future one is deleted). False when it had already ended or
        is gone, so finishing a maintenance twice is harmless."""
        path = f"maintenance_windows/{_path_id(window_id)}"
        return call(self._client.rdelete, path, tolerate=(404, 405)) is not None

    def maintenance_windows(
        self, service_ids: Iterable[str] = (), state: str = "open"
    ) -> list[PdMaintenanceWindow]:
        """Windows by state (past, future, ongoing, open, all), on any of `service_ids` when given."""
        params: dict[str, Any] = {"filter": state}
        if service_ids:
            params["service_ids"] = list(service_ids)
        return read_all(models.window, call(self._client.list_all, "maintenance_windows", params=params))

    def close(self) -> None:
        self._client.close()

    # --- plumbing ---------------------------------------------------------------------------
    def _update(self, incident_id: str, change: dict[str, Any], email: str) -> PdIncident:
        raw = call(
            self._client.rput,
            f"incidents/{_path_id(incident_id)}",
            json={"type": "incident_reference", **change},
            headers=_from(email),
        )
        return read(models.incident, raw)

    def _user_id(self, email_or_id: str) -> str:
        if "@" not in email_or_id:
            return _path_id(email_or_id)
        users = call(self._client.list_all, "users", params={"query": email_or_id})
        for user in users:
            if str(user.get("email", "")).lower() == email_or_id.lower():
                return str(user["id"])
        raise NotFound(SYSTEM, f"no PagerDuty user has the email {email_or_id}")


def _path_id(value: str) -> str:
    if not valid_id(value):
        raise NotFound(SYSTEM, "that is not a PagerDuty id")
    return value


def _from(email: str) -> dict[str, str]:
    return {"From": email} if email else {}
