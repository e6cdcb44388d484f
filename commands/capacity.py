"""The Monday capacity review: 7-day averages of GPU utilisation and throughput; above the scale-up
threshold recommend one more replica, below the scale-down threshold one fewer, offered as a button
that opens the scale command's approval."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from commands.blockkit import actions, button, escape
from commands.calendar_settings import ReviewThresholds
from commands.deps import Deps
from integrations.errors import IntegrationError

SCALE = "review:scale"  # button action id; the value is "<deployment> <replicas>"


class CapacityReview(BaseModel):
    gpu_percent: float | None
    throughput_rps: float | None
    deployment: str
    replicas: int
    advice: Literal["up", "down", "hold", "at_limit", "unknown"]
    target: int
    thresholds: tuple[float, float]


def review(deps: Deps, thresholds: ReviewThresholds) -> CapacityReview:
    gpu = _scalar(deps, "avg_over_time(gpu:utilization:average[7d])")
    rps = _scalar(deps, "avg_over_time(llm:throughput:requests_per_second[7d])")
    name = thresholds.capacity_deployment
    replicas = deps.kube.get_deployment(deps.platform.namespace, name).replicas
    advice, target = decide(gpu, replicas, thresholds, deps.platform.max_replicas)
    return CapacityReview(
        gpu_percent=gpu,
        throughput_rps=rps,
        deployment=name,
        replicas=replicas,
        advice=advice,
        target=target,
        thresholds=(thresholds.scale_up_percent, thresholds.scale_down_percent),
    )


def decide(gpu: float | None, replicas: int, t: ReviewThresholds, limit: int) -> tuple[str, int]:
    if gpu is None:
        return "unknown", replicas
    if gpu > t.scale_up_percent:
        return ("up", replicas + 1) if replicas < limit else ("at_limit", replicas)
    if gpu < t.scale_down_percent and replicas > 1:
        return "down", replicas - 1
    return "hold", replicas


def _scalar(deps: Deps, query: str) -> float | None:
    try:
        return deps.prom.scalar(query)
    except IntegrationError as exc:
        deps.on_backend_error(exc.system)
        return None


def render_text(r: CapacityReview) -> str:
    name = escape(r.deployment)
    gpu = "n/a" if r.gpu_percent is None else f"{r.gpu_percent:.1f}%"
    rps = "n/a" if r.throughput_rps is None else f"{r.throughput_rps:.1f} req/s"
    up, down = r.thresholds
    advice = {
        "up": f"⬆️ Above {up:g}%: scale {name} up to {r.target} replicas.",
        "down": f"⬇️ Below {down:g}%: scale {name} down to {r.target} replicas.",
        "hold": f"✅ Between {down:g}% and {up:g}%: keep {name} at {r.replicas} replicas.",
        "at_limit": f"⚠️ Above {up:g}%, but {name} is at its {r.replicas}-replica limit "
        "(platform.max_replicas): add GPU nodes or raise the limit.",
        "unknown": "❔ No GPU data for the week: no recommendation.",
    }[r.advice]
    return (
        f"*Weekly capacity review*\n• GPU utilisation, 7-day average: {gpu}\n"
        f"• Throughput, 7-day average: {rps}\n• {name}: {r.replicas} replicas\n{advice}"
    )


def render(r: CapacityReview) -> list[dict]:
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": render_text(r)}}]
    if r.advice in ("up", "down"):
        scale = button(f"Scale {r.deployment} to {r.target}", SCALE, f"{r.deployment} {r.target}")
        blocks.append(actions([scale]))
    return blocks
