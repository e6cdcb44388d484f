"""Helpers for incident tests: our PagerDuty fixtures, a signed sender for the bot under test, and
readers for the incident channel (the root, its thread, checkbox and button clicks), and a pump
that moves an injected clock until something happens."""

from __future__ import annotations

import json
import time
from pathlib import Path
from urllib.parse import parse_qs, urlencode

from sandbox.pagerduty_sender import PagerDutySender
from sandbox.platform import PAGERDUTY_WEBHOOK_SECRETS
from sandbox.slack_sender import action_body
from tests.support import wait_until  # noqa: F401  (the on-call tests take it from here)

FIXTURES = Path(__file__).parent / "fixtures" / "pagerduty"
INCIDENT = "Q0LLM7P1XK2ZQ4"
CHANNEL = "C0INCIDENT"


def fixture(name: str) -> bytes:
    return (FIXTURES / f"{name}.json").read_bytes()


def sender(bot, secrets=PAGERDUTY_WEBHOOK_SECRETS) -> PagerDutySender:
    return PagerDutySender(bot.url, list(secrets))


def roots(bot) -> list[dict]:
    return [m for m in bot.posted(CHANNEL) if m["kind"] == "post" and not m.get("thread_ts")]


def root(bot, timeout: float = 15) -> dict:
    return bot.wait_for_posts(
        channel=CHANNEL, timeout=timeout, where=lambda m: m["kind"] == "post" and not m.get("thread_ts")
    )[0]


def latest(bot, message: dict) -> dict:
    return [m for m in bot.posted(message["channel"]) if m["ts"] == message["ts"] and m["ok"]][-1]


def replies(bot, parent: dict) -> list[str]:
    return [
        m["text"]
        for m in bot.posted(parent["channel"])
        if m.get("thread_ts") == parent["ts"] and m["kind"] == "post"
    ]


def wait_for_reply(bot, parent: dict, starts: str, timeout: float = 15) -> str:
    deadline = time.monotonic() + timeout
    while True:
        bot.settle()
        found = [t for t in replies(bot, parent) if t.startswith(starts)]
        if found or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert found, f"no reply starting {starts!r}; replies: {replies(bot, parent)}"
    return found[0]


def checklist(bot, parent: dict) -> dict:
    found = bot.wait_for_posts(
        channel=parent["channel"],
        where=lambda m: m.get("thread_ts") == parent["ts"] and "checklist" in (m.get("text") or ""),
    )
    return latest(bot, found[0])


def tick(bot, message: dict, values: list[str], user: str):
    """`user` leaves exactly `values` ticked in the checklist `message`."""
    url = bot.sandbox.slack.new_response_url(message["channel"], user)
    form = parse_qs(action_body("checklist:tick", "", user, message["channel"], message, url).decode())
    body = json.loads(form["payload"][0])
    box = next(
        e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == "checklist:tick"
    )
    action = body["actions"][0]
    action.pop("value")
    action.update(type="checkboxes", selected_options=[o for o in box["options"] if o["value"] in values])
    return bot.sender.post(urlencode({"payload": json.dumps(body)}).encode())


def press(bot, message: dict, value: str, user: str):
    """`user` clicks the checklist button carrying `value` (several share the action id "checklist:run")."""
    url = bot.sandbox.slack.new_response_url(message["channel"], user)
    return bot.sender.post(action_body("checklist:run", value, user, message["channel"], message, url))


def pump(bot, until, seconds: float = 30):
    """Move the bot's injected clock a second at a time, settling after each, until `until()` holds."""
    for _ in range(int(seconds)):
        bot.settle()
        if until():
            return
        bot.clock.advance(1)
    bot.settle()
    assert until(), "condition not met"
