"""The sandbox's real Prometheus: backfilled history, live scrapes of the synthetic exporter, the
recording and alerting rules, read through the bot's own client. One Prometheus for the module."""

import time
from datetime import datetime, timedelta, timezone

import pytest
import requests

from integrations.errors import IntegrationError
from integrations.prometheus import PrometheusClient
from tests.prometheus_support import exporter_and_prometheus


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    with exporter_and_prometheus(tmp_path_factory.mktemp("prometheus")) as pair:
        yield pair


@pytest.fixture(scope="module")
def exporter(running):
    return running[0]


@pytest.fixture(scope="module")
def sandbox(running):
    return running[1]


@pytest.fixture(scope="module")
def client(sandbox):
    return PrometheusClient(sandbox.url)


def eventually(read, deadline_seconds=30.0):
    """Poll `read` until it returns something truthy; the last value otherwise."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        value = read()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.5)


def test_prometheus_is_ready_well_within_thirty_seconds(sandbox):
    assert sandbox.timings["start_seconds"] < 30


def test_recorded_gpu_utilization_covers_seven_days_of_history(client):
    assert 40 < client.scalar("avg_over_time(gpu:utilization:average[7d])") < 90
    assert client.scalar("count_over_time(gpu:utilization:average[7d] offset 6d)") > 0


def test_recorded_throughput_is_about_forty_requests_per_second_over_the_week(client):
    assert 35 < client.scalar("avg_over_time(llm:throughput:requests_per_second[7d])") < 45


def test_live_error_ratio_is_under_one_percent(client):
    ratio = client.scalar("sum(rate(vllm_request_errors_total[5m])) / sum(rate(vllm_requests_total[5m]))")
    assert 0.001 < ratio < 0.01


def test_p95_latency_from_the_histogram_is_within_the_expected_band(client):
    p95 = client.scalar(
        "histogram_quantile(0.95, sum by (le) (rate(vllm_request_latency_seconds_bucket[5m])))"
    )
    assert 1.5 <= p95 <= 2.5


def test_p95_time_to_first_token_is_a_few_hundred_milliseconds(client):
    p95 = client.scalar(
        "histogram_quantile(0.95, sum by (le) (rate(vllm_time_to_first_token_seconds_bucket[5m])))"
    )
    assert 0.2 <= p95 <= 0.4


def test_every_gpu_of_both_nodes_reports_dcgm_metrics(client):
    samples = client.vector("DCGM_FI_DEV_GPU_TEMP")
    assert {(s.labels["Hostname"], s.labels["gpu"]) for s in samples} == {
        (host, str(gpu))
        for host in ("ip-10-0-1-11.ec2.internal", "ip-10-0-1-12.ec2.internal")
        for gpu in range(8)
    }


def test_a_range_query_over_the_last_day_returns_hourly_points(client):
    end = datetime.now(timezone.utc)
    series = client.range("gpu:utilization:average", end - timedelta(days=1), end, "1h")
    assert len(series) == 1 and len(series[0].points) >= 24


def test_no_critical_alert_fires_on_a_healthy_platform(client):
    assert client.firing_alerts() == []


def test_a_malformed_query_fails_with_prometheus_own_parse_error(client):
    with pytest.raises(IntegrationError, match="query failed: .*parse error"):
        client.scalar("sum(rate(vllm_requests_total[5m]")


def test_switching_the_canary_on_makes_canary_series_appear(client, exporter):
    requests.post(f"{exporter.url}/_sandbox/canary", json={"enabled": True, "error_ratio": 0.004}, timeout=2)
    try:
        canary = eventually(lambda: client.vector('vllm_requests_total{version="canary"}'))
    finally:
        requests.post(f"{exporter.url}/_sandbox/canary", json={"enabled": False}, timeout=2)
    assert [s.labels["model_name"] for s in canary] == ["meta-llama/Meta-Llama-3-70B-Instruct"]


# Last on purpose: the raised error ratio stays in the rate windows for minutes afterwards.
def test_raising_the_error_ratio_fires_the_critical_high_error_rate_alert(client, exporter):
    requests.post(f"{exporter.url}/_sandbox/errors", json={"ratio": 0.2}, timeout=2)
    alerts = eventually(lambda: [a for a in client.firing_alerts() if a.name == "LLMHighErrorRate"], 40)
    assert [(a.severity, a.state) for a in alerts] == [("critical", "firing")]
    assert "stable" in alerts[0].summary and alerts[0].active_since is not None
