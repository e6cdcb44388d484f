"""Canary analysis: the verdict rules on hand-made numbers, then analyse() against the sandbox's real
Prometheus scraping the synthetic exporter with its canary switched off, healthy and failing."""

import socket
import time

import pytest
import requests
from pydantic import ValidationError

from commands.canary_analysis import (
    CanaryAnalysis,
    CanaryPolicy,
    CanaryQueries,
    VersionMetrics,
    analyse,
    judge,
)
from integrations.errors import Unavailable
from integrations.prometheus import PrometheusClient
from sandbox.exporter import Exporter
from tests.prometheus_support import exporter_and_prometheus

POLICY = CanaryPolicy()
HEALTHY = VersionMetrics(
    error_rate=0.003, p95_latency_seconds=1.8, ttft_p95_seconds=0.3, throughput_rps=4.0, requests=1200
)
STABLE = VersionMetrics(
    error_rate=0.003, p95_latency_seconds=1.9, ttft_p95_seconds=0.3, throughput_rps=40.0, requests=12000
)


def verdict(canary: VersionMetrics, stable: VersionMetrics = STABLE) -> tuple[str, list[str]]:
    analysis = judge(canary, stable, POLICY)
    return analysis.verdict, analysis.reasons


# The verdict rules.


def test_a_canary_within_every_limit_passes():
    assert judge(HEALTHY, STABLE, POLICY) == CanaryAnalysis(
        canary=HEALTHY, stable=STABLE, verdict="pass", reasons=[]
    )


def test_a_canary_exactly_at_every_limit_still_passes():
    at_limits = HEALTHY.model_copy(
        update={"error_rate": 0.01, "p95_latency_seconds": 3.0, "ttft_p95_seconds": 0.5}
    )
    assert verdict(at_limits, STABLE.model_copy(update={"error_rate": 0.005})) == ("pass", [])


def test_a_canary_without_traffic_is_inconclusive():
    assert verdict(VersionMetrics()) == ("inconclusive", ["no canary traffic in the last 5m"])


def test_a_canary_one_request_short_of_the_minimum_is_inconclusive():
    assert verdict(HEALTHY.model_copy(update={"requests": 99})) == (
        "inconclusive",
        ["only 99 canary requests in the last 5m; a verdict needs 100"],
    )


def test_a_canary_at_the_minimum_traffic_gets_a_verdict():
    assert verdict(HEALTHY.model_copy(update={"requests": 100})) == ("pass", [])


def test_each_exceeded_limit_is_a_reason_naming_metric_value_and_limit():
    bad = HEALTHY.model_copy(
        update={"error_rate": 0.0101, "p95_latency_seconds": 3.01, "ttft_p95_seconds": 0.75}
    )
    assert verdict(bad, STABLE.model_copy(update={"error_rate": 0.006})) == (
        "fail",
        [
            "error rate 1.01% is over the 1.00% limit",
            "p95 latency 3.01s is over the 3.00s limit",
            "p95 TTFT 0.75s is over the 0.50s limit",
        ],
    )


def test_a_canary_erring_more_than_twice_as_often_as_stable_fails_under_the_absolute_limit():
    assert verdict(HEALTHY.model_copy(update={"error_rate": 0.0061})) == (
        "fail",
        ["error rate 0.61% is 2.0× stable's 0.30% (limit 2×)"],
    )


def test_a_canary_erring_exactly_twice_as_often_as_stable_passes():
    assert verdict(HEALTHY.model_copy(update={"error_rate": 0.006})) == ("pass", [])


def test_the_ratio_to_stable_is_not_checked_while_stable_has_almost_no_errors():
    assert verdict(HEALTHY, STABLE.model_copy(update={"error_rate": 0.00005})) == ("pass", [])


def test_the_ratio_to_stable_is_not_checked_without_stable_data():
    assert verdict(HEALTHY, VersionMetrics()) == ("pass", [])


def test_a_canary_missing_a_limited_metric_is_inconclusive():
    assert verdict(HEALTHY.model_copy(update={"ttft_p95_seconds": None})) == (
        "inconclusive",
        ["no canary data for p95 TTFT"],
    )


def test_an_exceeded_limit_fails_even_with_another_metric_missing():
    bad = HEALTHY.model_copy(update={"p95_latency_seconds": None, "error_rate": 0.05})
    assert verdict(bad, VersionMetrics())[0] == "fail"


def test_a_query_template_with_a_stray_brace_is_refused_at_load():
    with pytest.raises(ValidationError, match="double literal braces"):
        CanaryQueries(error_rate='sum(rate(vllm_request_errors_total{version="{version}"}[{window}]))')


def test_a_window_that_is_not_a_promql_duration_is_refused_at_load():
    with pytest.raises(ValidationError, match="not a PromQL duration"):
        CanaryPolicy(window="five minutes")


def test_a_dead_prometheus_fails_the_analysis_with_the_client_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(Unavailable, match="prometheus: refused the connection"):
        analyse(PrometheusClient(f"http://127.0.0.1:{port}"), POLICY)


# Against the sandbox's real Prometheus (scrapes every 2 s; the canary serves ~4 requests/s).

LIVE = CanaryPolicy(window="1m", min_requests=60)


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    with exporter_and_prometheus(tmp_path_factory.mktemp("prometheus"), history_days=1) as pair:
        yield pair


@pytest.fixture(scope="module")
def exporter(running):
    return running[0]


@pytest.fixture(scope="module")
def prom(running):
    return PrometheusClient(running[1].url)


def set_canary(exporter: Exporter, **spec) -> None:
    requests.post(f"{exporter.url}/_sandbox/canary", json=spec, timeout=2).raise_for_status()


def analysed_until(prom: PrometheusClient, verdict: str, deadline_seconds: float = 40.0) -> CanaryAnalysis:
    """Analyse every half second until the verdict is `verdict` or the deadline passes; the last one."""
    deadline = time.monotonic() + deadline_seconds
    while True:
        analysis = analyse(prom, LIVE)
        if analysis.verdict == verdict or time.monotonic() > deadline:
            return analysis
        time.sleep(0.5)


# First on purpose: a canary series stays in a [1m] range for a minute after the canary is gone.
def test_with_the_canary_off_the_analysis_is_inconclusive_for_lack_of_traffic(prom, exporter):
    set_canary(exporter, enabled=False)
    analysis = analyse(prom, LIVE)
    assert (analysis.verdict, analysis.reasons, analysis.canary) == (
        "inconclusive",
        ["no canary traffic in the last 1m"],
        VersionMetrics(),
    )
    assert 30 <= analysis.stable.throughput_rps <= 55  # 40 requests/s ± 25% over the day


def test_a_healthy_canary_passes_once_it_has_served_enough_requests(prom, exporter):
    set_canary(exporter, enabled=True, error_ratio=0.001)
    analysis = analysed_until(prom, "pass")
    assert (analysis.verdict, analysis.reasons) == ("pass", [])
    assert analysis.canary.requests >= LIVE.min_requests and analysis.canary.error_rate < 0.01


# Last on purpose: its errors stay in the [1m] window for a minute after it ends.
def test_a_canary_failing_a_fifth_of_its_requests_fails_on_error_rate(prom, exporter):
    set_canary(exporter, enabled=True, error_ratio=0.2)
    analysis = analysed_until(prom, "fail")
    assert analysis.verdict == "fail"
    assert analysis.reasons[0].startswith("error rate ") and "over the 1.00% limit" in analysis.reasons[0]
