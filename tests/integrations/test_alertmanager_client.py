"""AlertmanagerClient against a real Alertmanager (the sandbox's, Debian's binary) over loopback:
silences created, listed and expired; alerts listed; failures translated into our errors."""

import socket
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from integrations.alertmanager import AlertmanagerClient, Matcher
from integrations.errors import IntegrationError, NotFound, Unavailable
from sandbox.alertmanager import AlertmanagerMissing, SandboxAlertmanager
from sandbox.httpstub import StubServer

NOW = datetime.now(timezone.utc)
HOUR = timedelta(hours=1)


@pytest.fixture(scope="module")
def alertmanager(tmp_path_factory):
    running = SandboxAlertmanager(tmp_path_factory.mktemp("alertmanager"))
    try:
        running.start()
    except AlertmanagerMissing as missing:
        pytest.fail(f"{missing} (`make prometheus` installs it)")
    yield running
    running.stop()


@pytest.fixture(scope="module")
def client(alertmanager):
    return AlertmanagerClient(alertmanager.url, timeout_seconds=2)


def _push(alertmanager, **labels) -> dict[str, str]:
    """One alert with a unique label (so no other test's silence matches it), firing for ten minutes."""
    labels = {"alertname": "PushedByClientTest", "test": uuid.uuid4().hex, **labels}
    starts, ends = NOW.isoformat(), (NOW + timedelta(minutes=10)).isoformat()
    alert = {"labels": labels, "annotations": {"summary": "5% failing"}, "startsAt": starts, "endsAt": ends}
    alertmanager.push([alert])
    return labels


def _silence(client, labels: dict[str, str], comment: str = "deploying") -> str:
    return client.create_silence(labels, NOW, NOW + timedelta(hours=1), "U0OPS1", comment)


def test_ready_is_true_for_a_running_alertmanager(client):
    assert client.ready() is True


def test_ready_is_false_when_nothing_listens():
    assert AlertmanagerClient(f"http://127.0.0.1:{_closed_port()}", timeout_seconds=1).ready() is False


def test_a_created_silence_is_listed_active_with_its_matchers_author_and_comment(client):
    silence_id = _silence(client, {"alertname": "VLLMHighErrorRate", "namespace": "llm-inference"}, "1 h")
    silence = next(s for s in client.silences() if s.id == silence_id)
    assert (silence.state, silence.created_by, silence.comment) == ("active", "U0OPS1", "1 h")
    assert silence.matchers == [
        Matcher(name="alertname", value="VLLMHighErrorRate"),
        Matcher(name="namespace", value="llm-inference"),
    ]
    assert silence.ends_at - silence.starts_at <= timedelta(hours=1)


def test_a_regex_matcher_round_trips(client):
    matcher = Matcher(name="service", value="vllm-.*", is_regex=True, is_equal=True)
    silence_id = client.create_silence([matcher], NOW, NOW + timedelta(hours=4), "U0OPS2", "window")
    assert next(s for s in client.silences() if s.id == silence_id).matchers == [matcher]


def test_expiring_a_silence_leaves_it_listed_as_expired(client):
    silence_id = _silence(client, {"alertname": "Expiring"})
    client.expire_silence(silence_id)
    assert next(s for s in client.silences() if s.id == silence_id).state == "expired"


def test_expiring_a_silence_that_does_not_exist_raises_not_found(client):
    with pytest.raises(NotFound):
        client.expire_silence(str(uuid.uuid4()))


def test_a_bad_regex_matcher_fails_with_alertmanagers_own_message(client):
    with pytest.raises(
        IntegrationError, match=r"alertmanager: silence invalid: .*invalid regular expression"
    ) as raised:
        client.create_silence([Matcher(name="pod", value="(", is_regex=True)], NOW, NOW + HOUR, "U0OPS1", "x")
    assert type(raised.value) is IntegrationError  # the caller's mistake, not "try again later"


def test_a_silence_that_ends_before_it_starts_is_refused(client):
    with pytest.raises(IntegrationError, match="start time must be before end time"):
        client.create_silence({"alertname": "X"}, NOW, NOW - timedelta(hours=1), "U0OPS1", "x")


def test_pushed_alerts_are_listed_with_labels_annotations_fingerprint_and_state(client, alertmanager):
    labels = _push(alertmanager, severity="critical", namespace="llm-inference")
    alert = next(a for a in client.alerts() if a.labels.get("test") == labels["test"])
    assert (alert.name, alert.state, alert.labels) == ("PushedByClientTest", "active", labels)
    assert alert.annotations == {"summary": "5% failing"} and len(alert.fingerprint) == 16
    assert alert.starts_at == NOW.replace(microsecond=NOW.microsecond // 1000 * 1000)
    assert alert.ends_at > datetime.now(timezone.utc)


def test_a_silenced_alert_is_left_out_unless_silenced_ones_are_asked_for(client, alertmanager):
    labels = _push(alertmanager)
    silence_id = _silence(client, {"test": labels["test"]})
    assert labels["test"] not in [a.labels.get("test") for a in client.alerts()]
    alert = next(a for a in client.alerts(silenced=True) if a.labels.get("test") == labels["test"])
    assert (alert.state, alert.silenced_by) == ("suppressed", [silence_id])


def test_a_closed_port_is_unavailable():
    client = AlertmanagerClient(f"http://127.0.0.1:{_closed_port()}", timeout_seconds=1)
    with pytest.raises(Unavailable, match="alertmanager: refused the connection"):
        client.silences()


def test_a_server_that_never_answers_is_unavailable_after_the_timeout():
    with socket.socket() as silent:  # accepts connections (the kernel does) but never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        client = AlertmanagerClient(f"http://127.0.0.1:{silent.getsockname()[1]}", timeout_seconds=0.2)
        with pytest.raises(Unavailable, match="did not answer within 0.2s"):
            client.alerts()


def test_a_server_error_is_unavailable_with_its_status():
    failing = StubServer("failing")
    failing.fault.status = 503
    failing.start()
    try:
        with pytest.raises(Unavailable, match="answered HTTP 503"):
            AlertmanagerClient(failing.url).alerts()
    finally:
        failing.stop()


def test_naive_silence_times_are_refused_before_any_request(client):
    with pytest.raises(ValueError, match="timezone-aware"):
        client.create_silence({"a": "b"}, datetime(2030, 1, 1), datetime(2030, 1, 2), "U0OPS1", "x")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
