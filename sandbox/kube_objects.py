"""JSON builders for the Kubernetes stand-in: objects shaped as the real API server returns them,
`Status` errors, label selectors and timestamps.
"""

from __future__ import annotations

import copy
import hashlib
import json
import uuid
from datetime import datetime, timezone

from sandbox.httpstub import Response

HASH_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # the alphabet Kubernetes uses for generated names
REVISION = "deployment.kubernetes.io/revision"


def stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def metadata(name: str, namespace: str | None, created: float, labels: dict | None = None) -> dict:
    meta = {
        "name": name,
        "uid": str(uuid.uuid4()),
        "resourceVersion": "1",
        "creationTimestamp": stamp(created),
        "labels": dict(labels or {}),
    }
    if namespace:
        meta["namespace"] = namespace
    return meta


def template_hash(template: dict) -> str:
    """A 10-character pod-template-hash, stable for equal templates (as the controller's is)."""
    digest = hashlib.sha256(json.dumps(template, sort_keys=True).encode()).digest()
    return "".join(HASH_ALPHABET[b % len(HASH_ALPHABET)] for b in digest[:10])


def owner_ref(owner: dict) -> dict:
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def owned_by(obj: dict, owner: dict) -> bool:
    refs = obj["metadata"].get("ownerReferences") or []
    return any(ref["uid"] == owner["metadata"]["uid"] for ref in refs)


def deployment_defaults(dep: dict) -> dict:
    spec = dep.setdefault("spec", {})
    spec.setdefault("replicas", 1)
    spec.setdefault("progressDeadlineSeconds", 600)
    spec.setdefault("revisionHistoryLimit", 10)
    spec.setdefault(
        "strategy", {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}
    )
    dep["metadata"].setdefault("generation", 1)
    dep["metadata"].setdefault("annotations", {})
    dep.setdefault("status", {})
    return dep


def deployment(
    name: str,
    namespace: str,
    image: str,
    replicas: int,
    labels: dict,
    created: float,
    container: str,
    resources: dict | None = None,
    port: int = 8000,
) -> dict:
    pod_spec = {
        "containers": [
            {
                "name": container,
                "image": image,
                "ports": [{"containerPort": port, "protocol": "TCP"}],
                "resources": resources or {},
            }
        ]
    }
    dep = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(name, namespace, created, labels),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(labels)},
            "template": {"metadata": {"labels": dict(labels)}, "spec": pod_spec},
        },
    }
    return deployment_defaults(dep)


def replicaset(dep: dict, pod_hash: str, revision: int, created: float) -> dict:
    meta = dep["metadata"]
    template = copy.deepcopy(dep["spec"]["template"])
    labels = {**template["metadata"].get("labels", {}), "pod-template-hash": pod_hash}
    template["metadata"]["labels"] = labels
    rs_meta = metadata(f"{meta['name']}-{pod_hash}", meta["namespace"], created, labels)
    rs_meta["annotations"] = {REVISION: str(revision)}
    rs_meta["ownerReferences"] = [owner_ref(dep)]
    selector = {
        "matchLabels": {**dep["spec"]["selector"].get("matchLabels", {}), "pod-template-hash": pod_hash}
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "ReplicaSet",
        "metadata": rs_meta,
        "spec": {"replicas": 0, "selector": selector, "template": template},
        "status": {"replicas": 0},
    }


def pod(name: str, namespace: str, template: dict, created: float, owners: list[dict]) -> dict:
    meta = metadata(name, namespace, created, template["metadata"].get("labels"))
    if template["metadata"].get("annotations"):
        meta["annotations"] = dict(template["metadata"]["annotations"])
    if owners:
        meta["ownerReferences"] = copy.deepcopy(owners)
    spec = copy.deepcopy(template["spec"])
    spec.pop("nodeName", None)
    spec.setdefault("restartPolicy", "Always")
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec, "status": {"phase": "Pending"}}


