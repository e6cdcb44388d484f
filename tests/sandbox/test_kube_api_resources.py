"""ConfigMaps and the Trivy Operator's VulnerabilityReports in the Kubernetes stand-in, through the
official client as the bot would use them."""

import pytest
import requests
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from sandbox.kube_api import KubeApiServer, write_kubeconfig

NS = "llm-inference"
TRIVY = ("aquasecurity.github.io", "v1alpha1")


@pytest.fixture
def kube():
    server = KubeApiServer(step_seconds=0.02)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def api(kube, tmp_path):
    write_kubeconfig(str(tmp_path / "kubeconfig"), kube.url)
    configuration = client.Configuration()
    config.load_kube_config(
        config_file=str(tmp_path / "kubeconfig"), client_configuration=configuration, persist_config=False
    )
    return client.ApiClient(configuration)


def test_the_guardrails_config_map_holds_string_settings(api):
    found = client.CoreV1Api(api).read_namespaced_config_map("guardrails-config", NS)
    assert set(found.data) >= {"pii_detection", "toxicity_threshold", "max_input_tokens", "blocked_topics"}
    assert all(isinstance(value, str) for value in found.data.values())


def test_a_config_map_write_with_a_stale_resource_version_is_a_conflict(api):
    core = client.CoreV1Api(api)
    before = core.read_namespaced_config_map("guardrails-config", NS)
    core.patch_namespaced_config_map("guardrails-config", NS, {"data": {"toxicity_threshold": "0.7"}})
    before.data["toxicity_threshold"] = "0.9"
    with pytest.raises(ApiException) as caught:
        core.replace_namespaced_config_map("guardrails-config", NS, before)
    assert (
        caught.value.status,
        core.read_namespaced_config_map("guardrails-config", NS).data["toxicity_threshold"],
    ) == (
        409,
        "0.7",
    )


def test_a_config_map_value_that_is_not_a_string_is_a_bad_request(kube):
    url = f"{kube.url}/api/v1/namespaces/{NS}/configmaps/guardrails-config"
    answer = requests.patch(
        url,
        json={"data": {"max_input_tokens": 8192}},
        headers={"Content-Type": "application/merge-patch+json"},
    )
    assert (answer.status_code, answer.json()["reason"]) == (400, "BadRequest")


def test_vulnerability_reports_are_shaped_as_the_trivy_operator_writes_them(api):
    reports = client.CustomObjectsApi(api).list_namespaced_custom_object(*TRIVY, NS, "vulnerabilityreports")
    by_container = {r["metadata"]["labels"]["trivy-operator.container.name"]: r for r in reports["items"]}
    vllm = by_container["vllm"]
    assert reports["kind"] == "VulnerabilityReportList" and set(by_container) == {
        "vllm",
        "rag-service",
        "qdrant",
    }
    assert (
        vllm["metadata"]["name"]
        == f"replicaset-{vllm['metadata']['labels']['trivy-operator.resource.name']}-vllm"
    )
    assert (vllm["report"]["registry"]["server"], vllm["report"]["artifact"]) == (
        "index.docker.io",
        {"repository": "vllm/vllm-openai", "tag": "v0.3.0"},
    )
    summary = vllm["report"]["summary"]
    severities = [v["severity"] for v in vllm["report"]["vulnerabilities"]]
    assert (summary["criticalCount"], summary["highCount"]) == (
        severities.count("CRITICAL"),
        severities.count("HIGH"),
    )
    assert summary["criticalCount"] >= 1


def test_without_the_trivy_crd_the_reports_are_a_missing_resource_type(kube, api):
    requests.post(f"{kube.url}/_sandbox/crds/vulnerabilityreports", json={"installed": False}, timeout=2)
    with pytest.raises(ApiException) as caught:
        client.CustomObjectsApi(api).list_namespaced_custom_object(*TRIVY, NS, "vulnerabilityreports")
    assert caught.value.status == 404
    assert '"the server could not find the requested resource"' in caught.value.body
