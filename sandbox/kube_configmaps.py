"""ConfigMaps (core/v1) in the Kubernetes stand-in: get, list, patch (the three flavours) and replace,
with the API server's checks: `data` values are strings, and a `metadata.resourceVersion` in the
body must be the current one (409 Conflict otherwise), so a write can be compare-and-set.
"""

from __future__ import annotations

import copy

from sandbox import kube_patch
from sandbox.httpstub import Request, Response
from sandbox.kube_cluster import Cluster
from sandbox.kube_objects import failure, metadata, not_found

KEPT = ("name", "namespace", "uid", "creationTimestamp")


def configmap(name: str, namespace: str, data: dict[str, str], created: float) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(name, namespace, created),
        "data": dict(data),
    }


def patch_configmap(cluster: Cluster, req: Request) -> Response:
    with cluster.lock:
        current = cluster.get("configmaps", req.params["ns"], req.params["name"])
        if current is None:
            return not_found("configmaps", "", req.params["name"])
        content_type = {k.lower(): v for k, v in req.headers.items()}.get("content-type", "")
        patch = req.json()
        try:
            proposed = kube_patch.apply(content_type or kube_patch.STRATEGIC, current, patch)
        except kube_patch.PatchError as err:
            return failure(400, "BadRequest", str(err))
        return _update(cluster, current, proposed, patch if isinstance(patch, dict) else {})


def replace_configmap(cluster: Cluster, req: Request) -> Response:
    with cluster.lock:
        current = cluster.get("configmaps", req.params["ns"], req.params["name"])
        if current is None:
            return not_found("configmaps", "", req.params["name"])
        body = req.json() or {}
        return _update(cluster, current, body, body)


def _update(cluster: Cluster, current: dict, proposed: dict, body: dict) -> Response:
    name = current["metadata"]["name"]
    wanted_version = (body.get("metadata") or {}).get("resourceVersion")
    if wanted_version and wanted_version != current["metadata"]["resourceVersion"]:
        message = (
            f'Operation cannot be fulfilled on configmaps "{name}": the object has been modified; '
            "please apply your changes to the latest version and try again"
        )
        return failure(409, "Conflict", message, {"name": name, "kind": "configmaps"})
    data = proposed.get("data") or {}
    if not all(isinstance(value, str) for value in data.values()):
        message = "json: cannot unmarshal number into Go struct field ConfigMap.data of type string"
        return failure(400, "BadRequest", message)
    updated = copy.deepcopy(proposed)
    updated["metadata"] = {
        **(proposed.get("metadata") or {}),
        **{k: current["metadata"][k] for k in KEPT},
    }
    updated.update(apiVersion="v1", kind="ConfigMap", data=data)
    if updated != current:
        cluster.put("configmaps", updated)
    return Response(body=cluster.snapshot(cluster.get("configmaps", *_key(current))))


def _key(obj: dict) -> tuple[str, str]:
    return obj["metadata"]["namespace"], obj["metadata"]["name"]
