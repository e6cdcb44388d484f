"""PagerDuty incidents become Slack threads: one root per incident, a reply for each event, buttons
that act in PagerDuty as the clicker, checklists, and a report draft on resolve."""

import pytest
import requests

from bot.oncall import card
from bot.oncall.card import ACK, ESCALATE, NOTE, RESOLVE, TAKE
from sandbox import pagerduty_sender as pd
from tests.incident_support import (
    CHANNEL,
    checklist,
    fixture,
    latest,
    press,
    replies,
    root,
    roots,
    sender,
    tick,
    wait_for_reply,
    wait_until,
)
from tests.support import start_bot

ORDER = [
    "triggered",
    "acknowledged",
    "unacknowledged",
    "escalated",
    "reassigned",
    "delegated",
    "priority_updated",
    "annotated",
    "resolved",
    "reopened",
]


@pytest.fixture(autouse=True)
def fresh_pagerduty(sandbox):
    sandbox.pagerduty.reset()


def buttons(message):
    return [
        e["action_id"]
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "button"
    ]


def test_a_trigger_opens_a_root_with_severity_status_assignee_link_and_buttons(bot):
    sender(bot).send(fixture("triggered"))
    message = root(bot)
    assert message["blocks"][0]["text"]["text"] == "🟠 P1 · #4211 vLLM p95 latency above 3s"
    fields = [f["text"] for f in message["blocks"][1]["fields"]]
    assert fields[:4] == [
        "*Severity*\nP1",
        "*Status*\n🚨 Triggered",
        "*Service*\nLLM Inference",
        "*Assignee*\nOlivia Ops",
    ]
    assert fields[4].startswith("*Opened*\n<!date^1714554000^{ago}|")
    assert (
        fields[5]
        == "*PagerDuty*\n<https://llm-platform.pagerduty.com/incidents/Q0LLM7P1XK2ZQ4|#4211 in PagerDuty>"
    )
    assert buttons(message) == [ACK, ESCALATE, TAKE, RESOLVE, NOTE, *card.DIAGNOSE]


def test_the_checklist_is_posted_in_the_thread_as_checkboxes_and_posting_ticks_itself(bot):
    sender(bot).send(fixture("triggered"))
    message = checklist(bot, root(bot))
    box = message["blocks"][1]["elements"][0]
    assert box["type"] == "checkboxes"
    assert [o["text"]["text"] for o in box["options"]] == [
        "Acknowledge in PagerDuty",
        "Check dashboards",
        "Identify the bottleneck",
        "Scale resources if needed",
        "Monitor for 15 minutes",
        "Document in the weekly report",
    ]
    assert buttons(message) == ["checklist:run", "checklist:run"]


def test_each_event_type_is_one_thread_reply_and_the_root_follows(bot):
    send = sender(bot)
    for name in ORDER:
        assert send.send(fixture(name)).status_code == 202
    parent = root(bot)
    wait_for_reply(bot, parent, "🔁 Reopened")
    said = [t for t in replies(bot, parent) if "checklist" not in t and not t.startswith("📄")]
    assert said == [
        "👀 Acknowledged by Olivia Ops. Escalation stopped.",
        "↩️ Unacknowledged: escalation restarts at Primary.",
        "⏫ Escalated in PagerDuty to *Oscar Ops*.",
        "↪️ Reassigned to *Mia Manager* by Oscar Ops.",
        "↪️ Delegated to another escalation policy: *Chris CTO* by Mia Manager.",
        "🔺 Priority set to P0 by Chris CTO: severity is now *P0*.",
        "📝 Note by Chris CTO: Rolled back vllm to the previous image",
        "✅ Resolved by Chris CTO after 10 min. Drafting the report…",
        "🔁 Reopened by Olivia Ops: escalation starts again at Primary.",
    ]
    assert len(roots(bot)) == 1
    wait_until(lambda: latest(bot, parent)["blocks"][0]["text"]["text"].startswith("🔴 P0"))


def test_a_p0_is_also_announced_in_the_platform_channel(bot):
    data = pd.incident_data("QP0INCIDENT01", 5001, "Inference down", priority="P0")
    sender(bot).send(pd.event("incident.triggered", data, agent=None))
    [announcement] = bot.wait_for_posts(channel="C0PLATFORM")
    assert announcement["text"] == "🔴 P0 incident: #5001 Inference down. Follow it in <#C0INCIDENT>."


