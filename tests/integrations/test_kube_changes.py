"""KubeClient's change calls against the Kubernetes stand-in: each one round-trips, and applying the
same target state twice changes nothing. Tests that change things work on their own clone."""

from datetime import datetime, timezone

import pytest

from integrations.errors import IntegrationError, NotFound
from tests.kube_support import NS, clone, eventually, kube_on_sandbox

OLD, NEW = "ghcr.io/example/rag-service:1.4.2", "ghcr.io/example/rag-service:1.5.0"


@pytest.fixture(scope="module")
def kube(tmp_path_factory):
    with kube_on_sandbox(tmp_path_factory.mktemp("kube")) as (_, client):
        yield client


def rolled_out(kube, name):
    return eventually(lambda: (state := kube.rollout(NS, name)).done and state)


def test_deployment_manifest_is_the_spec_without_server_fields(kube):
    assert kube.deployment_manifest(NS, "rag-service") == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"labels": {"app": "rag-service"}, "name": "rag-service", "namespace": NS},
        "spec": {
            "progressDeadlineSeconds": 600,
            "replicas": 3,
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": {"app": "rag-service"}},
            "strategy": {"rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}, "type": "RollingUpdate"},
            "template": {
                "metadata": {"labels": {"app": "rag-service"}},
                "spec": {
                    "containers": [
                        {
                            "image": OLD,
                            "name": "rag-service",
                            "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                            "resources": {"requests": {"cpu": "500m", "memory": "2Gi"}},
                        }
                    ]
                },
            },
        },
    }


def test_a_cloned_manifest_creates_a_deployment_whose_pods_come_up(kube):
    clone(kube, "rag-clone")
    pods = eventually(
        lambda: len(ready := [p for p in kube.pods_for(NS, "rag-clone") if p.ready]) == 2 and ready
    )
    assert [(p.labels["app"], p.images) for p in pods] == [("rag-clone", [OLD])] * 2
    assert kube.deployment_exists(NS, "rag-clone")


def test_creating_a_deployment_that_exists_is_a_clear_error(kube):
    with pytest.raises(IntegrationError) as caught:
        kube.create_deployment(NS, kube.deployment_manifest(NS, "rag-service"))
    assert (type(caught.value), caught.value.message) == (
        IntegrationError,
        "cannot create deployment llm-inference/rag-service: it already exists",
    )


def test_deleting_a_deployment_twice_returns_true_then_false(kube):
    clone(kube, "rag-doomed")
    assert (kube.delete_deployment(NS, "rag-doomed"), kube.delete_deployment(NS, "rag-doomed")) == (
        True,
        False,
    )
    assert not kube.deployment_exists(NS, "rag-doomed")
    assert [p.name for p in kube.list_pods(NS) if p.labels.get("app") == "rag-doomed"] == []


def test_pods_for_lists_only_the_pods_the_deployment_selects(kube):
    assert sorted(p.labels["app"] for p in kube.pods_for(NS, "vllm-llama-3-70b")) == ["vllm", "vllm"]


def test_set_image_starts_a_rollout_that_is_not_done_until_the_new_pods_are_ready(kube):
    clone(kube, "rag-image")
    rolled_out(kube, "rag-image")
    kube.set_image(NS, "rag-image", NEW)
    assert not kube.rollout(NS, "rag-image").done
    state = rolled_out(kube, "rag-image")
    assert (state.generation, state.updated, state.ready, state.old) == (2, 2, 2, 0)
    assert {tuple(p.images) for p in kube.pods_for(NS, "rag-image")} == {(NEW,)}


def test_setting_the_same_image_again_changes_nothing(kube):
    clone(kube, "rag-same")
    kube.set_image(NS, "rag-same", OLD, container="rag-service")
    assert kube.get_deployment(NS, "rag-same").generation == 1


def test_set_image_of_a_container_the_deployment_lacks_is_not_found(kube):
    with pytest.raises(NotFound) as caught:
        kube.set_image(NS, "rag-service", NEW, container="sidecar")
    assert caught.value.message == (
        "cannot set the image of deployment llm-inference/rag-service: "
        "it has no container 'sidecar' (it has rag-service)"
    )


