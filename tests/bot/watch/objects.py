"""Pods, nodes, Warning events and watch events as the Kubernetes client's watchers hand them to the
watch engine (our own models), in the shapes kubelet and the scheduler give them for each problem."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from integrations.kube_models import EventInfo, NodeInfo, PodInfo, WatchEvent

NS = "llm-inference"
HASH = "7b9d8c6f5d"
BORN = datetime(2025, 3, 1, 9, 0, tzinfo=timezone.utc)
GPU_NODE = "ip-10-0-1-11.ec2.internal"
_VERSION = iter(range(1000, 10**6))


def pod(
    suffix: str = "x2x9q", app: str = "rag-service", problem: str | None = None, restarts: int = 0
) -> PodInfo:
    """A pod of Deployment `app`, healthy or with `problem`: crashloop, oom, imagepull, unschedulable,
    evicted or terminating."""
    healthy = problem is None
    shown = {
        None: ("Running", "Running", None),
        "crashloop": ("Running", "CrashLoopBackOff", "CrashLoopBackOff"),
        "oom": ("Running", "CrashLoopBackOff", "CrashLoopBackOff"),
        "imagepull": ("Pending", "ImagePullBackOff", "ImagePullBackOff"),
        "unschedulable": ("Pending", "Pending", "Unschedulable"),
        "evicted": ("Failed", "Evicted", "Evicted"),
        "terminating": ("Running", "Terminating", "CrashLoopBackOff"),
    }
    phase, status, reason = shown[problem]
    ended = {"oom": "OOMKilled", "crashloop": "Error", "terminating": "OOMKilled"}.get(problem)
    return PodInfo(
        name=f"{app}-{HASH}-{suffix}",
        phase=phase,
        ready=healthy,
        reason=reason,
        restarts=restarts,
        node=None if problem == "unschedulable" else GPU_NODE,
        labels={"app": app, "pod-template-hash": HASH},
        images=["ghcr.io/example/rag-service:1.4.2"],
        namespace=NS,
        status=status,
        ready_containers=int(healthy),
        containers=1,
        created=BORN,
        last_termination_reason=ended,
        last_termination_at=BORN + timedelta(minutes=5) if ended else None,
    )


def node(name: str = GPU_NODE, ready: bool = True, memory: bool = False, disk: bool = False, gpus: int = 8):
    labels = {"eks.amazonaws.com/nodegroup": "a100-node-group" if gpus else "system-node-group"}
    if gpus:
        labels["nvidia.com/gpu.present"] = "true"
    return NodeInfo(
        name=name,
        ready=ready,
        nodegroup=labels["eks.amazonaws.com/nodegroup"],
        instance_type="p4d.24xlarge" if gpus else "m5.xlarge",
        cpu_capacity_millicores=96000,
        memory_capacity_bytes=1152 * 2**30,
        gpus=gpus,
        labels=labels,
        memory_pressure=memory,
        disk_pressure=disk,
    )


def event(reason: str, message: str, about: str, kind: str = "Pod", at: datetime | None = None) -> EventInfo:
    return EventInfo(
        name=f"{about}.{reason.lower()}",
        namespace=NS if kind == "Pod" else "default",
        type="Warning",
        reason=reason,
        message=message,
        object_kind=kind,
        object_name=about,
        object_uid="",
        count=3,
        first_seen=at,
        last_seen=at,
        source="default-scheduler",
        node=None,
    )


def changed(obj, kind: str = "Pod", type: str = "MODIFIED") -> WatchEvent:
    return WatchEvent(kind=kind, type=type, resource_version=str(next(_VERSION)), obj=obj)


def relisted(kind: str, *objects) -> WatchEvent:
    return WatchEvent(kind=kind, type="RELISTED", resource_version=str(next(_VERSION)), objects=list(objects))
