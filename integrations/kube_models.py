"""What the bot knows about Kubernetes objects: small frozen models built by `integrations.kube`,
so nothing outside that module ever holds a `kubernetes` client object.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class PodInfo(_Frozen):
    name: str
    phase: str
    ready: bool
    reason: str | None  # why it is not ready: CrashLoopBackOff, ContainerCreating, or the phase
    restarts: int
    node: str | None
    labels: dict[str, str]
    images: list[str]


class NodeInfo(_Frozen):
    name: str
    ready: bool
    nodegroup: str | None
    instance_type: str | None
    cpu_capacity_millicores: int
    memory_capacity_bytes: int
    gpus: int


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
