"""The bot's Alertmanager client (API v2): what fires now, the silences, and creating or expiring
one. Every call has a timeout; failures become integrations.errors with system "alertmanager"."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

import requests
from pydantic import BaseModel, Field

from integrations.errors import Forbidden, IntegrationError, NotFound, Unavailable

SYSTEM = "alertmanager"


class Matcher(BaseModel):
    """`name` = value (or =~, !=, !~ with is_regex / is_equal), as in a silence."""

    model_config = {"populate_by_name": True}

    name: str
    value: str
    is_regex: bool = Field(False, alias="isRegex")
    is_equal: bool = Field(True, alias="isEqual")


class FiringAlert(BaseModel):
    name: str
    fingerprint: str
    state: str  # active | suppressed (silenced or inhibited) | unprocessed
    labels: dict[str, str]
    annotations: dict[str, str]
    starts_at: datetime
    ends_at: datetime | None = None
    generator_url: str = ""
    silenced_by: list[str] = []


class Silence(BaseModel):
    id: str
    state: str  # active | pending | expired
    matchers: list[Matcher]
    starts_at: datetime
    ends_at: datetime
    created_by: str
    comment: str


class AlertmanagerClient:
    """Raises Unavailable (no answer in time, refused, 5xx), Forbidden (401/403), NotFound (a silence
    that does not exist) and, for a request Alertmanager rejects (4xx), a plain IntegrationError
    carrying Alertmanager's own message."""

    def __init__(self, url: str, timeout_seconds: float = 2.0):
        self.url = url.rstrip("/")
        self.timeout_seconds = timeout_seconds
        self._session = requests.Session()

    def ready(self) -> bool:
        try:
            self._call("GET", "/-/ready")
        except IntegrationError:
            return False
        return True

    def alerts(
        self, active: bool = True, silenced: bool = False, inhibited: bool = False
    ) -> list[FiringAlert]:
        """What Alertmanager holds now: by default the active alerts, neither silenced nor inhibited."""
        flags = {"active": active, "silenced": silenced, "inhibited": inhibited}
        params = {key: str(value).lower() for key, value in flags.items()}
        return [_alert(raw) for raw in self._call("GET", "/api/v2/alerts", params=params).json()]

    def silences(self) -> list[Silence]:
        """Every silence Alertmanager still keeps, expired ones included (see Silence.state)."""
        return [_silence(raw) for raw in self._call("GET", "/api/v2/silences").json()]

    def create_silence(
        self,
        matchers: dict[str, str] | list[Matcher],
        starts_at: datetime,
        ends_at: datetime,
        created_by: str,
        comment: str,
    ) -> str:
        """The new silence's id. A dict means exact matches on each label."""
        if isinstance(matchers, dict):
            matchers = [Matcher(name=name, value=value) for name, value in matchers.items()]
        body = {
            "matchers": [m.model_dump(by_alias=True) for m in matchers],
            "startsAt": _iso(starts_at),
            "endsAt": _iso(ends_at),
            "createdBy": created_by,
            "comment": comment,
        }
        return self._call("POST", "/api/v2/silences", json=body).json()["silenceID"]

    def expire_silence(self, silence_id: str) -> None:
        """Ends the silence now; expiring one that already ended changes nothing."""
        self._call("DELETE", f"/api/v2/silence/{quote(silence_id, safe='')}")

    def close(self) -> None:
        self._session.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        try:
            response = self._session.request(
                method, f"{self.url}{path}", timeout=self.timeout_seconds, **kwargs
            )
        except requests.Timeout:
            raise Unavailable(SYSTEM, f"did not answer within {self.timeout_seconds:g}s") from None
        except requests.ConnectionError:
            raise Unavailable(SYSTEM, "refused the connection") from None
        except requests.RequestException as error:
            raise Unavailable(SYSTEM, f"request failed ({type(error).__name__})") from None
        _check(response)
        return response


def _check(response: requests.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    text = _error_text(response)
    if status in (401, 403):
        raise Forbidden(SYSTEM, f"refused our credentials (HTTP {status})")
    # Alertmanager before 0.27 answers a missing silence with 500 "silence not found"; later ones 404.
    if status == 404 or (status == 500 and "not found" in text):
        raise NotFound(SYSTEM, text or "not found")
    if status < 500:
        raise IntegrationError(SYSTEM, text or f"refused the request (HTTP {status})")
    raise Unavailable(SYSTEM, f"answered HTTP {status}" + (f": {text}" if text else ""))


def _error_text(response: requests.Response) -> str:
    """Alertmanager's reason: a bare JSON string, or {"code", "message"} from its API validation."""
    try:
        body = response.json()
    except ValueError:
        return response.text.strip()[:300]
    if isinstance(body, dict):
        body = body.get("message") or body.get("error") or ""
    return str(body)[:300]


def _iso(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("silence times must be timezone-aware")
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _alert(raw: dict) -> FiringAlert:
    status = raw.get("status") or {}
    return FiringAlert(
        name=raw["labels"].get("alertname", ""),
        fingerprint=raw["fingerprint"],
        state=status.get("state", ""),
        labels=raw["labels"],
        annotations=raw.get("annotations") or {},
        starts_at=raw["startsAt"],
        ends_at=raw.get("endsAt"),
        generator_url=raw.get("generatorURL") or "",
        silenced_by=status.get("silencedBy") or [],
    )


def _silence(raw: dict) -> Silence:
    return Silence(
        id=raw["id"],
        state=raw["status"]["state"],
        matchers=[Matcher.model_validate(m) for m in raw["matchers"]],
        starts_at=raw["startsAt"],
        ends_at=raw["endsAt"],
        created_by=raw.get("createdBy", ""),
        comment=raw.get("comment", ""),
    )
