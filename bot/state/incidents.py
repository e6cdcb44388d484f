"""PagerDuty incidents as rows: the webhook inbox (unique on X-Webhook-Id, drained in arrival order
per incident), one incident row per PagerDuty incident (its state, escalation level, report), its
timeline, and its checklist ticks. Racing changes are compare-and-set, so a duplicate delivery, an
echoed webhook or a second click changes nothing twice."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

OPEN = ("triggered", "acknowledged")


class InboxEvent(BaseModel):
    seq: int
    webhook_id: str
    incident_id: str
    event_type: str
    body: str
    state: str


class Incident(BaseModel):
    id: str
    number: int
    title: str
    service: str = ""
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


class IncidentRows:
    def _create(self, db) -> None:
        db["pd_inbox"].create(
            {
                "seq": int,
                "webhook_id": str,
                "incident_id": str,
                "event_type": str,
                "body": str,
                "state": str,
                "received_at": float,
            },
            pk="seq",
            if_not_exists=True,
        )
        db["pd_inbox"].create_index(["webhook_id"], unique=True, if_not_exists=True)
        db["pd_inbox"].create_index(["state", "incident_id", "seq"], if_not_exists=True)
        db["incidents"].create(
            {
                "id": str,
                "number": int,
                "title": str,
                "service": str,
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
            },
            pk="id",
            if_not_exists=True,
            defaults={"level": 0, "announced": 0, "report_done": 0, "report": ""},
        )
        db["incidents"].create_index(["number"], if_not_exists=True)
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

    # --- the inbox --------------------------------------------------------------------------
    def store_webhook(
        self,
        webhook_id: str,
        incident_id: str,
        event_type: str,
        body: bytes,
        now: float,
        state: str = "pending",
    ) -> bool:
        """False when this webhook id was stored before (a retry or duplicate delivery)."""
        cursor = self._write(
            "INSERT OR IGNORE INTO pd_inbox (webhook_id, incident_id, event_type, body, state, "
            "received_at) VALUES (?, ?, ?, ?, ?, ?)",
            (webhook_id, incident_id, event_type, body.decode("utf-8", "replace"), state, now),
        )
        return cursor.rowcount == 1

    def pending_events(self, incident_id: str) -> list[InboxEvent]:
        rows = self._rows(
            "SELECT * FROM pd_inbox WHERE state='pending' AND incident_id=? ORDER BY seq", (incident_id,)
        )
        return [InboxEvent(**{k: r[k] for k in InboxEvent.model_fields}) for r in rows]

    def incidents_with_pending_events(self) -> list[str]:
        return [
            r["incident_id"]
            for r in self._rows("SELECT DISTINCT incident_id FROM pd_inbox WHERE state='pending'")
        ]

    def finish_event(self, seq: int, state: str = "done") -> bool:
        return (
            self._write("UPDATE pd_inbox SET state=? WHERE seq=? AND state='pending'", (state, seq)).rowcount
            == 1
        )

    def inbox(self) -> list[InboxEvent]:
        return [
            InboxEvent(**{k: r[k] for k in InboxEvent.model_fields})
            for r in self._rows("SELECT * FROM pd_inbox ORDER BY seq")
        ]

    # --- incidents --------------------------------------------------------------------------
    def open_incident(self, incident: Incident) -> bool:
        """Insert the incident; False when it exists already (exactly one root per incident)."""
        fields = incident.model_dump()
        marks = ", ".join("?" * len(fields))
        cursor = self._write(
            f"INSERT OR IGNORE INTO incidents ({', '.join(fields)}) VALUES ({marks})", tuple(fields.values())
        )
        return cursor.rowcount == 1

    def incident(self, incident_id: str) -> Incident | None:
        rows = self._rows("SELECT * FROM incidents WHERE id=?", (incident_id,))
        return _incident(rows[0]) if rows else None

    def incident_by_number(self, number: int) -> Incident | None:
        rows = self._rows(
            "SELECT * FROM incidents WHERE number=? ORDER BY created_at DESC LIMIT 1", (number,)
        )
        return _incident(rows[0]) if rows else None

    def incidents(self, statuses: tuple[str, ...] = OPEN) -> list[Incident]:
        marks = ",".join("?" * len(statuses))
        rows = self._rows(f"SELECT * FROM incidents WHERE status IN ({marks}) ORDER BY created_at", statuses)
        return [_incident(r) for r in rows]

    def move_incident(
        self, incident_id: str, old: tuple[str, ...], new: str, at: float, **fields: Any
    ) -> bool:
        """Status old -> new unless a newer status change was applied already."""
        sets = ", ".join(f"{k}=?" for k in ("status", "status_at", *fields))
        marks = ",".join("?" * len(old))
        cursor = self._write(
            f"UPDATE incidents SET {sets} WHERE id=? AND status IN ({marks}) AND status_at<=?",
            (new, at, *fields.values(), incident_id, *old, at),
        )
        return cursor.rowcount == 1

    def update_incident(self, incident_id: str, **fields: Any) -> bool:
        """Change the fields that differ; False when nothing did."""
        sets = ", ".join(f"{k}=?" for k in fields)
        differs = " OR ".join(f"{k} IS NOT ?" for k in fields)
        cursor = self._write(
            f"UPDATE incidents SET {sets} WHERE id=? AND ({differs})",
            (*fields.values(), incident_id, *fields.values()),
        )
        return cursor.rowcount == 1

    def move_level(self, incident_id: str, old: int, new: int) -> bool:
        cursor = self._write(
            "UPDATE incidents SET level=? WHERE id=? AND level=? AND status='triggered'",
            (new, incident_id, old),
        )
        return cursor.rowcount == 1

    def cancel_incident_timers(self, kind: str, incident_id: str) -> int:
        return self._write(
            "UPDATE timers SET state='cancelled' WHERE kind=? AND key LIKE ? AND state='pending'",
            (kind, f"{incident_id}:%"),
        ).rowcount

    def message_key(self, channel: str, ts: str) -> str | None:
        """The key a delivered message was posted under (a checkbox click names only channel and ts)."""
        rows = self._rows("SELECT key FROM messages WHERE channel=? AND ts=?", (channel, ts))
        return rows[0]["key"] if rows else None

    # --- timeline and checklist -------------------------------------------------------------
    def add_timeline(self, incident_id: str, entry: TimelineEntry) -> bool:
        """False when an entry with the same non-empty ref exists (a note echoed back)."""
        if entry.ref and self.timeline_has(incident_id, entry.ref):
            return False
        self._write(
            "INSERT INTO incident_timeline (incident_id, at, kind, text, who, ref) VALUES (?, ?, ?, ?, ?, ?)",
            (incident_id, entry.at, entry.kind, entry.text, entry.who, entry.ref),
        )
        return True

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

    def tick(self, incident_id: str, idx: int, user: str, now: float) -> bool:
        cursor = self._write(
            "INSERT OR IGNORE INTO checklist_ticks (incident_id, idx, ticked_by, ticked_at) "
            "VALUES (?, ?, ?, ?)",
            (incident_id, idx, user, now),
        )
        return cursor.rowcount == 1

    def untick(self, incident_id: str, idx: int) -> bool:
        return (
            self._write(
                "DELETE FROM checklist_ticks WHERE incident_id=? AND idx=?", (incident_id, idx)
            ).rowcount
            == 1
        )

    def ticks(self, incident_id: str) -> dict[int, Tick]:
        rows = self._rows(
            "SELECT idx, ticked_by, ticked_at FROM checklist_ticks WHERE incident_id=?", (incident_id,)
        )
        return {r["idx"]: Tick(**r) for r in rows}
