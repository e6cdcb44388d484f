"""The audit's cluster-wide Kubernetes client: its answers as our models, its failures as our errors,
and every call it makes granted by manifests/rbac.yaml (requests mapped to RBAC attributes the way
tests/integrations/test_kube_permissions.py does for KubeClient)."""
import inspect
import re

import pytest
import requests
import yaml

from integrations.errors import Unavailable
from integrations.kube_audit import KubeAudit, ServiceInfo
from sandbox.kube_api import KubeApiServer, write_kubeconfig

CALLS = {"list_services": ()}
_PATH = re.compile(r"^/(?:api/v1|apis/(?P<group>[^/]+)/[^/]+)(?:/namespaces/[^/]+)?/(?P<resource>[^/]+)"
                   r"(?:/(?P<name>[^/]+)(?:/(?P<sub>[^/]+))?)?$")
_VERBS = {"POST": "create", "PATCH": "patch", "PUT": "update", "DELETE": "delete"}


def rbac_attributes(method: str, path: str) -> tuple[str, str, str, str]:
    """(group, resource, verb, scope): a path without /namespaces/ needs a ClusterRole."""
    match = _PATH.match(path)
    assert match, f"unexpected API path {path}"
    resource = match["resource"] + (f"/{match['sub']}" if match["sub"] else "")
    verb = _VERBS.get(method) or ("get" if match["name"] else "list")
    return match["group"] or "", resource, verb, "namespaced" if "/namespaces/" in path else "cluster"


def granted() -> set[tuple[str, str, str, str]]:
    found = set()
    for doc in yaml.safe_load_all(open("manifests/rbac.yaml")):
        if doc and doc["kind"] in ("Role", "ClusterRole"):
            scope = "cluster" if doc["kind"] == "ClusterRole" else "namespaced"
            found |= {(g, r, v, scope) for rule in doc["rules"] for g in rule["apiGroups"]
                      for r in rule["resources"] for v in rule["verbs"]}
    return found


@pytest.fixture(scope="module")
def kube(tmp_path_factory):
    server = KubeApiServer(step_seconds=0.05)
    server.start()
    path = tmp_path_factory.mktemp("kube") / "kubeconfig"
    write_kubeconfig(str(path), server.url)
    yield server, KubeAudit(str(path))
    server.stop()


def test_every_public_method_is_exercised_here():
    public = {name for name, _ in inspect.getmembers(KubeAudit, inspect.isfunction) if not name.startswith("_")}
    assert public - {"close"} == set(CALLS)


def test_the_cluster_role_allows_every_call_the_audit_client_makes(kube):
    server, audit = kube
    for name, args in CALLS.items():
        server.stub.seen.clear()
        getattr(audit, name)(*args)
        made = {rbac_attributes(method, path) for method, path in server.stub.seen}
        assert made and made <= granted(), f"{name} needs {made - granted()}"


def test_services_in_every_namespace_come_back_with_their_external_address(kube):
    _, audit = kube
    services = {(s.namespace, s.name): s for s in audit.list_services()}
    assert services[("monitoring", "grafana-public")] == ServiceInfo(
        name="grafana-public", namespace="monitoring", type="LoadBalancer", ports=[80],
        external=["a1b2c3d4e5-1234567890.us-east-1.elb.amazonaws.com"])
    assert services[("llm-inference", "rag-service")].type == "ClusterIP"


def test_a_failing_api_server_is_unavailable_naming_the_call(kube):
    server, audit = kube
    requests.post(f"{server.url}/_sandbox/fault", json={"status": 503}, timeout=5)
    try:
        with pytest.raises(Unavailable, match="cannot list services in all namespaces: the API server failed"):
            audit.list_services()
    finally:
        requests.post(f"{server.url}/_sandbox/fault", json={}, timeout=5)
