"""The manual's Canary Deployment: start a `<deployment>-canary` beside production, watch it against
stable, then promote it (production takes its image) or abort it (delete it)."""

from __future__ import annotations

import copy

from pydantic import BaseModel

from commands.canary_analysis import CanaryAnalysis, analyse
from commands.change import Change, ChangeOutcome, ChangePlan, Progress
from commands.deps import Deps
from commands.errors import CommandError
from commands.images import check_image
from commands.scale import failed, follow
from commands.spec import DRY_RUN, Arg, CommandSpec, Option
from integrations.errors import IntegrationError
from integrations.kube_models import DeploymentInfo

_ICONS = {"pass": "✅", "fail": "❌", "inconclusive": "❔"}


def canary_name(deps: Deps) -> str:
    return f"{deps.canary.deployment}-canary"


# --- start ----------------------------------------------------------------------------------
def plan_start(args: dict, deps: Deps) -> ChangePlan:
    image, replicas = check_image(args["image"]), args.get("replicas") or 1
    if not 1 <= replicas <= deps.platform.max_replicas:
        raise CommandError(f"--replicas must be between 1 and {deps.platform.max_replicas}.")
    name, ns = canary_name(deps), deps.platform.namespace
    if deps.kube.deployment_exists(ns, name):
        raise CommandError(f"A canary is already running ({name}); promote or abort it first.")
    stable = deps.kube.get_deployment(ns, deps.canary.deployment)
    manifest = _canary_manifest(
        deps.kube.deployment_manifest(ns, deps.canary.deployment),
        name,
        image,
        replicas,
        deps.canary.canary_version,
    )
    return ChangePlan(
        title=f"Start canary {image}",
        changes=[Change(target=f"deployment/{name}", field="created", old="—", new=f"{image} × {replicas}")],
        health=[
            f"stable {deps.canary.deployment}: {stable.image}, {stable.ready_replicas}/{stable.replicas} ready"
        ],
        data={"manifest": manifest, "name": name},
    )


def _canary_manifest(production: dict, name: str, image: str, replicas: int, version: str) -> dict:
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


def apply_start(plan: ChangePlan, deps: Deps, progress: Progress) -> ChangeOutcome:
    name, ns = plan.data["name"], deps.platform.namespace
    if not deps.kube.deployment_exists(ns, name):  # a resumed run finds it already created
        deps.kube.create_deployment(ns, plan.data["manifest"])
    result = follow(deps, name, progress)
    if not result.ok:
        return failed(name, result)
    return ChangeOutcome(
        ok=True,
        summary=f"Canary {name} is up ({result.state.ready} ready). Watch it with `/llm canary status`.",
    )


# --- status ---------------------------------------------------------------------------------
class CanaryStatus(BaseModel):
    name: str
    canary: DeploymentInfo | None
    stable: DeploymentInfo
    analysis: CanaryAnalysis | None
    analysis_error: str = ""


def status(args: dict, deps: Deps) -> CanaryStatus:
    ns, name = deps.platform.namespace, canary_name(deps)
    stable = deps.kube.get_deployment(ns, deps.canary.deployment)
    canary = deps.kube.get_deployment(ns, name) if deps.kube.deployment_exists(ns, name) else None
    if canary is None:
        return CanaryStatus(name=name, canary=None, stable=stable, analysis=None)
    try:
        return CanaryStatus(name=name, canary=canary, stable=stable, analysis=analyse(deps.prom, deps.canary))
    except IntegrationError as exc:  # the deployments are still worth showing
        return CanaryStatus(
            name=name,
            canary=canary,
            stable=stable,
            analysis=None,
            analysis_error=f"{exc.system}: {exc.message}",
        )


def render_status(result: CanaryStatus) -> list[dict]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": render_text(result)[:2900]}}]


def render_text(result: CanaryStatus) -> str:
    if result.canary is None:
        return f"No canary is running (`{result.name}` does not exist). Start one with `/llm canary start <image>`."
    a = result.analysis
    head = (
        f"{_ICONS[a.verdict]} *Canary verdict: {a.verdict}*"
        if a
        else f"❔ *Canary verdict unknown*: {result.analysis_error}"
    )
    lines = [head] + [f"• {reason}" for reason in (a.reasons if a else [])]
    lines.append(f"```{'':<14}{'canary':>12}{'stable':>12}")
    lines.append(f"{'image':<14}{_short(result.canary.image):>12}{_short(result.stable.image):>12}")
    lines.append(f"{'pods ready':<14}{_ready(result.canary):>12}{_ready(result.stable):>12}")
    if a:
        for label, field, fmt in _ROWS:
            lines.append(
                f"{label:<14}{_fmt(getattr(a.canary, field), fmt):>12}{_fmt(getattr(a.stable, field), fmt):>12}"
            )
    lines[-1] += "```"
    return "\n".join(lines)