def test_events_arriving_out_of_order_end_in_the_newest_state(bot):
    send = sender(bot)
    send.send(fixture("acknowledged"))
    send.send(fixture("triggered"))  # older: it opens nothing new and undoes nothing
    parent = root(bot)
    wait_until(lambda: all(e.state == "done" for e in bot.store.inbox()) and len(bot.store.inbox()) == 2)
    assert bot.store.incident("Q0LLM7P1XK2ZQ4").status == "acknowledged"
    assert len(roots(bot)) == 1
    wait_until(lambda: buttons(latest(bot, parent))[0] == ESCALATE)


def test_a_note_for_an_unknown_incident_opens_it_from_pagerduty(bot):
    body = pd.event("incident.annotated", pd.note_data("PINC001", "vLLM p99", "PNOTEX", "looking"))
    sender(bot).send(body)
    parent = root(bot)
    assert parent["blocks"][0]["text"]["text"] == "🟠 P1 · #101 vLLM p99 latency above SLO"
    wait_for_reply(bot, parent, "📝 Note by Olivia Ops: looking")


def seed_pinc001(bot):
    data = pd.incident_data("PINC001", 101, "vLLM p99 latency above SLO", priority="P1")
    sender(bot).send(pd.event("incident.triggered", data, agent=None))
    return root(bot), data


def test_acknowledge_acts_in_pagerduty_as_the_clicker_and_the_echo_posts_nothing(bot, sandbox):
    parent, data = seed_pinc001(bot)
    bot.click(parent, ACK, "U0OPS1")
    wait_for_reply(bot, parent, "👀 Acknowledged by <@U0OPS1>")
    [call] = [c for c in sandbox.pagerduty.calls() if c["method"] == "PUT"]
    assert (call["path"], call["from"], call["body"]) == (
        "/incidents/PINC001",
        "ops1@example.com",
        {"incident": {"type": "incident_reference", "status": "acknowledged"}},
    )
    echo = pd.event("incident.acknowledged", {**data, "status": "acknowledged"}, agent="PUSER01")
    sender(bot).send(echo)
    wait_until(lambda: all(e.state == "done" for e in bot.store.inbox()) and len(bot.store.inbox()) == 2)
    assert len([t for t in replies(bot, parent) if t.startswith("👀")]) == 1
    wait_until(lambda: buttons(latest(bot, parent))[0] == ESCALATE)


def test_a_clicker_missing_from_the_email_map_acts_in_pagerduty_with_their_slack_profile_email(
    sandbox, tmp_path
):
    asked_before = len(sandbox.slack.calls("users.info"))
    unmapped = start_bot(sandbox, tmp_path / "llmbot.db", oncall={"pagerduty_emails": {}})
    try:
        parent, _ = seed_pinc001(unmapped)
        unmapped.click(parent, ACK, "U0OPS2")
        wait_for_reply(unmapped, parent, "👀 Acknowledged by <@U0OPS2>")
    finally:
        unmapped.server.stop()
    [call] = [c for c in sandbox.pagerduty.calls() if c["method"] == "PUT"]
    assert (call["path"], call["from"]) == ("/incidents/PINC001", "ops2@example.com")
    assert [c["args"]["user"] for c in sandbox.slack.calls("users.info")[asked_before:]] == ["U0OPS2"]


def test_a_refusal_from_pagerduty_is_told_to_the_clicker_only(sandbox, tmp_path):
    emails = {**sandbox.config()["oncall"]["pagerduty_emails"], "U0OPS1": "stranger@example.com"}
    bot = start_bot(sandbox, tmp_path / "db", oncall={"pagerduty_emails": emails})  # no such PagerDuty user
    try:
        parent, _ = seed_pinc001(bot)
        bot.click(parent, ACK, "U0OPS1")
        [reply] = bot.wait_for_posts(
            where=lambda m: m["kind"] == "response_url" and "Requester" in (m.get("text") or "")
        )
        assert "Requester User Not Found" in reply["text"]
        assert bot.store.incident("PINC001").status == "triggered"
    finally:
        bot.server.stop()


def test_add_note_tells_how_and_the_command_adds_it_in_pagerduty(bot, sandbox):
    parent, _ = seed_pinc001(bot)
    bot.click(parent, NOTE, "U0OPS1")
    [hint] = bot.wait_for_posts(where=lambda m: m["kind"] == "response_url")
    assert hint["text"].startswith("Add a note with `/llm incident note 101 <text>`")
    bot.slash("incident note 101 rolled back the image", channel=CHANNEL)
    wait_for_reply(bot, parent, "📝 Note by <@U0OPS1>: rolled back the image")
    assert [n["content"] for n in sandbox.pagerduty.notes("PINC001")] == ["rolled back the image"]


