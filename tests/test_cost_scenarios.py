"""`/llm cost`, `/llm cost forecast` and `/llm cost waste` end to end: signed slash commands to the
bot running against the sandbox (the Cost Explorer stand-in and moto), answers read from Slack's."""

from datetime import datetime, timedelta, timezone

from sandbox import aws
from sandbox.cost_explorer import day_costs
from tests.report_helpers import ask, switched, text_of


def test_cost_for_yesterday_lists_ec2_compute_first_and_judges_the_total_against_the_budget(bot, sandbox):
    answer, _ = ask(bot, "cost")
    yesterday = datetime.now(timezone.utc).date() - timedelta(days=1)
    costs = day_costs(yesterday)
    total, compute = sum(costs.values()), costs["Amazon Elastic Compute Cloud - Compute"]
    text = text_of(answer)
    assert text.startswith("AWS cost: yesterday\n")
    assert f"✅ ${total:,.0f} is within the $3,500 ±10% budget for {yesterday}" in text
    assert f"*By service*\n• EC2 compute: ${compute:,.0f} (55%)\n• EC2 - Other:" in text
    assert sandbox.slack.rejected() == []


def test_cost_over_seven_days_is_judged_against_seven_daily_budgets(bot):
    answer, _ = ask(bot, "cost 7d")
    today = datetime.now(timezone.utc).date()
    total = sum(sum(day_costs(today - timedelta(days=i)).values()) for i in range(1, 8))
    assert (
        f"✅ ${total:,.0f} is within the $24,500 ±10% budget for {today - timedelta(days=7)} to "
        f"{today - timedelta(days=1)}" in text_of(answer)
    )


def test_a_tighter_budget_turns_the_verdict_to_over(sandbox, tmp_path):
    from tests.support import start_bot

    running = start_bot(sandbox, tmp_path / "db.sqlite", platform={"daily_budget_usd": 2000})
    try:
        answer, _ = ask(running, "cost yesterday")
    finally:
        running.server.stop()
    assert "❌" in text_of(answer) and "is over the $2,000 ±10% budget" in text_of(answer)


def test_forecast_adds_the_month_so_far_to_cost_explorers_forecast_against_the_monthly_budget(bot):
    answer, _ = ask(bot, "cost forecast")
    today = datetime.now(timezone.utc).date()
    first = today.replace(day=1)
    spent = sum(sum(day_costs(first + timedelta(days=i)).values()) for i in range((today - first).days))
    text = text_of(answer)
    assert text.startswith(f"AWS cost forecast: {today:%B %Y}\nProjected for {today:%B %Y}: ✅ $")
    assert f"Month to date: ${spent:,.0f} · forecast for the rest: $" in text
    assert "80% interval" in text


def test_waste_lists_unattached_volumes_old_snapshots_idle_load_balancers_and_spot_instances(bot, sandbox):
    answer, _ = ask(bot, "cost waste")
    text = text_of(answer)
    assert "500 GiB gp3, unattached, ~$40.00/month" in text
    assert "200 GiB gp2, unattached, ~$20.00/month" in text
    assert (
        f"{aws.OLD_SNAPSHOT_DAYS} days old, from a 500 GiB volume (vllm model cache, llama-2 era), ~$25.00/month"
        in text
    )
    assert "qdrant data, pre-upgrade" not in text  # fresh: not waste
    assert f"`{aws.IDLE_LOAD_BALANCER}`: application, no targets, ~$16.43/month" in text
    assert "g5.2xlarge spot, pays up to $1.2120/h, ~$885/month" in text
    assert text.splitlines()[1] == "⚠️ 5 item(s) costing about $986 a month"
    assert sandbox.slack.rejected() == []


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
    from tests.support import start_bot

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
    assert (
        "could not check: Unattached EBS volumes, Snapshots older than 90 days, Active spot instances" in text
    )
    assert "application, no targets" in text
