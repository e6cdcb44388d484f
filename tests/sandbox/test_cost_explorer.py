"""The Cost Explorer stand-in answers boto3 as Cost Explorer does: grouped and ungrouped figures that
agree, forecasts from today on, AWS-shaped errors, and the throttle and deny switches."""

from datetime import date, datetime, timedelta, timezone

import boto3
import botocore.exceptions
import pytest
import requests
from botocore.config import Config

from sandbox.cost_explorer import CostExplorerStub, day_costs


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


def _total(answer: dict) -> float:
    return sum(float(r["Total"]["UnblendedCost"]["Amount"]) for r in answer["ResultsByTime"])


FEBRUARY = {"Start": "2025-02-01", "End": "2025-03-01"}
PLATFORM = {"Tags": {"Key": "Project", "Values": ["llm-platform"]}}


def test_a_project_tag_filter_leaves_the_untagged_spend_out(ce):
    _, client = ce

    def total(**kwargs) -> float:
        return _total(
            client.get_cost_and_usage(
                TimePeriod=FEBRUARY, Granularity="MONTHLY", Metrics=["UnblendedCost"], **kwargs
            )
        )

    account = total()
    platform = total(Filter=PLATFORM)
    untagged = total(Filter={"Tags": {"Key": "Project", "MatchOptions": ["ABSENT"]}})
    assert 0.93 * account < platform < 0.97 * account
    assert platform + untagged == pytest.approx(account)


def test_a_service_filter_and_a_tag_filter_combine_with_and_or_and_not(ce):
    _, client = ce
    compute = {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Elastic Compute Cloud - Compute"]}}

    def total(expression: dict) -> float:
        return _total(
            client.get_cost_and_usage(
                TimePeriod=FEBRUARY, Granularity="MONTHLY", Metrics=["UnblendedCost"], Filter=expression
            )
        )

    inside, outside = total({"And": [compute, PLATFORM]}), total({"And": [compute, {"Not": PLATFORM}]})
    assert inside + outside == pytest.approx(total(compute))
    assert inside < total(compute) < total({"Or": [compute, PLATFORM]})


def test_grouping_by_purchase_type_splits_compute_into_on_demand_savings_plans_and_spot(ce):
    _, client = ce
    answer = client.get_cost_and_usage(
        TimePeriod=FEBRUARY,
        Granularity="MONTHLY",
        Metrics=["UnblendedCost"],
        GroupBy=[{"Type": "DIMENSION", "Key": "PURCHASE_TYPE"}],
        Filter={"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Elastic Compute Cloud - Compute"]}},
    )
    groups = {
        g["Keys"][0]: float(g["Metrics"]["UnblendedCost"]["Amount"])
        for g in answer["ResultsByTime"][0]["Groups"]
    }
    whole = sum(groups.values())
    shares = {k: round(v / whole, 2) for k, v in groups.items()}
    assert shares == {"On Demand Instances": 0.68, "Savings Plans": 0.20, "Spot Instances": 0.12}
    assert answer["GroupDefinitions"] == [{"Type": "DIMENSION", "Key": "PURCHASE_TYPE"}]


def test_services_other_than_compute_are_all_on_demand(ce):
    _, client = ce
    answer = client.get_cost_and_usage(
        TimePeriod=FEBRUARY,
        Granularity="MONTHLY",
        Metrics=["UnblendedCost"],
        GroupBy=[{"Type": "DIMENSION", "Key": "PURCHASE_TYPE"}],
        Filter={
            "Not": {"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Elastic Compute Cloud - Compute"]}}
        },
    )
    assert [g["Keys"] for g in answer["ResultsByTime"][0]["Groups"]] == [["On Demand Instances"]]


def test_a_filter_the_stand_in_cannot_read_is_a_validation_error_even_for_days_to_come(ce):
    _, client = ce
    ahead = {
        "Start": (_today() + timedelta(days=5)).isoformat(),
        "End": (_today() + timedelta(days=6)).isoformat(),
    }
    for expression in (
        {"Dimensions": {"Key": "REGION", "Values": ["us-west-2"]}},
        {"Tags": {"Key": "Project", "Values": ["x"]}, "Dimensions": {"Key": "SERVICE", "Values": ["x"]}},
        {"And": [PLATFORM]},
    ):
        with pytest.raises(botocore.exceptions.ClientError) as refused:
            client.get_cost_and_usage(
                TimePeriod=ahead, Granularity="DAILY", Metrics=["UnblendedCost"], Filter=expression
            )
        assert refused.value.response["Error"]["Code"] == "ValidationException"


def test_a_forecast_narrowed_by_a_filter_is_smaller_than_the_accounts(ce):
    _, client = ce
    period = {"Start": _today().isoformat(), "End": (_today() + timedelta(days=10)).isoformat()}
    account = client.get_cost_forecast(TimePeriod=period, Metric="UNBLENDED_COST", Granularity="MONTHLY")
    platform = client.get_cost_forecast(
        TimePeriod=period, Metric="UNBLENDED_COST", Granularity="MONTHLY", Filter=PLATFORM
    )
    ratio = float(platform["Total"]["Amount"]) / float(account["Total"]["Amount"])
    assert 0.93 < ratio < 0.97


def test_the_last_seven_days_of_ec2_come_one_figure_a_day(ce):
    _, client = ce
    period = {"Start": (_today() - timedelta(days=7)).isoformat(), "End": _today().isoformat()}
    answer = client.get_cost_and_usage(
        TimePeriod=period,
        Granularity="DAILY",
        Metrics=["UnblendedCost"],
        Filter={"Dimensions": {"Key": "SERVICE", "Values": ["Amazon Elastic Compute Cloud - Compute"]}},
    )
    days = [_today() - timedelta(days=i) for i in range(7, 0, -1)]
    assert [r["TimePeriod"]["Start"] for r in answer["ResultsByTime"]] == [d.isoformat() for d in days]
    assert [float(r["Total"]["UnblendedCost"]["Amount"]) for r in answer["ResultsByTime"]] == pytest.approx(
        [day_costs(d)["Amazon Elastic Compute Cloud - Compute"] for d in days]
    )
