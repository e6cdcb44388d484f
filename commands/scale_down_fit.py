"""Whether vLLM's remaining pods fit on the GPU node group's remaining nodes: GPUs a pod asks for (its
containers' `nvidia.com/gpu` requests, or limits, which Kubernetes takes as the request for GPUs)
against GPUs a node has, packed whole pods to a node as the scheduler does."""

from __future__ import annotations

from pydantic import BaseModel

from commands.blockkit import code
from commands.deps import Deps
from commands.errors import CommandError
from commands.nodegroup_wait import members
from integrations import quantities
from integrations.eks import NodeGroup

GPU = "nvidia.com/gpu"


class Fit(BaseModel):
    gpus_per_pod: int
    gpus_per_node: int

    @property
    def pods_per_node(self) -> int | None:
        """None: the pods need no GPUs, so GPUs never limit them."""
        return None if self.gpus_per_pod == 0 else self.gpus_per_node // self.gpus_per_pod

    def nodes_for(self, replicas: int) -> int | None:
        """The fewest nodes that hold `replicas` pods; None when a pod is larger than a node."""
        per_node = self.pods_per_node
        if per_node is None or replicas == 0:
            return 0
        return -(-replicas // per_node) if per_node else None

    def describe(self, replicas: int, nodes: int) -> str:
        if self.pods_per_node is None:
            return f"{replicas} pod(s) asking for no GPUs on {nodes} node(s)"
        return (
            f"{replicas} pod(s) × {self.gpus_per_pod} GPUs on {nodes} node(s) × {self.gpus_per_node} GPUs "
            f"({self.pods_per_node} pod(s) a node)"
        )


def gpus_per_pod(deps: Deps, deployment: str) -> int:
    manifest = deps.kube.deployment_manifest(deps.platform.namespace, deployment)
    containers = manifest.get("spec", {}).get("template", {}).get("spec", {}).get("containers", [])
    return sum(_gpus(container.get("resources") or {}) for container in containers)


def _gpus(resources: dict) -> int:
    asked = (resources.get("requests") or {}).get(GPU) or (resources.get("limits") or {}).get(GPU) or 0
    return int(quantities.parse(str(asked)))


def gpus_per_node(deps: Deps, nodegroup: str) -> int:
    """The fewest GPUs any of the group's nodes has (the pods must fit wherever they land)."""
    found = members(deps, nodegroup)
    if not found:
        raise CommandError(f"The cluster shows no nodes of {code(nodegroup)}, so a fit cannot be checked.")
    return min(n.gpus for n in found)


def check(fit: Fit, replicas: int, nodes: int, deployment: str) -> None:
    """A CommandError saying what would fit when `replicas` pods do not fit on `nodes` nodes."""
    needed = fit.nodes_for(replicas)
    if needed is not None and needed <= nodes:
        return
    pods = f"{replicas} {code(deployment)} pod(s) of {fit.gpus_per_pod} GPUs"
    if needed is None:
        raise CommandError(f"{pods} fit on no node: a node has {fit.gpus_per_node} GPUs.")
    per_node = fit.pods_per_node or 0
    raise CommandError(
        f"{pods} would not fit on {nodes} node(s) of {fit.gpus_per_node} GPUs ({per_node} pod(s) a node): "
        f"keep {needed} node(s), or drain to {nodes * per_node} replica(s)."
    )


def nodes_to_keep(asked: int | None, fit: Fit, replicas: int, group: NodeGroup) -> int:
    """The nodes asked for, never below the group's minimum; by default the fewest that hold `replicas`
    (not below the minimum, not above what the group has)."""
    if asked is None:
        needed = fit.nodes_for(replicas)
        needed = group.desired_size if needed is None else needed  # `check` says why nothing fits
        return min(max(needed, group.min_size), group.desired_size)
    if asked < group.min_size:
        raise CommandError(
            f"{group.name} may not go below its minimum of {group.min_size} node(s); lower it first with "
            f"`/llm nodes scale {group.name} {group.desired_size} --min {asked}`."
        )
    return asked
