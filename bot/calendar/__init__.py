"""The calendar engine: maintenance windows and their notices, drain bookkeeping, the recurring reviews
(with their action-item checklists and buttons) and the daily backup. `build` makes the Calendar that
the maintenance commands use (before the clients record, which carries it); `wire` adds the jobs,
timers and buttons it plugs into the runtime."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Callable

from bot.calendar import notices as notice_timers
from bot.calendar.backups import TIMER as BACKUP_TIMER
from bot.calendar.backups import DailyBackup
from bot.calendar.checklist import TICK as REVIEW_TICK
from bot.calendar.notices import METRICS_CHECK, METRICS_JOB, NOTICE, MetricsCheck, Notices
from bot.calendar.pagerduty_hold import CLOSE_JOB, OPEN_JOB, PagerDutyHold
from bot.calendar.review_buttons import ReviewButtons
from bot.calendar.review_posts import ReviewPosts
from bot.calendar.reviews import OCCURRENCE, REVIEW_JOB, Reviews, upcoming
from bot.calendar.windows import Calendar, windows
from bot.config import Settings
from bot.oncall.thread import Thread
from bot.plugs import Plugs
from bot.state import Store
from commands import capacity, smoke, updates
from commands.deps import Deps

__all__ = ["Calendar", "build", "wire", "notice_timers"]


def build(store: Store, settings: Settings, clock) -> Calendar:
    maintenance = settings.maintenance
    listing: Callable[[datetime, int], list] = partial(windows, store, maintenance)
    notices = Notices(
        store, maintenance, settings.slack.platform_channel, settings.platform.namespace, clock, listing
    )
    return Calendar(store, maintenance, notices, clock, partial(upcoming, settings.schedules))


def wire(
    store: Store, settings: Settings, calendar: Calendar, deps: Deps, clock, request_change, pagerduty, find
) -> Plugs:
    """`find`: a verb's CommandSpec, for the commands the reviews run or their buttons start."""
    channel = settings.slack.platform_channel
    # the incident checklists the Wednesday report ticks
    thread = Thread(settings.oncall, settings.slack.incident_channel, channel, settings.links)
    posts = ReviewPosts(store, deps, clock, settings.reviews, thread, pagerduty, find)
    role = settings.reviews.checklist_role
    reviews = Reviews(store, settings.schedules, settings.maintenance, channel, clock, posts.build, role)
    buttons = ReviewButtons(deps, settings.maintenance, clock, request_change, find)
    backup = DailyBackup(store, settings.backups, channel, clock)
    metrics = MetricsCheck(calendar.notices, settings.maintenance, lambda: smoke.metrics_check(deps))
    hold = PagerDutyHold(
        store,
        pagerduty,
        settings.maintenance.pagerduty_services,
        settings.pagerduty.from_email,
        channel,
        clock,
    )

    def arm() -> None:
        store.run_step(lambda: calendar.notices.arm() + reviews.arm() + backup.arm(), clock.time())

    return Plugs(
        jobs={
            REVIEW_JOB: reviews.run_job,
            METRICS_JOB: metrics.run,
            OPEN_JOB: hold.open,
            CLOSE_JOB: hold.close,
        },
        timers={
            NOTICE: calendar.notices.on_notice,
            METRICS_CHECK: metrics.on_timer,
            OCCURRENCE: reviews.on_occurrence,
            BACKUP_TIMER: backup.on_timer,
        },
        buttons={
            capacity.SCALE: buttons.on_scale,
            updates.SCHEDULE_WINDOW: buttons.on_window,
            updates.START_CANARY: buttons.on_canary,
            REVIEW_TICK: reviews.checklists.on_tick,
        },
        on_start=(arm,),
    )
