"""The cost verbs end to end, the way finance reads them: signed slash commands to the bot running
against the sandbox (the Cost Explorer stand-in, which honours filters and groupings, and moto), with
the sandbox's `aws.cost_filter` (tag Project = llm-platform) narrowing every figure; answers read back
from Slack's stand-in."""

from datetime import date, timedelta

from sandbox import aws
from sandbox.cost_data import EC2_COMPUTE, SPOT
from tests.cost_helpers import PLATFORM_FILTER, days, platform_usd, today
from tests.report_helpers import ask, switched, text_of
from tests.support import start_bot

CONSOLE = "https://us-east-1.console.aws.amazon.com/cost-management/home#/cost-explorer"


def test_cost_counts_only_the_platforms_tag_and_says_so(bot, sandbox):
    answer, _ = ask(bot, "cost")
    yesterday = today() - timedelta(days=1)
    total, compute = platform_usd(yesterday), platform_usd(yesterday, EC2_COMPUTE)
    text = text_of(answer)
    assert text.startswith("AWS cost: yesterday\n")
    assert f"✅ ${total:,.0f} is within the $3,500 ±10% budget for {yesterday}" in text
    assert f"*By service*\n• EC2 compute: ${compute:,.0f} ({compute / total:.0%})\n• EC2 - Other:" in text
    assert "Unblended cost of tag Project = llm-platform from Cost Explorer" in text
    assert sandbox.cost_explorer.calls[-1][1]["Filter"] == PLATFORM_FILTER
    assert bot.rejected() == []


def test_cost_over_seven_days_is_judged_against_seven_daily_budgets(bot):
    answer, _ = ask(bot, "cost 7d")
    start = today() - timedelta(days=7)
    total = sum(platform_usd(day) for day in days(start, today()))
    assert (
        f"✅ ${total:,.0f} is within the $24,500 ±10% budget for {start} to {today() - timedelta(days=1)}"
        in text_of(answer)
    )


def test_the_budget_check_is_two_sided_over_fails_and_far_under_is_worth_a_look(sandbox, tmp_path):
    answers = {}
    for budget in (2000, 5000):
        running = start_bot(sandbox, tmp_path / f"{budget}.sqlite", platform={"daily_budget_usd": budget})
        try:
            answers[budget] = text_of(ask(running, "cost yesterday")[0])
        finally:
            running.server.stop()
    assert "❌ $" in answers[2000] and "is over the $2,000 ±10% budget (" in answers[2000]
    assert "⚠️ $" in answers[5000] and "% under: worth a look)" in answers[5000]


def test_forecast_adds_the_platforms_month_so_far_to_its_forecast_against_the_monthly_budget(bot, sandbox):
    answer, _ = ask(bot, "cost forecast")
    first = today().replace(day=1)
    spent = sum(platform_usd(day) for day in days(first, today()))
    text = text_of(answer)
    assert text.startswith(f"AWS cost forecast: {today():%B %Y}\nProjected for {today():%B %Y}: ✅ $")
    assert f"Month to date: ${spent:,.0f} · forecast for the rest: $" in text
    assert "80% interval" in text and "tag Project = llm-platform" in text
    forecast = [body for op, body in sandbox.cost_explorer.calls if op == "GetCostForecast"][-1]
    assert forecast["Filter"] == PLATFORM_FILTER


def test_cost_month_shows_last_month_whole_by_service_against_its_budget(bot, sandbox):
    answer, _ = ask(bot, "cost month")
    first = (today().replace(day=1) - timedelta(days=1)).replace(day=1)
    month = days(first, today().replace(day=1))
    total = sum(platform_usd(day) for day in month)
    compute = sum(platform_usd(day, EC2_COMPUTE) for day in month)
    text = text_of(answer)
    assert text.startswith(
        f"AWS cost: {first:%B %Y}\n✅ ${total:,.0f} is within the ${3500 * len(month):,.0f}"
    )
    assert f"*By service*\n• Amazon Elastic Compute Cloud - Compute: ${compute:,.0f} (" in text
    request = sandbox.cost_explorer.calls[-1][1]
    assert (request["Granularity"], request["Filter"]) == ("MONTHLY", PLATFORM_FILTER)
    assert bot.rejected() == []


def test_cost_month_takes_a_month(bot):
    answer, _ = ask(bot, "cost month 2025-01")
    total = sum(platform_usd(day) for day in days(date(2025, 1, 1), date(2025, 2, 1)))
    assert f"${total:,.0f} is within the $108,500 ±10% budget for January 2025" in text_of(answer)


def test_cost_month_refuses_a_month_that_has_not_ended(bot):
    refused, _ = ask(bot, f"cost month {today():%Y-%m}")
    assert f"{today():%Y-%m} has not ended yet; `/llm cost mtd` shows this month so far" in refused["text"]


