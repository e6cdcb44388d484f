"""The Cost Explorer stand-in answers boto3 as Cost Explorer does: grouped and ungrouped figures that
agree, forecasts from today on, AWS-shaped errors, and the throttle and deny switches."""

from datetime import date, datetime, timedelta, timezone

import boto3
import botocore.exceptions
import pytest
import requests
from botocore.config import Config

from sandbox.cost_explorer import CostExplorerStub


@pytest.fixture(scope="module")
def ce():
    stub = CostExplorerStub()
    stub.start()
    client = boto3.client(
        "ce",
        region_name="us-east-1",
        endpoint_url=stub.url,
        aws_access_key_id="a",
        aws_secret_access_key="b",
        config=Config(retries={"total_max_attempts": 1}),
    )
    yield stub, client
    stub.stop()


def _today() -> date:
    return datetime.now(timezone.utc).date()


def test_grouped_by_service_adds_up_to_the_ungrouped_total(ce):
    _, client = ce
    period = {"Start": (_today() - timedelta(days=3)).isoformat(), "End": _today().isoformat()}
    plain = client.get_cost_and_usage(TimePeriod=period, Granularity="DAILY", Metrics=["UnblendedCost"])
    grouped = client.get_cost_and_usage(
        TimePeriod=period,
        Granularity="DAILY",
        Metrics=["UnblendedCost"],
        GroupBy=[{"Type": "DIMENSION", "Key": "SERVICE"}],
    )
    assert len(plain["ResultsByTime"]) == len(grouped["ResultsByTime"]) == 3
    for whole, parts in zip(plain["ResultsByTime"], grouped["ResultsByTime"], strict=False):
        total = float(whole["Total"]["UnblendedCost"]["Amount"])
        assert 3300 <= total <= 3700 and whole["Estimated"] is False
        assert sum(float(g["Metrics"]["UnblendedCost"]["Amount"]) for g in parts["Groups"]) == pytest.approx(
            total
        )
    assert grouped["GroupDefinitions"] == [{"Type": "DIMENSION", "Key": "SERVICE"}]


def test_monthly_granularity_splits_the_period_at_month_ends(ce):
    _, client = ce
    answer = client.get_cost_and_usage(
        TimePeriod={"Start": "2024-01-30", "End": "2024-02-02"},
        Granularity="MONTHLY",
        Metrics=["UnblendedCost"],
    )
    assert [r["TimePeriod"] for r in answer["ResultsByTime"]] == [
        {"Start": "2024-01-30", "End": "2024-02-01"},
        {"Start": "2024-02-01", "End": "2024-02-02"},
    ]


def test_a_forecast_starts_today_and_refuses_the_past(ce):
    _, client = ce
    end = (_today() + timedelta(days=10)).isoformat()
    answer = client.get_cost_forecast(
        TimePeriod={"Start": _today().isoformat(), "End": end},
        Metric="UNBLENDED_COST",
        Granularity="MONTHLY",
        PredictionIntervalLevel=80,
    )
    assert 33_000 < float(answer["Total"]["Amount"]) < 37_000
    with pytest.raises(botocore.exceptions.ClientError) as refused:
        client.get_cost_forecast(
            TimePeriod={"Start": "2024-01-01", "End": end}, Metric="UNBLENDED_COST", Granularity="MONTHLY"
        )
    assert refused.value.response["Error"]["Code"] == "ValidationException"


def test_throttle_fails_the_next_calls_then_clears_itself(ce):
    stub, client = ce
    requests.post(f"{stub.url}/_sandbox/throttle", json={"count": 2}, timeout=5)
    period = {"Start": "2024-01-01", "End": "2024-01-02"}
    codes = []
    for _ in range(3):
        try:
            client.get_cost_and_usage(TimePeriod=period, Granularity="DAILY", Metrics=["UnblendedCost"])
            codes.append("ok")
        except botocore.exceptions.ClientError as exc:
            codes.append(exc.response["Error"]["Code"])
    assert codes == ["ThrottlingException", "ThrottlingException", "ok"]


def test_deny_answers_access_denied_until_switched_off(ce):
    stub, client = ce
    requests.post(f"{stub.url}/_sandbox/deny", json={"enabled": True}, timeout=5)
    try:
        with pytest.raises(botocore.exceptions.ClientError) as refused:
            client.get_cost_and_usage(
                TimePeriod={"Start": "2024-01-01", "End": "2024-01-02"},
                Granularity="DAILY",
                Metrics=["UnblendedCost"],
            )
    finally:
        requests.post(f"{stub.url}/_sandbox/deny", json={"enabled": False}, timeout=5)
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
