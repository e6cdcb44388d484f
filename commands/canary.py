"""The manual's Canary Deployment: start a `<deployment>-canary` beside production, watch it against
stable, then promote it (production takes its image) or abort it (delete it). The verbs' specs; the
work is in canary_start, canary_status and canary_promote."""

from __future__ import annotations

from commands.canary_promote import (
    CanaryAbortPlan,
    CanaryAbortRequest,
    CanaryPromotePlan,
    CanaryPromoteRequest,
    apply_abort,
    apply_promote,
    check_abort,
    check_promote,
    plan_abort,
    plan_promote,
)
from commands.canary_start import (
    CanaryStartPlan,
    CanaryStartRequest,
    apply_start,
    canary_name,
    check_start,
    plan_start,
)
from commands.canary_status import CanaryStatus, CanaryStatusRequest, render_status, render_text, status
from commands.spec import DRY_RUN, Arg, CommandSpec, Option

__all__ = [
    "SPECS",
    "CanaryStatus",
    "CanaryStatusRequest",
    "canary_name",
    "render_status",
    "render_text",
    "status",
]

SPECS = (
    CommandSpec(
        name="canary start",
        summary="Start a canary of vLLM with a new image (needs approval)",
        example="/llm canary start vllm/vllm-openai:v0.4.0",
        role="operator",
        changes=True,
        args=(Arg("image", "image with a tag or digest, from platform.allowed_registries"),),
        options=(
            Option("replicas", "canary pods (default: canary.share of production's, at least 1)", kind="int"),
            DRY_RUN,
        ),
        request=CanaryStartRequest,
        plan_data=CanaryStartPlan,
        plan=plan_start,
        check=check_start,
        apply=apply_start,
    ),
    CommandSpec(
        name="canary status",
        summary="Canary against stable: share of pods, error rate, latency, TTFT, throughput, verdict",
        example="/llm canary status",
        request=CanaryStatusRequest,
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
        request=CanaryPromoteRequest,
        plan_data=CanaryPromotePlan,
        plan=plan_promote,
        check=check_promote,
        apply=apply_promote,
    ),
    CommandSpec(
        name="canary abort",
        summary="Delete the canary (approval per config; none by default)",
        example="/llm canary abort",
        role="operator",
        changes=True,
        options=(DRY_RUN,),
        request=CanaryAbortRequest,
        plan_data=CanaryAbortPlan,
        plan=plan_abort,
        check=check_abort,
        apply=apply_abort,
    ),
)
