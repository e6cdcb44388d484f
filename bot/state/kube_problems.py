"""Kubernetes problems the watch engine posted, as rows: one per (object, reason) with its state, the
pods that show it, its message's occurrence and when it was last edited; plus the watch's small
key-value state (each kind's last resourceVersion, the GPU nodes it knows). Changes are Writes a step
returns; a problem row moves by compare-and-set on its version."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from bot.state.effects import Write


class KubeProblem(BaseModel):
    kind: str  # Deployment (its pods), Pod (a pod no Deployment owns) or Node
    name: str
    reason: str  # OOMKilled, CrashLoopBackOff, ..., NotReady, GpuNodeLeft
    namespace: str = ""
    state: str = "active"  # active | resolved
    occurrence: int = 1  # one more each time it comes back after its quiet period: a new message
    recurrences: int = 0  # times it came back within the quiet period (the same message)
    members: dict[str, int] = {}  # pod -> restarts (a node: itself -> 0); empty once resolved
    pod: str = ""  # the pod the Logs and Describe buttons look at
    detail: str = ""  # what Kubernetes said about it (an event's message), as it said it
    first_seen: float = 0.0
    last_seen: float = 0.0
    resolved_at: float | None = None
    resolution: str = ""
    edited_at: float = 0.0  # when its message was last posted or edited
    version: int = 0

    @property
    def key(self) -> str:
        """The message this occurrence is posted as."""
        return f"kube:{self.kind}/{self.name}:{self.reason}:{self.occurrence}"

    @property
    def restarts(self) -> int:
        return sum(self.members.values())


def _problem(row: dict[str, Any]) -> KubeProblem:
    return KubeProblem(**{k: json.loads(v) if k == "members" else v for k, v in row.items() if v is not None})


# --- writes a step returns ------------------------------------------------------------------------
def put(problem: KubeProblem, was: int | None) -> Write:
    """The problem as the step left it; `was` is the version it read (None: new to the bot)."""
    fields = {**problem.model_dump(), "version": (was or 0) + 1}
    values = tuple(json.dumps(v, sort_keys=True) if k == "members" else v for k, v in fields.items())
    what = f"kube problem {problem.kind}/{problem.name} {problem.reason}"
    if was is None:
        marks = ", ".join("?" * len(fields))
        sql = f"INSERT OR IGNORE INTO kube_problems ({', '.join(fields)}) VALUES ({marks})"
        return Write(sql, values, what=f"{what}: new")
    sets = ", ".join(f"{k}=?" for k in fields)
    return Write(
        f"UPDATE kube_problems SET {sets} WHERE kind=? AND name=? AND reason=? AND version=?",
        (*values, problem.kind, problem.name, problem.reason, was),
        what=f"{what}: version {was} -> {was + 1}",
    )


def forget_resolved(before: float) -> Write:
    """Rows resolved long ago: their quiet period is far behind them."""
    return Write(
        "DELETE FROM kube_problems WHERE state='resolved' AND resolved_at < ?",
        (before,),
        expect=None,
        what="kube problems: forget old resolved",
    )


def set_value(name: str, value: str) -> Write:
    return Write(
        "INSERT INTO watch_state (name, value) VALUES (?, ?) "
        "ON CONFLICT(name) DO UPDATE SET value=excluded.value",
        (name, value),
        what=f"watch state {name}",
    )


class KubeProblemRows:
    def _create(self, db) -> None:
        db["kube_problems"].create(
            {
                "kind": str,
                "name": str,
                "reason": str,
                "namespace": str,
                "state": str,
                "occurrence": int,
                "recurrences": int,
                "members": str,
                "pod": str,
                "detail": str,
                "first_seen": float,
                "last_seen": float,
                "resolved_at": float,
                "resolution": str,
                "edited_at": float,
                "version": int,
            },
            pk=("kind", "name", "reason"),
            if_not_exists=True,
        )
        db["kube_problems"].create_index(["state"], if_not_exists=True)
        db["watch_state"].create({"name": str, "value": str}, pk="name", if_not_exists=True)

    def kube_problem(self, kind: str, name: str, reason: str) -> KubeProblem | None:
        rows = self._rows(
            "SELECT * FROM kube_problems WHERE kind=? AND name=? AND reason=?", (kind, name, reason)
        )
        return _problem(rows[0]) if rows else None

    def kube_problems(self, states: tuple[str, ...] = ("active",)) -> list[KubeProblem]:
        marks = ",".join("?" * len(states))
        rows = self._rows(
            f"SELECT * FROM kube_problems WHERE state IN ({marks}) ORDER BY first_seen, kind, name", states
        )
        return [_problem(r) for r in rows]

    def watch_value(self, name: str) -> str | None:
        rows = self._rows("SELECT value FROM watch_state WHERE name=?", (name,))
        return rows[0]["value"] if rows else None
