"""`/llm describe pod|deployment|node NAME`: the condensed `kubectl describe` an operator reads before
acting: conditions, each container's state and last state, resources, and the recent events. Pods are
the platform namespace's, Deployments the platform's own; the rendering is in describe_text."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, field_validator

from commands import describe_text
from commands.deps import Deps
from commands.kube_names import checked_name, deployment
from commands.spec import Arg, CommandSpec, Request
from integrations.kube_descriptions import DeploymentDescription, NodeDescription, PodDescription

Kind = Literal["pod", "deployment", "node"]


class DescribeRequest(Request):
    kind: Kind
    name: str

    @field_validator("name")
    @classmethod
    def _a_name(cls, name: str) -> str:
        return checked_name(name)


class Described(BaseModel):
    kind: Kind
    at: datetime
    pod: PodDescription | None = None
    deployment: DeploymentDescription | None = None
    node: NodeDescription | None = None


def run(request: DescribeRequest, deps: Deps) -> Described:
    namespace, name, now = deps.platform.namespace, request.name, deps.now()
    if request.kind == "pod":
        return Described(kind="pod", at=now, pod=deps.kube.describe_pod(namespace, name))
    if request.kind == "deployment":
        found = deps.kube.describe_deployment(namespace, deployment(name, deps))
        return Described(kind="deployment", at=now, deployment=found)
    return Described(kind="node", at=now, node=deps.kube.describe_node(name))


def render(result: Described) -> list[dict]:
    if result.pod:
        return describe_text.pod(result.pod, result.at)
    if result.deployment:
        return describe_text.deployment(result.deployment, result.at)
    return describe_text.node(result.node, result.at)


def render_text(result: Described) -> str:
    return describe_text.plain(render(result))


SPEC = CommandSpec(
    name="describe",
    summary="The condensed kubectl describe: conditions, container states, resources, recent events",
    example="/llm describe pod rag-service-7b9d8c6f5d-x2x9q",
    args=(
        Arg("kind", "what to describe", choices=("pod", "deployment", "node")),
        Arg("name", "its name, as /llm pods or /llm status shows it"),
    ),
    request=DescribeRequest,
    run=run,
    render=render,
    render_text=render_text,
)