def test_revisions_list_the_previous_template_after_an_image_change(kube):
    manifest = clone(kube, "rag-revisions")
    rolled_out(kube, "rag-revisions")
    kube.set_image(NS, "rag-revisions", NEW)
    rolled_out(kube, "rag-revisions")
    revisions = kube.revisions(NS, "rag-revisions")
    assert [(r.number, r.images, r.replicas) for r in revisions] == [(2, [NEW], 2), (1, [OLD], 0)]
    assert revisions[1].template == manifest["spec"]["template"]


def test_applying_the_previous_template_rolls_back_to_the_old_image(kube):
    clone(kube, "rag-rollback")
    rolled_out(kube, "rag-rollback")
    kube.set_image(NS, "rag-rollback", NEW)
    rolled_out(kube, "rag-rollback")
    kube.apply_template(NS, "rag-rollback", kube.revisions(NS, "rag-rollback")[1].template)
    eventually(lambda: (state := kube.rollout(NS, "rag-rollback")).generation == 3 and state.done)
    assert [(r.number, r.images) for r in kube.revisions(NS, "rag-rollback")] == [(3, [OLD]), (2, [NEW])]
    assert kube.get_deployment(NS, "rag-rollback").image == OLD


def test_applying_the_current_template_again_changes_nothing(kube):
    clone(kube, "rag-reapply")
    current = eventually(lambda: kube.revisions(NS, "rag-reapply"))[0]
    kube.apply_template(NS, "rag-reapply", current.template)
    assert kube.get_deployment(NS, "rag-reapply").generation == 1


def test_revisions_leave_out_replicasets_of_a_canary_that_shares_the_labels(kube):
    clone(kube, "rag-base")
    canary = kube.deployment_manifest(NS, "rag-base")
    labels = {"app": "rag-base", "track": "canary"}
    canary["metadata"].update(name="rag-base-canary", labels=labels)
    canary["spec"].update(selector={"matchLabels": labels})
    canary["spec"]["template"]["metadata"]["labels"] = labels
    kube.create_deployment(NS, canary)
    eventually(lambda: kube.revisions(NS, "rag-base-canary") and kube.revisions(NS, "rag-base"))
    assert [r.template["metadata"]["labels"] for r in kube.revisions(NS, "rag-base")] == [{"app": "rag-base"}]


def test_a_rollout_restart_rolls_every_pod_onto_a_new_replica_set(kube):
    clone(kube, "restarted", replicas=2)
    before = rolled_out(kube, "restarted")
    old_pods = {p.name for p in kube.pods(NS, "restarted")}
    kube.restart_deployment(NS, "restarted", datetime(2024, 5, 1, 14, 0, tzinfo=timezone.utc))
    eventually(lambda: kube.rollout(NS, "restarted").generation > before.generation)
    rolled_out(kube, "restarted")
    revisions = kube.revisions(NS, "restarted")
    assert [(r.number, r.replicas) for r in revisions] == [(2, 2), (1, 0)]
    assert revisions[0].template["metadata"]["annotations"] == {
        "kubectl.kubernetes.io/restartedAt": "2024-05-01T14:00:00Z"
    }
    assert not old_pods & {p.name for p in kube.pods(NS, "restarted")}
    assert kube.describe_deployment(NS, "restarted").restarted_at == "2024-05-01T14:00:00Z"


def test_restarting_twice_at_the_same_moment_rolls_once(kube):
    clone(kube, "restarted-once", replicas=1)
    rolled_out(kube, "restarted-once")
    at = datetime(2024, 5, 1, 14, 0, tzinfo=timezone.utc)
    kube.restart_deployment(NS, "restarted-once", at)
    rolled_out(kube, "restarted-once")
    kube.restart_deployment(NS, "restarted-once", at)
    assert kube.rollout(NS, "restarted-once").caught_up  # the same template: nothing for the controller
    assert [r.number for r in kube.revisions(NS, "restarted-once")] == [2, 1]


def test_a_restart_needs_a_moment_with_a_time_zone(kube):
    with pytest.raises(ValueError, match="aware datetime"):
        kube.restart_deployment(NS, "rag-service", datetime(2024, 5, 1, 14, 0))
