"""Following rollouts on the Kubernetes stand-in to their end, each on its own cloned deployment:
done, a crash-looping image caught by the progress deadline or the grace period, and a timeout."""

import pytest
import requests

from commands.rollout import describe, follow
from integrations.kube_models import RolloutState
from tests.kube_support import NS, clone, eventually, kube_on_sandbox

BAD = "ghcr.io/example/rag-service:v9-bad"


@pytest.fixture(scope="module")
def kube(tmp_path_factory):
    with kube_on_sandbox(tmp_path_factory.mktemp("kube")) as (_, client):
        yield client


class FakeClock:
    """Time that moves only when follow sleeps."""

    def __init__(self):
        self.now = 0.0

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.now += seconds


def running_clone(kube, name, **spec):
    clone(kube, name, **spec)
    eventually(lambda: kube.rollout(NS, name).done)


def state(**fields):
    base = dict(
        generation=2,
        observed_generation=2,
        replicas=3,
        updated=3,
        ready=3,
        available=3,
        unavailable=0,
        old=0,
        progressing_reason="ReplicaSetUpdated",
        progressing_message=None,
        deadline_exceeded=False,
        done=False,
    )
    return RolloutState(**{**base, **fields})


def test_following_an_image_change_reports_rising_progress_until_done(kube):
    running_clone(kube, "follow-ok", replicas=3)
    kube.set_image(NS, "follow-ok", "ghcr.io/example/rag-service:1.5.0")
    seen = []
    result = follow(kube, NS, "follow-ok", seen.append, timeout_seconds=10, poll_seconds=0.05)
    assert (result.ok, result.reason, result.failing_pods) == (
        True,
        "llm-inference/follow-ok is rolled out: 3/3 updated, 3 ready.",
        [],
    )
    progress = [(s.updated, -s.old) for s in seen if s.caught_up]
    assert progress == sorted(progress) and len(progress) >= 3 and seen[-1] == result.state
    assert all(a != b for a, b in zip(seen, seen[1:], strict=False))


def test_a_finished_rollout_is_reported_once_without_waiting(kube):
    seen, sleeps = [], []
    result = follow(kube, NS, "vllm-llama-3-70b", seen.append, sleep=sleeps.append)
    assert (result.ok, len(seen), sleeps) == (True, 1, [])


def test_a_bad_image_fails_at_the_progress_deadline_naming_the_crash_looping_pod(kube):
    running_clone(kube, "follow-bad", progressDeadlineSeconds=1)
    kube.set_image(NS, "follow-bad", BAD)
    result = follow(kube, NS, "follow-bad", lambda s: None, timeout_seconds=10, poll_seconds=0.05)
    (pod,) = result.failing_pods
    assert (result.ok, result.state.deadline_exceeded, pod.reason, pod.images) == (
        False,
        True,
        "CrashLoopBackOff",
        [BAD],
    )
    assert pod.restarts >= 1
    assert result.reason == (
        f"llm-inference/follow-bad exceeded its progress deadline (1/2 updated, 2 ready, "
        f"2 old pods still running). Failing: {pod.name} (CrashLoopBackOff, "
        f"{pod.restarts} restart{'s' if pod.restarts > 1 else ''})."
    )


def test_new_pods_crash_looping_past_the_grace_period_fail_before_the_deadline(kube):
    running_clone(kube, "follow-crash")
    kube.set_image(NS, "follow-crash", BAD)
    result = follow(
        kube,
        NS,
        "follow-crash",
        lambda s: None,
        timeout_seconds=10,
        poll_seconds=0.05,
        crash_grace_seconds=0.3,
    )
    assert (result.ok, result.state.deadline_exceeded, [p.reason for p in result.failing_pods]) == (
        False,
        False,
        ["CrashLoopBackOff"],
    )
    assert result.reason.startswith(
        "every new pod of llm-inference/follow-crash has been failing for at least 0.3 s "
        "(1/2 updated, 2 ready, 2 old pods still running). Failing: follow-crash-"
    )


def test_a_stuck_rollout_times_out_with_a_reason_after_reporting_its_state_once(kube):
    running_clone(kube, "follow-stuck")
    kube.set_image(NS, "follow-stuck", BAD)
    eventually(lambda: any(p.reason == "CrashLoopBackOff" for p in kube.pods_for(NS, "follow-stuck")))
    clock, seen = FakeClock(), []
    result = follow(
        kube,
        NS,
        "follow-stuck",
        seen.append,
        timeout_seconds=10,
        poll_seconds=3,
        crash_grace_seconds=3600,
        sleep=clock.sleep,
        monotonic=clock.monotonic,
    )
    assert (result.ok, len(seen), clock.now, len(result.failing_pods)) == (False, 1, 10, 1)
    assert result.reason.startswith(
        "llm-inference/follow-stuck did not finish rolling out within 10 s "
        "(1/2 updated, 2 ready, 2 old pods still running). Failing: follow-stuck-"
    )


def test_describe_says_when_the_controller_has_not_seen_the_change_yet():
    assert describe(state(observed_generation=1)) == "waiting for the controller to pick up the change"


def test_describe_counts_updated_ready_and_old_pods():
    assert describe(state(updated=2, ready=3, old=1)) == "2/3 updated, 3 ready, 1 old pod still running"


def test_describe_a_finished_rollout():
    assert describe(state(done=True)) == "3/3 updated, 3 ready"


def test_a_missed_reading_does_not_end_the_follow(tmp_path):
    with kube_on_sandbox(tmp_path) as (server, client):
        requests.post(
            f"{server.url}/_sandbox/fault", json={"status": 503}, timeout=2
        )  # the first reading fails
        slept = []

        def heal_then_wait(seconds):
            requests.post(f"{server.url}/_sandbox/fault", json={}, timeout=2)
            slept.append(seconds)

        result = follow(
            client,
            NS,
            "rag-service",
            lambda state: None,
            timeout_seconds=20,
            poll_seconds=0.01,
            sleep=heal_then_wait,
        )
    assert result.ok
    assert len(slept) == 1  # one missed reading, then the finished rollout
