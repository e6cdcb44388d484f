"""AwsClient against the sandbox: Cost Explorer queries through the stand-in (filtered to the platform,
by month, one service's days, by purchase type) and load balancers through moto (unused vs outage)."""

from datetime import date, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from integrations.aws import AwsClient
from integrations.aws_models import EC2_COMPUTE, SPOT, CostFilter
from integrations.errors import Unavailable
from sandbox.aws import ACCESS_KEY, IDLE_LOAD_BALANCER, OUTAGE_LOAD_BALANCER, REGION, SECRET_KEY, SandboxAws
from sandbox.cost_data import day_cells, day_costs
from sandbox.cost_explorer import CostExplorerStub

PLATFORM = CostFilter.model_validate({"Tags": {"Key": "Project", "Values": ["llm-platform"]}})
FEBRUARY = [date(2025, 2, 1) + timedelta(days=i) for i in range(28)]


@pytest.fixture(scope="module")
def moto():
    sandbox = SandboxAws()
    sandbox.start()
    yield sandbox
    sandbox.stop()


@pytest.fixture(scope="module")
def ce():
    stub = CostExplorerStub()
    stub.start()
    yield stub
    stub.stop()


@pytest.fixture(scope="module")
def aws(moto, ce):
    return AwsClient(REGION, moto.url, ACCESS_KEY, SECRET_KEY, 2.0, endpoints={"ce": ce.url})


def _sent_filter(ce) -> dict | None:
    return ce.calls[-1][1].get("Filter")


def _platform_usd(day: date, service: str | None = None) -> float:
    return sum(c.usd for c in day_cells(day) if c.tags and (service is None or c.service == service))


def test_a_cost_filter_reads_the_manuals_cost_filter_json_and_writes_it_back_unchanged():
    manual = {"Dimensions": {"Key": "SERVICE", "Values": [EC2_COMPUTE, "Amazon Simple Storage Service"]}}
    assert CostFilter.model_validate(manual).expression() == manual
    with pytest.raises(ValidationError, match="one of And, Or, Not"):
        CostFilter.model_validate({**manual, "Tags": {"Key": "Project", "Values": ["llm-platform"]}})


def test_the_platform_filter_is_sent_and_its_daily_costs_are_below_the_accounts(aws, ce):
    days = FEBRUARY[:3]
    account = aws.daily_costs(days[0], days[-1] + timedelta(days=1))
    platform = aws.daily_costs(days[0], days[-1] + timedelta(days=1), PLATFORM)
    assert _sent_filter(ce) == {"Tags": {"Key": "Project", "Values": ["llm-platform"]}}
    assert [d.usd for d in account] == pytest.approx([sum(day_costs(d).values()) for d in days])
    assert [d.usd for d in platform] == pytest.approx([_platform_usd(d) for d in days])
    assert all(0.9 * a.usd < p.usd < a.usd for a, p in zip(account, platform, strict=True))


def test_a_service_filter_leaves_only_those_services_in_the_breakdown(aws):
    only = CostFilter.model_validate(
        {"Dimensions": {"Key": "SERVICE", "Values": [EC2_COMPUTE, "EC2 - Other"]}}
    )
    breakdown = aws.costs_by_service(FEBRUARY[0], FEBRUARY[7], only)
    assert [s.service for s in breakdown.services] == [EC2_COMPUTE, "EC2 - Other"]
    assert breakdown.total == pytest.approx(
        sum(day_costs(d)[EC2_COMPUTE] + day_costs(d)["EC2 - Other"] for d in FEBRUARY[:7])
    )


def test_a_past_month_comes_whole_by_service_in_one_monthly_bucket(aws, ce):
    month = aws.month_by_service(date(2025, 2, 14), PLATFORM)
    body = ce.calls[-1][1]
    assert (month.start, month.end, month.estimated) == (date(2025, 2, 1), date(2025, 3, 1), False)
    assert (body["Granularity"], body["TimePeriod"]) == (
        "MONTHLY",
        {"Start": "2025-02-01", "End": "2025-03-01"},
    )
    assert month.services[0].service == EC2_COMPUTE
    assert month.total == pytest.approx(sum(_platform_usd(d) for d in FEBRUARY))


