"""kill -9 at every boundary between commit, post and job: `llmbot serve` runs as a real process told
to die at a named crash point, is restarted on the same state file, and the scenario goes on as its
senders would (PagerDuty re-sends an unanswered delivery; a person clicks again). Whatever the point,
the end is the same: one root per incident, one line per event in its thread, one outcome per
approval, every accepted webhook applied, nothing left pending."""

from datetime import datetime, timezone

import pytest
import requests

from sandbox import pagerduty_sender as pd
from sandbox.bot_process import BotProcess, Died
from sandbox.platform import PAGERDUTY_WEBHOOK_SECRETS
from sandbox.slack_sender import SlackSender, action_body

LEVELS = [{"name": "Primary", "pagerduty_level": 1}, {"name": "Secondary", "pagerduty_level": 2}]
FAST = {"escalation": {s: {"levels": LEVELS, "minutes": 0.02} for s in ("P0", "P1", "P2", "P3")}}
INCIDENT_POINTS = [
    "intake.after_store",
    "incident.after_event@2",
    "scheduler.after_commit",
    "worker.before_commit@2",
    "worker.after_commit@3",
    "outbox.before_send@2",
    "outbox.after_send@3",
]
APPROVAL_POINTS = [
    "worker.after_commit",
    "execute.after_begin",
    "execute.after_apply",
    "worker.before_commit@2",
    "outbox.after_send@2",
    "outbox.after_send@4",
]


def run(bot: BotProcess, do, until, attempts: int = 4):
    """`do`, then wait for `until`; if the process died meanwhile, start it again (without its crash
    point) and repeat both, as a sender retries an unanswered request."""
    for _ in range(attempts):
        try:
            do()
            bot.wait_until(until)
            return
        except (requests.ConnectionError, requests.Timeout, Died):
            bot.process.wait(timeout=10)
            assert bot.crashed, f"the bot died other than at its crash point:\n{bot.log.read_text()[-3000:]}"
            bot.start()
    raise AssertionError("the scenario did not finish")


def thread_texts(sandbox, root_ts: str, since: int) -> list[str]:
    return [
        m["text"]
        for m in sandbox.slack.messages(channel="C0INCIDENT", after=since)
        if m["kind"] == "post" and m.get("thread_ts") == root_ts
    ]


@pytest.mark.parametrize("point", INCIDENT_POINTS)
def test_an_incident_crashed_at_any_point_ends_with_one_root_and_one_line_per_event(sandbox, tmp_path, point):
    since = max([m["seq"] for m in sandbox.slack.messages()] or [0])
    incident = sandbox.pagerduty.page("P1", f"crash test at {point}")
    data, number = pd.webhook_data(incident), incident["incident_number"]
    bot = BotProcess(sandbox, tmp_path, oncall=FAST).start(crash_at=point)
    send = pd.PagerDutySender(bot.url, list(PAGERDUTY_WEBHOOK_SECRETS))

    def deliver(kind: str, status: str, agent: str | None = None):
        body = pd.event(kind, {**data, "status": status}, at=datetime.now(timezone.utc), agent=agent)
        return lambda: send.send(body, webhook_id=f"{incident['id']}-{kind}").raise_for_status()

    def roots():
        return [
            m
            for m in sandbox.slack.messages(channel="C0INCIDENT", after=since)
            if m["kind"] == "post" and not m.get("thread_ts") and f"#{number} " in (m["text"] or "")
        ]

    def said(prefix: str) -> bool:
        return bool(roots()) and any(
            t.startswith(prefix) for t in thread_texts(sandbox, roots()[0]["ts"], since)
        )

    try:
        run(bot, deliver("incident.triggered", "triggered"), lambda: said("⏫"))
        run(bot, deliver("incident.acknowledged", "acknowledged", "PUSER01"), lambda: said("👀"))
        run(bot, deliver("incident.resolved", "resolved", "PUSER01"), lambda: said("📄 Report draft"))
        run(bot, lambda: None, bot.idle)
    finally:
        bot.kill()
    assert bot.starts == 2, "the crash point was never reached"
    [root] = roots()
    texts = thread_texts(sandbox, root["ts"], since)
    for line in ("⏫", "👀 Acknowledged", "✅ Resolved", "📄 Report draft"):
        assert sum(t.startswith(line) for t in texts) == 1, (point, line, texts)
    assert sum("response checklist" in t for t in texts) == 1
    final = [
        m
        for m in sandbox.slack.messages(channel="C0INCIDENT", after=since)
        if m["ts"] == root["ts"] and m["ok"]
    ]
    assert final[-1]["blocks"][0]["text"]["text"].startswith("🟠 P1")
    assert "✅ Resolved" in str(final[-1]["blocks"][1])


@pytest.mark.parametrize("point", APPROVAL_POINTS)
def test_an_approval_crashed_at_any_point_executes_once_and_ends_its_card(
    sandbox, tmp_path, restore_rag, point
):
    since = max([m["seq"] for m in sandbox.slack.messages()] or [0])
    channel = f"C0CRASH{APPROVAL_POINTS.index(point)}"
    bot = BotProcess(sandbox, tmp_path).start(crash_at=point)

    def posted():
        return [m for m in sandbox.slack.messages(channel=channel, after=since) if m["ok"]]

    def card():
        return next((m for m in posted() if m["kind"] == "post" and not m.get("thread_ts")), None)

    def slash():
        sender = SlackSender(bot.url, sandbox.signing_secret)
        if card() is None and not _asked(bot):
            sender.slash(
                "scale rag-service 4", "U0OPS1", channel, sandbox.slack.new_response_url(channel, "U0OPS1")
            )

    def click():
        shown = card()
        url = sandbox.slack.new_response_url(channel, "U0OPS2")
        body = action_body("approval:approve", "1", "U0OPS2", channel, shown, url)
        SlackSender(bot.url, sandbox.signing_secret).post(body).raise_for_status()

    def outcome():
        return [
            m["text"] for m in posted() if m.get("thread_ts") == card()["ts"] and m["text"].startswith("✅")
        ]

    try:
        run(bot, slash, lambda: card() is not None)
        run(bot, click, lambda: bool(outcome()))
        run(bot, lambda: None, bot.idle)
    finally:
        bot.kill()
    assert bot.starts == 2, "the crash point was never reached"
    assert len(outcome()) == 1, outcome()
    thread = [m["text"] for m in posted() if m.get("thread_ts") == card()["ts"] and m["kind"] == "post"]
    assert sum(t.startswith("▶️") for t in thread) == 1, thread  # one progress line, edited in place
    versions = [m for m in posted() if m["ts"] == card()["ts"]]
    assert versions[-1]["blocks"][0]["text"]["text"] == "✅ Done: Scale rag-service"
    assert len([m for m in posted() if m["kind"] == "post" and not m.get("thread_ts")]) == 1


def _asked(bot: BotProcess) -> bool:
    """The slash command reached the store (its card may still be on its way)."""
    from bot.state import Store

    store = Store(bot.db)
    try:
        return bool(store.jobs("done") + store.jobs("pending") + store.jobs("running"))
    finally:
        store.close()
