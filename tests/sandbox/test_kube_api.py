"""The Kubernetes stand-in, driven through the official `kubernetes` client as the bot would."""

import time

import pytest
import requests
from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from sandbox.kube_api import KubeApiServer, write_kubeconfig

NS = "llm-inference"
VLLM = "vllm-llama-3-70b"


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    """One seeded sandbox shared by the tests that only read (stopping a server takes 0.5 s)."""
    server = KubeApiServer(step_seconds=0.02)
    server.start()
    yield server, official_client(server, str(tmp_path_factory.mktemp("kube") / "kubeconfig"))
    server.stop()


@pytest.fixture
def kube():
    server = KubeApiServer(step_seconds=0.02)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def api(kube, tmp_path):
    return official_client(kube, str(tmp_path / "kubeconfig"))


@pytest.fixture
def apps(api):
    return client.AppsV1Api(api)


@pytest.fixture
def core(api):
    return client.CoreV1Api(api)


@pytest.fixture
def seen_apps(platform):
    return client.AppsV1Api(platform[1])


@pytest.fixture
def seen_core(platform):
    return client.CoreV1Api(platform[1])


def official_client(server, path):
    write_kubeconfig(path, server.url)
    configuration = client.Configuration()
    config.load_kube_config(config_file=path, client_configuration=configuration, persist_config=False)
    return client.ApiClient(configuration)


