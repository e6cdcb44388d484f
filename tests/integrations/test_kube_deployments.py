"""The plain-JSON views of Deployments and ReplicaSets: what counts as done, owned, and a clean manifest."""

from integrations.kube_deployments import manifest, owned, rollout_state, selector
from integrations.kube_models import RolloutState


def deployment(generation=1, observed=1, reason="NewReplicaSetAvailable", **counts):
    status = {
        "observedGeneration": observed,
        "replicas": 3,
        "updatedReplicas": 3,
        "readyReplicas": 3,
        "availableReplicas": 3,
        **counts,
        "conditions": [{"type": "Progressing", "status": "True", "reason": reason, "message": "m"}],
    }
    return {
        "metadata": {"name": "d", "uid": "u1", "generation": generation},
        "spec": {"replicas": 3},
        "status": status,
    }


def test_a_finished_rollout_is_done():
    assert rollout_state(deployment()) == RolloutState(
        generation=1,
        observed_generation=1,
        replicas=3,
        updated=3,
        ready=3,
        available=3,
        unavailable=0,
        old=0,
        progressing_reason="NewReplicaSetAvailable",
        progressing_message="m",
        deadline_exceeded=False,
        done=True,
    )


def test_a_change_the_controller_has_not_seen_is_not_done_though_the_old_status_says_so():
    state = rollout_state(deployment(generation=2, observed=1))
    assert (state.caught_up, state.done) == (False, False)


def test_an_exceeded_deadline_of_the_previous_rollout_does_not_fail_the_next_one():
    stale = rollout_state(deployment(generation=3, observed=2, reason="ProgressDeadlineExceeded"))
    current = rollout_state(deployment(generation=3, observed=3, reason="ProgressDeadlineExceeded"))
    assert (stale.deadline_exceeded, current.deadline_exceeded) == (False, True)


def test_old_pods_still_running_keep_a_rollout_from_being_done():
    state = rollout_state(deployment(replicas=4))
    assert (state.old, state.done) == (1, False)


def test_a_selector_with_expressions_becomes_a_label_selector_query():
    dep = {
        "spec": {
            "selector": {
                "matchLabels": {"app": "vllm"},
                "matchExpressions": [
                    {"key": "track", "operator": "In", "values": ["stable", "canary"]},
                    {"key": "paused", "operator": "DoesNotExist"},
                ],
            }
        }
    }
    assert selector(dep) == "app=vllm,track in (stable,canary),!paused"


def test_replicasets_of_another_controller_are_not_owned():
    mine = {"metadata": {"ownerReferences": [{"uid": "u1", "controller": True}]}}
    orphan = {"metadata": {}}
    theirs = {"metadata": {"ownerReferences": [{"uid": "u2", "controller": True}]}}
    assert owned(deployment(), [mine, orphan, theirs]) == [mine, orphan]


def test_a_manifest_keeps_other_annotations_and_drops_the_revision():
    dep = {
        "metadata": {
            "name": "d",
            "uid": "u",
            "resourceVersion": "7",
            "generation": 4,
            "managedFields": [],
            "creationTimestamp": "2024-01-01T00:00:00Z",
            "annotations": {"deployment.kubernetes.io/revision": "4", "team": "ml"},
        },
        "spec": {"replicas": 1},
        "status": {"replicas": 1},
    }
    assert manifest(dep) == {
        "metadata": {"name": "d", "annotations": {"team": "ml"}},
        "spec": {"replicas": 1},
    }
