"""Approval requests and the votes on them. States: pending -> approved -> executing -> succeeded |
failed, or pending -> rejected | expired | cancelled. Every transition is compare-and-set, and a
person votes at most once per request, so double clicks and races change nothing twice."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

OPEN = ("pending", "approved", "executing")


class Approval(BaseModel):
    id: int
    job_id: int | None = None
    command: str
    args: dict[str, Any]
    plan: dict[str, Any]
    requester: str
    channel: str
    state: str
    required: int
    created_at: float
    expires_at: float
    decided_by: str = ""
    decided_at: float | None = None
    result: dict[str, Any] = {}


class Vote(BaseModel):
    user: str
    decision: str
    at: float


def _approval(row: dict[str, Any]) -> Approval:
    return Approval(
        **{
            **row,
            "args": json.loads(row["args"]),
            "plan": json.loads(row["plan"]),
            "result": json.loads(row["result"] or "{}"),
            "decided_by": row["decided_by"] or "",
        }
    )


class ApprovalRows:
    def _create(self, db) -> None:
        db["approvals"].create(
            {
                "id": int,
                "job_id": int,
                "command": str,
                "args": str,
                "plan": str,
                "requester": str,
                "channel": str,
                "state": str,
                "required": int,
                "created_at": float,
                "expires_at": float,
                "decided_by": str,
                "decided_at": float,
                "result": str,
            },
            pk="id",
            if_not_exists=True,
        )
        db["approvals"].create_index(["state"], if_not_exists=True)
        db["approvals"].create_index(["job_id"], unique=True, if_not_exists=True)
        db["approval_votes"].create(
            {"approval_id": int, "user": str, "decision": str, "at": float},
            pk=("approval_id", "user"),
            if_not_exists=True,
        )

    def create_approval(
        self,
        job_id: int,
        command: str,
        args: dict,
        plan: dict,
        requester: str,
        channel: str,
        required: int,
        now: float,
        expires_at: float,
    ) -> Approval:
        """One approval per proposing job: a job re-run after a crash finds the one it made."""
        self._write(
            "INSERT OR IGNORE INTO approvals (job_id, command, args, plan, requester, channel, state, required, "
            "created_at, expires_at, result) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, '{}')",
            (
                job_id,
                command,
                json.dumps(args),
                json.dumps(plan),
                requester,
                channel,
                required,
                now,
                expires_at,
            ),
        )
        return _approval(self._rows("SELECT * FROM approvals WHERE job_id=?", (job_id,))[0])

    def approval(self, approval_id: int) -> Approval | None:
        rows = self._rows("SELECT * FROM approvals WHERE id=?", (approval_id,))
        return _approval(rows[0]) if rows else None

    def approvals(self, states: tuple[str, ...] = ("pending",)) -> list[Approval]:
        marks = ",".join("?" * len(states))
        return [
            _approval(r)
            for r in self._rows(f"SELECT * FROM approvals WHERE state IN ({marks}) ORDER BY id", states)
        ]

    def move_approval(
        self, approval_id: int, old: str, new: str, now: float, by: str = "", result: dict | None = None
    ) -> bool:
        """old -> new if still old; False when someone else moved it first."""
        sets, params = "state=?, decided_at=COALESCE(decided_at, ?)", [new, now]
        if by:
            sets += ", decided_by=?"
            params.append(by)
        if result is not None:
            sets += ", result=?"
            params.append(json.dumps(result))
        cursor = self._write(
            f"UPDATE approvals SET {sets} WHERE id=? AND state=?", (*params, approval_id, old)
        )
        return cursor.rowcount == 1

    def add_vote(self, approval_id: int, user: str, decision: str, now: float) -> bool:
        """False when this person already voted on this request."""
        cursor = self._write(
            "INSERT OR IGNORE INTO approval_votes (approval_id, user, decision, at) VALUES (?, ?, ?, ?)",
            (approval_id, user, decision, now),
        )
        return cursor.rowcount == 1

    def votes(self, approval_id: int) -> list[Vote]:
        rows = self._rows(
            "SELECT user, decision, at FROM approval_votes WHERE approval_id=? ORDER BY at", (approval_id,)
        )
        return [Vote(**r) for r in rows]
