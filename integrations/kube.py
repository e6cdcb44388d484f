"""The bot's only Kubernetes client: a private ApiClient with no retries and a timeout on every call,
answers as our own models, and failures as `integrations.errors` (system "kubernetes").
"""

from __future__ import annotations

import json
from typing import Any, Callable

import urllib3
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from integrations import kube_deployments, quantities
from integrations.errors import Forbidden, IntegrationError, NotFound, Unavailable
from integrations.kube_deployments import REVISION
from integrations.kube_models import (
    DeploymentInfo,
    NodeInfo,
    NodeUsage,
    PodInfo,
    Revision,
    RolloutState,
    ServiceInfo,
)

SYSTEM = "kubernetes"
LOG_LIMIT_BYTES = 20 * 1024 * 1024  # one pod's log per request; a week of a chatty pod can be far larger
STRATEGIC = "application/strategic-merge-patch+json"
MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"


def _load_configuration(kubeconfig_path: str | None, context: str | None) -> client.Configuration:
    """The cluster's address and credentials, or an IntegrationError a person can act on."""
    configuration = client.Configuration()
    try:
        if kubeconfig_path is None:
            config.load_incluster_config(client_configuration=configuration)
        else:
            config.load_kube_config(
                config_file=kubeconfig_path,
                context=context,
                client_configuration=configuration,
                persist_config=False,
            )
    except (config.ConfigException, OSError, ValueError) as exc:
        where = f"kubeconfig {kubeconfig_path}" if kubeconfig_path else "in-cluster service account"
        hint = "" if kubeconfig_path else " (outside a cluster, set kubernetes.kubeconfig)"
        raise IntegrationError(
            SYSTEM, f"cannot load the {where}: {str(exc).splitlines()[0][:160]}{hint}"
        ) from None
    return configuration


