"""Timers are rows with a due time, swept by one loop (bot/scheduler.py). Scheduling is idempotent
per (kind, key); firing is compare-and-set, so a timer fires once even across restarts."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel


class Timer(BaseModel):
    id: int
    kind: str
    key: str
    due_at: float
    payload: dict[str, Any]
    state: str


def _timer(row: dict[str, Any]) -> Timer:
    return Timer(
        id=row["id"],
        kind=row["kind"],
        key=row["key"],
        due_at=row["due_at"],
        payload=json.loads(row["payload"]),
        state=row["state"],
    )


class TimerRows:
    def _create(self, db) -> None:
        db["timers"].create(
            {
                "id": int,
                "kind": str,
                "key": str,
                "due_at": float,
                "payload": str,
                "state": str,
                "created_at": float,
                "fired_at": float,
            },
            pk="id",
            if_not_exists=True,
        )
        db["timers"].create_index(["kind", "key"], unique=True, if_not_exists=True)
        db["timers"].create_index(["state", "due_at"], if_not_exists=True)

    def schedule(
        self, kind: str, key: str, due_at: float, now: float, payload: dict[str, Any] | None = None
    ) -> bool:
        """A pending timer (kind, key) due at `due_at`; re-scheduling a pending or cancelled one moves it.
        A timer that already fired stays fired: returns False."""
        with self._transaction() as conn:
            conn.execute(
                "INSERT INTO timers (kind, key, due_at, payload, state, created_at) VALUES (?, ?, ?, ?, 'pending', ?) "
                "ON CONFLICT(kind, key) DO UPDATE SET due_at=excluded.due_at, payload=excluded.payload, "
                "state='pending' WHERE timers.state != 'fired'",
                (kind, key, due_at, json.dumps(payload or {}), now),
            )
            row = conn.execute("SELECT state FROM timers WHERE kind=? AND key=?", (kind, key)).fetchone()
        return row[0] == "pending"

    def reschedule(
        self, kind: str, key: str, due_at: float, now: float, payload: dict[str, Any] | None = None
    ) -> None:
        """Arm (kind, key) again whatever its state, in one statement: for repeating timers."""
        self._write(
            "INSERT INTO timers (kind, key, due_at, payload, state, created_at) VALUES (?, ?, ?, ?, 'pending', ?) "
            "ON CONFLICT(kind, key) DO UPDATE SET due_at=excluded.due_at, payload=excluded.payload, "
            "state='pending', fired_at=NULL",
            (kind, key, due_at, json.dumps(payload or {}), now),
        )

    def defer_timer(self, timer_id: int, due_at: float) -> None:
        """A handler failed: try the same timer again later rather than lose it."""
        self._write("UPDATE timers SET due_at=? WHERE id=? AND state='pending'", (due_at, timer_id))

    def cancel_timer(self, kind: str, key: str) -> bool:
        cursor = self._write(
            "UPDATE timers SET state='cancelled' WHERE kind=? AND key=? AND state='pending'", (kind, key)
        )
        return cursor.rowcount == 1

    def due_timers(self, now: float, limit: int = 100) -> list[Timer]:
        rows = self._rows(
            "SELECT * FROM timers WHERE state='pending' AND due_at<=? ORDER BY due_at LIMIT ?", (now, limit)
        )
        return [_timer(r) for r in rows]

    def claim_timer(self, timer_id: int, now: float) -> bool:
        # due_at<=now: a handler that re-armed its own timer for later keeps it pending
        cursor = self._write(
            "UPDATE timers SET state='fired', fired_at=? WHERE id=? AND state='pending' AND due_at<=?",
            (now, timer_id, now),
        )
        return cursor.rowcount == 1

    def timer(self, kind: str, key: str) -> Timer | None:
        rows = self._rows("SELECT * FROM timers WHERE kind=? AND key=?", (kind, key))
        return _timer(rows[0]) if rows else None

    def timers(self, state: str = "pending") -> list[Timer]:
        return [_timer(r) for r in self._rows("SELECT * FROM timers WHERE state=? ORDER BY due_at", (state,))]
