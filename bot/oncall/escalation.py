"""The escalation matrix made live. Each level of an unacknowledged incident is a timer row
("incident.escalate", "<incident>:<level>"); when one fires and the incident is still triggered at that
level, the step moves the level on (compare-and-set), says who did not answer, arms the next level and
starts a job that escalates in PagerDuty (never backwards) and names the next person."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from bot.oncall.people import People
from bot.oncall.thread import Thread
from bot.state import CancelTimer, Effects, Incident, JobResult, NewJob, SetTimer, Store
from bot.state import incidents as rows
from bot.state.incidents import TimelineEntry
from commands.blockkit import escape, mention
from integrations.errors import IntegrationError

ESCALATE = "incident.escalate"
ESCALATE_JOB = "incident-escalate"
LATE_SECONDS = 2.0  # the scheduler's promise; later than this is worth saying


class Escalation:
    def __init__(
        self,
        store: Store,
        thread: Thread,
        clock,
        pagerduty,
        from_email: str,
        people: People,
        held: Callable[[Incident], bool],
    ):
        self._store, self._thread, self._clock, self._pd = store, thread, clock, pagerduty
        self._from, self._people, self._held = from_email, people, held

    def start(self, incident: Incident, since: float | None = None) -> SetTimer:
        """The timer of the incident's current level, counted from `since` (default now)."""
        since = self._clock.time() if since is None else since
        delay = self._thread.policy.delay_seconds(
            incident.severity, datetime.fromtimestamp(since, timezone.utc)
        )
        return SetTimer(ESCALATE, f"{incident.id}:{incident.level}", since + delay, {"level": incident.level})

    def stop(self, incident_id: str) -> CancelTimer:
        return CancelTimer(ESCALATE, f"{incident_id}:", prefix=True)

    def on_timer(self, timer, late: float) -> Effects:
        incident_id, level = timer.key.rsplit(":", 1)[0], int(timer.payload["level"])
        incident = self._store.incident(incident_id)
        if incident is None or incident.status != "triggered" or incident.level != level:
            return Effects()  # acknowledged, resolved or already moved on meanwhile
        if self._held(incident):
            line = "⏸️ Escalation held: a maintenance window is open for this service."
            return Effects.of(self._thread.reply(incident.id, line), self.start(incident))
        if level + 1 >= len(self._thread.policy.escalation[incident.severity].levels):
            return self._last_level(incident, timer, late)
        return self._escalated(incident, timer, late)

    def _escalated(self, incident: Incident, timer, late: float) -> Effects:
        levels, level = self._thread.policy.escalation[incident.severity].levels, incident.level
        text = (
            f"⏫ Not acknowledged {self._wait(incident)}: {levels[level].name} "
            f"({escape(incident.assignee or 'nobody')}) did not answer. "
            f"Escalating to *{levels[level + 1].name}*." + _late(late)
        )
        moved = incident.model_copy(update={"level": level + 1})
        return Effects.of(
            rows.move_level(incident.id, level, level + 1),
            rows.timeline(
                incident.id, TimelineEntry(at=self._clock.time(), kind="escalation", text=text, who="llmbot")
            ),
            self._thread.reply(incident.id, text),
            self._thread.root_update(moved),
            NewJob(ESCALATE_JOB, {"incident_id": incident.id, "level": level + 1}),
            self.start(moved, since=timer.due_at),  # a late bot fires each overdue level once, in turn
        )

    def _last_level(self, incident: Incident, timer, late: float) -> Effects:
        ref = f"last-level:{timer.key}"
        if self._store.timeline_has(incident.id, ref):
            return Effects()
        text = (
            f"🚨 Still not acknowledged {self._wait(incident)} at the last level "
            f"({self._thread.level_name(incident)}, {escape(incident.assignee or 'nobody')}). "
            "There is nobody further to escalate to: please acknowledge." + _late(late)
        )
        entry = TimelineEntry(at=self._clock.time(), kind="escalation", text=text, who="llmbot", ref=ref)
        return Effects.of(rows.timeline(incident.id, entry), self._thread.reply(incident.id, text))

    def _wait(self, incident: Incident) -> str:
        minutes = self._thread.policy.escalation[incident.severity].minutes
        return f"within {minutes:g} min" if minutes else "by the next business day"

    # --- worker job "incident-escalate" -----------------------------------------------------
    def escalate_in_pagerduty(self, job) -> JobResult:
        incident, level = self._store.incident(job.payload["incident_id"]), job.payload["level"]
        if incident is None or incident.status != "triggered" or incident.level != level:
            return JobResult("skipped")
        target = self._thread.policy.escalation[incident.severity].levels[level]
        try:
            note, assignee = self._move_pagerduty(incident, target.pagerduty_level)
            people = [o for o in self._pd.oncalls(incident.policy_id) if o.level == target.pagerduty_level]
        except IntegrationError as exc:
            line = (
                f"⚠️ PagerDuty did not take the escalation to {target.name} ({escape(exc.message)}). "
                "Page them by hand."
            )
            return JobResult("unavailable", Effects.of(self._thread.reply(incident.id, line)), exc.message)
        who = ", ".join(self._mention(o) for o in people) or _person(
            self._thread.policy.people.get(target.name, "")
        )
        line = f"📣 {who or target.name}: you are {target.name} on-call for #{incident.number}. "
        line += "Please acknowledge."
        fx = note + Effects.of(self._thread.reply(incident.id, line))
        return JobResult("escalated", fx, then=lambda: self._assigned(incident.id, assignee))

    def _move_pagerduty(self, incident: Incident, target: int) -> tuple[Effects, str]:
        """Escalate in PagerDuty only while it is below the target: the bot never moves it backwards."""
        current = self._pd.current_level(incident.id)
        if current is not None and current >= target:
            line = f"ℹ️ PagerDuty is already at level {current}; left as it is."
            return Effects.of(self._thread.reply(incident.id, line)), ""
        updated = self._pd.escalate(incident.id, target, self._from)
        return Effects(), ", ".join(a.name for a in updated.assignees)

    def _assigned(self, incident_id: str, assignee: str) -> Effects:
        """Inside the job's closing transaction: the root shows the new assignee over the state as it is
        now."""
        incident = self._store.incident(incident_id)
        if not assignee or incident is None or incident.assignee == assignee:
            return Effects()
        moved = incident.model_copy(update={"assignee": assignee})
        return Effects.of(rows.update(incident.id, assignee=assignee), self._thread.root_update(moved))

    def _mention(self, oncall) -> str:
        user = self._people.user_of(oncall.email)
        return f"{mention(user)} ({escape(oncall.name)})" if user else escape(oncall.name)


def _person(user: str) -> str:
    return mention(user) if user else ""


def _late(seconds: float) -> str:
    if seconds <= LATE_SECONDS:
        return ""
    minutes = seconds / 60
    return (
        f" _(fired {minutes:.0f} min late: the bot was down)_"
        if minutes >= 1
        else f" _(fired {seconds:.0f} s late)_"
    )
