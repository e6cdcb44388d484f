"""`/llm deploy <deployment> <image>` and `/llm rollback <deployment>`: the manual's `kubectl set
image` and `kubectl rollout undo`, as approved changes that re-check the image or revision they were
planned against and are followed to the end of their rollout."""

from __future__ import annotations

from pydantic import BaseModel

from commands import preconditions as pre
from commands.change import Change, ChangeOutcome, ChangePlan, Progress
from commands.deps import Deps
from commands.errors import Refusal
from commands.images import Image, check_registry
from commands.scale import existing, failed, follow
from commands.spec import DRY_RUN, Arg, ChangeRequest, CommandSpec


class DeployRequest(ChangeRequest):
    deployment: str
    image: Image


class DeployPlan(BaseModel):
    deployment: str
    image: str  # the target
    was: str | None  # the image it was planned against


def plan_deploy(request: DeployRequest, deps: Deps) -> ChangePlan:
    name, image = request.deployment, request.image
    current = existing(deps, name)
    check_registry(image, deps.platform.allowed_registries)
    warnings = [f"{name} already runs {image}; approving changes nothing."] if current.image == image else []
    return ChangePlan(
        title=f"Deploy {image} to {name}",
        changes=[Change(target=f"deployment/{name}", field="image", old=current.image or "?", new=image)],
        health=[f"{pre.ready(current)}, revision {current.revision or '?'}"],
        warnings=warnings,
        data=DeployPlan(deployment=name, image=image, was=current.image),
    )


def check_deploy(plan: ChangePlan, deps: Deps) -> list[str]:
    data: DeployPlan = plan.data
    current = pre.deployment(deps, data.deployment)
    if current is None:
        return [pre.gone(data.deployment)]
    if pre.as_planned(current.image, data.was, data.image):
        return []
    return [f"{data.deployment} runs {current.image or 'no image'} now, planned against {data.was or '?'}"]


def apply_deploy(plan: ChangePlan, deps: Deps, progress: Progress) -> ChangeOutcome:
    data: DeployPlan = plan.data
    deps.kube.set_image(deps.platform.namespace, data.deployment, data.image)
    return _followed(deps, data.deployment, progress, f"{data.deployment} now runs {data.image}")


class RollbackRequest(ChangeRequest):
    deployment: str


class RollbackPlan(BaseModel):
    deployment: str
    template: dict  # the target: the previous revision's pod template
    revision: int  # the previous revision's number
    images: list[str]  # and its images
    was_revision: int  # the current revision it was planned against
    was_images: list[str]


def plan_rollback(request: RollbackRequest, deps: Deps) -> ChangePlan:
    name = request.deployment
    existing(deps, name)
    revisions = deps.kube.revisions(deps.platform.namespace, name)
    if len(revisions) < 2:
        raise Refusal(f"{name} has no earlier revision to roll back to: it has run one pod template only.")
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
        data=RollbackPlan(
            deployment=name,
            template=previous.template,
            revision=previous.number,
            images=previous.images,
            was_revision=current.number,
            was_images=current.images,
        ),
    )


def check_rollback(plan: ChangePlan, deps: Deps) -> list[str]:
    """Still at the revision planned against, or already running the target's images (a rollback
    makes the old template current again under a new number)."""
    data: RollbackPlan = plan.data
    if pre.deployment(deps, data.deployment) is None:
        return [pre.gone(data.deployment)]
    revisions = deps.kube.revisions(deps.platform.namespace, data.deployment)
    current = revisions[0] if revisions else None
    if current is None or current.number == data.was_revision or current.images == data.images:
        return []
    return [
        f"{data.deployment} is at revision {current.number} now ({', '.join(current.images)}), "
        f"planned against revision {data.was_revision}"
    ]


def apply_rollback(plan: ChangePlan, deps: Deps, progress: Progress) -> ChangeOutcome:
    data: RollbackPlan = plan.data
    deps.kube.apply_template(deps.platform.namespace, data.deployment, data.template)
    success = f"{data.deployment} rolled back to revision {data.revision}'s template"
    return _followed(deps, data.deployment, progress, success, offer_rollback=False)


def _followed(
    deps: Deps, name: str, progress: Progress, success: str, offer_rollback: bool = True
) -> ChangeOutcome:
    result = follow(deps, name, progress)
    if not result.ok:
        return failed(deps, name, result, offer_rollback=offer_rollback)
    return ChangeOutcome(
        ok=True,
        summary=f"{success}: rollout complete, {result.state.ready} ready.",
        health=pre.health_after(deps, name, revision=True),
    )


DEPLOY = CommandSpec(
    name="deploy",
    summary="Roll out a new image to a deployment (needs approval)",
    example="/llm deploy vllm-llama-3-70b vllm/vllm-openai:v0.4.0",
    role="operator",
    changes=True,
    args=(Arg("deployment", "vllm-llama-3-70b or rag-service"), Arg("image", "image with a tag or digest")),
    options=(DRY_RUN,),
    request=DeployRequest,
    plan_data=DeployPlan,
    plan=plan_deploy,
    check=check_deploy,
    apply=apply_deploy,
    details="The image must come from platform.allowed_registries (Docker Hub short names are docker.io).",
)
ROLLBACK = CommandSpec(
    name="rollback",
    summary="Go back to the previous revision, like kubectl rollout undo (needs approval)",
    example="/llm rollback vllm-llama-3-70b",
    role="operator",
    changes=True,
    args=(Arg("deployment", "vllm-llama-3-70b or rag-service"),),
    options=(DRY_RUN,),
    request=RollbackRequest,
    plan_data=RollbackPlan,
    plan=plan_rollback,
    check=check_rollback,
    apply=apply_rollback,
)
SPECS = (DEPLOY, ROLLBACK)
