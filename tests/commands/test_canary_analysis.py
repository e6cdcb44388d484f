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
from commands.canary_stats import wilson_interval
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


def test_a_canary_without_traffic_is_inconclusive_and_says_how_many_requests_it_needs():
    assert verdict(VersionMetrics()) == (
        "inconclusive",
        ["need 500 more canary requests (none in the last 5m; a verdict needs 500)"],
    )


def test_the_number_of_requests_still_needed_counts_from_what_each_version_served():
    canary, stable = (
        HEALTHY.model_copy(update={"requests": 270.6}),
        STABLE.model_copy(update={"requests": 499}),
    )
    assert verdict(canary, stable) == (
        "inconclusive",
        [
            "need 230 more canary requests (270 in the last 5m; a verdict needs 500)",
            "need 1 more stable requests (499 in the last 5m; a verdict needs 500)",
        ],
    )


def test_latency_over_its_limit_does_not_count_before_the_minimum_traffic():
    slow = HEALTHY.model_copy(update={"requests": 499, "p95_latency_seconds": 9.0})
    assert verdict(slow)[0] == "inconclusive"
    assert verdict(slow.model_copy(update={"requests": 500})) == (
        "fail",
        ["p95 latency 9.00s is over the 3.00s limit"],
    )


def test_a_canary_at_the_minimum_traffic_gets_a_verdict():
    assert verdict(HEALTHY.model_copy(update={"requests": 500})) == ("pass", [])


def test_a_few_errors_on_a_small_sample_are_inconclusive_not_a_failure():
    few = HEALTHY.model_copy(update={"requests": 600, "error_rate": 9 / 600})  # 9 errors: 1.5%
    found, reasons = verdict(few)
    assert found == "inconclusive"
    assert reasons[0].startswith("error rate 1.50% is over the 1.00% limit, but 9 errors in 600 requests")
    assert reasons[1].startswith("error rate 1.50% is 5.0× stable's 0.30% (limit 2×), but on 600 canary")


def test_two_errors_more_or_less_never_flip_the_verdict_between_pass_and_fail():
    found = [
        verdict(HEALTHY.model_copy(update={"requests": 600, "error_rate": e / 600}))[0] for e in range(40)
    ]
    assert found[0] == "pass" and found[-1] == "fail"
    assert all({"pass", "fail"} - set(found[e : e + 3]) for e in range(len(found) - 2)), found


def test_a_real_difference_on_enough_traffic_fails():
    bad = HEALTHY.model_copy(update={"requests": 2000, "error_rate": 0.05})
    assert verdict(bad) == (
        "fail",
        ["error rate 5.00% is over the 1.00% limit", "error rate 5.00% is 16.7× stable's 0.30% (limit 2×)"],
    )


def test_equal_error_rates_pass():
    assert verdict(HEALTHY.model_copy(update={"error_rate": STABLE.error_rate})) == ("pass", [])


def test_the_requests_said_to_be_needed_are_exactly_what_turns_doubt_into_a_failure():
    policy = CanaryPolicy(max_error_rate_ratio_to_stable=100)  # only the 1% limit is judged here
    doubtful = HEALTHY.model_copy(update={"requests": 600, "error_rate": 0.015})
    reason = judge(doubtful, STABLE, policy).reasons[0]
    more = int(reason.rsplit("need ", 1)[1].split(" more")[0].replace(",", ""))
    at = [
        judge(doubtful.model_copy(update={"requests": 600 + n}), STABLE, policy).verdict
        for n in (more - 1, more)
    ]
    assert at == ["inconclusive", "fail"]


def test_the_requests_said_to_be_needed_for_the_comparison_with_stable_are_exact():
    doubtful = HEALTHY.model_copy(update={"requests": 600, "error_rate": 0.009})  # 3× stable, under 1%
    reason = verdict(doubtful)[1][0]
    assert reason.startswith("error rate 0.90% is 3.0× stable's 0.30% (limit 2×), but on 600 canary requests")
    more = int(reason.rsplit("need ", 1)[1].split(" more")[0].replace(",", ""))

    def at(n: int) -> str:
        grown = STABLE.model_copy(update={"requests": STABLE.requests * (600 + n) / 600})
        return verdict(doubtful.model_copy(update={"requests": 600 + n}), grown)[0]

    assert (at(more - 1), at(more)) == ("inconclusive", "fail")


