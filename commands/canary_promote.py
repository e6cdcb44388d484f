"""`/llm canary promote` (production takes the canary's image, then the canary goes) and `/llm canary
abort` (the canary goes). Each re-checks before it runs that the canary is still the one planned
against; a promote also that production has not moved and the verdict has not turned to fail."""

from __future__ import annotations

from pydantic import BaseModel

from commands import preconditions as pre
from commands.canary_analysis import analyse
from commands.canary_start import canary_name
from commands.canary_status import CanaryStatusRequest, status
from commands.change import Change, ChangeOutcome, ChangePlan, Progress
from commands.deps import Deps
from commands.errors import CommandError
from commands.scale import failed, follow
from commands.spec import ChangeRequest

FAILING = "promoting anyway needs `--force` and two approvals"


class CanaryPromoteRequest(ChangeRequest):
    force: bool = False


class CanaryPromotePlan(BaseModel):
    name: str  # the canary
    image: str  # its image: the target for production
    production: str
    was: str | None  # production's image when planned
    forced: bool  # promoted past a failing verdict: the verdict is not checked again


def plan_promote(request: CanaryPromoteRequest, deps: Deps) -> ChangePlan:
    current = status(CanaryStatusRequest(requester=request.requester), deps)
    if current.canary is None or not current.canary.image:
        raise CommandError("No canary is running; start one with `/llm canary start &lt;image&gt;`.")
    verdict = current.analysis.verdict if current.analysis else "inconclusive"
    if verdict == "fail" and not request.force:
        raise CommandError(f"The canary's verdict is *fail*; {FAILING}.")
    reasons = current.analysis.reasons if current.analysis else [current.analysis_error]
    production, image = deps.canary.deployment, current.canary.image
    return ChangePlan(
        title=f"Promote canary {image}",
        changes=[
            Change(
                target=f"deployment/{production}", field="image", old=current.stable.image or "?", new=image
            ),
            Change(target=f"deployment/{current.name}", field="deleted", old="running", new="—"),
        ],
        health=[h for h in [f"canary verdict: {verdict}", *reasons] if h],
        warnings=["Forced past a failing verdict: two approvals needed."] if verdict == "fail" else [],
        approvals_required=2 if verdict == "fail" else None,
        data=CanaryPromotePlan(
            name=current.name,
            image=image,
            production=production,
            was=current.stable.image,
            forced=request.force,
        ),
    )


def check_promote(plan: ChangePlan, deps: Deps) -> list[str]:
    data: CanaryPromotePlan = plan.data
    stable = pre.deployment(deps, data.production)
    if stable is None:
        return [pre.gone(data.production)]
    if stable.image == data.image:  # promoted already: a resumed run finishes the clean-up
        return []
    if stable.image != data.was:
        return [f"{data.production} runs {stable.image} now, planned against {data.was}"]
    canary = pre.deployment(deps, data.name)
    if canary is None:
        return [f"the canary {data.name} no longer exists (aborted?)"]
    if canary.image != data.image:
        return [f"the canary {data.name} runs {canary.image} now, planned against {data.image}"]
    return [] if data.forced else _verdict_now(deps)


def _verdict_now(deps: Deps) -> list[str]:
    analysis = analyse(deps.prom, deps.canary)
    if analysis.verdict != "fail":
        return []
    return [f"the canary's verdict is now fail ({'; '.join(analysis.reasons)}); {FAILING}"]


def apply_promote(plan: ChangePlan, deps: Deps, progress: Progress) -> ChangeOutcome:
    data: CanaryPromotePlan = plan.data
    deps.kube.set_image(deps.platform.namespace, data.production, data.image)
    result = follow(deps, data.production, progress)
    if not result.ok:
        return failed(deps, data.production, result, offer_rollback=True)
    deps.kube.delete_deployment(deps.platform.namespace, data.name)
    return ChangeOutcome(
        ok=True,
        summary=f"{data.production} now runs {data.image} ({result.state.ready} ready); canary deleted.",
        health=pre.health_after(deps, data.production, revision=True) + [f"canary {data.name}: deleted"],
    )


class CanaryAbortRequest(ChangeRequest):
    pass


class CanaryAbortPlan(BaseModel):
    name: str
    image: str | None  # the canary's image when planned: a different canary is not this one to abort


def plan_abort(request: CanaryAbortRequest, deps: Deps) -> ChangePlan:
    name = canary_name(deps)
    current = pre.deployment(deps, name)
    if current is None:
        raise CommandError("No canary is running; nothing to abort.")
    return ChangePlan(
        title=f"Abort canary {current.image}",
        changes=[Change(target=f"deployment/{name}", field="deleted", old="running", new="—")],
        data=CanaryAbortPlan(name=name, image=current.image),
    )


def check_abort(plan: ChangePlan, deps: Deps) -> list[str]:
    data: CanaryAbortPlan = plan.data
    canary = pre.deployment(deps, data.name)
    if canary is None or canary.image == data.image:  # gone already is the target
        return []
    return [f"the canary {data.name} runs {canary.image} now, planned against {data.image} (a new canary?)"]


def apply_abort(plan: ChangePlan, deps: Deps, progress: Progress) -> ChangeOutcome:
    data: CanaryAbortPlan = plan.data
    gone = deps.kube.delete_deployment(deps.platform.namespace, data.name)
    return ChangeOutcome(
        ok=True,
        summary=f"Canary {data.name} {'deleted' if gone else 'was already gone'}.",
        health=pre.health_after(deps, deps.canary.deployment) + [f"canary {data.name}: deleted"],
    )
