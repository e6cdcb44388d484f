"""The recurring reviews: each schedule in config keeps one timer for its next occurrence; firing
claims the occurrence once (a row), starts the review's job and arms the next occurrence, all in one
commit. An occurrence missed while the bot was down fires once on start: posted late with a note,
or skipped by policy. The job reads the backends and posts the review (bot/calendar/review_posts.py),
with its action items as a checklist in its thread when it has some (bot/calendar/checklist.py)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from bot import messages
from bot.calendar.checklist import ReviewChecklists
from bot.calendar.review_posts import CHECKLISTS, Built
from bot.state import Effects, Job, JobResult, NewJob, SetTimer, Store
from bot.state import maintenance as rows
from bot.state.outbox import BULK
from commands.calendar_settings import MaintenanceSettings, Schedule
from commands.recurrence import occurrences

OCCURRENCE = "schedule.occurrence"
REVIEW_JOB = "review"
TITLES = {
    "status": "☀️ Morning check",
    "capacity": "📊 Capacity review",
    "performance": "📈 Performance report",
    "incidents": "🚨 Incident review",
    "handover": "🔁 On-call handover",
    "cost": "💰 Cost optimisation review",
    "security": "🔒 Security audit",
    "updates": "🆕 Model update check",
    "runbook": "📚 Runbook review",
}


def upcoming(schedules: dict[str, Schedule], now: datetime, count: int = 1) -> list[tuple[datetime, str]]:
    """The next `count` occurrences of every enabled review, soonest first."""
    found = [
        (when, f"{TITLES[s.review]} ({name})")
        for name, s in schedules.items()
        if s.enabled
        for when in occurrences(s.rule, s.zone, now, count)
    ]
    return sorted(found)


class Reviews:
    def __init__(
        self,
        store: Store,
        schedules: dict[str, Schedule],
        maintenance: MaintenanceSettings,
        channel: str,
        clock,
        build: Callable[[str], Built],
        checklist_role: str = "operator",
    ):
        self._store, self._schedules, self._late = store, schedules, maintenance
        self._channel, self._clock, self._build = channel, clock, build
        self.checklists = ReviewChecklists(store, channel, clock, checklist_role, self.items_of)

    def arm(self, now: datetime | None = None) -> Effects:
        """Every enabled schedule has a pending timer for an occurrence (idempotent)."""
        now = now or self._clock.now()
        armed = {t.payload.get("name") for t in self._store.timers("pending", kind=OCCURRENCE)}
        return sum(
            (
                Effects.of(self._next(name, s, now))
                for name, s in self._schedules.items()
                if s.enabled and name not in armed
            ),
            Effects(),
        )

    def _next(self, name: str, schedule: Schedule, after: datetime) -> SetTimer:
        [when] = occurrences(schedule.rule, schedule.zone, after, 1)
        return SetTimer(
            OCCURRENCE, f"{name}@{when:%Y-%m-%dT%H:%MZ}", when.timestamp(), {"name": name}, again=False
        )

    def on_occurrence(self, timer, late: float) -> Effects:
        name, now = timer.payload["name"], self._clock.now()
        schedule = self._schedules.get(name)
        if schedule is None or not schedule.enabled:
            return Effects()  # removed from config since it was armed
        is_late = late > self._late.late_grace_minutes * 60
        skip = is_late and self._late.late_policy == "skip"
        following = self._next(name, schedule, max(now, datetime.fromtimestamp(timer.due_at, timezone.utc)))
        if any(r["occurrence"] == timer.due_at for r in self._store.runs(name)):
            return Effects.of(following)
        job = {"name": name, "review": schedule.review, "late": late if is_late else 0, "due": timer.due_at}
        return Effects.of(
            rows.claim_run(name, timer.due_at, "skipped" if skip else "posted", now.timestamp()),
            None if skip else NewJob(REVIEW_JOB, job, key=f"review:{name}:{timer.due_at}"),
            following,
        )

    # --- the worker job ----------------------------------------------------------------------------
    def run_job(self, job: Job) -> JobResult:
        review, key = job.payload["review"], review_key(job.payload["name"], job.payload["due"])
        built = self._build(review)
        blocks = built.blocks
        if job.payload.get("late"):
            due = datetime.fromtimestamp(job.payload["due"], timezone.utc)
            note = f"⏱ Posted late: due {due:%Y-%m-%d %H:%M} UTC while the bot was down."
            blocks = blocks + [{"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}]
        head = [
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"{TITLES[review]} (scheduled)"}]}
        ]
        post = messages.post(self._channel, built.text[:3000], head + blocks, key=key, priority=BULK)
        files = [messages.file_post(self._channel, f, key) for f in built.files]
        return JobResult("ok", Effects.of(post, *files, self.checklists.post(key)), then=built.then)

    def items_of(self, key: str) -> tuple[str, tuple[str, ...]] | None:
        """The action items a review's post carries, from its key `review:<name>:<due>`."""
        name = key.removeprefix("review:").rpartition(":")[0]
        schedule = self._schedules.get(name)
        return CHECKLISTS.get(schedule.review) if schedule is not None else None


def review_key(name: str, due: float) -> str:
    return f"review:{name}:{int(due)}"
