"""Write handlers for apps/v1 deployments in the Kubernetes stand-in: create, patch, replace, delete
(cascading to ReplicaSets and pods) and the autoscaling/v1 `scale` subresource.
"""

from __future__ import annotations

import copy

from sandbox import kube_patch
from sandbox.httpstub import Request, Response
from sandbox.kube_cluster import Cluster
from sandbox.kube_objects import (
    already_exists,
    deleted,
    deployment_defaults,
    failure,
    invalid,
    metadata,
    not_found,
    owned_by,
    selector_string,
)

KEPT = ("name", "namespace", "uid", "creationTimestamp", "generation")


def create_deployment(cluster: Cluster, req: Request) -> Response:
    namespace, body = req.params["ns"], req.json() or {}
    name = (body.get("metadata") or {}).get("name", "")
    with cluster.lock:
        if cluster.get("namespaces", "", namespace) is None:
            return not_found("namespaces", "", namespace)
        if cluster.get("deployments", namespace, name):
            return already_exists("deployments", "apps", name)
        dep = copy.deepcopy(body)
        meta = metadata(name, namespace, cluster.clock(), body.get("metadata", {}).get("labels"))
        dep["metadata"] = {**dep.get("metadata", {}), **meta, "generation": 1}
        dep.update(apiVersion="apps/v1", kind="Deployment", status={})
        problem = validate(deployment_defaults(dep))
        if problem:
            return invalid("Deployment", name, problem)
        cluster.put("deployments", dep)
        return Response(201, cluster.snapshot(dep))


def patch_deployment(cluster: Cluster, req: Request) -> Response:
    with cluster.lock:
        current = cluster.get("deployments", req.params["ns"], req.params["name"])
        if current is None:
            return not_found("deployments", "apps", req.params["name"])
        try:
            proposed = kube_patch.apply(_content_type(req), current, req.json())
        except kube_patch.PatchError as err:
            return failure(400, "BadRequest", str(err))
        return _update(cluster, current, proposed)


def replace_deployment(cluster: Cluster, req: Request) -> Response:
    with cluster.lock:
        current = cluster.get("deployments", req.params["ns"], req.params["name"])
        if current is None:
            return not_found("deployments", "apps", req.params["name"])
        return _update(cluster, current, req.json() or {})


def delete_deployment(cluster: Cluster, req: Request) -> Response:
    namespace, name = req.params["ns"], req.params["name"]
    with cluster.lock:
        dep = cluster.remove("deployments", namespace, name)
        if dep is None:
            return not_found("deployments", "apps", name)
        cluster.rollouts.pop((namespace, name), None)
        cluster.broken.pop((namespace, name), None)
        for rs in [rs for rs in cluster.items("replicasets", namespace) if owned_by(rs, dep)]:
            for pod in [p for p in cluster.items("pods", namespace) if owned_by(p, rs)]:
                cluster.remove("pods", namespace, pod["metadata"]["name"])
            cluster.remove("replicasets", namespace, rs["metadata"]["name"])
        return deleted("deployments", "apps", dep)


def get_scale(cluster: Cluster, req: Request) -> Response:
    with cluster.lock:
        dep = cluster.get("deployments", req.params["ns"], req.params["name"])
        return Response(body=scale_of(dep)) if dep else not_found("deployments", "apps", req.params["name"])


def patch_scale(cluster: Cluster, req: Request) -> Response:
    with cluster.lock:
        dep = cluster.get("deployments", req.params["ns"], req.params["name"])
        if dep is None:
            return not_found("deployments", "apps", req.params["name"])
        try:
            scale = kube_patch.apply(_content_type(req), scale_of(dep), req.json())
        except kube_patch.PatchError as err:
            return failure(400, "BadRequest", str(err))
        return _rescale(cluster, dep, scale)


def replace_scale(cluster: Cluster, req: Request) -> Response:
    with cluster.lock:
        dep = cluster.get("deployments", req.params["ns"], req.params["name"])
        if dep is None:
            return not_found("deployments", "apps", req.params["name"])
        return _rescale(cluster, dep, req.json() or {})


def scale_of(dep: dict) -> dict:
    meta = dep["metadata"]
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
        },
        "spec": {"replicas": dep["spec"]["replicas"]},
        "status": {
            "replicas": dep["status"].get("replicas", 0),
            "selector": selector_string(dep["spec"]["selector"].get("matchLabels", {})),
        },
    }


def validate(dep: dict) -> str | None:
    spec = dep.get("spec") or {}
    template = spec.get("template") or {}
    containers = (template.get("spec") or {}).get("containers") or []
    selector = (spec.get("selector") or {}).get("matchLabels") or {}
    labels = (template.get("metadata") or {}).get("labels") or {}
    if not dep["metadata"].get("name"):
        return "metadata.name: Required value"
    if not isinstance(spec.get("replicas"), int) or spec["replicas"] < 0:
        return "spec.replicas: Invalid value: must be greater than or equal to 0"
    if not selector or any(labels.get(k) != v for k, v in selector.items()):
        return "spec.template.metadata.labels: Invalid value: `selector` does not match template `labels`"
    if not containers or not all(c.get("name") and c.get("image") for c in containers):
        return "spec.template.spec.containers: Required value"
    return None


def _update(cluster: Cluster, current: dict, proposed: dict) -> Response:
    proposed = copy.deepcopy(proposed)
    meta = {**(proposed.get("metadata") or {}), **{k: current["metadata"][k] for k in KEPT}}
    proposed.update(apiVersion="apps/v1", kind="Deployment", metadata=meta, status=current["status"])
    problem = validate(deployment_defaults(proposed))
    if problem:
        return invalid("Deployment", meta["name"], problem)
    if proposed["spec"] != current["spec"]:
        meta["generation"] += 1
    cluster.put("deployments", proposed)
    return Response(body=cluster.snapshot(proposed))


def _rescale(cluster: Cluster, dep: dict, scale: dict) -> Response:
    replicas = (scale.get("spec") or {}).get("replicas")
    if not isinstance(replicas, int) or replicas < 0:
        return invalid("Scale", dep["metadata"]["name"], "spec.replicas: Invalid value: must be >= 0")
    if replicas != dep["spec"]["replicas"]:
        dep["spec"]["replicas"] = replicas
        dep["metadata"]["generation"] += 1
        cluster.put("deployments", dep)
    return Response(body=scale_of(dep))


def _content_type(req: Request) -> str:
    found = {k.lower(): v for k, v in req.headers.items()}.get("content-type", "")
    return found or kube_patch.STRATEGIC
