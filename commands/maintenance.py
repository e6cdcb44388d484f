"""`/llm maintenance` and its window verbs: show the next window, schedule one, cancel one, list
what is coming. The windows themselves live in the calendar (deps.calendar, rows in the store)."""

from __future__ import annotations

from pydantic import BaseModel, field_validator

from commands.blockkit import escape
from commands.deps import Deps
from commands.maintenance_windows import Window, check_day, check_span, describe
from commands.spec import Arg, CommandSpec, Request


class MaintenanceRequest(Request):
    pass


class MaintenanceScheduleRequest(Request):
    date: str
    span: str
    reason: str = ""

    @field_validator("date")
    @classmethod
    def _a_day(cls, day: str) -> str:
        check_day(day)
        return day

    @field_validator("span")
    @classmethod
    def _a_span(cls, span: str) -> str:
        check_span(span)
        return span


class MaintenanceCancelRequest(Request):
    date: str | None = None

    @field_validator("date")
    @classmethod
    def _a_day(cls, day: str | None) -> str | None:
        if day is not None:
            check_day(day)
        return day


class MaintenanceListRequest(Request):
    pass


class WindowAnswer(BaseModel):
    headline: str
    windows: list[Window] = []
    notes: list[str] = []


def next_window(request: MaintenanceRequest, deps: Deps) -> WindowAnswer:
    now = deps.now()
    current, upcoming = deps.calendar.current(now), deps.calendar.next_window(now)
    drain = deps.calendar.open_drain()
    notes = (
        [
            f"🔧 The platform is drained (counts recorded: {_counts(drain.counts)}); "
            "`/llm maintenance finish` restores it."
        ]
        if drain
        else []
    )
    if current is not None:
        return WindowAnswer(headline="🔧 A maintenance window is open now", windows=[current], notes=notes)
    if upcoming is None:
        return WindowAnswer(headline="No maintenance window is planned.", notes=notes)
    return WindowAnswer(headline="📅 Next maintenance window", windows=[upcoming], notes=notes)


def schedule(request: MaintenanceScheduleRequest, deps: Deps) -> WindowAnswer:
    window = deps.calendar.schedule(request.date, request.span, request.reason, request.requester)
    return WindowAnswer(
        headline="📅 Maintenance window scheduled",
        windows=[window],
        notes=["Notices follow: 3 days before, 1 hour before, at the start and at completion."],
    )


def cancel(request: MaintenanceCancelRequest, deps: Deps) -> WindowAnswer:
    window = deps.calendar.cancel(request.date, request.requester)
    return WindowAnswer(headline="🚫 Maintenance window cancelled", windows=[window])


def listing(request: MaintenanceListRequest, deps: Deps) -> WindowAnswer:
    windows = deps.calendar.windows(deps.now(), 6)
    return WindowAnswer(
        headline="📅 Upcoming maintenance windows" if windows else "No maintenance window is planned.",
        windows=windows,
    )


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{escape(name)} {n}" for name, n in counts.items())


def render_text(answer: WindowAnswer) -> str:
    """mrkdwn: `describe` escapes each window's reason, typed by whoever scheduled it."""
    lines = [answer.headline]
    lines += [
        f"• {describe(w)}" + (" _(scheduled)_" if w.source == "scheduled" else "") for w in answer.windows
    ]
    return "\n".join(lines + answer.notes)


def render(answer: WindowAnswer) -> list[dict]:
    return [{"type": "section", "text": {"type": "mrkdwn", "text": render_text(answer)[:2900]}}]


_DATE = Arg("date", "the day, YYYY-MM-DD, on the window's wall clock (America/Los_Angeles by default)")
SPECS = (
    CommandSpec(
        name="maintenance",
        summary="Show the next maintenance window",
        example="/llm maintenance",
        request=MaintenanceRequest,
        run=next_window,
        render=render,
        render_text=render_text,
    ),
    CommandSpec(
        name="maintenance schedule",
        summary="Schedule a maintenance window",
        example="/llm maintenance schedule 2025-03-15 02:00-06:00 kernel upgrade",
        role="operator",
        args=(_DATE, Arg("span", "HH:MM-HH:MM"), Arg("reason", "why (free text)", required=False, rest=True)),
        request=MaintenanceScheduleRequest,
        run=schedule,
        render=render,
        render_text=render_text,
    ),
    CommandSpec(
        name="maintenance cancel",
        summary="Cancel the next maintenance window (or the one on a date)",
        example="/llm maintenance cancel 2025-03-01",
        role="operator",
        args=(Arg("date", "the window's day, YYYY-MM-DD", required=False),),
        request=MaintenanceCancelRequest,
        run=cancel,
        render=render,
        render_text=render_text,
    ),
    CommandSpec(
        name="maintenance list",
        summary="List the coming maintenance windows",
        example="/llm maintenance list",
        request=MaintenanceListRequest,
        run=listing,
        render=render,
        render_text=render_text,
    ),
)
