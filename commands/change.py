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
    data: Any = None  # what apply() needs: the target state and what it was planned against (spec.plan_data)


class ChangeOutcome(BaseModel):
    ok: bool
    summary: str
    details: list[str] = []
    rollback: str | None = None  # a deployment to offer a rollback button for
    health: list[str] = []  # the plan's kind of health lines, read after the change: "4/4 ready now"


Progress = Callable[[str], None]  # one line describing where the change is now


def describe(plan: ChangePlan) -> list[str]:
    return [f"{c.target} {c.field}: {c.old} → {c.new}" for c in plan.changes]


def load_plan(raw: dict[str, Any], plan_data: type[BaseModel] | None) -> ChangePlan:
    """A stored plan, its data typed again by the command's model (a dict for commands without one)."""
    plan = ChangePlan.model_validate(raw)
    if plan_data is not None and isinstance(plan.data, dict):
        plan = plan.model_copy(update={"data": plan_data.model_validate(plan.data)})
    return plan
