"""The bot's only Kubernetes client: one `KubeClient` with a timeout on every call, answers as our own
models, failures as `integrations.errors` (system "kubernetes"). Its methods live by concern:
deployments, pods and nodes here; diagnosis (`kube_diagnose`), watches (`kube_watch`), ConfigMaps
(`kube_configmaps`) and vulnerability reports (`kube_security`); the plumbing in `kube_calls`.
"""

from __future__ import annotations

from datetime import datetime, timezone

from integrations import kube_deployments
from integrations.errors import NotFound
from integrations.kube_calls import JSON_PATCH, MERGE, STRATEGIC, SYSTEM
from integrations.kube_configmaps import ConfigMaps
from integrations.kube_convert import deployment_info, node_info, node_usage, pod_info, service_info
from integrations.kube_diagnose import Diagnosis
from integrations.kube_models import (
    DeploymentInfo,
    NodeInfo,
    NodeUsage,
    PodInfo,
    Revision,
    RolloutState,
    ServiceInfo,
)
from integrations.kube_security import Security
from integrations.kube_watch import Watches

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"


class KubeClient(Diagnosis, Watches, ConfigMaps, Security):
    """`KubeClient(kubeconfig_path or None for in-cluster, context=None, timeout_seconds=2.0)`."""

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
        sets = kube_deployments.owned(dep, [self._json(rs) for rs in found.items])
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

    def restart_deployment(self, namespace: str, name: str, at: datetime) -> None:
        """`kubectl rollout restart`: stamp the pod template, so the Deployment rolls every pod anew."""
        if at.tzinfo is None:
            raise ValueError("restart_deployment needs an aware datetime")
        stamp = at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        patch = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}
        self._call(
            f"restart deployment {namespace}/{name}",
            self._apps.patch_namespaced_deployment,
            name,
            namespace,
            patch,
            _content_type=STRATEGIC,
        )

    def pods(self, namespace: str, deployment: str | None = None) -> list[PodInfo]:
        """The namespace's pods, or those the Deployment's selector matches; by name."""
        found = self.pods_for(namespace, deployment) if deployment else self.list_pods(namespace)
        return sorted(found, key=lambda p: p.name)

    def list_services(self) -> list[ServiceInfo]:
        """Every Service in every namespace, for the security audit (needs cluster-wide `list services`)."""
        found = self._call("list services in all namespaces", self._core.list_service_for_all_namespaces)
        return [service_info(s) for s in found.items]

    def _deployment_json(self, namespace: str, name: str) -> dict:
        found = self._call(
            f"read deployment {namespace}/{name}", self._apps.read_namespaced_deployment, name, namespace
        )
        return self._json(found)
