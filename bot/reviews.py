"""The recurring reviews: each schedule in config arms one timer for its next occurrence; firing claims
the occurrence once (a row), hands the review to a worker job and arms the next. An occurrence missed
while the bot was down fires once on start: posted late with a note, or skipped by policy."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Callable

from bot.messages import file_post
from bot.state import Job, JobResult, Post, Store
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
        submit: Callable[[str, dict], int],
    ):
        self._store, self._schedules, self._late = store, schedules, maintenance
        self._thresholds, self._channel, self._deps = thresholds, channel, deps
        self._clock, self._submit = clock, submit

    def upcoming(self, now: datetime, count: int = 1) -> list[tuple[datetime, str]]:
        found = [
            (when, f"{TITLES[s.review]} ({name})")
            for name, s in self._schedules.items()
            if s.enabled
            for when in occurrences(s.rule, s.zone, now, count)
        ]
        return sorted(found)

    def arm(self, now: datetime | None = None) -> None:
        """Every enabled schedule has a pending timer for an occurrence (idempotent)."""
        now = now or self._clock.now()
        armed = {t.payload.get("name") for t in self._store.timers("pending") if t.kind == OCCURRENCE}
        for name, schedule in self._schedules.items():
            if schedule.enabled and name not in armed:
                self._arm_after(name, schedule, now)

    def _arm_after(self, name: str, schedule: Schedule, after: datetime) -> None:
        [when] = occurrences(schedule.rule, schedule.zone, after, 1)
        self._store.schedule(
            OCCURRENCE, f"{name}@{when:%Y-%m-%dT%H:%MZ}", when.timestamp(), self._clock.time(), {"name": name}
        )

    def on_occurrence(self, timer, late: float) -> None:
        name, now = timer.payload["name"], self._clock.now()
        schedule = self._schedules.get(name)
        if schedule is None or not schedule.enabled:
            return  # removed from config since it was armed
        is_late = late > self._late.late_grace_minutes * 60
        skip = is_late and self._late.late_policy == "skip"
        if (
            self._store.claim_run(name, timer.due_at, "skipped" if skip else "posted", now.timestamp())
            and not skip
        ):
            self._submit(
                REVIEW_JOB,
                {
                    "name": name,
                    "review": schedule.review,
                    "late": late if is_late else 0,
                    "due": timer.due_at,
                },
            )
        self._arm_after(name, schedule, max(now, datetime.fromtimestamp(timer.due_at, timezone.utc)))

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
        posts = [
            Post(
                "chat.postMessage",
                self._channel,
                {"channel": self._channel, "text": text[:3000], "blocks": head + blocks},
                key=key,
            )
        ]
        return JobResult("ok", posts + [file_post(self._channel, f, key) for f in files])

    def _build(self, review: str) -> tuple[list[dict], str, list[FileOut]]:
        if review == "status":
            report = status.run({}, self._deps)
            return status.render(report), status.render_text(report), []
        if review == "capacity":
            result = capacity.review(self._deps, self._thresholds)
            return capacity.render(result), capacity.render_text(result), []
        if review == "performance":
            report = weekly.run({}, self._deps)
            return weekly.render(report), weekly.render_text(report), weekly.files(report)
        result = incident_review.review(self._store, self._clock.now() - timedelta(days=7))
        return incident_review.render(result), incident_review.render_text(result), []

    # --- the capacity review's button ------------------------------------------------------------
    def on_click(self, click, approvals) -> str:
        deployment, _, replicas = click.value.partition(" ")
        if not replicas.isdigit():
            return "That button is broken: it carries no replica count."
        return approvals.request_change(
            click,
            "scale",
            {"deployment": deployment, "replicas": int(replicas)},
            f"scale {deployment} {replicas}",
        )