def test_ticks_are_recorded_with_who_and_when(bot):
    parent, _ = seed_pinc001(bot)
    box = checklist(bot, parent)
    tick(bot, box, ["PINC001|2"], "U0OPS2")
    wait_until(lambda: 2 in bot.store.ticks("PINC001"))
    assert bot.store.ticks("PINC001")[2].ticked_by == "@U0OPS2"
    wait_until(lambda: "✓ Identify the bottleneck: <@U0OPS2>" in str(checklist(bot, parent)["blocks"]))


def test_quick_diagnostics_runs_status_into_the_thread(bot):
    parent, _ = seed_pinc001(bot)
    box = checklist(bot, parent)
    bot.click(box, "checklist:run", "U0OPS1")  # the first run button: Check dashboards -> /llm status
    bot.wait_for_posts(
        channel=CHANNEL,
        timeout=20,
        where=lambda m: (
            m.get("thread_ts") == parent["ts"]
            and m.get("blocks")
            and m["blocks"][0].get("text", {}).get("text") == "LLM platform status"
        ),
    )


def test_the_scale_button_opens_a_scale_approval_card_requested_by_the_clicker(bot, sandbox):
    deployment = f"{sandbox.kube.url}/apis/apps/v1/namespaces/llm-inference/deployments/vllm-llama-3-70b"
    replicas = requests.get(deployment, timeout=5).json()["spec"]["replicas"]
    parent, _ = seed_pinc001(bot)
    press(bot, checklist(bot, parent), "PINC001|3", "U0OPS2")  # "Scale resources if needed"
    [card] = bot.wait_for_posts(
        channel=CHANNEL,
        timeout=20,
        where=lambda m: (
            m["kind"] == "post" and m.get("blocks") and m["blocks"][0]["text"]["text"].startswith("🔐")
        ),
    )
    assert [b["text"]["text"] for b in card["blocks"][:3]] == [
        "🔐 Approval needed: Scale vllm-llama-3-70b",
        f"*Requested by* <@U0OPS2>: `/llm scale vllm-llama-3-70b {replicas + 1}`",
        f"*What will change*\n• `deployment/vllm-llama-3-70b replicas: {replicas} → {replicas + 1}`",
    ]


def test_incident_list_shows_open_incidents(bot):
    seed_pinc001(bot)
    wait_until(lambda: bot.store.incident("PINC001") is not None)
    text = bot.slash("incident list").json()["text"]
    assert text.startswith("*Open incidents*\n• 🟠 P1 · #101 vLLM p99 latency above SLO: *triggered*")


def test_oncall_names_who_holds_each_level(bot):
    bot.slash("oncall")
    [answer] = bot.wait_for_posts(where=lambda m: m["kind"] == "response_url" and "On call" in m["text"])
    assert answer["text"].splitlines() == [
        "*On call now* (from PagerDuty)",
        "• Level 1 (Primary): <@U0OPS1> (Olivia Ops)",
        "• Level 2 (Secondary): <@U0OPS2> (Oscar Ops)",
        "• Level 3 (Manager): Mia Manager",
        "• Level 4 (Team Lead): Tara Lead",
        "• Level 5 (CTO): Chris CTO",
    ]


def test_resolve_drafts_a_markdown_report_in_the_thread(bot):
    send = sender(bot)
    for name in ("triggered", "acknowledged", "annotated", "resolved"):
        send.send(fixture(name))
    parent = root(bot)
    [file] = bot.wait_for_posts(channel=CHANNEL, timeout=20, where=lambda m: m["kind"] == "file")
    assert file["thread_ts"] == parent["ts"]
    assert file["file"]["name"] == "incident-4211-report.md"
    report = bot.store.incident("Q0LLM7P1XK2ZQ4").report
    assert "- **Time to acknowledge:** 2 min (Olivia Ops)" in report
    assert "note · Rolled back vllm to the previous image (Chris CTO)" in report
    assert "| Error rate |" in report and "## Action items" in report


def test_a_viewer_cannot_change_an_incident_in_pagerduty_and_an_operators_change_is_audited(bot, sandbox):
    from bot.oncall.card import ACK

    sender(bot).send(fixture("triggered"))
    parent = root(bot)
    bot.click(parent, ACK, "U0VIEW")
    [reply] = bot.wait_for_posts(where=lambda m: m["kind"] == "response_url")
    assert (
        reply["text"]
        == "Changing an incident in PagerDuty needs the operator role (yours: viewer); nothing changed."
    )
    assert not [c for c in sandbox.pagerduty.calls() if c["method"] == "PUT"]
    bot.click(parent, ACK, "U0OPS2")
    wait_until(lambda: any(e.verb == "incident acknowledge" for e in bot.store.audit_entries()))
