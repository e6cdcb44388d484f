"""Alertmanager → #llm-platform-alerts over HTTP against the sandbox: the webhook's bearer auth and
its 400 for junk, one message per alert group edited in place as alerts resolve or join, a single
critical line in #llm-platform, Silence / Unsilence through the sandbox's real Alertmanager as the
clicker, `/llm alerts` and `/llm silences`, and one run of the whole chain (exporter → Prometheus rule
→ Alertmanager → bot)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest
import requests

from bot.alerts import card
from commands.alerts import EXPIRE
from integrations.alertmanager import AlertmanagerClient, Matcher
from sandbox.platform import Sandbox, free_port
from sandbox.slack_sender import action_body
from tests.bot.alerts.notifications import TOKEN, alert, body, resolved
from tests.support import start_bot, wait_until

ALERTS, PLATFORM = "C0ALERTS", "C0PLATFORM"
SECOND = {"fingerprint": "f00d0000000000a2", "pod": "vllm-llama-3-70b-1"}


@pytest.fixture
def bot(sandbox, tmp_path):
    running = start_bot(sandbox, tmp_path / "llmbot.db", slack={"alerts_channel": ALERTS})
    yield running
    running.stop()


@pytest.fixture
def alertmanager(sandbox) -> AlertmanagerClient:
    return AlertmanagerClient(sandbox.alertmanager_url, 3.0)


@pytest.fixture
def name(alertmanager):
    """An alert name of this test's own, and the silences on it expired afterwards (the Alertmanager
    is the session's)."""
    unique = f"ScenarioAlert{uuid.uuid4().hex[:8]}"
    yield unique
    for silence in ours(alertmanager, unique):
        alertmanager.expire_silence(silence.id)


def ours(alertmanager: AlertmanagerClient, name: str) -> list:
    return [
        s
        for s in alertmanager.silences()
        if s.state == "active" and any(m.name == "alertname" and m.value == name for m in s.matchers)
    ]


def deliver(bot, *alerts, token: str | None = TOKEN, data: bytes | None = None) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    url = f"{bot.url}/alertmanager/webhook"
    return requests.post(url, data=data if data is not None else body(*alerts), headers=headers, timeout=5)


def seen(bot, channel: str = ALERTS) -> list[dict]:
    bot.settle()
    return [m for m in bot.posted(channel) if m["ok"] and m["kind"] in ("post", "update")]


def latest(bot, message: dict) -> dict:
    return [m for m in seen(bot, message["channel"]) if m["ts"] == message["ts"]][-1]


def fired(bot, *alerts) -> dict:
    assert deliver(bot, *alerts).json() == {"status": "accepted"}
    [message] = [m for m in seen(bot) if m["kind"] == "post"]
    return message


# --- the webhook --------------------------------------------------------------------------------
def test_a_delivery_without_a_token_gets_401_and_a_metric(bot):
    assert deliver(bot, alert(), token=None).status_code == 401
    metrics = requests.get(f"{bot.url}/metrics", timeout=5).text
    assert 'llmbot_alertmanager_webhooks_total{outcome="unauthorized"} 1.0' in metrics
    assert bot.store.alert_events() == [] and seen(bot) == []


def test_a_wrong_token_gets_401(bot):
    assert deliver(bot, alert(), token="sandbox-alertmanager-webhook-token-0124").status_code == 401
    assert bot.store.alert_events() == []


def test_junk_gets_400_never_500(bot):
    for junk in (b"{not json", b'{"version": "4"}', body(alert(), version="3"), b"\x00" * 100):
        assert deliver(bot, data=junk).status_code == 400
    assert bot.store.alert_events() == []


# --- one message per group ----------------------------------------------------------------------
def test_a_firing_group_posts_one_message_in_the_alerts_channel(bot):
    message = fired(bot, alert())
    assert message["blocks"][0]["text"]["text"] == "🔴 CRITICAL · VLLMHighErrorRate"
    assert [b["action_id"] for b in message["blocks"][-1]["elements"]] == [card.SILENCE_1H, card.SILENCE_4H]
    assert bot.rejected() == []


def test_an_unchanged_resend_changes_nothing(bot):
    fired(bot, alert())
    assert deliver(bot, alert()).json() == {"status": "duplicate"}
    assert [m["kind"] for m in seen(bot)] == ["post"]


def test_a_resolve_updates_the_same_message(bot):
    message = fired(bot, alert())
    deliver(bot, resolved(alert()))
    assert [(m["kind"], m["ts"]) for m in seen(bot)] == [("post", message["ts"]), ("update", message["ts"])]
    assert latest(bot, message)["blocks"][0]["text"]["text"] == "✅ Resolved · VLLMHighErrorRate"


