"""`/llm restart <deployment>`: the manual's `kubectl rollout restart`, as a change that waits for
approval: the pod template gets the `kubectl.kubernetes.io/restartedAt` stamp the plan chose, so the
Deployment replaces every pod (a new ReplicaSet), followed like any rollout. Applying the same stamp
again changes nothing, so a run resumed after a restart does not restart twice."""

from __future__ import annotations

from datetime import datetime, timezone

from pydantic import BaseModel, field_validator

from commands import preconditions as pre
from commands import rollout, scale
from commands.change import Change, ChangeOutcome, ChangePlan, Progress
from commands.deps import Deps
from commands.kube_names import checked_name
from commands.spec import DRY_RUN, Arg, ChangeRequest, CommandSpec
from integrations.errors import NotFound
from integrations.kube import RESTARTED_AT

STAMP = "%Y-%m-%dT%H:%M:%SZ"


class RestartRequest(ChangeRequest):
    deployment: str

    @field_validator("deployment")
    @classmethod
    def _a_name(cls, name: str) -> str:
        return checked_name(name, "Deployment name")


class RestartPlan(BaseModel):
    deployment: str
    at: str  # the restartedAt stamp to set, chosen once (applying it twice restarts once); JSON-safe text
    was: str | None  # the stamp the template carried when planned (None: never restarted)
    image: str | None  # the image it ran when planned


class Template(BaseModel):
    stamp: str | None
    image: str | None


def stamp(at: datetime) -> str:
    """As `kubectl rollout restart` and KubeClient.restart_deployment write it."""
    return at.astimezone(timezone.utc).strftime(STAMP)


def moment(text: str) -> datetime:
    return datetime.strptime(text, STAMP).replace(tzinfo=timezone.utc)


def template(deps: Deps, name: str) -> Template | None:
    """The pod template's restart stamp and image now; None when the Deployment is gone."""
    try:
        manifest = deps.kube.deployment_manifest(deps.platform.namespace, name)
    except NotFound:
        return None
    spec = manifest["spec"]["template"]
    containers = spec.get("spec", {}).get("containers") or [{}]
    annotations = (spec.get("metadata") or {}).get("annotations") or {}
    return Template(stamp=annotations.get(RESTARTED_AT), image=containers[0].get("image"))


def planned(deps: Deps, name: str) -> tuple[RestartPlan, Change]:
    """A restart of `name` now: its plan and the card's line for it."""
    now = template(deps, name)
    if now is None:
        scale.existing(deps, name)  # says it does not exist, in the usual words
    at = stamp(deps.now())
    data = RestartPlan(deployment=name, at=at, was=now.stamp, image=now.image)
    line = Change(target=f"deployment/{name}", field="restartedAt", old=now.stamp or "never", new=at)
    return data, line


def plan(request: RestartRequest, deps: Deps) -> ChangePlan:
    current = scale.existing(deps, request.deployment)
    data, line = planned(deps, request.deployment)
    return ChangePlan(
        title=f"Restart {request.deployment}",
        changes=[line],
        health=[pre.ready(current)],
        warnings=[f"Every pod of {request.deployment} is replaced by a new one, as a rolling update."],
        data=data,
    )


def moved(data: RestartPlan, deps: Deps) -> list[str]:
    now = template(deps, data.deployment)
    if now is None:
        return [pre.gone(data.deployment)]
    found = []
    if not pre.as_planned(now.stamp, data.was, data.at):
        found.append(f"{data.deployment} was restarted at {now.stamp} since this was planned")
    if now.image != data.image:
        found.append(f"{data.deployment} runs {now.image} now, planned against {data.image}")
    return found


def check(plan: ChangePlan, deps: Deps) -> list[str]:
    return moved(plan.data, deps)


def restart(deps: Deps, data: RestartPlan, progress: Progress) -> ChangeOutcome:
    """Stamp the template and follow the rollout to its end."""
    deps.kube.restart_deployment(deps.platform.namespace, data.deployment, moment(data.at))
    result = scale.follow(deps, data.deployment, progress)
    if not result.ok:
        return scale.failed(deps, data.deployment, result)
    return ChangeOutcome(
        ok=True,
        summary=f"{data.deployment} restarted: {rollout.describe(result.state)}.",
        health=scale.after(deps, data.deployment),
    )


def apply(plan: ChangePlan, deps: Deps, progress: Progress) -> ChangeOutcome:
    return restart(deps, plan.data, progress)


SPEC = CommandSpec(
    name="restart",
    summary="Restart a deployment's pods, like kubectl rollout restart (needs approval)",
    example="/llm restart rag-service",
    role="operator",
    changes=True,
    args=(Arg("deployment", "vllm-llama-3-70b or rag-service"),),
    options=(DRY_RUN,),
    request=RestartRequest,
    plan_data=RestartPlan,
    plan=plan,
    check=check,
    apply=apply,
)
