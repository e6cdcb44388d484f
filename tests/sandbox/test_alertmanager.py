"""The sandbox's real Alertmanager behind its real Prometheus: an error spike on the exporter fires
VLLMHighErrorRate, which reaches a loopback webhook receiver with bearer auth, and healing resolves it.
One exporter, Prometheus and Alertmanager for the module."""

import time

import pytest
import requests
import yaml

from sandbox.alertmanager import AlertmanagerMissing, SandboxAlertmanager
from sandbox.exporter import Exporter
from sandbox.httpstub import Request, Response, StubServer
from sandbox.prometheus import PrometheusMissing, SandboxPrometheus

TOKEN = "test-alertmanager-token"
ALERT = "VLLMHighErrorRate"


class Receiver:
    """A loopback webhook receiver that keeps every delivery (headers and body)."""

    def __init__(self):
        self.deliveries: list[Request] = []
        self.stub = StubServer("webhook")
        self.stub.route("POST", r"/hook", self._take)
        self.stub.start()

    def _take(self, req: Request) -> Response:
        self.deliveries.append(req)
        return Response(body={"ok": True})

    def wait_for(self, alertname: str, status: str, deadline_seconds: float = 40.0) -> Request:
        """The first delivery naming `alertname` in `status`; polls a real Alertmanager's output."""
        deadline = time.monotonic() + deadline_seconds
        while time.monotonic() < deadline:
            for req in list(self.deliveries):
                if any(_is(a, alertname, status) for a in req.json()["alerts"]):
                    return req
            time.sleep(0.1)
        raise AssertionError(f"no {status} {alertname} delivered; got {[d.json() for d in self.deliveries]}")


def _is(alert: dict, alertname: str, status: str) -> bool:
    return alert["labels"]["alertname"] == alertname and alert["status"] == status


@pytest.fixture(scope="module")
def receiver():
    running = Receiver()
    yield running
    running.stub.stop()


@pytest.fixture(scope="module")
def platform(tmp_path_factory, receiver):
    workdir = tmp_path_factory.mktemp("alerting")
    alertmanager, exporter = SandboxAlertmanager(workdir / "alertmanager"), Exporter()
    prometheus = SandboxPrometheus(workdir / "prometheus", "", history_days=1)
    try:
        alertmanager.start()
        alertmanager.set_receiver(f"{receiver.stub.url}/hook", TOKEN)
        prometheus.exporter_url, prometheus.alertmanager_url = exporter.start(), alertmanager.url
        prometheus.start()
    except (AlertmanagerMissing, PrometheusMissing) as missing:
        pytest.fail(f"{missing} (`make prometheus` installs both)")
    yield exporter, prometheus, alertmanager
    for part in (prometheus, alertmanager, exporter):
        part.stop()


@pytest.fixture(scope="module")
def fired(platform, receiver):
    exporter = platform[0]
    began = time.monotonic()
    exporter.set_error_ratio(0.2)
    delivery = receiver.wait_for(ALERT, "firing")
    return delivery, time.monotonic() - began


@pytest.fixture(scope="module")
def resolved(platform, receiver, fired):
    exporter = platform[0]
    began = time.monotonic()
    exporter.set_error_ratio(None)
    delivery = receiver.wait_for(ALERT, "resolved")
    return delivery, time.monotonic() - began


def test_an_error_spike_reaches_the_webhook_as_a_version_4_firing_group(fired):
    body = fired[0].json()
    alert = next(a for a in body["alerts"] if a["labels"]["alertname"] == ALERT)
    assert (body["version"], body["status"], body["receiver"]) == ("4", "firing", "llmbot")
    assert body["groupLabels"] == {
        "alertname": ALERT,
        "namespace": "llm-inference",
        "service": "vllm-llama-3-70b",
    }
    assert body["groupKey"].endswith(
        '{alertname="VLLMHighErrorRate", namespace="llm-inference", service="vllm-llama-3-70b"}'
    )
    assert alert["labels"]["severity"] == "critical" and len(alert["fingerprint"]) == 16
    assert set(alert["annotations"]) == {"summary", "description", "runbook_url"}
    assert "% of requests failing" in alert["annotations"]["summary"]


def test_the_webhook_carries_the_bearer_token_from_set_receiver(fired):
    assert fired[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_firing_links_back_to_the_rule_in_prometheus_and_to_alertmanager(fired, platform):
    body = fired[0].json()
    prometheus, alertmanager = platform[1], platform[2]
    assert body["alerts"][0]["generatorURL"].startswith(f"{prometheus.url}/graph?g0.expr=")
    assert body["externalURL"] == alertmanager.url


def test_the_alert_fires_end_to_end_within_twenty_seconds_of_the_spike(fired):
    assert fired[1] < 20  # about 9 s measured: scrape, 10 s rate window, for: 2s, group_wait 1s


def test_healing_the_exporter_delivers_the_same_group_resolved(fired, resolved):
    firing, done = fired[0].json(), resolved[0].json()
    assert (done["status"], done["groupKey"]) == ("resolved", firing["groupKey"])
    assert [a["fingerprint"] for a in done["alerts"]] == [a["fingerprint"] for a in firing["alerts"]]
    assert resolved[1] < 20  # about 8 s measured


def test_set_receiver_moves_delivery_to_the_new_url_and_token(tmp_path, receiver):
    alertmanager = SandboxAlertmanager(tmp_path)
    alertmanager.start()
    try:
        alertmanager.set_receiver(f"{receiver.stub.url}/hook", "second-token")
        alertmanager.push([{"labels": {"alertname": "PushedByTest", "namespace": "llm-inference"}}])
        delivery = receiver.wait_for("PushedByTest", "firing", deadline_seconds=10)
    finally:
        alertmanager.stop()
    assert delivery.headers["Authorization"] == "Bearer second-token"


def test_alerts_before_any_receiver_is_set_are_accepted_and_go_nowhere(tmp_path):
    alertmanager = SandboxAlertmanager(tmp_path)
    alertmanager.start()
    try:
        alertmanager.push([{"labels": {"alertname": "NobodyListens"}}])
        listed = requests.get(f"{alertmanager.url}/api/v2/alerts", timeout=2).json()
    finally:
        alertmanager.stop()
    assert [a["labels"]["alertname"] for a in listed] == ["NobodyListens"]
    assert "webhook_configs" not in alertmanager.config()["receivers"][0]


def test_a_missing_binary_raises_alertmanager_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(AlertmanagerMissing, match="prometheus-alertmanager"):
        SandboxAlertmanager(tmp_path).start()


def test_the_sandbox_prometheus_is_configured_to_send_alerts_to_the_sandbox_alertmanager(sandbox):
    answer = requests.get(f"{sandbox.prometheus_url}/api/v1/status/config", timeout=2).json()
    alerting = yaml.safe_load(answer["data"]["yaml"])["alerting"]
    targets = [t for am in alerting["alertmanagers"] for c in am["static_configs"] for t in c["targets"]]
    assert [f"http://{t}" for t in targets] == [sandbox.alertmanager.url]
    assert sandbox.config()["alertmanager"]["url"] == sandbox.alertmanager.url
