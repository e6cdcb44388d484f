"""The PagerDuty webhook inbox: every signed delivery stored (unique on X-Webhook-Id, so a retry or a
duplicate is recognised) before it is answered, and drained in arrival order per incident."""

from __future__ import annotations

from pydantic import BaseModel

from bot.state.effects import Write


class InboxEvent(BaseModel):
    seq: int
    webhook_id: str
    incident_id: str
    event_type: str
    body: str
    state: str  # pending | done | failed | unreadable | ignored


def store(webhook_id: str, incident_id: str, event_type: str, body: bytes, now: float, state: str) -> Write:
    """The delivery as a row; void (a duplicate) when its webhook id was stored before."""
    return Write(
        "INSERT OR IGNORE INTO pd_inbox (webhook_id, incident_id, event_type, body, state, received_at) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        (webhook_id, incident_id, event_type, body.decode("utf-8", "replace"), state, now),
        what=f"inbox {webhook_id}",
    )


def finish(seq: int, state: str = "done") -> Write:
    return Write(
        "UPDATE pd_inbox SET state=? WHERE seq=? AND state='pending'",
        (state, seq),
        what=f"inbox {seq}: {state}",
    )


class InboxRows:
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

    def inbox(self) -> list[InboxEvent]:
        return [
            InboxEvent(**{k: r[k] for k in InboxEvent.model_fields})
            for r in self._rows("SELECT * FROM pd_inbox ORDER BY seq")
        ]
