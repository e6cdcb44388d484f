"""`/llm canary status`: the canary against stable (image, pods ready, share of pods ≈ traffic, error
rate, latency, TTFT, throughput) and the verdict. Also the live message the canary watch keeps fresh."""

from __future__ import annotations

from pydantic import BaseModel

from commands.blockkit import code, escape
from commands.canary_analysis import CanaryAnalysis, analyse
from commands.canary_start import canary_name, share_of
from commands.deps import Deps
from commands.spec import Request
from integrations.errors import IntegrationError
from integrations.kube_models import DeploymentInfo

_ICONS = {"pass": "✅", "fail": "❌", "inconclusive": "❔"}


class CanaryStatusRequest(Request):
    pass


class CanaryStatus(BaseModel):
    name: str
    canary: DeploymentInfo | None
    stable: DeploymentInfo
    analysis: CanaryAnalysis | None
    analysis_error: str = ""
    target_share: float = 0.10


def status(request: CanaryStatusRequest, deps: Deps) -> CanaryStatus:
    ns, name = deps.platform.namespace, canary_name(deps)
    stable = deps.kube.get_deployment(ns, deps.canary.deployment)
    canary = deps.kube.get_deployment(ns, name) if deps.kube.deployment_exists(ns, name) else None
    found = CanaryStatus(
        name=name, canary=canary, stable=stable, analysis=None, target_share=deps.canary.share
    )
    if canary is None:
        return found
    try:
        return found.model_copy(update={"analysis": analyse(deps.prom, deps.canary)})
    except IntegrationError as exc:  # the deployments are still worth showing
        return found.model_copy(update={"analysis_error": f"{exc.system}: {exc.message}"})


def render_status(result: CanaryStatus) -> list[dict]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": render_text(result)[:2900]}}]


def render_text(result: CanaryStatus) -> str:
    """mrkdwn (also the message's notification text): whatever came from outside is escaped."""
    if result.canary is None:
        start = "`/llm canary start &lt;image&gt;`"
        return f"No canary is running ({code(result.name)} does not exist). Start one with {start}."
    a = result.analysis
    head = (
        f"{_ICONS[a.verdict]} *Canary verdict: {a.verdict}*"
        if a
        else f"❔ *Canary verdict unknown*: {escape(result.analysis_error)}"
    )
    lines = [head] + [f"• {escape(reason)}" for reason in (a.reasons if a else [])]
    lines.append(f"• traffic: {traffic(result)}")
    lines.append(f"```{'':<14}{'canary':>12}{'stable':>12}")
    lines.append(
        f"{'image':<14}{escape(_short(result.canary.image)):>12}{escape(_short(result.stable.image)):>12}"
    )
    lines.append(f"{'pods ready':<14}{_ready(result.canary):>12}{_ready(result.stable):>12}")
    for label, field, fmt in _ROWS if a else ():
        lines.append(
            f"{label:<14}{_fmt(getattr(a.canary, field), fmt):>12}{_fmt(getattr(a.stable, field), fmt):>12}"
        )
    lines[-1] += "```"
    return "\n".join(lines)


def traffic(result: CanaryStatus) -> str:
    """E.g. "1 of 11 pods ≈ 9% (target 10%)"."""
    return f"{share_of(result.canary.replicas, result.stable.replicas)} (target {result.target_share:.0%})"


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
