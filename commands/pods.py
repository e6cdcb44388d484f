"""`/llm pods [deployment]`: the platform namespace's pods (or one Deployment's) as `kubectl get pods
-o wide` shows them, plus how each last ended: status, ready containers, restarts, age, node, and the
last termination reason (OOMKilled, Error) with when."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, field_validator

from commands.blockkit import code, context, escape, header, listing, section
from commands.deps import Deps
from commands.kube_names import age, checked_name, deployment
from commands.spec import Arg, CommandSpec, Request
from integrations.kube_models import PodInfo


class PodsRequest(Request):
    deployment: str | None = None

    @field_validator("deployment")
    @classmethod
    def _a_name(cls, name: str | None) -> str | None:
        return None if name is None else checked_name(name, "Deployment name")


class PodsReport(BaseModel):
    namespace: str
    scope: str | None  # the Deployment, or None for the whole namespace
    at: datetime
    pods: list[PodInfo]

    @property
    def ready(self) -> int:
        return sum(p.ready for p in self.pods)


def run(request: PodsRequest, deps: Deps) -> PodsReport:
    scope = deployment(request.deployment, deps)
    pods = deps.kube.pods(deps.platform.namespace, scope)
    return PodsReport(namespace=deps.platform.namespace, scope=scope, at=deps.now(), pods=pods)


def pod_line(pod: PodInfo, now: datetime, mrkdwn: bool = True) -> str:
    icon = "✅" if pod.ready else "⚠️"
    ended = ""
    if pod.last_termination_reason:
        ago = f" {age(pod.last_termination_at, now)} ago" if pod.last_termination_at else ""
        ended = f" · last ended {escape(pod.last_termination_reason)}{ago}"
    name = code(pod.name) if mrkdwn else escape(pod.name)
    return (
        f"{icon} {name} {escape(pod.status or pod.phase)} {pod.ready_containers}/{pod.containers} · "
        f"{pod.restarts} restarts · {age(pod.created, now)} · {escape(pod.node or 'no node')}{ended}"
    )


def summary(report: PodsReport) -> str:
    where = (
        f"{escape(report.scope)} in {escape(report.namespace)}" if report.scope else escape(report.namespace)
    )
    if not report.pods:
        return f"❔ No pods in {where}."
    restarts = sum(p.restarts for p in report.pods)
    icon = "✅" if report.ready == len(report.pods) else "⚠️"
    return f"{icon} {report.ready}/{len(report.pods)} pods ready in {where} · {restarts} restarts"


def render(report: PodsReport) -> list[dict]:
    blocks = [header(f"Pods of {report.scope}" if report.scope else "Pods"), section(summary(report))]
    if report.pods:
        blocks.append(
            listing("Status · ready · restarts · age · node", [pod_line(p, report.at) for p in report.pods])
        )
    return blocks + [context("Look closer: `/llm describe pod NAME` · `/llm logs pod NAME` · `/llm events`")]


def render_text(report: PodsReport) -> str:
    return "\n".join([summary(report)] + [pod_line(p, report.at, mrkdwn=False) for p in report.pods])


SPEC = CommandSpec(
    name="pods",
    summary="Pods with status, ready, restarts, age, node and how each last ended",
    example="/llm pods rag-service",
    args=(Arg("deployment", "one of the platform's deployments; default: every pod", required=False),),
    request=PodsRequest,
    run=run,
    render=render,
    render_text=render_text,
)
