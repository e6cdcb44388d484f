"""Approval requests and the votes on them. States: pending -> approved -> executing -> succeeded |
failed, or pending -> rejected | expired | cancelled | stale. Every transition is a compare-and-set
Write, and a person votes at most once per request, so double clicks and races change nothing twice."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from bot.state.effects import Write

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

    @property
    def text(self) -> str:
        """The command as it was typed (without `/llm`)."""
        return self.args.get("_text") or self.command


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


def insert(approval: Approval) -> Write:
    return Write(
        "INSERT OR IGNORE INTO approvals (id, job_id, command, args, plan, requester, channel, state, "
        "required, created_at, expires_at, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '{}')",
        (
            approval.id,
            approval.job_id,
            approval.command,
            json.dumps(approval.args),
            json.dumps(approval.plan),
            approval.requester,
            approval.channel,
            approval.state,
            approval.required,
            approval.created_at,
            approval.expires_at,
        ),
        what=f"approval {approval.id}: created {approval.state}",
    )


def move(approval_id: int, old: str, new: str, now: float, by: str = "", result: dict | None = None) -> Write:
    """old -> new if still old: the step stands only if nobody moved it first."""
    sets, params = "state=?, decided_at=COALESCE(decided_at, ?)", [new, now]
    if by:
        sets += ", decided_by=?"
        params.append(by)
    if result is not None:
        sets += ", result=?"
        params.append(json.dumps(result))
    return Write(
        f"UPDATE approvals SET {sets} WHERE id=? AND state=?",
        (*params, approval_id, old),
        what=f"approval {approval_id}: {old} -> {new}",
    )


def vote(approval_id: int, user: str, decision: str, now: float) -> Write:
    """A person's vote; the step is void if they voted on this request before."""
    return Write(
        "INSERT OR IGNORE INTO approval_votes (approval_id, user, decision, at) VALUES (?, ?, ?, ?)",
        (approval_id, user, decision, now),
        what=f"approval {approval_id}: {user} votes {decision}",
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
        db["sequences"].create({"name": str, "value": int}, pk="name", if_not_exists=True)

    def allocate(self, name: str) -> int:
        """The next number of a sequence (request numbers); a crash may leave a gap, never a repeat."""
        with self._transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO sequences (name, value) VALUES (?, 0)", (name,))
            return conn.execute(
                "UPDATE sequences SET value=value+1 WHERE name=? RETURNING value", (name,)
            ).fetchone()[0]

    def approval(self, approval_id: int) -> Approval | None:
        rows = self._rows("SELECT * FROM approvals WHERE id=?", (approval_id,))
        return _approval(rows[0]) if rows else None

    def approval_for_job(self, job_id: int) -> Approval | None:
        rows = self._rows("SELECT * FROM approvals WHERE job_id=?", (job_id,))
        return _approval(rows[0]) if rows else None

    def approvals(self, states: tuple[str, ...] = ("pending",), command: str | None = None) -> list[Approval]:
        marks = ",".join("?" * len(states))
        sql, params = f"SELECT * FROM approvals WHERE state IN ({marks})", list(states)
        if command is not None:
            sql, params = sql + " AND command=?", [*params, command]
        return [_approval(r) for r in self._rows(sql + " ORDER BY id", params)]

    def votes(self, approval_id: int) -> list[Vote]:
        rows = self._rows(
            "SELECT user, decision, at FROM approval_votes WHERE approval_id=? ORDER BY at", (approval_id,)
        )
        return [Vote(**r) for r in rows]
