"""On-call that cannot go wrong: what PagerDuty wrote never pings anyone, the buttons do only what
PagerDuty can do (Escalate, Reassign to me; there is no un-acknowledge), the bot never moves
PagerDuty's escalation backwards, junk signed events are stored and answered 2xx, and only the
right role and the right click change anything."""

import json
from datetime import datetime, timezone
from urllib.parse import parse_qs, urlencode

import pytest

from bot.oncall.card import ESCALATE, REPORT_DONE, TAKE
from sandbox import pagerduty_sender as pd
from sandbox.slack_sender import action_body
from tests.incident_support import CHANNEL, checklist, root, sender, tick, wait_for_reply


@pytest.fixture(autouse=True)
def fresh_pagerduty(sandbox):
    sandbox.pagerduty.reset()


def page(bot, title="vLLM p99 latency above SLO", priority="P1"):
    incident = bot.sandbox.pagerduty.page(priority, title)
    sender(bot).send(pd.event("incident.triggered", pd.webhook_data(incident), agent=None))
    return incident, root(bot)


def puts(sandbox, incident_id):
    return [
        c
        for c in sandbox.pagerduty.calls()
        if c["method"] == "PUT" and c["path"] == f"/incidents/{incident_id}"
    ]


def test_a_title_that_tries_to_ping_the_channel_stays_inert_text(bot):
    _, parent = page(bot, "vLLM down <!channel> <@U0OPS1> *now*")
    assert "<!channel>" not in parent["text"] and "<@U0OPS1>" not in parent["text"]
    assert "&lt;!channel&gt; &lt;@U0OPS1&gt;" in parent["text"]
    assert not [t for t in mrkdwn(parent["blocks"]) if "<!channel>" in t or "<@U0OPS1>" in t]
    assert (
        parent["blocks"][0]["text"]["type"] == "plain_text"
    )  # the header shows it as typed, and pings nobody


def mrkdwn(blocks) -> list[str]:
    """Every mrkdwn text in `blocks` (plain_text is never parsed for mentions)."""
    found = []
    for value in blocks if isinstance(blocks, list) else [blocks]:
        if isinstance(value, dict):
            if value.get("type") == "mrkdwn":
                found.append(value["text"])
            found += mrkdwn([v for v in value.values() if isinstance(v, (dict, list))])
        elif isinstance(value, list):
            found += mrkdwn(value)
    return found


def test_escalate_moves_pagerduty_one_level_as_the_clicker(bot, sandbox):
    incident, parent = page(bot)
    bot.click(parent, ESCALATE, "U0OPS1")
    wait_for_reply(bot, parent, "⏫ Escalated in PagerDuty to")
    [call] = puts(sandbox, incident["id"])
    assert (call["from"], call["body"]["incident"]["escalation_level"]) == ("ops1@example.com", 2)
    assert sandbox.pagerduty.escalation_level(incident["id"]) == 2


def test_reassign_to_me_assigns_the_clicker_in_pagerduty(bot, sandbox):
    incident, parent = page(bot)
    bot.click(parent, TAKE, "U0OPS2")
    wait_for_reply(bot, parent, "↪️ Reassigned to")
    [call] = puts(sandbox, incident["id"])
    assert call["from"] == "ops2@example.com"
    [assignment] = call["body"]["incident"]["assignments"]
    assert assignment["assignee"]["type"] == "user_reference"
    assert (
        sandbox.pagerduty.incident(incident["id"])["assignments"][0]["assignee"]["id"]
        == assignment["assignee"]["id"]
    )


def test_the_escalation_timer_never_moves_pagerduty_backwards(sandbox, tmp_path):
    from bot.clock import ManualClock
    from tests.support import start_bot

    clock = ManualClock(datetime.now(timezone.utc))
    running = start_bot(sandbox, tmp_path / "db", clock)
    try:
        incident, parent = page(running)
        running.bot.pagerduty.escalate(
            incident["id"], 3, "ops2@example.com"
        )  # someone did, by hand, to level 3
        before = len(puts(sandbox, incident["id"]))
        clock.advance(31 * 60)
        running.settle()
        line = wait_for_reply(running, parent, "ℹ️ PagerDuty is already at level")
        assert line == "ℹ️ PagerDuty is already at level 3; left as it is."
        assert len(puts(sandbox, incident["id"])) == before  # nothing was sent that would move it back to 2
        assert sandbox.pagerduty.escalation_level(incident["id"]) == 3
    finally:
        running.stop()


def test_the_report_credits_the_first_acknowledgement(bot):
    incident, parent = page(bot)
    data = pd.webhook_data(incident)
    send = sender(bot)
    send.send(pd.event("incident.acknowledged", {**data, "status": "acknowledged"}, agent="PUSER01"))
    send.send(pd.event("incident.unacknowledged", {**data, "status": "triggered"}, agent=None))
    send.send(pd.event("incident.acknowledged", {**data, "status": "acknowledged"}, agent="PUSER02"))
    send.send(pd.event("incident.resolved", {**data, "status": "resolved"}, agent="PUSER02"))
    wait_for_reply(bot, parent, "📄 Report draft")
    stored = bot.store.incident(incident["id"])
    assert stored.acknowledged_by == "Olivia Ops"
    assert "Olivia Ops" in stored.report.split("Acknowledged", 1)[1].splitlines()[0]


