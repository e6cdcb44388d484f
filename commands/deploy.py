"""`/llm deploy <deployment> <image>` and `/llm rollback <deployment>`: the manual's `kubectl set
image` and `kubectl rollout undo`, as approved changes followed to the end of their rollout."""

from __future__ import annotations

from commands.change import Change, ChangeOutcome, ChangePlan, Progress
from commands.deps import Deps
from commands.errors import CommandError
from commands.images import check_image
from commands.scale import check_deployment, failed, follow
from commands.spec import DRY_RUN, Arg, CommandSpec
from integrations.errors import NotFound


def plan_deploy(args: dict, deps: Deps) -> ChangePlan:
    name, image = args["deployment"], check_image(args["image"])
    check_deployment(name, deps)
    current = _current(deps, name)
    warnings = [f"{name} already runs {image}; approving changes nothing."] if current.image == image else []
    return ChangePlan(
        title=f"Deploy {image} to {name}",
        changes=[Change(target=f"deployment/{name}", field="image", old=current.image or "?", new=image)],
        health=[f"{current.ready_replicas}/{current.replicas} ready now, revision {current.revision or '?'}"],
        warnings=warnings,
        data={"deployment": name, "image": image},
    )


def apply_deploy(plan: ChangePlan, deps: Deps, progress: Progress) -> ChangeOutcome:
    name, image = plan.data["deployment"], plan.data["image"]
    deps.kube.set_image(deps.platform.namespace, name, image)
    return _followed(deps, name, progress, f"{name} now runs {image}")


def plan_rollback(args: dict, deps: Deps) -> ChangePlan:
    name = args["deployment"]
    check_deployment(name, deps)
    _current(deps, name)
    revisions = deps.kube.revisions(deps.platform.namespace, name)
    if len(revisions) < 2:
        raise CommandError(f"{name} has no earlier revision to roll back to.")
    current, previous = revisions[0], revisions[1]
    return ChangePlan(
        title=f"Roll back {name} to revision {previous.number}",
        changes=[
            Change(
                target=f"deployment/{name}",
                field="image",
                old=", ".join(current.images),
                new=", ".join(previous.images),
            )
        ],
        health=[f"current revision {current.number}, {current.replicas} pods"],
        data={"deployment": name, "template": previous.template, "revision": previous.number},
    )


def apply_rollback(plan: ChangePlan, deps: Deps, progress: Progress) -> ChangeOutcome:
    name = plan.data["deployment"]
    deps.kube.apply_template(deps.platform.namespace, name, plan.data["template"])
    return _followed(
        deps,
        name,
        progress,
        f"{name} rolled back to revision {plan.data['revision']}'s template",
        offer_rollback=False,
    )


def _current(deps: Deps, name: str):
    try:
        return deps.kube.get_deployment(deps.platform.namespace, name)
    except NotFound:
        raise CommandError(f"`{name}` does not exist in {deps.platform.namespace}.") from None


def _followed(
    deps: Deps, name: str, progress: Progress, success: str, offer_rollback: bool = True
) -> ChangeOutcome:
    result = follow(deps, name, progress)
    if result.ok:
        return ChangeOutcome(ok=True, summary=f"{success}: rollout complete, {result.state.ready} ready.")
    return failed(name, result, offer_rollback=offer_rollback)


DEPLOY = CommandSpec(
    name="deploy",
    summary="Roll out a new image to a deployment (needs approval)",
    example="/llm deploy vllm-llama-3-70b vllm/vllm-openai:v0.4.0",
    role="operator",
    changes=True,
    args=(Arg("deployment", "vllm-llama-3-70b or rag-service"), Arg("image", "image with a tag or digest")),
    options=(DRY_RUN,),
    plan=plan_deploy,
    apply=apply_deploy,
)
ROLLBACK = CommandSpec(
    name="rollback",
    summary="Go back to the previous revision, like kubectl rollout undo (needs approval)",
    example="/llm rollback vllm-llama-3-70b",
    role="operator",
    changes=True,
    args=(Arg("deployment", "vllm-llama-3-70b or rag-service"),),
    options=(DRY_RUN,),
    plan=plan_rollback,
    apply=apply_rollback,
)
SPECS = (DEPLOY, ROLLBACK)
