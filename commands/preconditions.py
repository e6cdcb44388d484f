"""What change commands share to re-check a plan before it runs and to say how things stand after:
a deployment as it is now (or gone), the one-line health of a deployment, and the rule that a value
is as planned when it still equals what the plan was made against, or already equals its target
(a resumed run that got there before the bot restarted)."""

from __future__ import annotations

from typing import TypeVar

from commands.deps import Deps
from integrations.errors import NotFound
from integrations.kube_models import DeploymentInfo

T = TypeVar("T")


def as_planned(now: T, planned: T, target: T) -> bool:
    """Unmoved: still what the plan was made against, or already the plan's own target."""
    return now in (planned, target)


def deployment(deps: Deps, name: str) -> DeploymentInfo | None:
    """The Deployment as it is now, or None when it no longer exists."""
    try:
        return deps.kube.get_deployment(deps.platform.namespace, name)
    except NotFound:
        return None


def gone(name: str) -> str:
    return f"deployment {name} no longer exists"


def ready(info: DeploymentInfo) -> str:
    """E.g. "3/4 ready now"."""
    return f"{info.ready_replicas}/{info.replicas} ready now"


def health_after(deps: Deps, name: str, revision: bool = False) -> list[str]:
    """The deployment's health line read after a change, for the finished card."""
    info = deployment(deps, name)
    if info is None:
        return [gone(name)]
    line = f"{name}: {ready(info)}, image {info.image or '?'}"
    return [line + (f", revision {info.revision}" if revision and info.revision else "")]


def replicas_moved(name: str, now: int, planned: int) -> str:
    return f"{name} has {now} replicas now, planned against {planned}"


def moved_counts(now: dict[str, int], planned: dict[str, int], target: dict[str, int]) -> list[str]:
    """One sentence per Deployment whose replicas are neither as planned nor at the target yet."""
    moved = []
    for name, count in planned.items():
        if name not in now:
            moved.append(gone(name))
        elif not as_planned(now[name], count, target[name]):
            moved.append(replicas_moved(name, now[name], count))
    return moved


def counts(replicas: dict[str, int]) -> str:
    """E.g. "vllm-llama-3-70b 2, rag-service 3"."""
    return ", ".join(f"{name} {n}" for name, n in replicas.items())


def replicas_after(deps: Deps) -> list[str]:
    """Every Deployment's ready pods after a change, in one line."""
    found = deps.kube.list_deployments(deps.platform.namespace)
    return [", ".join(f"{d.name} {d.ready_replicas}/{d.replicas} ready" for d in found) or "no deployments"]
