"""The state store: one SQLite file (WAL) holding the audit log, the durable job queue and the Slack
outbox. Callers see only this class's methods, so a Postgres backend is a second module, not a rewrite.
Every state change that can race is a compare-and-set (`UPDATE ... WHERE id=? AND state=?`)."""
from __future__ import annotations

import json
import sqlite3
import threading
from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

import sqlite_utils
from pydantic import BaseModel

SCHEMA_VERSION = 1


class AuditEntry(BaseModel):
    at: datetime
    user: str
    verb: str
    args: str
    channel: str
    outcome: str
    duration_ms: int
    request_id: str = ""
    detail: str = ""


class Job(BaseModel):
    id: int
    kind: str
    payload: dict[str, Any]
    state: str
    attempts: int


class OutboxItem(BaseModel):
    id: int
    job_id: int | None
    method: str
    channel: str
    payload: dict[str, Any]
    state: str
    attempts: int
    not_before: float


class Store:
    def __init__(self, path: str | Path):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        self._db = sqlite_utils.Database(conn)
        self._lock = threading.Lock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._create_tables()

    def _create_tables(self) -> None:
        db = self._db
        db["audit"].create(
            {"id": int, "at": str, "user": str, "verb": str, "args": str, "channel": str, "outcome": str,
             "duration_ms": int, "request_id": str, "detail": str},
            pk="id", if_not_exists=True,
        )
        db["jobs"].create(
            {"id": int, "kind": str, "payload": str, "state": str, "attempts": int, "created_at": float,
             "updated_at": float, "error": str},
            pk="id", if_not_exists=True, defaults={"attempts": 0, "error": ""},
        )
        db["outbox"].create(
            {"id": int, "job_id": int, "method": str, "channel": str, "payload": str, "state": str,
             "attempts": int, "not_before": float, "created_at": float, "sent_at": float, "error": str,
             "result": str},
            pk="id", if_not_exists=True, defaults={"attempts": 0, "error": "", "result": ""},
        )
        db["outbox"].create_index(["state", "not_before"], if_not_exists=True)
        db["jobs"].create_index(["state"], if_not_exists=True)

    def _write(self, sql: str, params: tuple | list = ()) -> sqlite3.Cursor:
        with self._lock:
            return self._db.execute(sql, params)

    def _rows(self, sql: str, params: tuple | list = ()) -> Iterator[dict[str, Any]]:
        with self._lock:
            cursor = self._db.execute(sql, params)
            columns = [c[0] for c in cursor.description]
            rows = cursor.fetchall()
        return (dict(zip(columns, row)) for row in rows)

    def is_writable(self) -> bool:
        try:
            self._write("CREATE TABLE IF NOT EXISTS _probe (x)")
            self._write("DELETE FROM _probe")
            return True
        except sqlite3.Error:
            return False

    # --- audit -------------------------------------------------------------------------------
    def audit(self, entry: AuditEntry) -> None:
        row = entry.model_dump()
        row["at"] = entry.at.isoformat()
        with self._lock:
            self._db["audit"].insert(row)

    def audit_entries(self, limit: int = 100) -> list[AuditEntry]:
        rows = self._rows("SELECT * FROM audit ORDER BY id DESC LIMIT ?", (limit,))
        return [AuditEntry.model_validate(row) for row in rows]

    # --- jobs --------------------------------------------------------------------------------
    def add_job(self, kind: str, payload: dict[str, Any], now: float) -> int:
        cursor = self._write(
            "INSERT INTO jobs (kind, payload, state, attempts, created_at, updated_at, error) "
            "VALUES (?, ?, 'pending', 0, ?, ?, '')",
            (kind, json.dumps(payload), now, now),
        )
        return int(cursor.lastrowid)

    def claim_job(self, job_id: int, now: float) -> Job | None:
        """pending -> running, once: a second claim of the same job gets None."""
        cursor = self._write(
            "UPDATE jobs SET state='running', attempts=attempts+1, updated_at=? WHERE id=? AND state='pending'",
            (now, job_id),
        )
        if cursor.rowcount != 1:
            return None
        return self.job(job_id)

    def finish_job(self, job_id: int, state: str, now: float, error: str = "",
                   posts: list[tuple[str, str, dict[str, Any]]] = ()) -> bool:
        """running -> done|failed and its (method, channel, payload) posts queued, in one transaction,
        so a crash either re-runs the job or has its posts queued: never both, never neither."""
        with self._lock:
            conn = self._db.conn
            conn.execute("BEGIN IMMEDIATE")
            try:
                cursor = conn.execute(
                    "UPDATE jobs SET state=?, updated_at=?, error=? WHERE id=? AND state='running'",
                    (state, now, error, job_id),
                )
                if cursor.rowcount == 1:
                    conn.executemany(
                        "INSERT INTO outbox (job_id, method, channel, payload, state, attempts, not_before, "
                        "created_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)",
                        [(job_id, m, c, json.dumps(p), now, now) for m, c, p in posts],
                    )
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
        return cursor.rowcount == 1

    def job(self, job_id: int) -> Job | None:
        for row in self._rows("SELECT * FROM jobs WHERE id=?", (job_id,)):
            return _job(row)
        return None

    def requeue_interrupted(self, now: float) -> list[Job]:
        """Jobs a crash left running go back to pending; returns every pending job, oldest first."""
        self._write("UPDATE jobs SET state='pending', updated_at=? WHERE state='running'", (now,))
        return [_job(r) for r in self._rows("SELECT * FROM jobs WHERE state='pending' ORDER BY id")]

    # --- outbox ------------------------------------------------------------------------------
    def enqueue_post(self, method: str, channel: str, payload: dict[str, Any], now: float,
                     job_id: int | None = None) -> int:
        cursor = self._write(
            "INSERT INTO outbox (job_id, method, channel, payload, state, attempts, not_before, created_at) "
            "VALUES (?, ?, ?, ?, 'pending', 0, ?, ?)",
            (job_id, method, channel, json.dumps(payload), now, now),
        )
        return int(cursor.lastrowid)

    def due_posts(self, now: float, limit: int = 50) -> list[OutboxItem]:
        rows = self._rows(
            "SELECT * FROM outbox WHERE state='pending' AND not_before<=? ORDER BY id LIMIT ?", (now, limit)
        )
        return [_outbox(row) for row in rows]

    def next_post_due(self) -> float | None:
        for row in self._rows("SELECT MIN(not_before) AS due FROM outbox WHERE state='pending'"):
            return row["due"]
        return None

    def mark_sent(self, item_id: int, now: float, result: dict[str, Any]) -> bool:
        cursor = self._write(
            "UPDATE outbox SET state='sent', sent_at=?, result=?, attempts=attempts+1 "
            "WHERE id=? AND state='pending'",
            (now, json.dumps(result), item_id),
        )
        return cursor.rowcount == 1

    def defer_post(self, item_id: int, not_before: float, error: str) -> None:
        self._write(
            "UPDATE outbox SET not_before=?, error=?, attempts=attempts+1 WHERE id=? AND state='pending'",
            (not_before, error, item_id),
        )

    def fail_post(self, item_id: int, error: str) -> None:
        self._write(
            "UPDATE outbox SET state='failed', error=?, attempts=attempts+1 WHERE id=? AND state='pending'",
            (error, item_id),
        )

    def posts(self, state: str | None = None) -> list[OutboxItem]:
        if state is None:
            return [_outbox(r) for r in self._rows("SELECT * FROM outbox ORDER BY id")]
        return [_outbox(r) for r in self._rows("SELECT * FROM outbox WHERE state=? ORDER BY id", (state,))]

    def close(self) -> None:
        with self._lock:
            self._db.conn.close()


def _job(row: dict[str, Any]) -> Job:
    return Job(id=row["id"], kind=row["kind"], payload=json.loads(row["payload"]), state=row["state"],
               attempts=row["attempts"])


def _outbox(row: dict[str, Any]) -> OutboxItem:
    return OutboxItem(id=row["id"], job_id=row["job_id"], method=row["method"], channel=row["channel"],
                      payload=json.loads(row["payload"]), state=row["state"], attempts=row["attempts"],
                      not_before=row["not_before"])
