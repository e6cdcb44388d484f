"""The escalation matrix made live. Each level of an unacknowledged incident is a timer row
("incident.escalate", "<incident>:<level>"); when one fires and the incident is still triggered at
that level, the level moves on (compare-and-set), the thread says who did not answer, and a worker
job escalates in PagerDuty and names the next person. Acknowledge cancels; unacknowledge re-arms."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Callable

from bot.incident_thread import IncidentThread
from bot.state import Incident, JobResult, Store
from bot.state.incidents import TimelineEntry
from integrations.errors import IntegrationError

log = logging.getLogger(__name__)

ESCALATE = "incident.escalate"
LATE_SECONDS = 2.0  # the scheduler's promise; later than this is worth saying


class Escalation:
    def __init__(
        self,
        store: Store,
        thread: IncidentThread,
        clock,
        submit: Callable[[str, dict], int],
        pagerduty,
        from_email: str,
        slack_user: Callable[[str], str],
    ):
        self._store, self._thread, self._clock, self._submit = store, thread, clock, submit
        self._pd, self._from, self._slack_user = pagerduty, from_email, slack_user
        self.held: Callable[[Incident], bool] = lambda incident: False  # maintenance hook

    def start(self, incident: Incident, since: float | None = None) -> None:
        """Arm the timer of the incident's current level, counted from `since` (default now)."""
        since = self._clock.time() if since is None else since
        delay = self._thread.policy.delay_seconds(
            incident.severity, datetime.fromtimestamp(since, timezone.utc)
        )
        self._store.reschedule(
            ESCALATE,
            f"{incident.id}:{incident.level}",
            since + delay,
            self._clock.time(),
            {"level": incident.level},
        )

    def stop(self, incident_id: str) -> None:
        self._store.cancel_incident_timers(ESCALATE, incident_id)

    def fire(self, timer, late: float) -> None:
        """Timer handler (scheduler thread): store writes and posts only; PagerDuty in a worker job."""
        incident_id, level = timer.key.rsplit(":", 1)[0], int(timer.payload["level"])
        incident = self._store.incident(incident_id)
        if incident is None or incident.status != "triggered" or incident.level != level:
            return  # acknowledged, resolved or already moved on meanwhile: nothing to do
        if self.held(incident):
            self._thread.reply(
                incident.id, "⏸️ Escalation held: a maintenance window is open for this service."
            )
            self.start(incident)
            return
        levels = self._thread.policy.escalation[incident.severity].levels
        if level + 1 >= len(levels):
            self._last_level(incident, timer, late)
            return
        if not self._store.move_level(incident.id, level, level + 1):
            return
        self._escalated(incident, level, late)
        moved = self._store.incident(incident.id)
        self.start(moved, since=timer.due_at)  # a late bot fires each overdue level once, in turn

    def _escalated(self, incident: Incident, level: int, late: float) -> None:
        levels = self._thread.policy.escalation[incident.severity].levels
        wait = self._wait_text(incident)
        text = (
            f"⏫ Not acknowledged {wait}: {levels[level].name} ({incident.assignee or 'nobody'}) did not answer. "
            f"Escalating to *{levels[level + 1].name}*." + _late(late)
        )
        self._store.add_timeline(
            incident.id, TimelineEntry(at=self._clock.time(), kind="escalation", text=text, who="llmbot")
        )
        self._thread.reply(incident.id, text)
        self._thread.update_root(incident.id)
        self._submit("incident-escalate", {"incident_id": incident.id, "level": level + 1})

    def _last_level(self, incident: Incident, timer, late: float) -> None:
        if self._store.timeline_has(incident.id, f"last-level:{timer.key}"):
            return
        name = self._thread.level_name(incident)
        text = (
            f"🚨 Still not acknowledged {self._wait_text(incident)} at the last level ({name}, "
            f"{incident.assignee or 'nobody'}). There is nobody further to escalate to: please acknowledge."
            + _late(late)
        )
        self._store.add_timeline(
            incident.id,
            TimelineEntry(
                at=self._clock.time(),
                kind="escalation",
                text=text,
                who="llmbot",
                ref=f"last-level:{timer.key}",
            ),
        )
        self._thread.reply(incident.id, text)

    def _wait_text(self, incident: Incident) -> str:
        minutes = self._thread.policy.escalation[incident.severity].minutes
        return f"within {minutes:g} min" if minutes else "by the next business day"

    # --- worker job "incident-escalate" -----------------------------------------------------
    def escalate_in_pagerduty(self, job) -> JobResult:
        incident = self._store.incident(job.payload["incident_id"])
        level = job.payload["level"]
        if incident is None or incident.status != "triggered" or incident.level != level:
            return JobResult("skipped")
        target = self._thread.policy.escalation[incident.severity].levels[level]
        try:
            updated = self._pd.escalate(incident.id, target.pagerduty_level, self._from)
            assignee = ", ".join(a["assignee"].get("summary", "") for a in updated.get("assignments") or [])
            if assignee:  # PagerDuty's echo (incident.escalated) then finds nothing new to say
                self._store.update_incident(incident.id, assignee=assignee)
                self._thread.update_root(incident.id)
            people = [o for o in self._pd.oncalls(incident.policy_id) if o.level == target.pagerduty_level]
        except IntegrationError as exc:
            self._thread.reply(
                incident.id,
                f"⚠️ PagerDuty did not take the escalation to {target.name} "
                f"({exc.message}). Page them by hand.",
            )
            return JobResult("unavailable", error=exc.message)
        who = ", ".join(self._mention(o) for o in people) or self._thread.policy.people.get(target.name, "")
        self._thread.reply(
            incident.id,
            f"📣 {who or target.name}: you are {target.name} on-call for "
            f"#{incident.number}. Please acknowledge.",
        )
        return JobResult("escalated")

    def _mention(self, oncall) -> str:
        user = self._slack_user(oncall.email)
        return f"<@{user}> ({oncall.name})" if user else oncall.name


def _late(seconds: float) -> str:
    if seconds <= LATE_SECONDS:
        return ""
    minutes = seconds / 60
    return (
        f" _(fired {minutes:.0f} min late: the bot was down)_"
        if minutes >= 1
        else f" _(fired {seconds:.0f} s late)_"
    )
