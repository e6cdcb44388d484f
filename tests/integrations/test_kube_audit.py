"""The security audit's cluster-wide read (services in every namespace): answers as our models,
failures as our errors (its RBAC is checked in tests/integrations/test_kube_permissions.py)."""

import pytest
import requests

from integrations.errors import Unavailable
from integrations.kube import KubeClient
from integrations.kube_models import ServiceInfo
from sandbox.kube_api import KubeApiServer, write_kubeconfig


@pytest.fixture(scope="module")
def kube(tmp_path_factory):
    server = KubeApiServer(step_seconds=0.05)
    server.start()
    path = tmp_path_factory.mktemp("kube") / "kubeconfig"
    write_kubeconfig(str(path), server.url)
    yield server, KubeClient(str(path))
    server.stop()


def test_services_in_every_namespace_come_back_with_their_external_address(kube):
    _, audit = kube
    services = {(s.namespace, s.name): s for s in audit.list_services()}
    assert services[("monitoring", "grafana-public")] == ServiceInfo(
        name="grafana-public",
        namespace="monitoring",
        type="LoadBalancer",
        ports=[80],
        external=["a1b2c3d4e5-1234567890.us-east-1.elb.amazonaws.com"],
    )
    assert services[("llm-inference", "rag-service")].type == "ClusterIP"


def test_a_failing_api_server_is_unavailable_naming_the_call(kube):
    server, audit = kube
    requests.post(f"{server.url}/_sandbox/fault", json={"status": 503}, timeout=5)
    try:
        with pytest.raises(
            Unavailable, match="cannot list services in all namespaces: the API server failed"
        ):
            audit.list_services()
    finally:
        requests.post(f"{server.url}/_sandbox/fault", json={}, timeout=5)