_ROWS = (
    ("error rate", "error_rate", "{:.2%}"),
    ("p95 latency", "p95_latency_seconds", "{:.2f} s"),
    ("TTFT p95", "ttft_p95_seconds", "{:.3f} s"),
    ("throughput", "throughput_rps", "{:.1f}/s"),
    ("requests", "requests", "{:,.0f}"),
)


def _fmt(value: float | None, fmt: str) -> str:
    return "n/a" if value is None else fmt.format(value)


def _ready(info: DeploymentInfo) -> str:
    return f"{info.ready_replicas}/{info.replicas}"


def _short(image: str | None) -> str:
    return (image or "?").rsplit(":", 1)[-1][:11]


# --- promote and abort ----------------------------------------------------------------------
def plan_promote(args: dict, deps: Deps) -> ChangePlan:
    current = status(args, deps)
    if current.canary is None:
        raise CommandError("No canary is running; start one with `/llm canary start <image>`.")
    verdict = current.analysis.verdict if current.analysis else "inconclusive"
    forced = bool(args.get("force"))
    if verdict == "fail" and not forced:
        raise CommandError(
            "The canary's verdict is *fail*; promoting anyway needs `--force` and two approvals."
        )
    health = [f"canary verdict: {verdict}"] + (
        current.analysis.reasons if current.analysis else [current.analysis_error]
    )
    return ChangePlan(
        title=f"Promote canary {current.canary.image}",
        changes=[
            Change(
                target=f"deployment/{deps.canary.deployment}",
                field="image",
                old=current.stable.image or "?",
                new=current.canary.image or "?",
            ),
            Change(target=f"deployment/{current.name}", field="deleted", old="running", new="—"),
        ],
        health=[h for h in health if h],
        warnings=["Forced past a failing verdict: two approvals needed."] if verdict == "fail" else [],
        approvals_required=2 if verdict == "fail" else None,
        data={"image": current.canary.image, "name": current.name},
    )


def apply_promote(plan: ChangePlan, deps: Deps, progress: Progress) -> ChangeOutcome:
    ns, production = deps.platform.namespace, deps.canary.deployment
    deps.kube.set_image(ns, production, plan.data["image"])
    result = follow(deps, production, progress)
    if not result.ok:
        return failed(production, result, offer_rollback=True)
    deps.kube.delete_deployment(ns, plan.data["name"])
    return ChangeOutcome(
        ok=True,
        summary=f"{production} now runs {plan.data['image']} ({result.state.ready} ready); canary deleted.",
    )


def plan_abort(args: dict, deps: Deps) -> ChangePlan:
    name = canary_name(deps)
    current = (
        deps.kube.get_deployment(deps.platform.namespace, name)
        if deps.kube.deployment_exists(deps.platform.namespace, name)
        else None
    )
    if current is None:
        raise CommandError("No canary is running; nothing to abort.")
    return ChangePlan(
        title=f"Abort canary {current.image}",
        changes=[Change(target=f"deployment/{name}", field="deleted", old="running", new="—")],
        data={"name": name},
    )


def apply_abort(plan: ChangePlan, deps: Deps, progress: Progress) -> ChangeOutcome:
    gone = deps.kube.delete_deployment(deps.platform.namespace, plan.data["name"])
    return ChangeOutcome(
        ok=True, summary=f"Canary {plan.data['name']} {'deleted' if gone else 'was already gone'}."
    )


SPECS = (
    CommandSpec(
        name="canary start",
        summary="Start a canary of vLLM with a new image (needs approval)",
        example="/llm canary start vllm/vllm-openai:v0.4.0",
        role="operator",
        changes=True,
        args=(Arg("image", "image with a tag or digest"),),
        options=(Option("replicas", "canary pods (default 1)", kind="int"), DRY_RUN),
        plan=plan_start,
        apply=apply_start,
    ),
    CommandSpec(
        name="canary status",
        summary="Canary against stable: error rate, latency, TTFT, throughput, verdict",
        example="/llm canary status",
        run=status,
        render=render_status,
        render_text=render_text,
    ),
    CommandSpec(
        name="canary promote",
        summary="Give production the canary's image, then delete the canary (needs approval)",
        example="/llm canary promote",
        role="operator",
        changes=True,
        options=(Option("force", "promote despite a failing verdict (needs two approvals)"), DRY_RUN),
        plan=plan_promote,
        apply=apply_promote,
    ),
    CommandSpec(
        name="canary abort",
        summary="Delete the canary (approval per config; none by default)",
        example="/llm canary abort",
        role="operator",
        changes=True,
        options=(DRY_RUN,),
        plan=plan_abort,
        apply=apply_abort,
    ),
)
