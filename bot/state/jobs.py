"""Durable jobs: work handed from the ack path to the workers. pending -> running -> done | failed,
each step compare-and-set; closing a job and queueing its posts is one transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from bot.state.outbox import Post


class Job(BaseModel):
    id: int
    kind: str
    payload: dict[str, Any]
    state: str
    attempts: int


@dataclass
class JobResult:
    """How a job ended: an outcome word for metrics and audit, the posts to queue, an error text."""

    outcome: str
    posts: list[Post] = field(default_factory=list)
    error: str = ""
    audited: bool = False  # True when the handler wrote its own audit rows


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
            },
            pk="id",
            if_not_exists=True,
            defaults={"attempts": 0, "error": ""},
        )
        db["jobs"].create_index(["state"], if_not_exists=True)

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
        return self.job(job_id) if cursor.rowcount == 1 else None

    def finish_job(
        self, job_id: int, state: str, now: float, error: str = "", posts: list[Post] = ()
    ) -> bool:
        """running -> done|failed with its posts queued, atomically: a crash either re-runs the job
        or has its posts queued, never both and never neither."""
        with self._transaction() as conn:
            cursor = conn.execute(
                "UPDATE jobs SET state=?, updated_at=?, error=? WHERE id=? AND state='running'",
                (state, now, error, job_id),
            )
            if cursor.rowcount == 1:
                for post in posts:
                    self._insert_post(conn, post, now, job_id)
        return cursor.rowcount == 1

    def job(self, job_id: int) -> Job | None:
        rows = self._rows("SELECT * FROM jobs WHERE id=?", (job_id,))
        return _job(rows[0]) if rows else None

    def requeue_interrupted(self, now: float) -> list[Job]:
        """Jobs a crash left running go back to pending; returns every pending job, oldest first."""
        self._write("UPDATE jobs SET state='pending', updated_at=? WHERE state='running'", (now,))
        return [_job(r) for r in self._rows("SELECT * FROM jobs WHERE state='pending' ORDER BY id")]
