"""The exporter serves a canary whenever the Kubernetes stand-in has a `<deployment>-canary` with a ready
pod, at its pods' share of stable's traffic; `tune_canary` makes it err and slow down from a moment
on without ever moving a counter backwards; the canary's series go with its Deployment."""

import pytest

from sandbox import workload
from sandbox.exporter import Exporter
from sandbox.exporter_canary import pods_in
from tests.kube_support import NS, eventually, kube_on_sandbox

CANARY = f"{workload.DEPLOYMENT}-canary"


class Clock:
    def __init__(self, now: float):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def kube(tmp_path_factory):
    with kube_on_sandbox(tmp_path_factory.mktemp("kube")) as (server, client):
        yield server, client


@pytest.fixture
def exporter(kube):
    server, client = kube
    yield Exporter(Clock(workload.ORIGIN + 86_400 * 900), canary_pods=pods_in(server.cluster))
    if client.deployment_exists(NS, CANARY):
        client.delete_deployment(NS, CANARY)
        eventually(lambda: not client.deployment_exists(NS, CANARY))


def start_canary(client) -> None:
    manifest = client.deployment_manifest(NS, workload.DEPLOYMENT)
    manifest["metadata"]["name"] = CANARY
    manifest["spec"]["replicas"] = 1
    manifest["spec"]["template"]["metadata"]["labels"]["version"] = "canary"
    manifest["spec"]["selector"] = {"matchLabels": manifest["spec"]["template"]["metadata"]["labels"]}
    client.create_deployment(NS, manifest)
    eventually(lambda: client.get_deployment(NS, CANARY).ready_replicas == 1)


def canary(exporter: Exporter, t: float) -> dict[tuple, float]:
    return {
        (name, labels.get("le", "")): value
        for name, labels, value in exporter.samples(t)
        if labels.get("version") == "canary"
    }


def test_no_canary_deployment_means_no_canary_series(exporter):
    assert canary(exporter, exporter.clock()) == {}


def test_a_ready_canary_pod_serves_what_one_stable_pod_does_from_the_moment_it_is_seen(exporter, kube):
    start_canary(kube[1])
    t = exporter.clock()
    assert canary(exporter, t)[("vllm_requests_total", "")] == 0
    stable_then = workload.requests_served(t)
    served = canary(exporter, t + 600)[("vllm_requests_total", "")]
    assert served == pytest.approx((workload.requests_served(t + 600) - stable_then) / 2, abs=1)  # 1 of 2


def test_a_bad_canary_errs_and_slows_from_then_on_with_every_counter_still_growing(exporter, kube):
    start_canary(kube[1])
    t = exporter.clock()
    canary(exporter, t)  # seen: it starts here
    exporter.clock.now = t + 600
    before = canary(exporter, t + 600)
    exporter.tune_canary(error_ratio=0.2, slow=True)
    after = canary(exporter, t + 1200)
    served = after[("vllm_requests_total", "")] - before[("vllm_requests_total", "")]
    errors = after[("vllm_request_errors_total", "")] - before[("vllm_request_errors_total", "")]
    under_3s = (
        after[("vllm_request_latency_seconds_bucket", "3")]
        - before[("vllm_request_latency_seconds_bucket", "3")]
    )
    assert errors / served == pytest.approx(0.2, abs=0.001)
    assert under_3s / served == pytest.approx(0.7, abs=0.001)  # the slow shape: 30% take longer than 3 s
    assert all(after[key] >= value for key, value in before.items() if key[0].endswith(("_total", "_bucket")))


def test_the_canary_series_go_with_its_deployment(exporter, kube):
    server, client = kube
    start_canary(client)
    assert canary(exporter, exporter.clock())
    client.delete_deployment(NS, CANARY)
    eventually(lambda: not client.deployment_exists(NS, CANARY))
    assert canary(exporter, exporter.clock() + 60) == {}
