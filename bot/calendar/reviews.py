"""The recurring reviews: each schedule in config keeps one timer for its next occurrence; firing
claims the occurrence once (a row), starts the review's job and arms the next occurrence, all in one
commit. An occurrence missed while the bot was down fires once on start: posted late with a note,
or skipped by policy. The job reads the backends and posts the review."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot import messages
from bot.interactions import Click
from bot.state import Effects, Job, JobResult, NewJob, SetTimer, Store
from bot.state import maintenance as rows
from bot.state.outbox import BULK
from commands import capacity, incident_review, status, weekly
from commands.calendar_settings import MaintenanceSettings, ReviewThresholds, Schedule
from commands.deps import Deps
from commands.recurrence import occurrences
from commands.spec import FileOut

OCCURRENCE = "schedule.occurrence"
REVIEW_JOB = "review"
TITLES = {
    "status": "☀️ Morning check",
    "capacity": "📊 Capacity review",
    "performance": "📈 Performance report",
    "incidents": "🚨 Incident review",
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
        thresholds: ReviewThresholds,
        channel: str,
        deps: Deps,
        clock,
    ):
        self._store, self._schedules, self._late = store, schedules, maintenance
        self._thresholds, self._channel, self._deps, self._clock = thresholds, channel, deps, clock

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
        review, key = job.payload["review"], f"review:{job.payload['name']}:{int(job.payload['due'])}"
        blocks, text, files = self._build(review)
        if job.payload.get("late"):
            due = datetime.fromtimestamp(job.payload["due"], timezone.utc)
            note = f"⏱ Posted late: due {due:%Y-%m-%d %H:%M} UTC while the bot was down."
            blocks = blocks + [{"type": "context", "elements": [{"type": "mrkdwn", "text": note}]}]
        head = [
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"{TITLES[review]} (scheduled)"}]}
        ]
        post = messages.post(self._channel, text[:3000], head + blocks, key=key, priority=BULK)
        return JobResult("ok", Effects.of(post, *[messages.file_post(self._channel, f, key) for f in files]))

    def _build(self, review: str) -> tuple[list[dict], str, list[FileOut]]:
        if review == "status":
            report = status.run(status.StatusRequest(), self._deps)
            return status.render(report), status.render_text(report), []
        if review == "capacity":
            result = capacity.review(self._deps, self._thresholds)
            return capacity.render(result), capacity.render_text(result), []
        if review == "performance":
            report = weekly.run(weekly.ReportWeeklyRequest(), self._deps)
            return weekly.render(report), weekly.render_text(report), weekly.files(report)
        result = incident_review.review(self._store, self._clock.now() - timedelta(days=7))
        return incident_review.render(result), incident_review.render_text(result), []

    # --- the capacity review's button ------------------------------------------------------------
    def on_click(self, click: Click, request_change) -> Effects:
        deployment, _, replicas = click.value.partition(" ")
        if deployment not in self._deps.platform.deployments or not (
            replicas.isascii() and replicas.isdigit()
        ):
            return Effects(
                reply="That button carries no valid deployment and replica count; nothing changed."
            )
        return request_change(
            click,
            "scale",
            {"deployment": deployment, "replicas": int(replicas)},
            f"scale {deployment} {replicas}",
        )