def eventually(check, timeout=5.0):
    """Poll `check` until it returns something truthy, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (result := check()):
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(0.02)
    return result


def progressing_reason(apps, name=VLLM):
    conditions = apps.read_namespaced_deployment(name, NS).status.conditions
    return next(c.reason for c in conditions if c.type == "Progressing")


def rolled_out(apps, name=VLLM):
    """As `kubectl rollout status` decides: the controller saw the change and finished it."""
    dep = apps.read_namespaced_deployment(name, NS)
    reason = next(c.reason for c in dep.status.conditions if c.type == "Progressing")
    return (
        dep.status.observed_generation == dep.metadata.generation
        and reason == "NewReplicaSetAvailable"
        and dep.status.replicas == dep.status.updated_replicas == dep.spec.replicas
    )


def set_image(apps, image, **spec):
    body = {"spec": {**spec, "template": {"spec": {"containers": [{"name": "vllm", "image": image}]}}}}
    apps.patch_namespaced_deployment(VLLM, NS, body)


def test_a_fresh_sandbox_runs_every_pod_ready(seen_core):
    pods = seen_core.list_namespaced_pod(NS).items
    summary = sorted(
        (p.metadata.labels["app"], p.status.phase, p.status.container_statuses[0].ready) for p in pods
    )
    assert (
        summary
        == [("qdrant", "Running", True)]
        + [("rag-service", "Running", True)] * 3
        + [("vllm", "Running", True)] * 2
    )


def test_seeded_deployments_report_finished_rollouts(seen_apps):
    found = {
        d.metadata.name: (
            d.status.replicas,
            d.status.ready_replicas,
            d.status.updated_replicas,
            d.metadata.annotations["deployment.kubernetes.io/revision"],
        )
        for d in seen_apps.list_namespaced_deployment(NS).items
    }
    assert found == {VLLM: (2, 2, 2, "1"), "rag-service": (3, 3, 3, "1")}
    assert progressing_reason(seen_apps) == "NewReplicaSetAvailable"


def test_vllm_pods_request_gpus_and_run_on_the_a100_node_group(seen_core):
    nodes = {
        n.metadata.name: n.metadata.labels["eks.amazonaws.com/nodegroup"] for n in seen_core.list_node().items
    }
    pods = seen_core.list_namespaced_pod(NS, label_selector="app=vllm,version=stable").items
    assert [nodes[p.spec.node_name] for p in pods] == ["a100-node-group"] * 2
    assert pods[0].spec.containers[0].resources.requests["nvidia.com/gpu"] == "4"


def test_nodes_are_two_a100_gpu_nodes_and_one_system_node(seen_core):
    found = sorted(
        (n.metadata.labels["node.kubernetes.io/instance-type"], n.status.capacity.get("nvidia.com/gpu"))
        for n in seen_core.list_node().items
    )
    assert found == [("m5.xlarge", None), ("p4d.24xlarge", "8"), ("p4d.24xlarge", "8")]


def test_services_across_namespaces_include_the_public_load_balancer(seen_core):
    services = seen_core.list_service_for_all_namespaces().items
    found = sorted((s.metadata.namespace, s.metadata.name, s.spec.type) for s in services)
    assert found == [
        (NS, "rag-service", "ClusterIP"),
        (NS, VLLM, "ClusterIP"),
        ("monitoring", "grafana-public", "LoadBalancer"),
    ]


def test_an_unknown_deployment_is_a_not_found_status(seen_apps):
    with pytest.raises(ApiException) as caught:
        seen_apps.read_namespaced_deployment("no-such-model", NS)
    assert caught.value.status == 404
    assert '"reason": "NotFound"' in caught.value.body or '"reason":"NotFound"' in caught.value.body


def test_a_created_deployment_gets_ready_pods_and_deleting_it_removes_them(apps, core):
    body = {
        "metadata": {"name": "embedder"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "embedder"}},
            "template": {
                "metadata": {"labels": {"app": "embedder"}},
                "spec": {"containers": [{"name": "embedder", "image": "ghcr.io/example/embedder:1.0"}]},
            },
        },
    }
    apps.create_namespaced_deployment(NS, body)
    eventually(lambda: apps.read_namespaced_deployment("embedder", NS).status.ready_replicas == 2)
    apps.delete_namespaced_deployment("embedder", NS)
    assert core.list_namespaced_pod(NS, label_selector="app=embedder").items == []


def test_creating_an_existing_deployment_is_a_conflict(seen_apps):
    existing = seen_apps.read_namespaced_deployment(VLLM, NS)
    existing.metadata.resource_version = None
    with pytest.raises(ApiException) as caught:
        seen_apps.create_namespaced_deployment(NS, existing)
    assert caught.value.status == 409


def test_an_image_change_rolls_out_a_new_replicaset_revision(apps):
    set_image(apps, "vllm/vllm-openai:v0.4.0")
    eventually(lambda: rolled_out(apps))
    dep = apps.read_namespaced_deployment(VLLM, NS)
    revisions = sorted(
        (
            rs.metadata.annotations["deployment.kubernetes.io/revision"],
            rs.spec.replicas,
            rs.spec.template.spec.containers[0].image,
        )
        for rs in apps.list_namespaced_replica_set(NS, label_selector="app=vllm").items
    )
    assert (
        dep.metadata.generation,
        dep.status.observed_generation,
        dep.status.replicas,
        dep.status.updated_replicas,
        dep.status.ready_replicas,
        dep.status.available_replicas,
        dep.status.unavailable_replicas,
    ) == (2, 2, 2, 2, 2, 2, None)
    assert revisions == [("1", 0, "vllm/vllm-openai:v0.3.0"), ("2", 2, "vllm/vllm-openai:v0.4.0")]


def test_a_rollout_surges_one_pod_and_never_drops_below_the_desired_ready_count(apps):
    set_image(apps, "vllm/vllm-openai:v0.4.0")
    seen = []

    def observe():
        status = apps.read_namespaced_deployment(VLLM, NS).status
        seen.append((status.replicas, status.ready_replicas))
        return rolled_out(apps)

    eventually(observe)
    assert max(total for total, _ in seen) == 3
    assert min(ready for _, ready in seen) == 2


def test_a_bad_image_crash_loops_and_exceeds_the_progress_deadline(apps, core):
    set_image(apps, "vllm/vllm-openai:v0.4.0-bad", progressDeadlineSeconds=1)
    eventually(lambda: progressing_reason(apps) == "ProgressDeadlineExceeded")
    pods = core.list_namespaced_pod(NS, label_selector="app=vllm").items
    crashing = [p.status.container_statuses[0] for p in pods if "bad" in p.spec.containers[0].image]
    status = apps.read_namespaced_deployment(VLLM, NS).status
    assert [(c.ready, c.state.waiting.reason) for c in crashing] == [(False, "CrashLoopBackOff")]
    assert crashing[0].restart_count >= 1
    assert (status.replicas, status.updated_replicas, status.ready_replicas) == (3, 1, 2)


def test_restoring_an_old_template_by_json_patch_makes_it_the_newest_revision(apps):
    set_image(apps, "vllm/vllm-openai:v0.4.0-bad")

    def revisions():
        return {
            rs.metadata.annotations["deployment.kubernetes.io/revision"]
            for rs in apps.list_namespaced_replica_set(NS, label_selector="app=vllm").items
        }

    eventually(lambda: "2" in revisions())  # the controller has made the bad revision
    old = next(
        rs
        for rs in apps.list_namespaced_replica_set(NS, label_selector="app=vllm").items
        if rs.metadata.annotations["deployment.kubernetes.io/revision"] == "1"
    )
    template = apps.api_client.sanitize_for_serialization(old.spec.template)
    del template["metadata"]["labels"]["pod-template-hash"]
    apps.patch_namespaced_deployment(
        VLLM, NS, [{"op": "replace", "path": "/spec/template", "value": template}]
    )
    eventually(lambda: rolled_out(apps))
    dep = apps.read_namespaced_deployment(VLLM, NS)
    assert (
        dep.metadata.annotations["deployment.kubernetes.io/revision"],
        dep.spec.template.spec.containers[0].image,
    ) == ("3", "vllm/vllm-openai:v0.3.0")


def test_a_json_patch_content_type_with_an_object_body_is_a_bad_request(platform):
    url = f"{platform[0].url}/apis/apps/v1/namespaces/{NS}/deployments/{VLLM}"
    answer = requests.patch(
        url, json={"spec": {}}, headers={"Content-Type": "application/json-patch+json"}, timeout=2
    )
    assert (answer.status_code, answer.json()["reason"]) == (400, "BadRequest")


def test_the_scale_subresource_changes_the_pod_count(apps, core):
    apps.patch_namespaced_deployment_scale("rag-service", NS, {"spec": {"replicas": 5}})
    eventually(lambda: apps.read_namespaced_deployment("rag-service", NS).status.ready_replicas == 5)
    apps.replace_namespaced_deployment_scale("rag-service", NS, {"spec": {"replicas": 1}})
    eventually(lambda: len(core.list_namespaced_pod(NS, label_selector="app=rag-service").items) == 1)
    scale = apps.read_namespaced_deployment_scale("rag-service", NS)
    assert (scale.spec.replicas, scale.status.replicas, scale.status.selector) == (1, 1, "app=rag-service")


def test_pod_logs_honour_tail_lines_and_hold_seeded_errors(seen_core):
    pods = seen_core.list_namespaced_pod(NS, label_selector="app=vllm").items
    name = pods[0].metadata.name
    tail = seen_core.read_namespaced_pod_log(name, NS, tail_lines=3, _preload_content=False).data.decode()
    everything = seen_core.read_namespaced_pod_log(name, NS, _preload_content=False).data.decode()
    assert len(tail.splitlines()) == 3
    assert " ERROR " in everything and " INFO " in everything


def test_rag_service_logs_record_safety_violations(seen_core):
    name = seen_core.list_namespaced_pod(NS, label_selector="app=rag-service").items[0].metadata.name
    logs = seen_core.read_namespaced_pod_log(
        name, NS, since_seconds=7200, _preload_content=False
    ).data.decode()
    assert "Safety violation" in logs


def test_metrics_look_like_metrics_server(platform):
    metrics = client.CustomObjectsApi(platform[1])
    nodes = metrics.list_cluster_custom_object("metrics.k8s.io", "v1beta1", "nodes")
    pods = metrics.list_namespaced_custom_object("metrics.k8s.io", "v1beta1", NS, "pods")
    assert (nodes["kind"], len(nodes["items"]), sorted(nodes["items"][0]["usage"])) == (
        "NodeMetricsList",
        3,
        ["cpu", "memory"],
    )
    assert (pods["kind"], len(pods["items"]), pods["items"][0]["containers"][0]["usage"]["cpu"]) == (
        "PodMetricsList",
        6,
        "310m",
    )


def test_a_deleted_statefulset_pod_comes_back_under_the_same_name(core):
    old = core.read_namespaced_pod("qdrant-0", NS)
    core.delete_namespaced_pod("qdrant-0", NS)
    reborn = eventually(
        lambda: (p := core.read_namespaced_pod("qdrant-0", NS)).status.container_statuses[0].ready and p
    )
    assert reborn.metadata.uid != old.metadata.uid


def test_a_deleted_deployment_pod_is_replaced(core):
    victim = core.list_namespaced_pod(NS, label_selector="app=vllm").items[0].metadata.name
    core.delete_namespaced_pod(victim, NS)
    eventually(
        lambda: (
            len(
                [
                    p
                    for p in core.list_namespaced_pod(NS, label_selector="app=vllm").items
                    if p.status.container_statuses[0].ready
                ]
            )
            == 2
        )
    )
    names = [p.metadata.name for p in core.list_namespaced_pod(NS, label_selector="app=vllm").items]
    assert victim not in names


def test_the_admin_crash_route_makes_a_pod_crash_loop(kube, core):
    requests.post(f"{kube.url}/_sandbox/pods/{NS}/qdrant-0/crash", timeout=2).raise_for_status()
    state = eventually(
        lambda: (
            (s := core.read_namespaced_pod("qdrant-0", NS).status.container_statuses[0]).restart_count >= 2
            and s
        )
    )
    assert (state.ready, state.state.waiting.reason) == (False, "CrashLoopBackOff")
