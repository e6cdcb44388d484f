"""Alertmanager notifications as rows: the webhook inbox (unique on group + content digest, so an
unchanged re-send is stored once) drained in arrival order per group, and one row per alert group
(its alerts as last told, its firing episode, and the silence put on it from Slack). Changes are
Writes an engine step returns; the group row moves by compare-and-set on its version."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from bot.state.effects import Write


class AlertEvent(BaseModel):
    id: int
    group_id: str
    digest: str
    body: str
    state: str  # pending | applied
    received_at: float


class AlertGroup(BaseModel):
    id: str  # sha256 of Alertmanager's groupKey, shortened: safe in button values and message keys
    group_key: str
    episode: int = 0  # one more each time the group starts firing again after it resolved
    state: str = "firing"  # firing | resolved
    alerts: list[dict[str, Any]] = []  # the alerts as Alertmanager last described them, by fingerprint
    common_labels: dict[str, str] = {}
    external_url: str = ""
    critical_episode: int = 0  # the episode whose critical line went to the platform channel
    silence_id: str = ""
    silenced_by: str = ""  # "@U…", as the bot records people
    silenced_until: float = 0.0
    version: int = 0
    updated_at: float = 0.0


_JSON = ("alerts", "common_labels")


def _group(row: dict[str, Any]) -> AlertGroup:
    return AlertGroup(**{k: json.loads(v) if k in _JSON else v for k, v in row.items() if v is not None})


# --- writes an engine step returns --------------------------------------------------------------
def receive(group_id: str, digest: str, body: str, now: float) -> Write:
    """Store one notification; a second with the same digest voids the whole step (nothing new)."""
    return Write(
        "INSERT OR IGNORE INTO alert_events (group_id, digest, body, state, received_at) "
        "VALUES (?, ?, ?, 'pending', ?)",
        (group_id, digest, body, now),
        what=f"alert group {group_id}: notification {digest[:12]}",
    )


def applied(event_id: int) -> Write:
    return Write(
        "UPDATE alert_events SET state='applied' WHERE id=? AND state='pending'",
        (event_id,),
        what=f"alert event {event_id}: applied",
    )


def put_group(group: AlertGroup, was: int | None, now: float) -> Write:
    """The group as the step left it; `was` is the version it read (None: a group new to the bot)."""
    fields = {**group.model_dump(), "version": (was or 0) + 1, "updated_at": now}
    values = tuple(json.dumps(v, sort_keys=True) if k in _JSON else v for k, v in fields.items())
    if was is None:
        marks = ", ".join("?" * len(fields))
        sql = f"INSERT OR IGNORE INTO alert_groups ({', '.join(fields)}) VALUES ({marks})"
        return Write(sql, values, what=f"alert group {group.id}: new")
    sets = ", ".join(f"{k}=?" for k in fields)
    return Write(
        f"UPDATE alert_groups SET {sets} WHERE id=? AND version=?",
        (*values, group.id, was),
        what=f"alert group {group.id}: version {was} -> {was + 1}",
    )


def silenced(group_id: str, silence_id: str, by: str, until: float) -> Write:
    return Write(
        "UPDATE alert_groups SET silence_id=?, silenced_by=?, silenced_until=?, version=version+1 WHERE id=?",
        (silence_id, by, until, group_id),
        what=f"alert group {group_id}: silenced",
    )


def unsilenced(group_id: str, silence_id: str) -> Write:
    """Forget the silence unless another one replaced it meanwhile (then nothing changes)."""
    return Write(
        "UPDATE alert_groups SET silence_id='', silenced_by='', silenced_until=0, version=version+1 "
        "WHERE id=? AND silence_id=?",
        (group_id, silence_id),
        expect=None,
        what=f"alert group {group_id}: unsilenced",
    )


class AlertRows:
    def _create(self, db) -> None:
        db["alert_events"].create(
            {"id": int, "group_id": str, "digest": str, "body": str, "state": str, "received_at": float},
            pk="id",
            if_not_exists=True,
        )
        db.execute("CREATE UNIQUE INDEX IF NOT EXISTS alert_events_once ON alert_events(group_id, digest)")
        db.execute("CREATE INDEX IF NOT EXISTS alert_events_pending ON alert_events(state, group_id, id)")
        db["alert_groups"].create(
            {
                "id": str,
                "group_key": str,
                "episode": int,
                "state": str,
                "alerts": str,
                "common_labels": str,
                "external_url": str,
                "critical_episode": int,
                "silence_id": str,
                "silenced_by": str,
                "silenced_until": float,
                "version": int,
                "updated_at": float,
            },
            pk="id",
            if_not_exists=True,
        )

    def pending_alert_events(self, group_id: str) -> list[AlertEvent]:
        rows = self._rows(
            "SELECT * FROM alert_events WHERE group_id=? AND state='pending' ORDER BY id", (group_id,)
        )
        return [AlertEvent(**r) for r in rows]

    def alert_events(self) -> list[AlertEvent]:
        return [AlertEvent(**r) for r in self._rows("SELECT * FROM alert_events ORDER BY id")]

    def alert_group(self, group_id: str) -> AlertGroup | None:
        rows = self._rows("SELECT * FROM alert_groups WHERE id=?", (group_id,))
        return _group(rows[0]) if rows else None

    def alert_group_silenced_by(self, silence_id: str) -> AlertGroup | None:
        rows = self._rows("SELECT * FROM alert_groups WHERE silence_id=? LIMIT 1", (silence_id,))
        return _group(rows[0]) if rows and silence_id else None

    def alert_groups(self) -> list[AlertGroup]:
        return [_group(r) for r in self._rows("SELECT * FROM alert_groups ORDER BY updated_at")]
