"""The audit log: one row per command, decision and outcome, never updated."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class AuditEntry(BaseModel):
    model_config = {"frozen": True}

    at: datetime
    user: str
    verb: str
    args: str
    channel: str
    outcome: str
    duration_ms: int = 0
    request_id: str = ""
    detail: str = ""


class AuditRows:
    def _create(self, db) -> None:
        db["audit"].create(
            {
                "id": int,
                "at": str,
                "user": str,
                "verb": str,
                "args": str,
                "channel": str,
                "outcome": str,
                "duration_ms": int,
                "request_id": str,
                "detail": str,
            },
            pk="id",
            if_not_exists=True,
        )

    def _insert_audit(self, conn, entry: AuditEntry) -> None:
        # a plain INSERT: sqlite-utils' Table.insert re-reads the schema each call (this is the ack path)
        row = entry.model_dump()
        row["at"] = entry.at.isoformat()
        conn.execute(
            f"INSERT INTO audit ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", tuple(row.values())
        )

    def audit(self, entry: AuditEntry) -> None:
        with self._transaction() as conn:
            self._insert_audit(conn, entry)

    def audit_entries(self, limit: int = 100) -> list[AuditEntry]:
        rows = self._rows("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,))
        return [AuditEntry.model_validate(row) for row in rows]
