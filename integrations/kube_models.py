"""What the bot knows about Kubernetes objects: small frozen models built by `integrations.kube`,
so nothing outside that module ever holds a `kubernetes` client object.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class PodInfo(_Frozen):
    name: str
    phase: str
    ready: bool
    reason: str | None  # why it is not ready: CrashLoopBackOff, ContainerCreating, Evicted, or the phase
    restarts: int
    node: str | None
    labels: dict[str, str]
    images: list[str]
    namespace: str = ""
    status: str = ""  # as `kubectl get pods` shows it: Running, CrashLoopBackOff, Evicted, Terminating
    ready_containers: int = 0
    containers: int = 0
    created: datetime | None = None  # its age is now minus this
    last_termination_reason: str | None = None  # how a container last ended: OOMKilled, Error, Completed
    last_termination_at: datetime | None = None
    uid: str = ""


class NodeInfo(_Frozen):
    name: str
    ready: bool
    nodegroup: str | None
    instance_type: str | None
    cpu_capacity_millicores: int
    memory_capacity_bytes: int
    gpus: int
    labels: dict[str, str] = {}  # node-group=a100, nvidia.com/gpu.present=true, ...
    memory_pressure: bool = False
    disk_pressure: bool = False
    unschedulable: bool = False  # cordoned


class NodeUsage(_Frozen):
    name: str
    cpu_millicores: int
    memory_bytes: int


class DeploymentInfo(_Frozen):
    name: str
    replicas: int
    ready_replicas: int
    updated_replicas: int
    available_replicas: int
    image: str | None  # of the first container
    generation: int
    observed_generation: int
    revision: str | None


class Revision(_Frozen):
    """One ReplicaSet of a Deployment: a pod template it ran, to compare with or roll back to."""

    number: int  # the deployment.kubernetes.io/revision annotation; highest is current
    images: list[str]
    template: dict  # the pod template spec as plain JSON, without the pod-template-hash label
    replicas: int  # pods it runs now
    pod_template_hash: str | None  # the label its pods carry, to tell new pods from old


class RolloutState(_Frozen):
    """A Deployment's rollout as `kubectl rollout status` judges it. Until `caught_up`, the counts
    still describe the previous rollout: the controller has not seen the latest change yet."""

    generation: int
    observed_generation: int
    replicas: int  # wanted (spec)
    updated: int  # pods of the current template
    ready: int  # old and new
    available: int
    unavailable: int
    old: int  # pods of earlier templates still running
    progressing_reason: str | None
    progressing_message: str | None
    deadline_exceeded: bool
    done: bool

    @property
    def caught_up(self) -> bool:
        return self.observed_generation >= self.generation


class ServiceInfo(_Frozen):
    name: str
    namespace: str
    type: str  # ClusterIP, NodePort, LoadBalancer, ExternalName
    ports: list[int]
    external: list[str]  # load balancer hostnames or IPs, once assigned


class EventInfo(_Frozen):
    """A Kubernetes Event: what a component (kubelet, the scheduler) said about an object, how often."""

    name: str
    namespace: str
    type: str  # Normal or Warning
    reason: str  # BackOff, FailedScheduling, Evicted, ...
    message: str
    object_kind: str
    object_name: str
    object_uid: str
    count: int
    first_seen: datetime | None
    last_seen: datetime | None
    source: str  # the component that reported it
    node: str | None  # the host it reported from, if any


Watched = PodInfo | NodeInfo | EventInfo


class WatchEvent(_Frozen):
    """One step of a watch. ADDED/MODIFIED/DELETED carry `obj`; RELISTED (at the start and after the
    watch fell too far behind) carries every object there is now in `objects`, so a caller can
    reconcile what it missed; BOOKMARK only moves `resource_version` on (persist it to resume)."""

    kind: Literal["Pod", "Node", "Event"]
    type: Literal["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "RELISTED"]
    resource_version: str
    obj: Watched | None = None
    objects: list[Watched] = []


class Finding(_Frozen):
    id: str  # CVE-2024-45490
    severity: str  # CRITICAL, HIGH, MEDIUM, LOW, UNKNOWN
    package: str
    installed_version: str
    fixed_version: str  # empty when there is no fix yet
    title: str
    link: str | None


class VulnerabilityReport(_Frozen):
    """What the Trivy Operator found in one container image of one workload."""

    name: str
    namespace: str
    resource_kind: str  # ReplicaSet, StatefulSet, ...
    resource_name: str
    container: str
    image: str  # registry/repository:tag
    repository: str
    tag: str
    critical: int
    high: int
    medium: int
    low: int
    unknown: int
    updated: datetime | None
    findings: list[Finding]  # the critical and high ones, most severe first
