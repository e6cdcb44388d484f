"""Slack being down or slow never loses a request or doubles a post: the token is checked once at
start-up and never per request, answers wait in the outbox until Slack is back, and a post Slack took
but answered too late for is found in Slack instead of being sent again."""

import time
from datetime import datetime, timezone

import requests

from bot.clock import ManualClock
from tests.support import start_bot


def test_a_slack_outage_at_start_up_delays_answers_and_loses_no_request(sandbox, tmp_path):
    clock = ManualClock(datetime.now(timezone.utc))
    sandbox.slack.down()  # every Web API method, auth.test included
    running = start_bot(sandbox, tmp_path / "db", clock)
    try:
        ack = running.slash("status", channel="C0OUTAGE").json()
        assert ack["text"] == "⏳ Working on `/llm status`…"  # not "Please reinstall this app"
        running.settle()
        assert running.posted("C0OUTAGE") == []
        sandbox.slack.up()
        clock.advance(60)  # past the outbox's back-off
        [answer] = running.wait_for_posts(channel="C0OUTAGE")
        assert answer["blocks"][0]["text"]["text"] == "LLM platform status"
        clock.advance(600)
        running.settle()
        assert len(running.posted("C0OUTAGE")) == 1
    finally:
        sandbox.slack.up()
        running.stop()


def test_the_token_is_checked_once_at_start_up_not_per_request(sandbox, tmp_path):
    calls = len(sandbox.slack.calls("auth.test"))
    running = start_bot(sandbox, tmp_path / "db", background=True)
    try:
        ready = requests.get(f"{running.server.health.url}/readyz", timeout=5).json()
        assert ready["ready"] is True
        for _ in range(3):
            assert running.slash("help").ok
        deadline = time.monotonic() + 10
        while len(sandbox.slack.calls("auth.test")) == calls and time.monotonic() < deadline:
            time.sleep(0.05)  # the check runs in its own thread: waiting on a real outside call
        assert len(sandbox.slack.calls("auth.test")) == calls + 1
    finally:
        running.stop()


def test_a_post_slack_took_but_answered_too_late_for_is_not_posted_twice(sandbox, tmp_path):
    running = start_bot(sandbox, tmp_path / "db", slack={"timeout_seconds": 1})
    try:
        sandbox.slack.slow(
            1.5, calls=1
        )  # the answer's post lands, its reply arrives after the client gave up
        running.slash("status", channel="C0SLOWPOST")
        running.settle()
        [answer] = [m for m in running.posted("C0SLOWPOST") if m["kind"] == "post"]
        assert answer["metadata"]["event_type"] == "llmbot_post"
        assert [p.state for p in running.store.posts() if p.channel == "C0SLOWPOST"] == ["sent"]
    finally:
        sandbox.slack.up()
        running.stop()
