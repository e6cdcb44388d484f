"""Helpers for the recurring reviews' scenario tests: a bot whose one schedule comes due a couple of
minutes after it starts (its clock moved, never slept on), the review it posted and the checklist in
its thread, and a person ticking that checklist's boxes over signed HTTP."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlencode

from bot.calendar.checklist import TICK
from bot.clock import ManualClock
from sandbox.slack_sender import action_body
from tests.support import start_bot, wait_until

CHANNEL = "C0PLATFORM"
# nothing but the schedule under test: no daily backup, no maintenance notices in the minutes moved
QUIET = {"backups": {"daily": False}, "maintenance": {"window": {"enabled": False}}}


def due_soon(sandbox, db, review: str, **overrides):
    """A bot whose only schedule, `<review>-test`, is due two minutes after it starts; the clock is
    moved past it."""
    now = datetime.now(timezone.utc).replace(second=0, microsecond=0)
    at, clock = now + timedelta(minutes=2), ManualClock(now)
    rule = f"FREQ=DAILY;BYHOUR={at.hour};BYMINUTE={at.minute};BYSECOND=0"
    schedule = {f"{review}-test": {"review": review, "rrule": rule, "zone": "UTC"}}
    bot = start_bot(sandbox, db, clock, schedules=schedule, **{**QUIET, **overrides})
    clock.advance(180)
    return bot


def posted(bot, starts: str) -> list[dict]:
    return [
        m for m in bot.posted(CHANNEL) if m["kind"] == "post" and (m.get("text") or "").startswith(starts)
    ]


def review_post(bot, starts: str) -> dict:
    wait_until(lambda: posted(bot, starts), clock=bot.clock)
    return posted(bot, starts)[0]


def latest(bot, message: dict) -> dict:
    return [m for m in bot.posted(message["channel"]) if m["ts"] == message["ts"] and m["ok"]][-1]


def thread_checklist(bot, review: dict) -> dict:
    """The checklist reply in `review`'s thread, as it reads now."""

    def found():
        return [m for m in bot.posted(CHANNEL) if m.get("thread_ts") == review["ts"] and m["kind"] == "post"]

    wait_until(found, clock=bot.clock)
    return latest(bot, found()[0])


def boxes(message: dict) -> dict:
    return next(
        e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == TICK
    )


def tick(bot, message: dict, values: list[str], user: str):
    """`user` leaves exactly `values` ticked in the checklist `message` (as that message showed it)."""
    url = bot.sandbox.slack.new_response_url(message["channel"], user)
    form = parse_qs(action_body(TICK, "", user, message["channel"], message, url).decode())
    body = json.loads(form["payload"][0])
    action = body["actions"][0]
    action.pop("value")
    options = boxes(message)["options"]
    action.update(type="checkboxes", selected_options=[o for o in options if o["value"] in values])
    return bot.sender.post(urlencode({"payload": json.dumps(body)}).encode())


def replies_to(bot, user: str) -> list[str]:
    return [m["text"] for m in bot.posted(CHANNEL) if m["kind"] == "response_url" and m.get("user") == user]