class KubeClient:
    def __init__(self, kubeconfig_path: str | None, context: str | None = None, timeout_seconds: float = 2.0):
        configuration = _load_configuration(kubeconfig_path, context)
        configuration.retries = False  # one attempt: a hung API server costs one timeout, not four
        self._api = client.ApiClient(configuration)
        self._core = client.CoreV1Api(self._api)
        self._apps = client.AppsV1Api(self._api)
        self._custom = client.CustomObjectsApi(self._api)
        self.timeout_seconds = timeout_seconds

    def close(self) -> None:
        self._api.close()

    def list_pods(self, namespace: str) -> list[PodInfo]:
        pods = self._call(f"list pods in {namespace}", self._core.list_namespaced_pod, namespace)
        return [pod_info(p) for p in pods.items]

    def list_nodes(self) -> list[NodeInfo]:
        return [node_info(n) for n in self._call("list nodes", self._core.list_node).items]

    def node_usage(self) -> list[NodeUsage]:
        found = self._call(
            "read node metrics", self._custom.list_cluster_custom_object, "metrics.k8s.io", "v1beta1", "nodes"
        )
        return [node_usage(item) for item in found.get("items", [])]

    def get_deployment(self, namespace: str, name: str) -> DeploymentInfo:
        found = self._call(
            f"read deployment {namespace}/{name}", self._apps.read_namespaced_deployment, name, namespace
        )
        return deployment_info(found)

    def list_deployments(self, namespace: str) -> list[DeploymentInfo]:
        found = self._call(
            f"list deployments in {namespace}", self._apps.list_namespaced_deployment, namespace
        )
        return [deployment_info(d) for d in found.items]

    def scale_deployment(self, namespace: str, name: str, replicas: int) -> None:
        self._call(
            f"scale deployment {namespace}/{name}",
            self._apps.patch_namespaced_deployment_scale,
            name,
            namespace,
            {"spec": {"replicas": replicas}},
            _content_type=MERGE,
        )

    def set_image(self, namespace: str, name: str, image: str, container: str | None = None) -> None:
        """Point one container (the first when None) at `image`; the same image again changes nothing."""
        what = f"set the image of deployment {namespace}/{name}"
        names = [
            c["name"]
            for c in self._deployment_json(namespace, name)["spec"]["template"]["spec"]["containers"]
        ]
        target = container or names[0]
        if target not in names:
            raise NotFound(
                SYSTEM, f"cannot {what}: it has no container {target!r} (it has {', '.join(names)})"
            )
        patch = {"spec": {"template": {"spec": {"containers": [{"name": target, "image": image}]}}}}
        self._call(
            what, self._apps.patch_namespaced_deployment, name, namespace, patch, _content_type=STRATEGIC
        )

    def deployment_manifest(self, namespace: str, name: str) -> dict:
        """The Deployment as plain JSON without status and server bookkeeping: a template to clone from."""
        return kube_deployments.manifest(self._deployment_json(namespace, name))

    def create_deployment(self, namespace: str, manifest: dict) -> None:
        name = (manifest.get("metadata") or {}).get("name", "")
        self._call(
            f"create deployment {namespace}/{name}",
            self._apps.create_namespaced_deployment,
            namespace,
            manifest,
        )

    def delete_deployment(self, namespace: str, name: str) -> bool:
        """Delete it with its ReplicaSets and pods; False when there was nothing to delete."""
        try:
            self._call(
                f"delete deployment {namespace}/{name}",
                self._apps.delete_namespaced_deployment,
                name,
                namespace,
                propagation_policy="Background",
            )
        except NotFound:
            return False
        return True

    def deployment_exists(self, namespace: str, name: str) -> bool:
        try:
            self._deployment_json(namespace, name)
        except NotFound:
            return False
        return True

    def revisions(self, namespace: str, name: str) -> list[Revision]:
        """The pod templates the Deployment has run (its ReplicaSets), newest first."""
        dep = self._deployment_json(namespace, name)
        found = self._call(
            f"list replicasets of deployment {namespace}/{name}",
            self._apps.list_namespaced_replica_set,
            namespace,
            label_selector=kube_deployments.selector(dep),
        )
        sets = kube_deployments.owned(dep, [self._api.sanitize_for_serialization(rs) for rs in found.items])
        return sorted(map(kube_deployments.revision, sets), key=lambda r: r.number, reverse=True)

    def apply_template(self, namespace: str, name: str, template: dict) -> None:
        """Replace the pod template, as `kubectl rollout undo` does with an earlier revision's."""
        patch = [
            {"op": "replace", "path": "/spec/template", "value": kube_deployments.without_hash(template)}
        ]
        self._call(
            f"replace the pod template of deployment {namespace}/{name}",
            self._apps.patch_namespaced_deployment,
            name,
            namespace,
            patch,
            _content_type=JSON_PATCH,
        )

    def rollout(self, namespace: str, name: str) -> RolloutState:
        return kube_deployments.rollout_state(self._deployment_json(namespace, name))

    def pods_for(self, namespace: str, deployment: str) -> list[PodInfo]:
        """The pods the Deployment's selector matches, old and new."""
        dep = self._deployment_json(namespace, deployment)
        pods = self._call(
            f"list pods of deployment {namespace}/{deployment}",
            self._core.list_namespaced_pod,
            namespace,
            label_selector=kube_deployments.selector(dep),
        )
        return [pod_info(p) for p in pods.items]

    def pod_logs(
        self,
        namespace: str,
        name: str,
        since_seconds: int | None = None,
        tail_lines: int | None = None,
        container: str | None = None,
    ) -> str:
        """The pod's log text; read raw because the client renders text bodies as a bytes repr."""
        optional = {
            "since_seconds": since_seconds,
            "tail_lines": tail_lines,
            "container": container,
            "limit_bytes": LOG_LIMIT_BYTES,
        }
        what = f"read logs of pod {namespace}/{name}"
        return self._call(
            what,
            lambda *args, **kwargs: _read_body(
                self._core.read_namespaced_pod_log(*args, _preload_content=False, **kwargs)
            ),
            name,
            namespace,
            **{k: v for k, v in optional.items() if v},
        )

    def list_services(self) -> list[ServiceInfo]:
        """Every Service in every namespace, for the security audit (needs cluster-wide `list services`)."""
        found = self._call("list services in all namespaces", self._core.list_service_for_all_namespaces)
        return [service_info(s) for s in found.items]

    def _deployment_json(self, namespace: str, name: str) -> dict:
        found = self._call(
            f"read deployment {namespace}/{name}", self._apps.read_namespaced_deployment, name, namespace
        )
        return self._api.sanitize_for_serialization(found)

    def _call(self, what: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, _request_timeout=self.timeout_seconds, **kwargs)
        except ApiException as exc:
            raise status_error(exc.status, what, _status_reason(exc)) from None
        except urllib3.exceptions.HTTPError as exc:
            raise transport_error(exc, self.timeout_seconds) from None


def _read_body(response: Any) -> str:
    """Read the raw body inside _call, so a connection that breaks mid-body is translated too."""
    try:
        return response.data.decode("utf-8", errors="replace")
    finally:
        response.release_conn()


