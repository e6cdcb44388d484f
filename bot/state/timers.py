"""Timers are rows with a due time, swept by one loop (bot/scheduler.py). Arming is idempotent per
(kind, key); firing is compare-and-set in the same transaction as the handler's effects, so a timer
fires once even across restarts."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from bot.state.effects import CancelTimer, SetTimer, Write


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


def claim(timer: Timer, now: float) -> Write:
    """The write that marks `timer` fired; a step's effects stand only if nobody fired or moved it first."""
    return Write(
        "UPDATE timers SET state='fired', fired_at=? WHERE id=? AND state='pending' AND due_at=?",
        (now, timer.id, timer.due_at),
        what=f"timer {timer.kind} {timer.key}: fired",
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

    def _set_timer(self, conn, timer: SetTimer, now: float) -> None:
        if timer.if_absent:
            conn.execute(
                "INSERT OR IGNORE INTO timers (kind, key, due_at, payload, state, created_at) "
                "VALUES (?, ?, ?, ?, 'pending', ?)",
                (timer.kind, timer.key, timer.due_at, json.dumps(timer.payload), now),
            )
            return
        keep_fired = "" if timer.again else " WHERE timers.state != 'fired'"
        conn.execute(
            "INSERT INTO timers (kind, key, due_at, payload, state, created_at) "
            "VALUES (?, ?, ?, ?, 'pending', ?) ON CONFLICT(kind, key) DO UPDATE SET "
            "due_at=excluded.due_at, payload=excluded.payload, state='pending', fired_at=NULL" + keep_fired,
            (timer.kind, timer.key, timer.due_at, json.dumps(timer.payload), now),
        )

    def _cancel_timer(self, conn, cancel: CancelTimer) -> None:
        if cancel.prefix:
            conn.execute(
                "UPDATE timers SET state='cancelled' "
                "WHERE kind=? AND key LIKE ? ESCAPE '\\' AND state='pending'",
                (cancel.kind, _like_prefix(cancel.key)),
            )
        else:
            conn.execute(
                "UPDATE timers SET state='cancelled' WHERE kind=? AND key=? AND state='pending'",
                (cancel.kind, cancel.key),
            )

    def defer_timer(self, timer_id: int, due_at: float) -> None:
        """A handler failed: try the same timer again later rather than lose it."""
        self._write("UPDATE timers SET due_at=? WHERE id=? AND state='pending'", (due_at, timer_id))

    def due_timers(self, now: float, limit: int = 500) -> list[Timer]:
        rows = self._rows(
            "SELECT * FROM timers WHERE state='pending' AND due_at<=? ORDER BY due_at LIMIT ?", (now, limit)
        )
        return [_timer(r) for r in rows]

    def next_due(self) -> float | None:
        rows = self._rows("SELECT MIN(due_at) AS due FROM timers WHERE state='pending'")
        return rows[0]["due"]

    def timer(self, kind: str, key: str) -> Timer | None:
        rows = self._rows("SELECT * FROM timers WHERE kind=? AND key=?", (kind, key))
        return _timer(rows[0]) if rows else None

    def timers(self, state: str = "pending", kind: str | None = None) -> list[Timer]:
        if kind is None:
            rows = self._rows("SELECT * FROM timers WHERE state=? ORDER BY due_at", (state,))
        else:
            rows = self._rows("SELECT * FROM timers WHERE state=? AND kind=? ORDER BY due_at", (state, kind))
        return [_timer(r) for r in rows]


def _like_prefix(prefix: str) -> str:
    return prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
