"""Cluster-wide Kubernetes reads for the security audit (services in every namespace), built like
integrations.kube: a private ApiClient, no retries, a timeout on every call, our own models and errors."""
from __future__ import annotations

from typing import Any, Callable

import urllib3
from kubernetes import client
from kubernetes.client.exceptions import ApiException
from pydantic import BaseModel, ConfigDict

from integrations.kube import _load_configuration, status_error, transport_error


class ServiceInfo(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    namespace: str
    type: str  # ClusterIP, NodePort, LoadBalancer, ExternalName
    ports: list[int]
    external: list[str]  # load balancer hostnames or IPs, once assigned


class KubeAudit:
    def __init__(self, kubeconfig_path: str | None, context: str | None = None, timeout_seconds: float = 2.0):
        configuration = _load_configuration(kubeconfig_path, context)
        configuration.retries = False
        self._api = client.ApiClient(configuration)
        self._core = client.CoreV1Api(self._api)
        self.timeout_seconds = timeout_seconds

    def close(self) -> None:
        self._api.close()

    def list_services(self) -> list[ServiceInfo]:
        """Every Service in every namespace (needs cluster-wide `list services`)."""
        found = self._call("list services in all namespaces", self._core.list_service_for_all_namespaces)
        return [service_info(s) for s in found.items]

    def _call(self, what: str, method: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return method(*args, _request_timeout=self.timeout_seconds, **kwargs)
        except ApiException as exc:
            raise status_error(exc.status, what) from None
        except urllib3.exceptions.HTTPError as exc:
            raise transport_error(exc, self.timeout_seconds) from None


def service_info(svc: Any) -> ServiceInfo:
    ingress = (svc.status.load_balancer.ingress if svc.status and svc.status.load_balancer else None) or []
    return ServiceInfo(name=svc.metadata.name, namespace=svc.metadata.namespace, type=svc.spec.type or "ClusterIP",
                       ports=[p.port for p in svc.spec.ports or []],
                       external=[i.hostname or i.ip for i in ingress if i.hostname or i.ip])
