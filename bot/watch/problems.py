"""What counts as a problem, read from one Kubernetes object: a pod's (CrashLoopBackOff, OOMKilled,
ImagePullBackOff, FailedScheduling, Evicted), a node's (NotReady, MemoryPressure, DiskPressure) and
which Warning events say more about one. Pure: no store, no clock, no Slack."""

from __future__ import annotations

from dataclasses import dataclass

from integrations.kube_models import EventInfo, NodeInfo, PodInfo


@dataclass(frozen=True)
class Reason:
    icon: str
    title: str
    gone: str  # why it is over, when it is


REASONS = {
    "CrashLoopBackOff": Reason("🔁", "CrashLoopBackOff", "its pods run again"),
    "OOMKilled": Reason("💥", "OOMKilled", "its pods run again"),
    "ImagePullBackOff": Reason("📦", "ImagePullBackOff", "no pod is waiting for its image any more"),
    "FailedScheduling": Reason("⏳", "FailedScheduling", "no pod is waiting for a node any more"),
    "Evicted": Reason("🚪", "Evicted", "the evicted pods are gone"),
    "NotReady": Reason("🔴", "Node NotReady", "the node is Ready again"),
    "MemoryPressure": Reason("🟠", "Node under memory pressure", "memory pressure is over"),
    "DiskPressure": Reason("🟠", "Node under disk pressure", "disk pressure is over"),
    "GpuNodeLeft": Reason("🚫", "GPU node left the cluster", "the node joined again"),
}
POD_REASONS = ("CrashLoopBackOff", "OOMKilled", "ImagePullBackOff", "FailedScheduling", "Evicted")
NODE_REASONS = ("NotReady", "MemoryPressure", "DiskPressure")
HASH_LABEL = "pod-template-hash"
# Warning events whose message says more about a problem the objects already show
EVENT_REASONS = {
    "FailedScheduling": ("FailedScheduling",),
    "Evicted": ("Evicted",),
    "Failed": ("ImagePullBackOff",),
}  # a node's own events are recorded outside the namespace (kubelet uses `default`): not watched
PULLING = ("ImagePullBackOff", "ErrImagePull")


def workload(pod: PodInfo) -> tuple[str, str]:
    """The object a pod's problems are posted under: its Deployment (so three crash-looping replicas
    make one message), known from the pod-template-hash in its name; else the pod itself."""
    pod_hash = pod.labels.get(HASH_LABEL)
    if pod_hash and f"-{pod_hash}-" in pod.name:
        return "Deployment", pod.name.rsplit(f"-{pod_hash}-", 1)[0]
    return "Pod", pod.name


def pod_problems(pod: PodInfo) -> dict[str, str]:
    """reason -> what the pod itself says about it; at most one reason, the most specific."""
    said = {pod.status, pod.reason}
    if pod.status == "Terminating":
        return {}  # on its way out (a rollout, a scale-down): not a problem of its own
    if "Evicted" in said:
        return {"Evicted": "The kubelet evicted the pod"}
    if pod.phase == "Pending" and pod.reason == "Unschedulable":
        return {"FailedScheduling": "The scheduler found no node for the pod"}
    if said & set(PULLING):
        return {"ImagePullBackOff": f"Cannot pull {pod.images[0] if pod.images else 'its image'}"}
    if not pod.ready and "OOMKilled" in (pod.last_termination_reason, pod.status):
        return {"OOMKilled": "A container ran out of memory and was killed (exit 137)"}
    if "CrashLoopBackOff" in said:
        ended = pod.last_termination_reason or "unknown"
        return {"CrashLoopBackOff": f"A container keeps failing; it last ended: {ended}"}
    return {}


def node_problems(node: NodeInfo) -> dict[str, str]:
    found = {}
    if not node.ready:
        found["NotReady"] = "The kubelet stopped reporting, or reports the node not ready"
    if node.memory_pressure:
        found["MemoryPressure"] = "The kubelet reports MemoryPressure and may evict pods"
    if node.disk_pressure:
        found["DiskPressure"] = "The kubelet reports DiskPressure and may evict pods"
    return found


def is_gpu(node: NodeInfo, label: str) -> bool:
    return node.gpus > 0 or node.labels.get(label) == "true"


def gpu_detail(node: NodeInfo) -> str:
    group = f" of node group {node.nodegroup}" if node.nodegroup else ""
    return f"{node.gpus} GPUs{group} ({node.instance_type or 'unknown type'}) are gone from the cluster"


def event_detail(event: EventInfo) -> tuple[tuple[str, ...], str] | None:
    """The problem reasons a Warning event may explain, and its message; None for any other event."""
    reasons = EVENT_REASONS.get(event.reason)
    if reasons is None or not event.message or event.message.startswith("Error: "):
        return None  # "Error: ImagePullBackOff" repeats the reason; the pull failure says why
    return reasons, event.message[:400]