def test_cost_ec2_is_the_platforms_daily_ec2_compute_over_the_last_seven_days(bot, sandbox):
    answer, _ = ask(bot, "cost ec2")
    week = days(today() - timedelta(days=7), today())
    text = text_of(answer)
    for day in week:
        assert f"{day:%a %Y-%m-%d}  {'$' + format(round(platform_usd(day, EC2_COMPUTE)), ','):>8}  █" in text
    assert f"${sum(platform_usd(d, EC2_COMPUTE) for d in week):,.0f} over 7 days" in text
    assert sandbox.cost_explorer.calls[-1][1]["Filter"] == {
        "And": [PLATFORM_FILTER, {"Dimensions": {"Key": "SERVICE", "Values": [EC2_COMPUTE]}}]
    }


def test_cost_spot_shows_spot_against_on_demand_and_the_estimated_saving(bot, sandbox):
    answer, _ = ask(bot, "cost spot")
    month = days(today() - timedelta(days=30), today())
    spot = sum(platform_usd(day, EC2_COMPUTE, SPOT) for day in month)
    text = text_of(answer)
    assert text.startswith("Spot vs on demand: last 30d\nEC2 compute $")
    assert f"• Spot: ${spot:,.0f} (12%)" in text
    assert f"💰 Spot saved about ${2 * spot:,.0f}: the same instance hours on demand would have cost" in text
    assert "on-demand prices taken as 3× spot prices (platform.spot_price_ratio)" in text
    assert sandbox.cost_explorer.calls[-1][1]["GroupBy"] == [{"Type": "DIMENSION", "Key": "PURCHASE_TYPE"}]


def test_cost_answers_link_to_the_cost_explorer_view_finance_reads(sandbox, tmp_path):
    running = start_bot(sandbox, tmp_path / "db.sqlite", links={"cost_explorer": CONSOLE})
    try:
        answer, _ = ask(running, "cost ec2")
    finally:
        running.server.stop()
    assert text_of(answer).endswith(f" · <{CONSOLE}|Cost Explorer>")


def test_waste_lists_volumes_old_snapshots_and_unused_load_balancers_and_not_spot(bot, sandbox):
    answer, _ = ask(bot, "cost waste")
    text = text_of(answer)
    assert "500 GiB gp3, unattached, ~$40.00/month" in text
    assert "200 GiB gp2, unattached, ~$20.00/month" in text
    assert (
        f"{aws.OLD_SNAPSHOT_DAYS} days old, from a 500 GiB volume (vllm model cache, llama-2 era), "
        "~$25.00/month" in text
    )
    assert "qdrant data, pre-upgrade" not in text  # fresh: not waste
    assert f"`{aws.IDLE_LOAD_BALANCER}`: application, no targets, ~$16.43/month" in text
    assert "spot" not in text.split("Estimates from list prices")[0].lower()
    assert text.splitlines()[1] == "⚠️ 4 item(s) costing about $101 a month; 1 load balancer(s) down (below)"
    assert bot.rejected() == []


def test_a_load_balancer_with_no_healthy_target_is_reported_as_an_outage_with_its_reasons(bot):
    answer, _ = ask(bot, "cost waste")
    text = text_of(answer)
    assert (
        "*🚨 Load balancers with no healthy target (an outage, not waste)*\n"
        f"• `{aws.DOWN_LOAD_BALANCER}`: application, 0/1 targets healthy (`Target.InvalidState`)"
    ) in text
    assert f"`{aws.DOWN_LOAD_BALANCER}`: application, no targets" not in text


def test_cost_explorer_throttling_is_named_in_the_reply(bot, sandbox):
    with switched(sandbox.cost_explorer.url, "/_sandbox/throttle", {"count": 1}, {"count": 0}):
        answer, _ = ask(bot, "cost today")
    assert answer["kind"] == "response_url"
    assert answer["text"] == (
        "❔ AWS is unavailable: Cost Explorer is throttling requests (ThrottlingException); "
        "try again in a minute."
    )


def test_cost_explorer_access_denied_says_to_check_the_iam_role(bot, sandbox):
    with switched(sandbox.cost_explorer.url, "/_sandbox/deny", {"enabled": True}, {"enabled": False}):
        answer, _ = ask(bot, "cost forecast")
    assert answer["text"] == (
        "⛔ AWS refused the request: Cost Explorer refused our credentials "
        "(AccessDeniedException); check the IAM role."
    )


def test_waste_keeps_the_parts_it_could_read_when_ec2_is_down(sandbox, tmp_path):
    from sandbox.platform import free_port

    dead = f"http://127.0.0.1:{free_port()}"
    running = start_bot(
        sandbox, tmp_path / "db.sqlite", aws={"endpoints": {"ce": sandbox.cost_explorer.url, "ec2": dead}}
    )
    try:
        answer, _ = ask(running, "cost waste")
    finally:
        running.server.stop()
    text = text_of(answer)
    assert "*Unattached EBS volumes*\n❔ AWS: EC2 could not be reached" in text
    assert "could not check: Unattached EBS volumes, Snapshots older than 90 days" in text
    assert "application, no targets" in text
