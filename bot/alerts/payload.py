"""Alertmanager's webhook body (version 4) as a typed value, and what identifies one: the group (a
hash of `groupKey`) and its content (a hash of the alerts' fingerprint, status, startsAt and endsAt),
so a group Alertmanager re-sends unchanged every group_interval or repeat_interval is recognised."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

MAX_ALERTS = 2000  # Alertmanager's max_alerts is unlimited by default; a body is capped at 1 MiB anyway


class Unreadable(ValueError):
    """Not JSON, the wrong shape, or not version 4."""


class Alert(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    status: Literal["firing", "resolved"]
    labels: dict[str, str]
    annotations: dict[str, str] = {}
    starts_at: str = Field(alias="startsAt")
    ends_at: str = Field("", alias="endsAt")
    generator_url: str = Field("", alias="generatorURL", max_length=4096)
    fingerprint: str = Field(min_length=1, max_length=64)

    @field_validator("starts_at", "ends_at")
    @classmethod
    def _timestamp(cls, value: str) -> str:
        if value:
            datetime.fromisoformat(value)  # ValueError: not a time
        return value


class Notification(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    version: Literal["4"]
    group_key: str = Field(alias="groupKey", min_length=1, max_length=8192)
    status: Literal["firing", "resolved"]
    receiver: str = ""
    group_labels: dict[str, str] = Field({}, alias="groupLabels")
    common_labels: dict[str, str] = Field({}, alias="commonLabels")
    common_annotations: dict[str, str] = Field({}, alias="commonAnnotations")
    external_url: str = Field("", alias="externalURL", max_length=4096)
    truncated_alerts: int = Field(0, alias="truncatedAlerts", ge=0)
    alerts: list[Alert] = Field(min_length=1, max_length=MAX_ALERTS)


def parse(body: bytes) -> Notification:
    try:
        return Notification.model_validate_json(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "body"
        raise Unreadable(f"{where}: {first['msg']}"[:200]) from None


def group_id(group_key: str) -> str:
    return hashlib.sha256(group_key.encode()).hexdigest()[:20]


def digest(notification: Notification) -> str:
    """The same for an unchanged re-send, different as soon as any alert starts, resolves or joins."""
    seen = sorted({(a.fingerprint, a.status, a.starts_at, a.ends_at) for a in notification.alerts})
    return hashlib.sha256(json.dumps(seen).encode()).hexdigest()


def stored(alert: Alert) -> dict:
    """An alert as the group row keeps it (Alertmanager's own field names)."""
    return alert.model_dump(by_alias=True)