def status_error(status: int | None, what: str, reason: str | None = None) -> IntegrationError:
    if status == 404:
        return NotFound(SYSTEM, f"cannot {what}: not found")
    if status == 401:
        return Forbidden(SYSTEM, f"cannot {what}: the API server rejected our credentials")
    if status == 403:
        return Forbidden(SYSTEM, f"cannot {what}: our service account is not allowed to")
    if reason == "AlreadyExists":
        return IntegrationError(SYSTEM, f"cannot {what}: it already exists")
    if status == 429:
        return Unavailable(SYSTEM, f"cannot {what}: the API server is throttling us, try again shortly")
    if status and 400 <= status < 500:  # 400/409/422: the request itself was wrong, retrying will not help
        return IntegrationError(SYSTEM, f"cannot {what}: the API server rejected the request ({status})")
    return Unavailable(SYSTEM, f"cannot {what}: the API server failed ({status or 'no response'})")


def _status_reason(exc: ApiException) -> str | None:
    """The `reason` of the Status object the API server answered with (AlreadyExists, Conflict, ...)."""
    try:
        body = json.loads(exc.body or "")
    except (TypeError, ValueError):
        return None
    return body.get("reason") if isinstance(body, dict) else None


def transport_error(exc: urllib3.exceptions.HTTPError, timeout_seconds: float) -> Unavailable:
    # NewConnectionError subclasses ConnectTimeoutError in urllib3 2, so test it first.
    if isinstance(exc, urllib3.exceptions.NewConnectionError):
        return Unavailable(SYSTEM, "the API server refused the connection")
    if isinstance(exc, urllib3.exceptions.TimeoutError):
        return Unavailable(SYSTEM, f"the API server did not answer within {timeout_seconds}s")
    return Unavailable(SYSTEM, "the connection to the API server failed")


def pod_info(pod: Any) -> PodInfo:
    statuses = pod.status.container_statuses or []
    phase = pod.status.phase or "Unknown"
    ready = phase == "Running" and bool(statuses) and all(s.ready for s in statuses)
    return PodInfo(
        name=pod.metadata.name,
        phase=phase,
        ready=ready,
        reason=None if ready else _reason(phase, statuses),
        restarts=sum(s.restart_count or 0 for s in statuses),
        node=pod.spec.node_name,
        labels=pod.metadata.labels or {},
        images=[c.image for c in pod.spec.containers],
    )


def _reason(phase: str, statuses: list[Any]) -> str:
    for status in statuses:
        waiting = status.state.waiting if status.state else None
        if waiting and waiting.reason:
            return waiting.reason
        terminated = status.state.terminated if status.state else None
        if terminated and terminated.reason:
            return terminated.reason
    return phase if phase != "Running" else "NotReady"


def node_info(node: Any) -> NodeInfo:
    labels = node.metadata.labels or {}
    capacity = node.status.capacity or {}
    ready = any(c.type == "Ready" and c.status == "True" for c in node.status.conditions or [])
    return NodeInfo(
        name=node.metadata.name,
        ready=ready,
        nodegroup=labels.get("eks.amazonaws.com/nodegroup"),
        instance_type=labels.get("node.kubernetes.io/instance-type"),
        cpu_capacity_millicores=quantities.millicores(capacity.get("cpu", "0")),
        memory_capacity_bytes=quantities.to_bytes(capacity.get("memory", "0")),
        gpus=int(quantities.parse(capacity.get("nvidia.com/gpu", "0"))),
    )


def node_usage(item: dict) -> NodeUsage:
    usage = item.get("usage") or {}
    return NodeUsage(
        name=item["metadata"]["name"],
        cpu_millicores=quantities.millicores(usage.get("cpu", "0")),
        memory_bytes=quantities.to_bytes(usage.get("memory", "0")),
    )


def deployment_info(dep: Any) -> DeploymentInfo:
    status, containers = dep.status, dep.spec.template.spec.containers
    return DeploymentInfo(
        name=dep.metadata.name,
        replicas=dep.spec.replicas or 0,
        ready_replicas=status.ready_replicas or 0,
        updated_replicas=status.updated_replicas or 0,
        available_replicas=status.available_replicas or 0,
        image=containers[0].image if containers else None,
        generation=dep.metadata.generation or 0,
        observed_generation=status.observed_generation or 0,
        revision=(dep.metadata.annotations or {}).get(REVISION),
    )


def service_info(svc: Any) -> ServiceInfo:
    ingress = (svc.status.load_balancer.ingress if svc.status and svc.status.load_balancer else None) or []
    return ServiceInfo(
        name=svc.metadata.name,
        namespace=svc.metadata.namespace,
        type=svc.spec.type or "ClusterIP",
        ports=[p.port for p in svc.spec.ports or []],
        external=[i.hostname or i.ip for i in ingress if i.hostname or i.ip],
    )
