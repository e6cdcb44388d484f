"""PagerDuty incidents as rows: one incident row per PagerDuty incident (its state, escalation level,
report), its timeline, its checklist ticks, and storms (the webhook inbox is bot/state/pd_inbox.py).
Changes are Writes an engine step returns; status moves are compare-and-set, so a duplicate delivery,
an echoed webhook or a second click changes nothing twice."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from bot.state.effects import Write

OPEN = ("triggered", "acknowledged")


class Incident(BaseModel):
    id: str
    number: int
    title: str
    service: str = ""
    service_id: str = ""
    severity: str
    checklist: str = ""  # the severity whose checklist was posted; ticks index into it
    status: str
    assignee: str = ""
    html_url: str = ""
    urgency: str = ""
    policy_id: str = ""
    created_at: float
    status_at: float  # occurred_at of the newest status change applied: older events never undo it
    acknowledged_at: float | None = None
    resolved_at: float | None = None
    acknowledged_by: str = ""
    resolved_by: str = ""
    level: int = 0  # index into the severity's escalation levels
    announced: int = 0
    report_done: int = 0
    report: str = ""
    opened_at: float = 0.0  # when the bot opened it (its own clock): what storm detection counts


class TimelineEntry(BaseModel):
    at: float
    kind: str
    text: str
    who: str = ""
    ref: str = ""


class Tick(BaseModel):
    idx: int
    ticked_by: str
    ticked_at: float


def _incident(row: dict[str, Any]) -> Incident:
    return Incident(
        **{k: v for k, v in row.items() if v is not None or k in ("acknowledged_at", "resolved_at")}
    )


# --- writes an engine step returns --------------------------------------------------------------
def insert(incident: Incident) -> Write:
    fields = incident.model_dump()
    return Write(
        f"INSERT OR IGNORE INTO incidents ({', '.join(fields)}) VALUES ({', '.join('?' * len(fields))})",
        tuple(fields.values()),
        what=f"incident {incident.id}: opened",
    )


def move(incident_id: str, old: tuple[str, ...], new: str, at: float, **fields: Any) -> Write:
    """Status old -> new unless a newer status change was applied already."""
    sets = ", ".join(f"{k}=?" for k in ("status", "status_at", *fields))
    marks = ",".join("?" * len(old))
    return Write(
        f"UPDATE incidents SET {sets} WHERE id=? AND status IN ({marks}) AND status_at<=?",
        (new, at, *fields.values(), incident_id, *old, at),
        what=f"incident {incident_id}: -> {new}",
    )


def update(incident_id: str, **fields: Any) -> Write:
    sets = ", ".join(f"{k}=?" for k in fields)
    return Write(
        f"UPDATE incidents SET {sets} WHERE id=?",
        (*fields.values(), incident_id),
        what=f"incident {incident_id}: {', '.join(fields)}",
    )


def move_level(incident_id: str, old: int, new: int) -> Write:
    return Write(
        "UPDATE incidents SET level=? WHERE id=? AND level=? AND status='triggered'",
        (new, incident_id, old),
        what=f"incident {incident_id}: level {old} -> {new}",
    )


def timeline(incident_id: str, entry: TimelineEntry) -> Write:
    return Write(
        "INSERT INTO incident_timeline (incident_id, at, kind, text, who, ref) VALUES (?, ?, ?, ?, ?, ?)",
        (incident_id, entry.at, entry.kind, entry.text, entry.who, entry.ref),
        what=f"incident {incident_id}: timeline {entry.kind}",
    )


def tick(incident_id: str, idx: int, user: str, now: float) -> Write:
    """Tick item `idx`; the step is void when it is ticked already (someone was quicker)."""
    return Write(
        "INSERT OR IGNORE INTO checklist_ticks (incident_id, idx, ticked_by, ticked_at) VALUES (?, ?, ?, ?)",
        (incident_id, idx, user, now),
        what=f"incident {incident_id}: tick {idx}",
    )


def untick(incident_id: str, idx: int) -> Write:
    return Write(
        "DELETE FROM checklist_ticks WHERE incident_id=? AND idx=?",
        (incident_id, idx),
        what=f"incident {incident_id}: untick {idx}",
    )


def storm(key: str, started_at: float, last_at: float) -> Write:
    return Write(
        "INSERT INTO storms (key, started_at, last_at) VALUES (?, ?, ?) "
        "ON CONFLICT(key) DO UPDATE SET last_at=MAX(storms.last_at, excluded.last_at)",
        (key, started_at, last_at),
        what=f"storm {key}",
    )


class IncidentRows:
    def _create(self, db) -> None:
        db["incidents"].create(
            {
                "id": str,
                "number": int,
                "title": str,
                "service": str,
                "service_id": str,
                "severity": str,
                "checklist": str,
                "status": str,
                "assignee": str,
                "html_url": str,
                "urgency": str,
                "policy_id": str,
                "created_at": float,
                "status_at": float,
                "acknowledged_at": float,
                "resolved_at": float,
                "acknowledged_by": str,
                "resolved_by": str,
                "level": int,
                "announced": int,
                "report_done": int,
                "report": str,
                "opened_at": float,
            },
            pk="id",
            if_not_exists=True,
            defaults={"level": 0, "announced": 0, "report_done": 0, "report": "", "opened_at": 0.0},
        )
        db["incidents"].create_index(["number"], if_not_exists=True)
        db["incidents"].create_index(["status", "created_at"], if_not_exists=True)
        db["incidents"].create_index(["opened_at"], if_not_exists=True)
        db["storms"].create({"key": str, "started_at": float, "last_at": float}, pk="key", if_not_exists=True)
        db["incident_timeline"].create(
            {"id": int, "incident_id": str, "at": float, "kind": str, "text": str, "who": str, "ref": str},
            pk="id",
            if_not_exists=True,
        )
        db["incident_timeline"].create_index(["incident_id", "at"], if_not_exists=True)
        db["checklist_ticks"].create(
            {"incident_id": str, "idx": int, "ticked_by": str, "ticked_at": float},
            pk=("incident_id", "idx"),
            if_not_exists=True,
        )

    # --- incidents --------------------------------------------------------------------------
    def incident(self, incident_id: str) -> Incident | None:
        rows = self._rows("SELECT * FROM incidents WHERE id=?", (incident_id,))
        return _incident(rows[0]) if rows else None

    def incident_by_number(self, number: int) -> Incident | None:
        rows = self._rows(
            "SELECT * FROM incidents WHERE number=? ORDER BY created_at DESC LIMIT 1", (number,)
        )
        return _incident(rows[0]) if rows else None

    def incidents(self, statuses: tuple[str, ...] = OPEN, since: float | None = None) -> list[Incident]:
        marks = ",".join("?" * len(statuses))
        sql, params = f"SELECT * FROM incidents WHERE status IN ({marks})", list(statuses)
        if since is not None:
            sql, params = sql + " AND created_at>=?", [*params, since]
        return [_incident(r) for r in self._rows(sql + " ORDER BY created_at", params)]

    def opened_count_since(self, since: float) -> int:
        return self._rows("SELECT COUNT(*) AS n FROM incidents WHERE opened_at>=?", (since,))[0]["n"]

    def opened_since(self, since: float) -> list[Incident]:
        rows = self._rows("SELECT * FROM incidents WHERE opened_at>=? ORDER BY opened_at", (since,))
        return [_incident(r) for r in rows]

    def storm(self, active_since: float) -> dict[str, Any] | None:
        """The storm still going (its last incident opened after `active_since`), if any."""
        rows = self._rows(
            "SELECT * FROM storms WHERE last_at>=? ORDER BY started_at DESC LIMIT 1", (active_since,)
        )
        return rows[0] if rows else None

    # --- timeline and checklist -------------------------------------------------------------
    def timeline_has(self, incident_id: str, ref: str) -> bool:
        return bool(
            self._rows(
                "SELECT 1 FROM incident_timeline WHERE incident_id=? AND ref=? LIMIT 1", (incident_id, ref)
            )
        )

    def timeline(self, incident_id: str) -> list[TimelineEntry]:
        rows = self._rows(
            "SELECT at, kind, text, who, ref FROM incident_timeline WHERE incident_id=? ORDER BY at, id",
            (incident_id,),
        )
        return [TimelineEntry(**r) for r in rows]

    def ticks(self, incident_id: str) -> dict[int, Tick]:
        rows = self._rows(
            "SELECT idx, ticked_by, ticked_at FROM checklist_ticks WHERE incident_id=?", (incident_id,)
        )
        return {r["idx"]: Tick(**r) for r in rows}
