"""Maintenance and calendar rows: windows scheduled or cancelled by operators, the replica counts a
drain recorded (until a finish restores them), which notices were posted or skipped, and which
occurrences of the recurring reviews ran. Every "once" is a unique row claimed by compare-and-set,
returned as a Write so the claim commits with the post or job it guards."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from bot.state.effects import Write


class WindowRow(BaseModel):
    key: str
    start_at: float
    end_at: float
    reason: str
    source: str  # default | scheduled
    state: str  # scheduled | cancelled
    by: str


class Drain(BaseModel):
    id: int
    window_key: str
    counts: dict[str, int]  # deployment -> replicas before the drain
    state: str  # drained | restored
    drained_at: float
    by: str


class MaintenanceRows:
    def _create(self, db) -> None:
        db["maintenance_windows"].create(
            {
                "key": str,
                "start_at": float,
                "end_at": float,
                "reason": str,
                "source": str,
                "state": str,
                "by": str,
                "changed_at": float,
            },
            pk="key",
            if_not_exists=True,
        )
        db["maintenance_drains"].create(
            {
                "id": int,
                "window_key": str,
                "counts": str,
                "state": str,
                "drained_at": float,
                "restored_at": float,
                "by": str,
            },
            pk="id",
            if_not_exists=True,
        )
        db["maintenance_notices"].create(
            {"window_key": str, "notice": str, "state": str, "at": float},
            pk=("window_key", "notice"),
            if_not_exists=True,
        )
        db["schedule_runs"].create(
            {"name": str, "occurrence": float, "state": str, "at": float},
            pk=("name", "occurrence"),
            if_not_exists=True,
        )
        self._create_holds(db)

    def _create_holds(self, db) -> None:
        db["pagerduty_holds"].create(
            {"window_key": str, "pd_id": str, "state": str, "opened_at": float},
            pk="window_key",
            if_not_exists=True,
        )

    # --- windows --------------------------------------------------------------------------------
    def window_rows(self, ending_after: float) -> list[WindowRow]:
        rows = self._rows(
            "SELECT * FROM maintenance_windows WHERE end_at > ? ORDER BY start_at", (ending_after,)
        )
        return [WindowRow(**{k: r[k] for k in WindowRow.model_fields}) for r in rows]

    # --- drains ---------------------------------------------------------------------------------
    def open_drain(self) -> Drain | None:
        rows = self._rows("SELECT * FROM maintenance_drains WHERE state='drained' ORDER BY id LIMIT 1")
        return _drain(rows[0]) if rows else None

    def drain(self, drain_id: int) -> Drain | None:
        rows = self._rows("SELECT * FROM maintenance_drains WHERE id=?", (drain_id,))
        return _drain(rows[0]) if rows else None

    def pagerduty_hold(self, window_key: str) -> dict[str, Any] | None:
        rows = self._rows("SELECT * FROM pagerduty_holds WHERE window_key=?", (window_key,))
        return rows[0] if rows else None

    # --- once-only bookkeeping ------------------------------------------------------------------
    def notices(self, window_key: str) -> dict[str, str]:
        rows = self._rows("SELECT notice, state FROM maintenance_notices WHERE window_key=?", (window_key,))
        return {r["notice"]: r["state"] for r in rows}

    def runs(self, name: str) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM schedule_runs WHERE name=? ORDER BY occurrence", (name,))


def put_window(row: WindowRow, now: float) -> Write:
    """Schedule or cancel a window; void when it is already in that state."""
    return Write(
        "INSERT INTO maintenance_windows (key, start_at, end_at, reason, source, state, by, changed_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(key) DO UPDATE SET state=excluded.state, "
        "reason=excluded.reason, by=excluded.by, changed_at=excluded.changed_at, end_at=excluded.end_at "
        "WHERE maintenance_windows.state != excluded.state",
        (row.key, row.start_at, row.end_at, row.reason, row.source, row.state, row.by, now),
        what=f"window {row.key}: {row.state}",
    )


def record_drain(window_key: str, counts: dict[str, int], by: str, now: float) -> Write:
    """The counts to restore later; while a drain is open, its first counts win (a resumed or repeated
    drain must never record the zeros it left behind)."""
    return Write(
        "INSERT INTO maintenance_drains (window_key, counts, state, drained_at, by) "
        "SELECT ?, ?, 'drained', ?, ? "
        "WHERE NOT EXISTS (SELECT 1 FROM maintenance_drains WHERE state='drained')",
        (window_key, json.dumps(counts), now, by),
        expect=None,
        what=f"drain for {window_key}",
    )


def close_drain(drain_id: int, now: float) -> Write:
    return Write(
        "UPDATE maintenance_drains SET state='restored', restored_at=? WHERE id=? AND state='drained'",
        (now, drain_id),
        what=f"drain {drain_id}: restored",
    )


def claim_notice(window_key: str, notice: str, state: str, now: float) -> Write:
    """Mark a notice posted or skipped; void if it was already."""
    return Write(
        "INSERT OR IGNORE INTO maintenance_notices (window_key, notice, state, at) VALUES (?, ?, ?, ?)",
        (window_key, notice, state, now),
        what=f"notice {window_key} {notice}: {state}",
    )


def claim_run(name: str, occurrence: float, state: str, now: float) -> Write:
    """Mark one occurrence of a schedule run (or skipped); void if it was already."""
    return Write(
        "INSERT OR IGNORE INTO schedule_runs (name, occurrence, state, at) VALUES (?, ?, ?, ?)",
        (name, occurrence, state, now),
        what=f"run {name}@{occurrence}: {state}",
    )


def _drain(row: dict[str, Any]) -> Drain:
    return Drain(
        id=row["id"],
        window_key=row["window_key"],
        counts=json.loads(row["counts"]),
        state=row["state"],
        drained_at=row["drained_at"],
        by=row["by"] or "",
    )
