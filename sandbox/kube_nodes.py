"""Nodes in the Kubernetes stand-in: their conditions and the taints the node controller derives from
them (NotReady, MemoryPressure, DiskPressure), and the scheduler's choice of a node for a pod (ready,
untainted, matching its nodeSelector, with enough free GPUs) or its FailedScheduling message.
Callers hold `cluster.lock`.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from sandbox.kube_objects import NODE_HEALTHY as HEALTHY
from sandbox.kube_objects import matches, selector_string, stamp

if TYPE_CHECKING:
    from sandbox.kube_cluster import Cluster

GPU = "nvidia.com/gpu"
TROUBLED = {
    "MemoryPressure": ("True", "KubeletHasInsufficientMemory", "kubelet has insufficient memory available"),
    "DiskPressure": ("True", "KubeletHasDiskPressure", "kubelet has disk pressure"),
    "Ready": ("Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status."),
}
TAINTS = {  # condition (status) -> the taint the node lifecycle controller puts on the node
    ("Ready", "Unknown"): "node.kubernetes.io/unreachable",
    ("Ready", "False"): "node.kubernetes.io/not-ready",
    ("MemoryPressure", "True"): "node.kubernetes.io/memory-pressure",
    ("DiskPressure", "True"): "node.kubernetes.io/disk-pressure",
}


def conditions(node: dict) -> dict[str, str]:
    return {c["type"]: c["status"] for c in node["status"].get("conditions", [])}


def ready(node: dict | None) -> bool:
    return node is not None and conditions(node).get("Ready") == "True"


def set_condition(node: dict, kind: str, troubled: bool, now: float) -> bool:
    """Set one condition (a node that stops reporting turns every condition Unknown); False if unchanged."""
    wanted = {kind: (TROUBLED if troubled else HEALTHY)[kind]}
    if kind == "Ready":
        wanted = {k: TROUBLED["Ready"] if troubled else HEALTHY[k] for k in HEALTHY}
    changed = False
    for condition in node["status"]["conditions"]:
        status, reason, message = wanted.get(condition["type"], (condition["status"], None, None))
        if status != condition["status"]:
            when = stamp(now)
            condition.update(
                status=status, reason=reason, message=message, lastTransitionTime=when, lastHeartbeatTime=when
            )
            changed = True
    _sync_taints(node, now)
    return changed


def place(cluster: Cluster, pod: dict) -> tuple[str | None, str]:
    """The node the scheduler binds `pod` to (fewest pods first), or None and why none fits."""
    nodes = cluster.items("nodes")
    refusals: Counter[str] = Counter()
    fitting = []
    for node in nodes:
        refusal = _refusal(cluster, node, pod)
        if refusal:
            refusals[refusal] += 1
        else:
            fitting.append(node)
    if not fitting:
        return None, _failed_scheduling(len(nodes), refusals)
    wants_gpu = gpus_requested(pod) > 0
    preferred = [n for n in fitting if (GPU in n["status"]["capacity"]) == wants_gpu] or fitting
    load = {n["metadata"]["name"]: 0 for n in preferred}
    for other in cluster.items("pods"):
        if other["spec"].get("nodeName") in load:
            load[other["spec"]["nodeName"]] += 1
    return min(load, key=lambda name: (load[name], name)), ""


def gpus_requested(pod: dict) -> int:
    total = 0
    for container in pod["spec"]["containers"]:
        resources = container.get("resources") or {}
        wanted = (resources.get("limits") or {}).get(GPU) or (resources.get("requests") or {}).get(GPU)
        total += int(wanted or 0)
    return total


def _refusal(cluster: Cluster, node: dict, pod: dict) -> str | None:
    for taint in node["spec"].get("taints") or []:
        if taint["effect"] == "NoSchedule":
            return f"node(s) had untolerated taint {{{taint['key']}: }}"
    if node["spec"].get("unschedulable"):
        return "node(s) were unschedulable"
    selector = selector_string(pod["spec"].get("nodeSelector") or {})
    if not matches(node["metadata"].get("labels") or {}, selector):
        return "node(s) didn't match Pod's node affinity/selector"
    wanted = gpus_requested(pod)
    if wanted and wanted > _free_gpus(cluster, node, pod):
        return f"Insufficient {GPU}"
    return None


def _free_gpus(cluster: Cluster, node: dict, pod: dict) -> int:
    name = node["metadata"]["name"]
    used = sum(
        gpus_requested(other)
        for other in cluster.items("pods")
        if other["spec"].get("nodeName") == name
        and other["status"].get("phase") not in ("Failed", "Succeeded")
        and other is not pod
    )
    return int(node["status"]["allocatable"].get(GPU, 0)) - used


def _failed_scheduling(count: int, refusals: Counter[str]) -> str:
    reasons = ", ".join(f"{n} {why}" for why, n in sorted(refusals.items()))
    return (
        f"0/{count} nodes are available: {reasons}. preemption: 0/{count} nodes are available: "
        f"{count} Preemption is not helpful for scheduling."
    )


def _sync_taints(node: dict, now: float) -> None:
    current = conditions(node)
    keys = [taint for (kind, status), taint in TAINTS.items() if current.get(kind) == status]
    before = node["spec"].get("taints") or []
    kept = [t for t in before if t["key"] not in TAINTS.values()]
    wanted = [{"key": key, "effect": "NoSchedule"} for key in keys] + [
        {"key": key, "effect": "NoExecute", "timeAdded": stamp(now)}
        for key in keys
        if key.endswith(("unreachable", "not-ready"))
    ]
    existing = {(t["key"], t["effect"]): t for t in before}
    taints = kept + [existing.get((t["key"], t["effect"]), t) for t in wanted]
    if taints:
        node["spec"]["taints"] = taints
    else:
        node["spec"].pop("taints", None)
