"""The pure parts of the cost reports: periods, two-sided budget verdicts, filters in words, months,
the spot estimate, and messages that stay valid."""

from datetime import date

import pytest
from slack_sdk.models.blocks import Block

from commands import cost, cost_spot, waste
from commands.cost import Budget, CostReport, Verdict, period_range
from commands.cost_month import CostMonthRequest, first_of
from commands.cost_scope import describe
from commands.errors import CommandError
from commands.platform import Links
from integrations.aws_models import CostFilter, PurchaseSplit, ServiceCost

TODAY = date(2024, 3, 15)


def valid(blocks: list[dict]) -> list[dict]:
    for block in blocks:
        Block.parse(block).validate_json()  # raises on anything Slack would refuse
    return blocks


def test_periods_cover_whole_days_ending_before_today_except_today_and_month_to_date():
    assert period_range("yesterday", TODAY) == (date(2024, 3, 14), TODAY)
    assert period_range("today", TODAY) == (TODAY, date(2024, 3, 16))
    assert period_range("7d", TODAY) == (date(2024, 3, 8), TODAY)
    assert period_range("mtd", TODAY) == (date(2024, 3, 1), date(2024, 3, 16))


def test_spend_is_within_the_budget_up_to_the_tolerance_either_way():
    budget = Budget(usd=3500, tolerance=0.10)
    assert [budget.judge(usd) for usd in (3149, 3150, 3850, 3851)] == [
        Verdict.UNDER,
        Verdict.WITHIN,
        Verdict.WITHIN,
        Verdict.OVER,
    ]


def test_far_under_the_budget_is_flagged_as_worth_a_look_and_over_it_as_a_failure():
    budget = Budget(usd=3500, tolerance=0.10)
    assert budget.describe(2450) == "⚠️ $2,450 is under the $3,500 ±10% budget (30% under: worth a look)"
    assert budget.describe(4200) == "❌ $4,200 is over the $3,500 ±10% budget (20% over)"
    assert budget.describe(3400) == "✅ $3,400 is within the $3,500 ±10% budget"


def test_a_cost_filter_is_said_in_words():
    platform = CostFilter.model_validate({"Tags": {"Key": "Project", "Values": ["llm-platform"]}})
    assert describe(platform) == "tag Project = llm-platform"
    both = CostFilter.model_validate(
        {
            "And": [
                platform.expression(),
                {"Not": {"Dimensions": {"Key": "SERVICE", "Values": ["Tax"]}}},
            ]
        }
    )
    assert describe(both) == "tag Project = llm-platform and not service Tax"


def test_a_cost_report_renders_valid_blocks_with_ec2_compute_first_and_the_cost_explorer_link():
    report = CostReport(
        period="yesterday",
        start=date(2024, 3, 14),
        end=TODAY,
        estimated=False,
        budget=Budget(usd=3500, tolerance=0.1),
        services=[
            ServiceCost(service="EC2 - Other", usd=400.0),
            ServiceCost(service=cost.COMPUTE, usd=1900.0),
            ServiceCost(service="A <weird> & service", usd=100.0),
        ],
        scope="tag Project = llm-platform",
        links=Links(cost_explorer="https://console.aws.amazon.com/cost-management/home").pick(
            "cost_explorer"
        ),
    )
    blocks = valid(cost.render(report))
    assert blocks[2]["text"]["text"] == (
        "*By service*\n• EC2 compute: $1,900 (79%)\n• EC2 - Other: $400 (17%)\n"
        "• A &lt;weird&gt; &amp; service: $100 (4%)"
    )
    assert blocks[3]["elements"][0]["text"].startswith("Unblended cost of tag Project = llm-platform from")
    assert blocks[3]["elements"][0]["text"].endswith(
        " · <https://console.aws.amazon.com/cost-management/home|Cost Explorer>"
    )
    assert cost.render_text(report).splitlines()[1].startswith("⚠️ $2,400 is under the $3,500 ±10% budget")


def test_cost_month_defaults_to_last_month_and_refuses_one_not_over():
    assert first_of(CostMonthRequest(), TODAY) == date(2024, 2, 1)
    assert first_of(CostMonthRequest(), date(2024, 1, 3)) == date(2023, 12, 1)
    assert first_of(CostMonthRequest(month="2023-11"), TODAY) == date(2023, 11, 1)
    with pytest.raises(CommandError, match="2024-03 has not ended yet; `/llm cost mtd`"):
        first_of(CostMonthRequest(month="2024-03"), TODAY)


def test_cost_month_takes_only_a_year_and_month():
    with pytest.raises(ValueError, match="is not a month: write it as YYYY-MM"):
        CostMonthRequest(month="March")


def test_the_spot_answer_says_how_the_saving_is_estimated():
    split = PurchaseSplit(
        start=date(2024, 2, 14),
        end=TODAY,
        by_type={"On Demand Instances": 600.0, "Spot Instances": 100.0, "Savings Plans": 300.0},
        spot_price_ratio=3.0,
        estimated=False,
    )
    report = cost_spot.SpotReport(period="30d", split=split)
    text = "\n".join(b.get("text", {}).get("text", "") for b in valid(cost_spot.render(report)))
    assert "• On demand: $600 (60%)\n• Spot: $100 (10%)\n• Savings Plans: $300 (30%)" in text
    assert "💰 Spot saved about $200: the same instance hours on demand would have cost about $300" in text
    assert "on-demand prices taken as 3× spot prices (platform.spot_price_ratio)" in cost_spot.render_text(
        report
    )


def test_a_waste_report_of_hundreds_of_items_still_fits_one_message():
    items = [
        waste.Item(name=f"vol-{i:017x}", detail="500 GiB gp3, unattached", monthly_usd=40.0)
        for i in range(400)
    ]
    report = waste.WasteReport(
        parts=[
            waste.Part(title="Unattached EBS volumes", items=items),
            waste.Part(title="Load balancers with no targets", missing="AWS: ELB did not answer in time"),
        ]
    )
    blocks = waste.render(report)
    assert len(blocks) <= 50 and all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)
    assert blocks[2]["text"]["text"].endswith("more")
    assert blocks[3]["text"]["text"] == "*Load balancers with no targets*\n❔ AWS: ELB did not answer in time"


def test_a_load_balancer_that_is_down_is_listed_apart_with_its_reason_codes_and_costs_nothing():
    report = waste.WasteReport(
        parts=[waste.Part(title="Load balancers with no targets")],
        outages=[
            waste.Outage(name="rag-internal", kind="application", targets=2, reasons=["Target.Timeout"])
        ],
    )
    blocks = valid(waste.render(report))
    assert blocks[1]["text"]["text"] == (
        "⚠️ 0 item(s) costing about $0.00 a month; 1 load balancer(s) down (below)"
    )
    assert blocks[3]["text"]["text"] == (
        "*🚨 Load balancers with no healthy target (an outage, not waste)*\n"
        "• `rag-internal`: application, 0/2 targets healthy (`Target.Timeout`)"
    )
