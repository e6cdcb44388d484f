"""Test-only `/_sandbox/` handlers that cause the problems operators meet, and heal them: a deployment
whose pods crash-loop or are OOMKilled, or whose image does not exist (ImagePullBackOff) or whose pods
fit no node (FailedScheduling); one pod crash-looping, OOMKilled or evicted. Node problems are in
`kube_break_nodes`. Each emits the Events the real components would. Routes are listed in `kube_api`.
"""

from __future__ import annotations

import copy

from sandbox import kube_kubelet
from sandbox.httpstub import Request, Response
from sandbox.kube_cluster import Breakage, Cluster
from sandbox.kube_objects import failure, not_found, owned_by

OK = Response(body={"ok": True})
DEPLOYMENT_MODES = ("crashloop", "oom", "imagepull", "unschedulable")
MISSING_TAG_SUFFIX = "-nonexistent"
NO_SUCH_NODE_GROUP = {"node-group": "h100"}  # a nodeSelector no node matches


def break_deployment(cluster: Cluster, req: Request) -> Response:
    mode = (req.json() or {}).get("mode")
    if mode not in DEPLOYMENT_MODES:
        return failure(400, "BadRequest", f"mode must be one of {', '.join(DEPLOYMENT_MODES)}")
    key = (req.params["ns"], req.params["name"])
    with cluster.lock:
        dep = cluster.get("deployments", *key)
        if dep is None:
            return not_found("deployments", "apps", key[1])
        _restore(cluster, dep)
        cluster.broken[key] = Breakage(mode, copy.deepcopy(dep["spec"]["template"]))
        if mode in ("crashloop", "oom"):
            for pod in pods_of(cluster, dep):
                kube_kubelet.befall(cluster, pod, mode)
                cluster.render_pod(pod)
            return OK
        spec = dep["spec"]["template"]["spec"]
        if mode == "imagepull":
            spec["containers"][0]["image"] = missing(spec["containers"][0]["image"])
        else:
            spec["nodeSelector"] = dict(NO_SUCH_NODE_GROUP)
        _changed_spec(cluster, dep)
        return OK


def fix_deployment(cluster: Cluster, req: Request) -> Response:
    with cluster.lock:
        dep = cluster.get("deployments", req.params["ns"], req.params["name"])
        if dep is None:
            return not_found("deployments", "apps", req.params["name"])
        _restore(cluster, dep)
        return OK


def break_pod(cluster: Cluster, req: Request, mode: str | None = None) -> Response:
    mode = mode or (req.json() or {}).get("mode")
    if mode not in kube_kubelet.MODES:
        return failure(400, "BadRequest", f"mode must be one of {', '.join(kube_kubelet.MODES)}")
    with cluster.lock:
        pod = cluster.get("pods", req.params["ns"], req.params["name"])
        if pod is None:
            return not_found("pods", "", req.params["name"])
        kube_kubelet.befall(cluster, pod, mode)
        cluster.render_pod(pod)
        return OK


def fix_pod(cluster: Cluster, req: Request) -> Response:
    """The container runs again; an evicted pod is deleted, as an operator cleans them up."""
    key = (req.params["ns"], req.params["name"])
    with cluster.lock:
        pod = cluster.get("pods", *key)
        if pod is None:
            return not_found("pods", "", key[1])
        if cluster.life[key].problem == "evicted":
            cluster.delete_pod(*key)
            return OK
        kube_kubelet.recover(cluster, pod)
        cluster.render_pod(pod)
        return OK


def pods_of(cluster: Cluster, dep: dict) -> list[dict]:
    sets = [rs for rs in cluster.items("replicasets", dep["metadata"]["namespace"]) if owned_by(rs, dep)]
    pods = cluster.items("pods", dep["metadata"]["namespace"])
    return [p for p in pods if any(owned_by(p, rs) for rs in sets)]


def missing(image: str) -> str:
    """The same repository with a tag that does not exist."""
    repository, _, tag = image.rpartition(":") if ":" in image.rsplit("/", 1)[-1] else (image, "", "")
    return f"{repository}:{tag or 'latest'}{MISSING_TAG_SUFFIX}"


def _restore(cluster: Cluster, dep: dict) -> None:
    breakage = cluster.broken.pop((dep["metadata"]["namespace"], dep["metadata"]["name"]), None)
    if breakage is None:
        return
    if breakage.mode in ("crashloop", "oom"):
        for pod in pods_of(cluster, dep):
            kube_kubelet.recover(cluster, pod)
            cluster.render_pod(pod)
    elif dep["spec"]["template"] != breakage.template:
        dep["spec"]["template"] = breakage.template
        _changed_spec(cluster, dep)


def _changed_spec(cluster: Cluster, dep: dict) -> None:
    dep["metadata"]["generation"] += 1
    cluster.put("deployments", dep)
