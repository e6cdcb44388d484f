"""What a change command proposes and what executing it achieved. A plan names its target state
(not a delta), so applying it twice is harmless: a restart can resume it safely."""

from __future__ import annotations

from typing import Any, Callable

from pydantic import BaseModel


class Change(BaseModel):
    target: str  # "deployment/rag-service"
    field: str  # "replicas"
    old: str
    new: str


class ChangePlan(BaseModel):
    title: str  # "Scale rag-service"
    changes: list[Change]
    health: list[str] = []  # what matters for deciding, e.g. the canary verdict
    warnings: list[str] = []
    approvals_required: int | None = None  # overrides the policy, e.g. a forced promote needs two
    data: dict[str, Any] = {}  # what apply() needs: the target state


class ChangeOutcome(BaseModel):
    ok: bool
    summary: str
    details: list[str] = []
    rollback: str | None = None  # a deployment to offer a rollback button for


Progress = Callable[[str], None]  # one line describing where the change is now


def describe(plan: ChangePlan) -> list[str]:
    return [f"{c.target} {c.field}: {c.old} → {c.new}" for c in plan.changes]