def test_the_ec2_series_is_one_figure_a_day_for_the_seven_days_before_the_end(aws, ce):
    series = aws.daily_service(EC2_COMPUTE, 7, end=date(2025, 3, 1))
    assert _sent_filter(ce) == {"Dimensions": {"Key": "SERVICE", "Values": [EC2_COMPUTE]}}
    assert [d.day for d in series] == FEBRUARY[-7:]
    assert [d.usd for d in series] == pytest.approx([day_costs(d)[EC2_COMPUTE] for d in FEBRUARY[-7:]])


def test_the_ec2_series_within_the_platform_filter_asks_for_both(aws, ce):
    series = aws.daily_service(EC2_COMPUTE, 7, PLATFORM, end=date(2025, 3, 1))
    assert list(_sent_filter(ce)) == ["And"]
    assert [d.usd for d in series] == pytest.approx([_platform_usd(d, EC2_COMPUTE) for d in FEBRUARY[-7:]])


def test_spend_by_purchase_type_shows_spot_and_estimates_what_it_saved(aws, ce):
    split = aws.by_purchase_type(FEBRUARY[0], FEBRUARY[7], PLATFORM, spot_price_ratio=3.0)
    compute = sum(_platform_usd(d, EC2_COMPUTE) for d in FEBRUARY[:7])
    assert ce.calls[-1][1]["GroupBy"] == [{"Type": "DIMENSION", "Key": "PURCHASE_TYPE"}]
    assert split.total_usd == pytest.approx(compute)
    assert (split.spot_share, split.savings_plans_usd / compute) == pytest.approx((0.12, 0.20))
    assert split.on_demand_equivalent_usd == pytest.approx(3 * split.spot_usd)
    assert split.spot_saving_usd == pytest.approx(2 * split.by_type[SPOT])
    assert split.model_dump()["spot_saving_usd"] == pytest.approx(split.spot_saving_usd)


def test_the_forecast_narrowed_to_the_platform_is_smaller_than_the_accounts(aws, ce):
    today = datetime.now(timezone.utc).date()
    account = aws.cost_forecast(today, today + timedelta(days=10))
    platform = aws.cost_forecast(today, today + timedelta(days=10), PLATFORM)
    assert _sent_filter(ce) == PLATFORM.expression()
    assert 0.9 * account.usd < platform.usd < account.usd


def test_a_filter_cost_explorer_refuses_names_cost_explorer(aws):
    region = CostFilter.model_validate({"Dimensions": {"Key": "REGION", "Values": ["us-west-2"]}})
    with pytest.raises(Unavailable, match="Cost Explorer answered ValidationException"):
        aws.daily_costs(FEBRUARY[0], FEBRUARY[1], region)


# ---- load balancers: unused (no targets) is waste, registered but none healthy is an outage ------------
@pytest.fixture
def added(moto):
    names = []

    def add(name, targets):
        moto.add_load_balancer(name, targets)
        names.append(name)

    yield add
    for name in names:  # moto's state is the whole process's: leave nothing for the other tests
        moto.remove_load_balancer(name)


def _balancer(aws, name):
    [found] = [lb for lb in aws.load_balancers() if lb.name == name]
    return found


def test_a_load_balancer_without_targets_is_unused_not_an_outage(aws):
    idle = _balancer(aws, IDLE_LOAD_BALANCER)
    assert (idle.target_groups, idle.targets, idle.healthy, idle.unused, idle.outage) == (
        1,
        0,
        0,
        True,
        False,
    )


def test_a_load_balancer_whose_only_target_is_stopped_is_an_outage_not_unused(aws, added):
    added(OUTAGE_LOAD_BALANCER, "stopped")
    down = _balancer(aws, OUTAGE_LOAD_BALANCER)
    assert (down.targets, down.healthy, down.unused, down.outage) == (1, 0, False, True)
    assert down.reasons == ["Target.InvalidState"]


def test_a_load_balancer_with_a_running_target_is_neither_unused_nor_an_outage(aws, added):
    added("llm-ingress", "healthy")
    serving = _balancer(aws, "llm-ingress")
    assert (serving.targets, serving.healthy, serving.unused, serving.outage, serving.reasons) == (
        1,
        1,
        False,
        False,
        [],
    )