def test_the_wilson_interval_of_no_errors_is_not_a_point():
    low, high = wilson_interval(0, 500, 1.96)
    assert low == pytest.approx(0.0, abs=1e-12) and 0.007 < high < 0.008


def test_each_exceeded_limit_is_a_reason_naming_metric_value_and_limit():
    bad = HEALTHY.model_copy(
        update={"error_rate": 0.05, "p95_latency_seconds": 3.01, "ttft_p95_seconds": 0.75}
    )
    assert verdict(bad, STABLE.model_copy(update={"error_rate": 0.03})) == (
        "fail",
        [
            "error rate 5.00% is over the 1.00% limit",
            "p95 latency 3.01s is over the 3.00s limit",
            "p95 TTFT 0.75s is over the 0.50s limit",
        ],
    )


def test_a_canary_erring_far_more_than_twice_as_often_as_stable_fails_under_the_absolute_limit():
    assert verdict(HEALTHY.model_copy(update={"requests": 20000, "error_rate": 0.009})) == (
        "fail",
        ["error rate 0.90% is 3.0× stable's 0.30% (limit 2×)"],
    )


def test_a_canary_erring_exactly_twice_as_often_as_stable_passes():
    assert verdict(HEALTHY.model_copy(update={"error_rate": 0.006})) == ("pass", [])


def test_the_ratio_to_stable_is_not_checked_while_stable_has_almost_no_errors():
    assert verdict(HEALTHY, STABLE.model_copy(update={"error_rate": 0.00005})) == ("pass", [])


def test_a_canary_without_stable_traffic_is_inconclusive():
    assert verdict(HEALTHY, VersionMetrics()) == (
        "inconclusive",
        ["need 500 more stable requests (none in the last 5m; a verdict needs 500)"],
    )


def test_a_canary_missing_a_limited_metric_is_inconclusive():
    assert verdict(HEALTHY.model_copy(update={"ttft_p95_seconds": None})) == (
        "inconclusive",
        ["no canary data for p95 TTFT"],
    )


def test_an_exceeded_limit_fails_even_with_another_metric_missing():
    bad = HEALTHY.model_copy(update={"p95_latency_seconds": None, "error_rate": 0.05})
    assert verdict(bad)[0] == "fail"


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


def per_version(canary: float, stable: float) -> str:
    """Constant PromQL that differs by version: the policy below names the versions 1 and 0."""
    return f"vector({canary} * {{version}} + {stable} * (1 - {{version}}))"


def constant(canary: tuple[float, float], stable: tuple[float, float]) -> CanaryPolicy:
    """(requests, error rate) of each version, as Prometheus answers them; latency and TTFT are fine."""
    queries = CanaryQueries(
        error_rate=per_version(canary[1], stable[1]),
        p95_latency_seconds="vector(1.5)",
        ttft_p95_seconds="vector(0.2)",
        throughput_rps=per_version(canary[0] / 300, stable[0] / 300),
        requests=per_version(*[requests for requests, _ in (canary, stable)]),
    )
    return CanaryPolicy(canary_version="1", stable_version="0", queries=queries)


def test_a_few_errors_on_a_small_sample_are_inconclusive_through_prometheus(prom):
    analysis = analyse(prom, constant(canary=(600, 0.015), stable=(12000, 0.003)))
    assert (analysis.canary.requests, analysis.stable.error_rate) == (600, 0.003)
    assert analysis.verdict == "inconclusive"
    assert all("could be chance: need" in reason for reason in analysis.reasons), analysis.reasons


def test_a_real_difference_on_enough_traffic_fails_through_prometheus(prom):
    analysis = analyse(prom, constant(canary=(5000, 0.05), stable=(12000, 0.003)))
    assert (analysis.verdict, analysis.reasons[0]) == ("fail", "error rate 5.00% is over the 1.00% limit")


def test_equal_error_rates_pass_through_prometheus(prom):
    assert analyse(prom, constant(canary=(1200, 0.003), stable=(12000, 0.003))).verdict == "pass"


def test_the_requests_still_needed_are_counted_through_prometheus(prom):
    analysis = analyse(prom, constant(canary=(270, 0.003), stable=(12000, 0.003)))
    assert analysis.reasons == ["need 230 more canary requests (270 in the last 5m; a verdict needs 500)"]


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
        ["need 60 more canary requests (none in the last 1m; a verdict needs 60)"],
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
