"""The on-call rhythm against the sandbox: the Monday 09:00 handover (this week's primary and secondary
from PagerDuty's on-calls, last week's incidents, open report drafts; the config's people when
PagerDuty does not answer), `/llm oncall --public` answering in the channel, and the P1 checklist's
dashboards item linking to links.grafana."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import requests

from bot.clock import ManualClock
from sandbox import pagerduty_sender as pd
from tests.incident_support import checklist, fixture, root, sender
from tests.review_support import QUIET, posted, wait_until
from tests.support import start_bot

MONDAY = datetime(2024, 5, 20, 16, 0, tzinfo=timezone.utc)  # 09:00 in Los Angeles
HANDOVER = {"oncall-handover": {"review": "handover", "rrule": "FREQ=WEEKLY;BYDAY=MO;BYHOUR=9"}}
SEEDED = (  # days before the handover, incident, number, title, priority, last event
    (9, "PINC301", 301, "Old latency spike", "P2", "resolved"),  # before last week; its report still owed
    (4, "PINC302", 302, "RAG errors above 1%", "P1", "resolved"),
    (2, "PINC303", 303, "Qdrant disk 85% full", "P3", "acknowledged"),
)


def seed(bot, clock) -> None:
    send = sender(bot)
    for days, incident, number, title, priority, last in SEEDED:
        opened = MONDAY - timedelta(days=days)
        data = pd.incident_data(incident, number, title, priority=priority, created=opened)
        send.send(pd.event("incident.triggered", data, at=opened, agent=None))
        send.send(pd.event(f"incident.{last}", {**data, "status": last}, at=opened + timedelta(minutes=20)))
    wait_until(lambda: len(bot.store.incidents(("triggered", "acknowledged", "resolved"))) == 3, clock=clock)


def handover_on_monday(sandbox, db, **overrides) -> dict:
    sandbox.pagerduty.reset()
    clock = ManualClock(MONDAY - timedelta(hours=1))
    bot = start_bot(sandbox, db, clock, schedules=HANDOVER, **{**QUIET, **overrides})
    try:
        seed(bot, clock)
        assert posted(bot, "*On-call handover*") == []
        clock.advance((MONDAY - clock.now()).total_seconds() - 1)
        wait_until(lambda: posted(bot, "*On-call handover*"), clock=clock)
        [post] = posted(bot, "*On-call handover*")
    finally:
        bot.stop()
    return post


def test_the_monday_handover_names_this_weeks_on_call_last_weeks_incidents_and_open_drafts(sandbox, tmp_path):
    post = handover_on_monday(sandbox, tmp_path / "db")
    assert post["text"].splitlines() == [
        "*On-call handover* (week of 2024-05-20)",
        "*On call this week* (from PagerDuty)",
        "• Primary: <@U0OPS1> (Olivia Ops)",
        "• Secondary: <@U0OPS2> (Oscar Ops)",
        "*Last week's incidents* (2)",
        "• #302 [P1] RAG errors above 1%: resolved",
        "• #303 [P3] Qdrant disk 85% full: acknowledged",
        "*Open report drafts* (2)",
        "• #301 [P2] Old latency spike",
        "• #302 [P1] RAG errors above 1%",
    ]
    assert post["blocks"][0]["elements"][0]["text"] == "🔁 On-call handover (scheduled)"


def test_without_pagerduty_the_handover_names_the_configs_people_and_still_lists_the_incidents(
    sandbox, tmp_path
):
    oncall = {**sandbox.config()["oncall"], "people": {"Primary": "U0OPS2", "Secondary": "U0OPS1"}}
    post = handover_on_monday(sandbox, tmp_path / "db", oncall={**oncall, "escalation_policy_id": ""})
    lines = post["text"].splitlines()
    assert lines[1:4] == [
        "*On call this week* (from the bot's config: no PagerDuty escalation policy configured "
        "(oncall.escalation_policy_id))",
        "• Primary: <@U0OPS2>",
        "• Secondary: <@U0OPS1>",
    ]
    assert lines[4] == "*Last week's incidents* (2)"


def test_oncall_answers_the_asker_alone_unless_asked_with_public(bot):
    bot.slash("oncall", user="U0VIEW")
    [private] = bot.wait_for_posts(where=lambda m: "On call now" in (m.get("text") or ""))
    bot.slash("oncall --public", user="U0VIEW")
    found = bot.wait_for_posts(2, where=lambda m: "On call now" in (m.get("text") or ""))
    public = found[1]
    assert (private["kind"], private["response_type"]) == ("response_url", "ephemeral")
    assert public["kind"] == "post" and public["channel"] == "C0PLATFORM"
    assert public["text"].splitlines()[1:3] == [
        "• Level 1 (Primary): <@U0OPS1> (Olivia Ops)",
        "• Level 2 (Secondary): <@U0OPS2> (Oscar Ops)",
    ]


GRAFANA = "https://grafana.example.com/d/llm-platform"


def test_the_p1_checklist_links_its_dashboards_item_to_grafana_when_configured(sandbox, tmp_path):
    with_link = start_bot(sandbox, tmp_path / "a.db", links={"grafana": GRAFANA})
    try:
        sender(with_link).send(fixture("triggered"))
        linked = checklist(with_link, root(with_link))
    finally:
        with_link.stop()
    context = [b for b in linked["blocks"] if b["type"] == "context"]
    assert context[-1]["elements"][0]["text"] == f"📊 Check dashboards: <{GRAFANA}|Grafana dashboards>"


def test_without_a_grafana_link_the_checklist_shows_none(bot):
    sender(bot).send(fixture("triggered"))
    plain = checklist(bot, root(bot))
    assert "📊" not in str(plain["blocks"])


def test_a_pagerduty_that_does_not_answer_is_one_line_in_the_handover(sandbox, tmp_path):
    url = f"{sandbox.pagerduty.url}/_sandbox/fault"
    requests.post(url, json={"status": 503}, timeout=5, verify=sandbox.pagerduty.ca_file).raise_for_status()
    try:
        post = handover_on_monday(sandbox, tmp_path / "db")
    finally:
        requests.post(url, json={}, timeout=5, verify=sandbox.pagerduty.ca_file).raise_for_status()
    lines = post["text"].splitlines()
    assert lines[1].startswith("*On call this week* (from the bot's config: PagerDuty did not answer (")
    assert lines[2] == "• nobody found for Primary or Secondary"
    assert lines[3] == "*Last week's incidents* (2)"
