"""`/llm schedule`: what the operations calendar will post in the coming week, in the window's zone."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from commands.blockkit import escape
from commands.deps import Deps
from commands.spec import CommandSpec, Request


class Coming(BaseModel):
    zone: str
    items: list[tuple[datetime, str]]


class ScheduleRequest(Request):
    pass


def run(request: ScheduleRequest, deps: Deps) -> Coming:
    return Coming(zone=deps.calendar.settings.window.zone, items=deps.calendar.upcoming(deps.now()))


def render_text(coming: Coming) -> str:
    tz = ZoneInfo(coming.zone)
    lines = [f"• {when.astimezone(tz):%a %d %b %H:%M %Z}: {escape(what)}" for when, what in coming.items]
    return "*Coming up this week*\n" + ("\n".join(lines) if lines else "Nothing scheduled.")


def render(coming: Coming) -> list[dict]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": render_text(coming)[:2900]}}]


SPEC = CommandSpec(
    name="schedule",
    summary="What the bot will post in the coming week: reviews and maintenance notices",
    example="/llm schedule",
    request=ScheduleRequest,
    run=run,
    render=render,
    render_text=render_text,
)
