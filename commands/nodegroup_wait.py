"""Following an EKS node group resize to its end: EKS' update until it is Successful, then, for a
scale-up, the cluster until the group's nodes are Ready (the manual's `kubectl wait
--for=condition=ready node -l node-group=a100 --timeout=10m`), with a progress line as nodes join."""

from __future__ import annotations

import time
from typing import Callable, TypeVar

from commands.change import Progress
from commands.deps import Deps
from integrations.eks import Scaling, UpdateStatus
from integrations.kube_models import NodeInfo

EKS_POLL_SECONDS = 5.0
T = TypeVar("T")


def resize(deps: Deps, nodegroup: str, scaling: Scaling, progress: Progress) -> UpdateStatus:
    """Ask EKS for `scaling` and follow the update until it ends or rollout_timeout_seconds pass."""
    update_id = deps.eks.resize(
        deps.cluster, nodegroup, scaling.desired_size, scaling.min_size, scaling.max_size
    )
    deadline = time.monotonic() + deps.platform.rollout_timeout_seconds
    while True:
        status = deps.eks.update_status(deps.cluster, nodegroup, update_id, scaling)
        progress(f"node group {nodegroup}: update {status.status}")
        if status.status != "InProgress" or time.monotonic() > deadline:
            return status
        time.sleep(EKS_POLL_SECONDS)


def duration(seconds: float) -> str:
    """E.g. "10 min", "45 s"."""
    return f"{seconds / 60:g} min" if seconds >= 60 else f"{seconds:g} s"


def members(deps: Deps, nodegroup: str) -> list[NodeInfo]:
    """The cluster's nodes of an EKS managed node group (EKS labels them with its name)."""
    return [n for n in deps.kube.list_nodes() if n.nodegroup == nodegroup]


def wait_ready(deps: Deps, nodegroup: str, wanted: int, progress: Progress) -> list[NodeInfo] | None:
    """Poll until `wanted` of the group's nodes are Ready; their list, or None after
    platform.node_ready_timeout_seconds (the caller says what was missing)."""
    return poll_until(
        deps,
        lambda: members(deps, nodegroup),
        lambda nodes: sum(n.ready for n in nodes) >= wanted,
        lambda nodes: joining(nodegroup, nodes, wanted),
        progress,
        deps.platform.node_ready_timeout_seconds,
    )


def joining(nodegroup: str, nodes: list[NodeInfo], wanted: int) -> str:
    """E.g. "a100-node-group: 2/3 nodes Ready, 1 joining (NotReady), 0 not yet registered"."""
    ready = sum(n.ready for n in nodes)
    starting = len(nodes) - ready
    absent = max(wanted - len(nodes), 0)
    parts = [f"{nodegroup}: {ready}/{wanted} nodes Ready"]
    if starting:
        parts.append(f"{starting} joining (NotReady)")
    if absent:
        parts.append(f"{absent} not registered yet")
    return ", ".join(parts)


def poll_until(
    deps: Deps,
    read: Callable[[], T],
    done: Callable[[T], bool],
    describe: Callable[[T], str],
    progress: Progress,
    timeout: float,
) -> T | None:
    """Read until done(reading) or `timeout` seconds pass (then None); each new description of a
    reading goes to `progress` once."""
    deadline, said = time.monotonic() + timeout, None
    while True:
        found = read()
        text = describe(found)
        if text != said:
            progress(text)
            said = text
        if done(found):
            return found
        if time.monotonic() > deadline:
            return None
        time.sleep(deps.platform.rollout_poll_seconds)