def test_a_new_alert_joining_updates_the_same_message(bot):
    message = fired(bot, alert())
    deliver(bot, alert(), alert(**SECOND))
    shown = str(latest(bot, message)["blocks"])
    assert "Firing (2 of 2)" in shown and "vllm-llama-3-70b-1" in shown
    assert [m["kind"] for m in seen(bot)] == ["post", "update"]


def test_a_critical_group_puts_one_line_in_the_platform_channel_per_episode(bot):
    fired(bot, alert())
    deliver(bot, alert(), alert(**SECOND))
    deliver(bot, resolved(alert()), alert(**SECOND))
    lines = [m["text"] for m in seen(bot, PLATFORM)]
    assert len(lines) == 1 and lines[0].startswith("🔴 Critical alert firing: *VLLMHighErrorRate*")
    assert "<#C0ALERTS>" in lines[0]


# --- silences through the real Alertmanager ------------------------------------------------------
def test_silence_for_an_hour_creates_a_silence_in_alertmanager_as_the_clicker(bot, alertmanager, name):
    message = fired(bot, alert(name))
    assert bot.click(message, card.SILENCE_1H, "U0OPS1").status_code == 200
    bot.settle()
    [silence] = ours(alertmanager, name)
    assert silence.created_by == "ops1 (U0OPS1)"
    assert sorted(silence.matchers, key=lambda m: m.name) == [
        Matcher(name="alertname", value=name),
        Matcher(name="namespace", value="llm-inference"),
        Matcher(name="service", value="vllm-llama-3-70b"),
        Matcher(name="severity", value="critical"),
    ]
    assert f"https://slack.com/archives/{ALERTS}/p{message['ts'].replace('.', '')}" in silence.comment
    assert timedelta(minutes=59) < silence.ends_at - silence.starts_at <= timedelta(minutes=60, seconds=1)
    now = latest(bot, message)
    assert "🔕 silenced by <@U0OPS1> until <!date^" in str(now["blocks"])
    assert [b["action_id"] for b in now["blocks"][-1]["elements"]] == [card.UNSILENCE]
    assert [(a.verb, a.outcome) for a in bot.store.audit_entries() if a.verb.startswith("alert")] == [
        ("alert silence", "ok")
    ]


def test_a_viewer_cannot_silence(bot, alertmanager, name):
    message = fired(bot, alert(name))
    bot.click(message, card.SILENCE_4H, "U0VIEW")
    bot.settle()
    [reply] = [m for m in bot.posted(ALERTS) if m["kind"] == "response_url"]
    assert "needs the operator role (yours: viewer)" in reply["text"]
    assert ours(alertmanager, name) == [] and len(seen(bot)) == 1


def test_unsilence_expires_the_silence(bot, alertmanager, name):
    message = fired(bot, alert(name))
    bot.click(message, card.SILENCE_1H, "U0OPS2")
    bot.settle()
    [silence] = ours(alertmanager, name)
    bot.click(latest(bot, message), card.UNSILENCE, "U0OPS1")
    bot.settle()
    assert ours(alertmanager, name) == []
    assert next(s for s in alertmanager.silences() if s.id == silence.id).state == "expired"
    assert "🔕" not in str(latest(bot, message)["blocks"])


def test_with_alertmanager_down_the_clicker_is_told_and_nothing_is_recorded(sandbox, tmp_path):
    down = start_bot(
        sandbox,
        tmp_path / "db",
        slack={"alerts_channel": ALERTS},
        alertmanager={"url": f"http://127.0.0.1:{free_port()}", "timeout_seconds": 1},
    )
    try:
        message = fired(down, alert())
        down.click(message, card.SILENCE_1H, "U0OPS1")
        down.settle()
        replies = [m["text"] for m in down.posted(ALERTS) if m["kind"] == "response_url"]
        group, updates = down.store.alert_groups()[0], [m for m in seen(down) if m["kind"] == "update"]
    finally:
        down.stop()
    assert any("Alertmanager is unavailable" in r for r in replies)
    assert (group.silence_id, updates) == ("", [])


# --- /llm alerts and /llm silences ---------------------------------------------------------------
def answer(bot, verb: str) -> dict:
    assert bot.slash(verb).status_code == 200
    return bot.wait_for_posts(channel=PLATFORM, where=lambda m: m["kind"] == "post")[-1]