def node(
    name: str, nodegroup: str, instance_type: str, cpu: int, memory: str, gpus: int, created: float, ip: str
) -> dict:
    labels = {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "eks.amazonaws.com/nodegroup": nodegroup,
        "node.kubernetes.io/instance-type": instance_type,
        "topology.kubernetes.io/zone": "us-east-1a",
        "node-group": nodegroup.removesuffix("-node-group"),  # what the manual's `kubectl -l` selects
    }
    if gpus:
        labels["nvidia.com/gpu.present"] = "true"  # as NVIDIA's GPU feature discovery labels it
    capacity = {"cpu": str(cpu), "memory": memory, "pods": "110"}
    if gpus:
        capacity["nvidia.com/gpu"] = str(gpus)
    info = {k: "" for k in ("bootID", "machineID", "systemUUID")} | {
        "architecture": "amd64",
        "containerRuntimeVersion": "containerd://1.7.11",
        "kernelVersion": "5.10.205",
        "kubeProxyVersion": "v1.29.0-eks",
        "kubeletVersion": "v1.29.0-eks",
        "operatingSystem": "linux",
        "osImage": "Amazon Linux 2",
    }
    status = {
        "capacity": capacity,
        "allocatable": dict(capacity),
        "nodeInfo": info,
        "addresses": [{"type": "InternalIP", "address": ip}, {"type": "Hostname", "address": name}],
    }
    obj = {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": metadata(name, None, created, labels),
        "spec": {"providerID": f"aws:///us-east-1a/i-{hashlib.md5(name.encode()).hexdigest()[:17]}"},
        "status": status,
    }
    set_node_ready(obj, True, created)
    return obj


NODE_HEALTHY = {
    "MemoryPressure": ("False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
    "DiskPressure": ("False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    "PIDPressure": ("False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    "Ready": ("True", "KubeletReady", "kubelet is posting ready status"),
}


def set_node_ready(obj: dict, ready: bool, when: float) -> None:
    """Every condition as a healthy kubelet reports it (Ready False when `ready` is not)."""

    def cond(kind: str, status: str, reason: str, message: str) -> dict:
        return {
            "type": kind,
            "status": status,
            "reason": reason,
            "message": message,
            "lastHeartbeatTime": stamp(when),
            "lastTransitionTime": stamp(when),
        }

    healthy = dict(NODE_HEALTHY)
    if not ready:
        healthy["Ready"] = ("False", "KubeletNotReady", "container runtime is down")
    obj["status"]["conditions"] = [cond(kind, *found) for kind, found in healthy.items()]


def service(
    name: str,
    namespace: str,
    kind: str,
    selector: dict,
    port: int,
    created: float,
    hostname: str | None = None,
) -> dict:
    ports = [{"name": "http", "port": port, "targetPort": port, "protocol": "TCP"}]
    status = {"loadBalancer": {"ingress": [{"hostname": hostname}]} if hostname else {}}
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(name, namespace, created, selector),
        "spec": {"type": kind, "selector": selector, "ports": ports, "clusterIP": "172.20.0.10"},
        "status": status,
    }


def namespace(name: str, created: float) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": metadata(name, None, created, {"kubernetes.io/metadata.name": name}),
        "spec": {"finalizers": ["kubernetes"]},
        "status": {"phase": "Active"},
    }


def matches(labels: dict, selector: str | None) -> bool:
    """Equality-based label selectors: `k=v`, `k==v`, `k!=v`, `k`, `!k`, comma-joined."""
    for term in filter(None, (t.strip() for t in (selector or "").split(","))):
        if "!=" in term:
            key, value = term.split("!=", 1)
            if labels.get(key.strip()) == value.strip():
                return False
        elif "=" in term:
            key, value = term.replace("==", "=").split("=", 1)
            if labels.get(key.strip()) != value.strip():
                return False
        elif term.startswith("!"):
            if term[1:] in labels:
                return False
        elif term not in labels:
            return False
    return True


def selector_string(match_labels: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(match_labels.items()))


def listing(kind: str, api_version: str, items: list[dict], resource_version: int) -> Response:
    return Response(
        body={
            "kind": kind,
            "apiVersion": api_version,
            "metadata": {"resourceVersion": str(resource_version)},
            "items": items,
        }
    )


def failure(code: int, reason: str, message: str, details: dict | None = None) -> Response:
    """A `Status` object, which the official client turns into ApiException(status=code)."""
    body = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "details": details or {},
        "code": code,
    }
    return Response(code, body)


def not_found(resource: str, group: str, name: str) -> Response:
    qualified = f"{resource}.{group}" if group else resource
    return failure(
        404, "NotFound", f'{qualified} "{name}" not found', {"name": name, "group": group, "kind": resource}
    )


def already_exists(resource: str, group: str, name: str) -> Response:
    qualified = f"{resource}.{group}" if group else resource
    return failure(
        409,
        "AlreadyExists",
        f'{qualified} "{name}" already exists',
        {"name": name, "group": group, "kind": resource},
    )


def invalid(kind: str, name: str, message: str) -> Response:
    return failure(422, "Invalid", f'{kind} "{name}" is invalid: {message}', {"name": name, "kind": kind})


def deleted(resource: str, group: str, obj: dict) -> Response:
    meta = obj["metadata"]
    return Response(
        body={
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Success",
            "details": {"name": meta["name"], "group": group, "kind": resource, "uid": meta["uid"]},
        }
    )
