"""The pure parts of the cost reports: periods, budget verdicts, and messages that stay valid."""

from datetime import date

from slack_sdk.models.blocks import Block

from commands import cost, waste
from commands.cost import Budget, CostReport, Verdict, period_range
from integrations.aws_models import ServiceCost

TODAY = date(2024, 3, 15)


def test_periods_cover_whole_days_ending_before_today_except_today_and_month_to_date():
    assert period_range("yesterday", TODAY) == (date(2024, 3, 14), TODAY)
    assert period_range("today", TODAY) == (TODAY, date(2024, 3, 16))
    assert period_range("7d", TODAY) == (date(2024, 3, 8), TODAY)
    assert period_range("month", TODAY) == (date(2024, 3, 1), date(2024, 3, 16))


def test_spend_is_within_the_budget_up_to_the_tolerance_and_over_beyond_it():
    budget = Budget(usd=3500, tolerance=0.10)
    assert [budget.judge(usd) for usd in (3000, 3150, 3850, 3851)] == [
        Verdict.UNDER,
        Verdict.WITHIN,
        Verdict.WITHIN,
        Verdict.OVER,
    ]


def test_a_cost_report_renders_valid_blocks_with_ec2_compute_first():
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
    )
    blocks = cost.render(report)
    for block in blocks:
        Block.parse(block).validate_json()  # raises on anything Slack would refuse
    assert blocks[2]["text"]["text"] == (
        "*By service*\n• EC2 compute: $1,900 (79%)\n• EC2 - Other: $400 (17%)\n"
        "• A &lt;weird&gt; &amp; service: $100 (4%)"
    )
    assert cost.render_text(report).splitlines()[1] == "✅ $2,400 is under the $3,500 ±10% budget"


def test_a_waste_report_of_hundreds_of_items_still_fits_one_message():
    items = [
        waste.Item(name=f"vol-{i:017x}", detail="500 GiB gp3, unattached", monthly_usd=40.0)
        for i in range(400)
    ]
    report = waste.WasteReport(
        parts=[
            waste.Part(title="Unattached EBS volumes", items=items),
            waste.Part(title="Active spot instances", missing="AWS: EC2 did not answer in time"),
        ]
    )
    blocks = waste.render(report)
    assert len(blocks) <= 50 and all(len(b.get("text", {}).get("text", "")) <= 3000 for b in blocks)
    assert blocks[2]["text"]["text"].endswith("more")
    assert blocks[3]["text"]["text"] == "*Active spot instances*\n❔ AWS: EC2 did not answer in time"
