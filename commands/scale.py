"""`/llm scale <deployment> <replicas>`: the manual's `kubectl scale`, as a change that waits for
approval and is followed until the pods are ready."""

from __future__ import annotations

from commands import rollout
from commands.change import Change, ChangeOutcome, ChangePlan, Progress
from commands.deps import Deps
from commands.errors import CommandError
from commands.spec import DRY_RUN, Arg, CommandSpec
from integrations.errors import NotFound


def check_deployment(name: str, deps: Deps) -> None:
    """Only the platform's Deployments, named in config, may be changed from chat."""
    if name not in deps.platform.deployments:
        allowed = ", ".join(f"`{d}`" for d in deps.platform.deployments)
        raise CommandError(f"`{name}` is not a deployment llmbot manages; choose one of {allowed}.")


def plan(args: dict, deps: Deps) -> ChangePlan:
    name, replicas = args["deployment"], args["replicas"]
    check_deployment(name, deps)
    if replicas > deps.platform.max_replicas:
        raise CommandError(
            f"{replicas} replicas is above the limit of {deps.platform.max_replicas} (platform.max_replicas)."
        )
    try:
        current = deps.kube.get_deployment(deps.platform.namespace, name)
    except NotFound:
        raise CommandError(f"`{name}` does not exist in {deps.platform.namespace}.") from None
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
        health=[f"{current.ready_replicas}/{current.replicas} ready now"],
        warnings=warnings,
        data={"deployment": name, "replicas": replicas},
    )


def apply(plan: ChangePlan, deps: Deps, progress: Progress) -> ChangeOutcome:
    name, replicas = plan.data["deployment"], plan.data["replicas"]
    namespace = deps.platform.namespace
    deps.kube.scale_deployment(namespace, name, replicas)
    result = follow(deps, name, progress)
    if result.ok:
        return ChangeOutcome(
            ok=True, summary=f"{name} scaled to {replicas}: {rollout.describe(result.state)}."
        )
    return failed(name, result)


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


def failed(name: str, result: rollout.RolloutResult, offer_rollback: bool = False) -> ChangeOutcome:
    details = [f"{p.name}: {p.reason or p.phase}, {p.restarts} restarts" for p in result.failing_pods]
    return ChangeOutcome(
        ok=False,
        summary=f"{name}: {result.reason}",
        details=details,
        rollback=name if offer_rollback else None,
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
    plan=plan,
    apply=apply,
)
