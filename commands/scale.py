"""`/llm scale <deployment> <replicas>`: the manual's `kubectl scale`, as a change that waits for
approval, re-checks the replica count it was planned against, and is followed until the pods are ready."""

from __future__ import annotations

from pydantic import BaseModel, field_validator

from commands import preconditions as pre
from commands import rollout
from commands.blockkit import code
from commands.change import Change, ChangeOutcome, ChangePlan, Progress
from commands.deps import Deps
from commands.errors import CommandError
from commands.spec import DRY_RUN, Arg, ChangeRequest, CommandSpec


class ScaleRequest(ChangeRequest):
    deployment: str
    replicas: int

    @field_validator("replicas")
    @classmethod
    def _not_negative(cls, replicas: int) -> int:
        if replicas < 0:
            raise ValueError("&lt;replicas&gt; must be 0 or more: 0 stops the deployment.")
        return replicas


class ScalePlan(BaseModel):
    deployment: str
    replicas: int  # the target
    was: int  # the replica count it was planned against


def check_deployment(name: str, deps: Deps) -> None:
    """Only the platform's Deployments, named in config, may be changed from chat."""
    if name not in deps.platform.deployments:
        allowed = ", ".join(code(d) for d in deps.platform.deployments)
        raise CommandError(f"{code(name[:60])} is not a deployment llmbot manages; choose one of {allowed}.")


def existing(deps: Deps, name: str):
    """The managed deployment as it is now; a CommandError when it does not exist."""
    check_deployment(name, deps)
    current = pre.deployment(deps, name)
    if current is None:
        raise CommandError(f"{code(name)} does not exist in {deps.platform.namespace}.")
    return current


def plan(request: ScaleRequest, deps: Deps) -> ChangePlan:
    name, replicas = request.deployment, request.replicas
    check_deployment(name, deps)
    if replicas > deps.platform.max_replicas:
        raise CommandError(
            f"{replicas} replicas is above the limit of {deps.platform.max_replicas} (platform.max_replicas)."
        )
    current = existing(deps, name)
    warnings = ["Scaling to 0 stops serving entirely."] if replicas == 0 else []
    if current.replicas == replicas:
        warnings.append(f"{name} already has {replicas} replicas; approving changes nothing.")
    return ChangePlan(
        title=f"Scale {name}",
        changes=[
            Change(
                target=f"deployment/{name}", field="replicas", old=str(current.replicas), new=str(replicas)
            )
        ],
        health=[pre.ready(current)],
        warnings=warnings,
        data=ScalePlan(deployment=name, replicas=replicas, was=current.replicas),
    )


def check(plan: ChangePlan, deps: Deps) -> list[str]:
    data: ScalePlan = plan.data
    current = pre.deployment(deps, data.deployment)
    if current is None:
        return [pre.gone(data.deployment)]
    if pre.as_planned(current.replicas, data.was, data.replicas):
        return []
    return [pre.replicas_moved(data.deployment, current.replicas, data.was)]


def apply(plan: ChangePlan, deps: Deps, progress: Progress) -> ChangeOutcome:
    data: ScalePlan = plan.data
    deps.kube.scale_deployment(deps.platform.namespace, data.deployment, data.replicas)
    result = follow(deps, data.deployment, progress)
    if not result.ok:
        return failed(deps, data.deployment, result)
    return ChangeOutcome(
        ok=True,
        summary=f"{data.deployment} scaled to {data.replicas}: {rollout.describe(result.state)}.",
        health=after(deps, data.deployment),
    )


def after(deps: Deps, name: str) -> list[str]:
    """The deployment's ready count read after the change, as the plan showed it before."""
    current = pre.deployment(deps, name)
    return [pre.ready(current)] if current else [pre.gone(name)]


def follow(deps: Deps, name: str, progress: Progress) -> rollout.RolloutResult:
    return rollout.follow(
        deps.kube,
        deps.platform.namespace,
        name,
        lambda state: progress(f"{name}: {rollout.describe(state)}"),
        timeout_seconds=deps.platform.rollout_timeout_seconds,
        poll_seconds=deps.platform.rollout_poll_seconds,
        crash_grace_seconds=deps.platform.rollout_crash_grace_seconds,
    )


def failed(
    deps: Deps, name: str, result: rollout.RolloutResult, offer_rollback: bool = False
) -> ChangeOutcome:
    details = [f"{p.name}: {p.reason or p.phase}, {p.restarts} restarts" for p in result.failing_pods]
    return ChangeOutcome(
        ok=False,
        summary=f"{name}: {result.reason}",
        details=details,
        rollback=name if offer_rollback else None,
        health=after(deps, name),
    )


SPEC = CommandSpec(
    name="scale",
    summary="Change a deployment's replica count (needs approval)",
    example="/llm scale rag-service 5",
    role="operator",
    changes=True,
    args=(
        Arg("deployment", "vllm-llama-3-70b or rag-service"),
        Arg("replicas", "the new replica count", kind="int", minimum=0),
    ),
    options=(DRY_RUN,),
    request=ScaleRequest,
    plan_data=ScalePlan,
    plan=plan,
    check=check,
    apply=apply,
)
