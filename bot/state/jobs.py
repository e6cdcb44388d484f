"""Durable jobs: work handed from the ack path, a timer or another job to the workers.
pending -> running -> done | failed, each step compare-and-set; closing a job and committing the
effects it returned is one transaction. A job with a key is created once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Callable

from pydantic import BaseModel

from bot.state.effects import NOTHING, Effects, NewJob, Write


class Job(BaseModel):
    id: int
    kind: str
    payload: dict[str, Any]
    state: str
    attempts: int


@dataclass
class JobResult:
    """How a job ended: an outcome word for metrics and audit, the effects to commit with its close,
    an error text (a failed job), and whether the handler wrote its own audit rows. `then` is a step run
    inside the closing transaction, for effects that must render the state as it is at commit."""

    outcome: str
    effects: Effects = NOTHING
    error: str = ""
    audited: bool = False
    then: Callable[[], Effects] | None = None


def _job(row: dict[str, Any]) -> Job:
    return Job(
        id=row["id"],
        kind=row["kind"],
        payload=json.loads(row["payload"]),
        state=row["state"],
        attempts=row["attempts"],
    )


class JobRows:
    def _create(self, db) -> None:
        db["jobs"].create(
            {
                "id": int,
                "kind": str,
                "payload": str,
                "state": str,
                "attempts": int,
                "created_at": float,
                "updated_at": float,
                "error": str,
                "key": str,
            },
            pk="id",
            if_not_exists=True,
            defaults={"attempts": 0, "error": ""},
        )
        db.execute("CREATE INDEX IF NOT EXISTS jobs_state ON jobs(state, id)")
        db.execute("CREATE UNIQUE INDEX IF NOT EXISTS jobs_once ON jobs(key) WHERE key IS NOT NULL")

    def _insert_job(self, conn, job: NewJob, now: float) -> int | None:
        cursor = conn.execute(
            "INSERT OR IGNORE INTO jobs (kind, payload, state, attempts, created_at, updated_at, error, key) "
            "VALUES (?, ?, 'pending', 0, ?, ?, '', ?)",
            (job.kind, json.dumps(job.payload), now, now, job.key),
        )
        return int(cursor.lastrowid) if cursor.rowcount == 1 else None

    def claim_next_job(self, now: float) -> Job | None:
        """The oldest pending job, now running (compare-and-set): two workers never take the same one."""
        with self._transaction() as conn:
            row = conn.execute("SELECT id FROM jobs WHERE state='pending' ORDER BY id LIMIT 1").fetchone()
            if row is None:
                return None
            conn.execute(
                "UPDATE jobs SET state='running', attempts=attempts+1, updated_at=? "
                "WHERE id=? AND state='pending'",
                (now, row[0]),
            )
        return self.job(row[0])

    def finish_job_write(self, job_id: int, state: str, now: float, error: str = "") -> Write:
        return Write(
            "UPDATE jobs SET state=?, updated_at=?, error=? WHERE id=? AND state='running'",
            (state, now, error, job_id),
            what=f"job {job_id}: running -> {state}",
        )

    def job(self, job_id: int) -> Job | None:
        rows = self._rows("SELECT * FROM jobs WHERE id=?", (job_id,))
        return _job(rows[0]) if rows else None

    def jobs(self, state: str = "pending") -> list[Job]:
        return [_job(r) for r in self._rows("SELECT * FROM jobs WHERE state=? ORDER BY id", (state,))]

    def requeue_interrupted(self, now: float) -> int:
        """Jobs a crash left running go back to pending; returns how many."""
        return self._write(
            "UPDATE jobs SET state='pending', updated_at=? WHERE state='running'", (now,)
        ).rowcount

    def has_pending_jobs(self) -> bool:
        return bool(self._rows("SELECT 1 FROM jobs WHERE state='pending' LIMIT 1"))
