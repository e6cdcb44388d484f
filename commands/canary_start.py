"""`/llm canary start <image>`: a `<deployment>-canary` beside production, sized for the configured
share of pods (the manual's "10% of prod", at least one pod), from an allowed registry; re-checked
against production's image and size and the canary's absence before it is created."""

from __future__ import annotations

import copy

from pydantic import BaseModel, field_validator

from commands import preconditions as pre
from commands.change import Change, ChangeOutcome, ChangePlan, Progress
from commands.deps import Deps
from commands.errors import CommandError
from commands.images import Image, check_registry
from commands.scale import failed, follow
from commands.spec import ChangeRequest
from integrations.kube_models import DeploymentInfo


def canary_name(deps: Deps) -> str:
    return f"{deps.canary.deployment}-canary"


def sized(production: int, share: float) -> int:
    """Canary pods giving the share of all pods closest to `share`, at least one."""
    return max(1, int(production * share / (1 - share) + 0.5))


def share_of(canary: int, production: int) -> str:
    """E.g. "1 of 11 pods ≈ 9%"."""
    total = canary + production
    return f"{canary} of {total} pods ≈ {100 * canary / max(total, 1):.0f}%"


def share_warning(canary: int, production: int, target: float) -> list[str]:
    """A warning when the canary's share of pods (≈ traffic) is far from the target (off by half of it)."""
    actual = canary / max(canary + production, 1)
    if abs(actual - target) <= target / 2:
        return []
    return [f"The canary gets {share_of(canary, production)} of traffic, far from the {target:.0%} target."]


class CanaryStartRequest(ChangeRequest):
    image: Image
    replicas: int | None = None

    @field_validator("replicas")
    @classmethod
    def _at_least_one(cls, replicas: int | None) -> int | None:
        if replicas is not None and replicas < 1:
            raise ValueError("--replicas must be at least 1: a canary needs a pod.")
        return replicas


class CanaryStartPlan(BaseModel):
    name: str
    image: str  # the target: the canary runs this
    replicas: int
    manifest: dict
    production: str
    production_image: str | None  # what production ran when planned
    production_replicas: int


def plan_start(request: CanaryStartRequest, deps: Deps) -> ChangePlan:
    name, ns, policy = canary_name(deps), deps.platform.namespace, deps.canary
    check_registry(request.image, deps.platform.allowed_registries)
    if deps.kube.deployment_exists(ns, name):
        raise CommandError(f"A canary is already running ({name}); promote or abort it first.")
    stable = existing_production(deps)
    replicas = request.replicas or sized(stable.replicas, policy.share)
    if replicas > deps.platform.max_replicas:
        raise CommandError(f"--replicas must be between 1 and {deps.platform.max_replicas}.")
    manifest = _manifest(
        deps.kube.deployment_manifest(ns, policy.deployment),
        name,
        request.image,
        replicas,
        policy.canary_version,
    )
    return ChangePlan(
        title=f"Start canary {request.image}",
        changes=[
            Change(target=f"deployment/{name}", field="created", old="—", new=f"{request.image} × {replicas}")
        ],
        health=[
            f"stable {stable.name}: {stable.image}, {stable.ready_replicas}/{stable.replicas} ready",
            f"traffic: {share_of(replicas, stable.replicas)} (target {policy.share:.0%})",
        ],
        warnings=share_warning(replicas, stable.replicas, policy.share),
        data=CanaryStartPlan(
            name=name,
            image=request.image,
            replicas=replicas,
            manifest=manifest,
            production=stable.name,
            production_image=stable.image,
            production_replicas=stable.replicas,
        ),
    )


def existing_production(deps: Deps) -> DeploymentInfo:
    """The production Deployment a canary shadows; a CommandError when it is missing."""
    found = pre.deployment(deps, deps.canary.deployment)
    if found is None:
        raise CommandError(
            f"Production {deps.canary.deployment} does not exist in {deps.platform.namespace}."
        )
    return found


def _manifest(production: dict, name: str, image: str, replicas: int, version: str) -> dict:
    manifest = copy.deepcopy(production)
    manifest["metadata"] = {
        "name": name,
        "labels": {**production["metadata"].get("labels", {}), "version": version},
    }
    spec = manifest["spec"]
    spec["replicas"] = replicas
    spec["selector"]["matchLabels"] = {**spec["selector"].get("matchLabels", {}), "version": version}
    spec["template"]["metadata"].setdefault("labels", {})["version"] = version
    spec["template"]["spec"]["containers"][0]["image"] = image
    return manifest


def check_start(plan: ChangePlan, deps: Deps) -> list[str]:
    data: CanaryStartPlan = plan.data
    canary, stable = pre.deployment(deps, data.name), pre.deployment(deps, data.production)
    if canary is not None and canary.image != data.image:
        return [f"a canary {data.name} already runs {canary.image} (started by someone else?)"]
    if stable is None:
        return [pre.gone(data.production)]
    moved = []
    if stable.image != data.production_image:
        moved.append(f"{data.production} runs {stable.image} now, planned against {data.production_image}")
    if stable.replicas != data.production_replicas:
        moved.append(
            pre.replicas_moved(data.production, stable.replicas, data.production_replicas)
            + f": the canary would get {share_of(data.replicas, stable.replicas)}"
        )
    return moved


def apply_start(plan: ChangePlan, deps: Deps, progress: Progress) -> ChangeOutcome:
    data: CanaryStartPlan = plan.data
    if not deps.kube.deployment_exists(deps.platform.namespace, data.name):  # a resumed run finds it made
        deps.kube.create_deployment(deps.platform.namespace, data.manifest)
    result = follow(deps, data.name, progress)
    if not result.ok:
        return failed(deps, data.name, result)
    return ChangeOutcome(
        ok=True,
        summary=f"Canary {data.name} is up ({result.state.ready} ready). Watch it with `/llm canary status`.",
        health=health_after(deps, data.name, data.production),
    )


def health_after(deps: Deps, name: str, production: str) -> list[str]:
    canary, stable = pre.deployment(deps, name), pre.deployment(deps, production)
    lines = pre.health_after(deps, name) + pre.health_after(deps, production)
    if canary and stable:
        lines.append(
            f"traffic: {share_of(canary.replicas, stable.replicas)} (target {deps.canary.share:.0%})"
        )
    return lines