def test_a_viewer_can_neither_tick_the_checklist_nor_mark_the_report_done(bot):
    incident, parent = page(bot)
    box = checklist(bot, parent)
    tick(bot, box, [f"{incident['id']}|2"], "U0VIEW")
    bot.settle()
    told = [m["text"] for m in bot.posted() if m["kind"] == "response_url"]
    assert told[-1] == "Ticking the checklist needs the operator role (yours: viewer); nothing changed."
    assert 2 not in bot.store.ticks(incident["id"])
    url = bot.sandbox.slack.new_response_url(CHANNEL, "U0VIEW")
    bot.sender.post(action_body(REPORT_DONE, incident["id"], "U0VIEW", CHANNEL, parent, url))
    bot.settle()
    told = [m["text"] for m in bot.posted() if m["kind"] == "response_url"]
    assert told[-1].startswith("Marking the report done needs the operator role")
    assert bot.store.incident(incident["id"]).report_done == 0


@pytest.mark.parametrize("value", ["{id}|-1", "{id}|999", "{id}|²", "{id}", "x|1"])
def test_a_checklist_click_naming_no_real_item_is_refused_and_stores_nothing(bot, value):
    incident, parent = page(bot)
    box = checklist(bot, parent)
    url = bot.sandbox.slack.new_response_url(CHANNEL, "U0OPS1")
    form = action_body("checklist:tick", "", "U0OPS1", CHANNEL, box, url)
    payload = json.loads(parse_qs(form.decode())["payload"][0])
    payload["actions"][0].update(
        type="checkboxes", selected_options=[{"value": value.format(id=incident["id"])}]
    )
    payload["actions"][0].pop("value", None)
    answer = bot.sender.post(urlencode({"payload": json.dumps(payload)}).encode())
    assert answer.status_code == 200
    bot.settle()
    told = [m["text"] for m in bot.posted() if m["kind"] == "response_url"]
    assert "nothing changed" in told[-1] and "💥" not in told[-1]
    assert [t for t in bot.store.ticks(incident["id"]) if t != 1] == []  # only "posted", ticked by the bot


def test_an_unknown_action_id_is_refused_and_logged(bot, caplog):
    incident, parent = page(bot)
    url = bot.sandbox.slack.new_response_url(CHANNEL, "U0OPS1")
    bot.sender.post(action_body("incident:delete", incident["id"], "U0OPS1", CHANNEL, parent, url))
    bot.settle()
    told = [m["text"] for m in bot.posted() if m["kind"] == "response_url"]
    assert told[-1] == "That button is not one llmbot knows (an older version's, perhaps); nothing changed."
    assert any(r.message == "click on an unknown action id refused" for r in caplog.records)
    assert puts(bot.sandbox, incident["id"]) == []


JUNK = [
    {
        "event": {
            "id": "01JUNK1",
            "event_type": "incident.triggered",
            "occurred_at": "2026-11-30T10:00:00Z",
            "data": [1, 2],
        }
    },
    {
        "event": {
            "id": "01JUNK2",
            "event_type": "incident.triggered",
            "occurred_at": "2026-11-30T10:00:00Z",
            "data": "x",
        }
    },
    {
        "event": {
            "id": "01JUNK3",
            "event_type": "incident.annotated",
            "occurred_at": "2026-11-30T10:00:00Z",
            "data": {"type": "incident_note", "incident": "Q0STRING", "content": "hi"},
        }
    },
    {
        "event": {
            "id": {"x": 1},
            "event_type": "incident.triggered",
            "occurred_at": "2026-11-30T10:00:00Z",
            "data": {"id": {"x": 1}, "type": "incident", "number": 1, "title": "t"},
        }
    },
    {
        "event": {
            "id": "01JUNK5",
            "event_type": "incident.triggered",
            "data": {"a": {"b": {"c": [[[[[[[[{}]]]]]]]]}}},
        }
    },
]


@pytest.mark.parametrize("document", JUNK)
def test_a_signed_event_of_the_wrong_shape_is_stored_and_answered_2xx(bot, document):
    answer = sender(bot).send(json.dumps(document).encode())
    assert answer.status_code == 202 and answer.json()["status"] == "stored"
    bot.settle()
    [stored] = bot.store.inbox()
    assert stored.state == "unreadable"
    assert bot.store.incidents(("triggered", "acknowledged", "resolved")) == []
    _, parent = page(bot)  # a good event still works after
    assert parent["text"].startswith("🟠 P1")


def test_a_deeply_nested_signed_body_is_answered_2xx_not_500(bot):
    body = b'{"event": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert sender(bot).send(body).status_code == 202


def test_two_people_ticking_from_the_same_view_keep_both_ticks(bot):
    incident, parent = page(bot)
    box = checklist(bot, parent)  # both see the checklist as posted: only "Post in #incident-response"
    posted = sorted(bot.store.ticks(incident["id"]))
    shown = [f"{incident['id']}|{i}" for i in posted]
    tick(bot, box, [*shown, f"{incident['id']}|2"], "U0OPS1")
    tick(bot, box, [*shown, f"{incident['id']}|3"], "U0OPS2")  # B's view is older than A's tick
    bot.settle()
    ticks = bot.store.ticks(incident["id"])
    assert {2, 3} <= set(ticks) and (ticks[2].ticked_by, ticks[3].ticked_by) == ("@U0OPS1", "@U0OPS2")