def test_llm_alerts_lists_what_alertmanager_fires_now(bot, sandbox, name):
    now = datetime.now(timezone.utc)
    pushed = {
        "labels": {"alertname": name, "severity": "warning", "namespace": "llm-inference"},
        "annotations": {"summary": "pushed by <the test>"},
        "startsAt": now.isoformat(),
    }
    sandbox.alertmanager.push([{**pushed, "endsAt": (now + timedelta(minutes=2)).isoformat()}])
    try:
        shown = str(answer(bot, "alerts")["blocks"])
    finally:
        sandbox.alertmanager.push([{**pushed, "endsAt": now.isoformat()}])
    assert "(from Alertmanager)" in shown and f"*{name}* (llm-inference)" in shown
    assert "pushed by &lt;the test&gt;" in shown


def test_llm_alerts_falls_back_to_prometheus_and_says_so(sandbox, tmp_path):
    down = start_bot(sandbox, tmp_path / "db", alertmanager={"url": f"http://127.0.0.1:{free_port()}"})
    try:
        shown = str(answer(down, "alerts")["blocks"])
    finally:
        down.stop()
    assert "(from Prometheus)" in shown and "Alertmanager is unavailable" in shown


def test_llm_silences_lists_active_silences_and_expire_ends_one(bot, alertmanager, name):
    now = datetime.now(timezone.utc)
    silence_id = alertmanager.create_silence({"alertname": name}, now, now + timedelta(hours=1), "t", "c")
    message = answer(bot, "silences")
    [section] = [b for b in message["blocks"] if b.get("accessory", {}).get("value") == silence_id]
    assert name in section["text"]["text"] and section["accessory"]["action_id"] == EXPIRE
    url = bot.sandbox.slack.new_response_url(PLATFORM, "U0OPS1")
    bot.sender.post(action_body(EXPIRE, silence_id, "U0OPS1", PLATFORM, message, url))
    bot.settle()
    assert ours(alertmanager, name) == []


def test_expiring_a_groups_silence_from_the_list_takes_it_off_the_groups_message(bot, alertmanager, name):
    message = fired(bot, alert(name))
    bot.click(message, card.SILENCE_4H, "U0OPS1")
    bot.settle()
    [silence] = ours(alertmanager, name)
    listed = answer(bot, "silences")
    url = bot.sandbox.slack.new_response_url(PLATFORM, "U0OPS2")
    bot.sender.post(action_body(EXPIRE, silence.id, "U0OPS2", PLATFORM, listed, url))
    bot.settle()
    assert ours(alertmanager, name) == [] and "🔕" not in str(latest(bot, message)["blocks"])
    assert [(a.user, a.verb, a.outcome) for a in bot.store.audit_entries() if a.verb.endswith("expire")] == [
        ("U0OPS2", "silence expire", "ok")
    ]


# --- the whole chain ------------------------------------------------------------------------------
# 10% trips VLLMHighErrorRate (5% over 10 s) surely. The spike also fires the critical LLMHighErrorRate
# (1% over 1 minute) for a minute after healing, so the test has a sandbox of its own: the session's
# must stay healthy for the morning checks of later tests.
SPIKE = 0.1


@pytest.fixture
def own_sandbox(tmp_path_factory):
    platform = Sandbox(tmp_path_factory.mktemp("alert-chain"), kube_step_seconds=0.05)
    platform.prometheus.history_days = 1  # the alert rules need minutes, not the status' week
    with platform:
        yield platform


def test_an_error_spike_becomes_one_message_that_healing_marks_resolved(own_sandbox, tmp_path):
    """The exporter's error knob → Prometheus' VLLMHighErrorRate → Alertmanager → the bot: one message,
    then the same message says resolved. About 20 s of real time: the rule's rate window and `for`."""
    running = start_bot(own_sandbox, tmp_path / "db", slack={"alerts_channel": ALERTS})
    own_sandbox.route_alerts_to(running.url)

    def ours_now() -> list[dict]:
        return [m for m in seen(running) if "VLLMHighErrorRate" in m["blocks"][0]["text"]["text"]]

    try:
        own_sandbox.exporter.set_error_ratio(SPIKE)
        try:
            wait_until(lambda: ours_now(), timeout=40)
        finally:
            own_sandbox.exporter.set_error_ratio(None)
        wait_until(lambda: ours_now()[-1]["blocks"][0]["text"]["text"].startswith("✅ Resolved"), timeout=40)
        messages = ours_now()
    finally:
        running.stop()
    assert [m["kind"] for m in messages][:1] == ["post"]
    assert {m["ts"] for m in messages} == {messages[0]["ts"]} and len(messages) >= 2
