"""The bot's only PagerDuty REST API v2 client (the `pagerduty` package): incident actions as a
named user (`From`), escalation, notes, on-calls and priorities. Retries are bounded so a call
ends in seconds, and every failure becomes an integrations.errors exception (system "pagerduty")."""

from __future__ import annotations

import ssl
from typing import Any

import pagerduty
from pydantic import BaseModel

from integrations.errors import Forbidden, IntegrationError, NotFound, Unavailable

SYSTEM = "pagerduty"


class OnCall(BaseModel):
    level: int
    user_id: str
    name: str
    email: str = ""


class Note(BaseModel):
    id: str
    content: str


class PagerDutyClient:
    """Raises Unavailable (timeout, network, 429 twice, 5xx), Forbidden (401/403/402), NotFound
    (404) and a plain IntegrationError with PagerDuty's own message for a refused request (400)."""

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
    def acknowledge(self, incident_id: str, email: str) -> dict[str, Any]:
        return self._update(incident_id, {"status": "acknowledged"}, email)

    def resolve(self, incident_id: str, email: str, resolution: str = "") -> dict[str, Any]:
        change: dict[str, Any] = {"status": "resolved"}
        if resolution:
            change["resolution"] = resolution
        return self._update(incident_id, change, email)

    def unacknowledge(self, incident_id: str, email: str) -> dict[str, Any]:
        return self._update(incident_id, {"status": "triggered"}, email)

    def escalate(self, incident_id: str, level: int, email: str = "") -> dict[str, Any]:
        return self._update(incident_id, {"escalation_level": level}, email)

    def add_note(self, incident_id: str, content: str, email: str) -> Note:
        note = self._call(
            self._client.rpost,
            f"incidents/{incident_id}/notes",
            json={"content": content},
            headers=self._from(email),
        )
        return Note(id=note["id"], content=note["content"])

    # --- reading ----------------------------------------------------------------------------
    def incident(self, incident_id: str) -> dict[str, Any]:
        return self._call(self._client.rget, f"incidents/{incident_id}")

    def oncalls(self, policy_id: str) -> list[OnCall]:
        items = self._call(
            self._client.list_all,
            "oncalls",
            params={"escalation_policy_ids": [policy_id], "include": ["users"]},
        )
        found = [
            OnCall(
                level=i["escalation_level"],
                user_id=i["user"]["id"],
                name=i["user"].get("name") or i["user"].get("summary", ""),
                email=i["user"].get("email", ""),
            )
            for i in items
            if i.get("user")
        ]
        return sorted(found, key=lambda o: o.level)

    def priorities(self) -> list[str]:
        """Priority names, most severe first."""
        return [p["name"] for p in self._call(self._client.list_all, "priorities")]

    def close(self) -> None:
        self._client.close()

    # --- plumbing ---------------------------------------------------------------------------
    def _update(self, incident_id: str, change: dict[str, Any], email: str) -> dict[str, Any]:
        return self._call(
            self._client.rput,
            f"incidents/{incident_id}",
            json={"type": "incident_reference", **change},
            headers=self._from(email),
        )

    def _from(self, email: str) -> dict[str, str]:
        return {"From": email} if email else {}

    def _call(self, function, *args, **kwargs) -> Any:
        try:
            return function(*args, **kwargs)
        except pagerduty.HttpError as exc:
            raise _translated(exc) from None
        except pagerduty.Error as exc:
            cause = type(exc.__cause__).__name__ if exc.__cause__ else "network error"
            raise Unavailable(SYSTEM, f"no answer ({cause})") from None


def _translated(exc: "pagerduty.HttpError") -> IntegrationError:
    response = exc.response
    status = response.status_code if response is not None else 0
    message = _error_message(response)
    if status == 429:
        return Unavailable(SYSTEM, "rate limit reached (429)")
    if status >= 500 or status == 0:
        return Unavailable(SYSTEM, f"server error {status}")
    if status in (401, 402, 403):
        return Forbidden(SYSTEM, message or f"HTTP {status}")
    if status == 404:
        return NotFound(SYSTEM, message or "not found")
    return IntegrationError(SYSTEM, message or f"HTTP {status}")


def _error_message(response) -> str:
    try:
        error = response.json().get("error") or {}
    except Exception:  # not JSON: say only the status
        return ""
    details = "; ".join(str(e) for e in error.get("errors") or [])
    return (error.get("message", "") + (f" ({details})" if details else ""))[:300]
