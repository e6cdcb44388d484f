"""PrometheusClient against loopback stand-ins: answers shaped like Prometheus' HTTP API, and the
ways a Prometheus fails (refused, hung, forbidden, erroring). The real one is in tests/sandbox."""

import socket
import time
from datetime import datetime, timezone

import pytest

from integrations.errors import Forbidden, IntegrationError, Unavailable
from integrations.prometheus import Alert, PrometheusClient, Sample, Series
from sandbox.httpstub import Fault, Request, Response, StubServer

GPU = {"__name__": "DCGM_FI_DEV_GPU_TEMP", "gpu": "5", "Hostname": "ip-10-0-1-12.ec2.internal"}
ANSWERS = {
    "up": {"resultType": "vector", "result": []},
    "nan": {"resultType": "vector", "result": [{"metric": {}, "value": [1700000000, "NaN"]}]},
    "scalar(1.5)": {"resultType": "scalar", "result": [1700000000, "1.5"]},
    "DCGM_FI_DEV_GPU_TEMP": {
        "resultType": "vector",
        "result": [{"metric": GPU, "value": [1700000000, "84"]}],
    },
}
ALERTS = [
    {
        "labels": {"alertname": "LLMHighErrorRate", "severity": "critical"},
        "state": "firing",
        "annotations": {"summary": "5% of requests failing"},
        "activeAt": "2023-11-14T22:13:20.123456789Z",
    },
    {"labels": {"alertname": "VLLMDown", "severity": "critical"}, "state": "pending", "annotations": {}},
    {
        "labels": {"alertname": "GPUTemperatureHigh", "severity": "warning"},
        "state": "firing",
        "annotations": {"summary": "GPU 5 is at 86°C"},
        "activeAt": "2023-11-14T22:13:20Z",
    },
]


class FakePrometheus(StubServer):
    """Answers a fixed set of queries; anything else is a parse error, as Prometheus would say."""

    def __init__(self):
        super().__init__("prometheus")
        self.route("GET", r"/api/v1/query", self._query)
        self.route("GET", r"/api/v1/query_range", self._query_range)
        self.route("GET", r"/api/v1/alerts", lambda req: success({"alerts": ALERTS}))

    def _query(self, req: Request) -> Response:
        answer = ANSWERS.get(req.arg("query"))
        if answer is None:
            return Response(
                400,
                {
                    "status": "error",
                    "errorType": "bad_data",
                    "error": "1:5: parse error: unclosed left parenthesis",
                },
            )
        return success(answer)

    def _query_range(self, req: Request) -> Response:
        values = [[int(req.arg("start")), "61.5"], [int(req.arg("end")), "62"]]
        return success({"resultType": "matrix", "result": [{"metric": {"job": "vllm"}, "values": values}]})


def success(data):
    return Response(body={"status": "success", "data": data})


@pytest.fixture(scope="module")
def fake():
    server = FakePrometheus()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def client(fake):
    fake.fault = Fault()
    return PrometheusClient(fake.url, timeout_seconds=0.5)


@pytest.fixture
def hung_url():
    """A socket that accepts connections and never says a word."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}"


def test_scalar_is_the_first_sample_value(client):
    assert client.scalar("DCGM_FI_DEV_GPU_TEMP") == 84.0


def test_scalar_of_an_empty_result_is_none(client):
    assert client.scalar("up") is None


def test_scalar_of_nan_is_none(client):
    assert client.scalar("nan") is None


def test_scalar_reads_a_promql_scalar_result(client):
    assert client.scalar("scalar(1.5)") == 1.5


def test_vector_returns_labels_and_values(client):
    assert client.vector("DCGM_FI_DEV_GPU_TEMP") == [Sample(labels=GPU, value=84.0)]


def test_range_returns_timestamped_points(client):
    start, end = datetime(2023, 11, 14, tzinfo=timezone.utc), datetime(2023, 11, 15, tzinfo=timezone.utc)
    assert client.range("gpu:utilization:average", start, end, "1h") == [
        Series(labels={"job": "vllm"}, points=[(start, 61.5), (end, 62.0)])
    ]


def test_firing_alerts_leaves_out_pending_ones_and_other_severities(client):
    assert client.firing_alerts() == [
        Alert(
            name="LLMHighErrorRate",
            severity="critical",
            state="firing",
            summary="5% of requests failing",
            active_since=datetime(2023, 11, 14, 22, 13, 20, 123456, tzinfo=timezone.utc),
        )
    ]


def test_firing_alerts_of_any_severity(client):
    assert [a.name for a in client.firing_alerts(severity=None)] == ["LLMHighErrorRate", "GPUTemperatureHigh"]


def test_a_malformed_query_reports_prometheus_parse_error(client):
    with pytest.raises(IntegrationError, match="query failed: 1:5: parse error: unclosed left parenthesis"):
        client.scalar("sum(rate(x[5m])")


def test_a_closed_port_is_unavailable():
    with pytest.raises(Unavailable, match="refused the connection"):
        PrometheusClient(closed_port_url()).scalar("up")


def test_a_hung_server_is_unavailable_within_the_timeout(hung_url):
    began = time.monotonic()
    with pytest.raises(Unavailable, match="did not answer within 0.5s"):
        PrometheusClient(hung_url, timeout_seconds=0.5).scalar("up")
    assert time.monotonic() - began < 1.5


def test_a_hung_server_is_unavailable_for_alerts_too(hung_url):
    with pytest.raises(Unavailable, match="did not answer within 0.5s"):
        PrometheusClient(hung_url, timeout_seconds=0.5).firing_alerts()


def test_a_server_error_is_unavailable_and_not_retried(client, fake):
    fake.fault = Fault(status=503)
    began = time.monotonic()
    with pytest.raises(Unavailable, match="answered HTTP 503"):
        client.vector("up")
    assert time.monotonic() - began < 0.5


def test_forbidden_credentials_are_forbidden(client, fake):
    fake.fault = Fault(status=403)
    with pytest.raises(Forbidden, match="HTTP 403"):
        client.firing_alerts()
