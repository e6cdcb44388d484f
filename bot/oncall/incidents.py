"""The incident engine: applies stored PagerDuty events to incident rows, in order per incident, and
says what changed in the incident's thread. Applying one event is one step: it reads the incident
and returns every effect (the row, timeline, root and checklist posts, escalation timers, the
report job and the inbox row marked done) to commit together, so a crash leaves all or nothing."""

from __future__ import annotations

import logging
import threading

from bot import crash
from bot.oncall.checklists import Checklists
from bot.oncall.escalation import Escalation
from bot.oncall.storm import Storm
from bot.oncall.thread import Thread
from bot.state import Effects, Incident, JobResult, NewJob, Store
from bot.state import incidents as rows
from bot.state.incidents import TimelineEntry
from commands.blockkit import actor, escape
from integrations.errors import IntegrationError
from integrations.pagerduty_events import IncidentEvent, Unreadable, parse

log = logging.getLogger(__name__)

EVENT_JOB, REPORT_JOB = "incident-event", "incident-report"
_MOVES = {  # event type -> (statuses it moves from, status it moves to)
    "incident.triggered": (("acknowledged", "resolved"), "triggered"),
    "incident.acknowledged": (("triggered",), "acknowledged"),
    "incident.unacknowledged": (("acknowledged",), "triggered"),
    "incident.resolved": (("triggered", "acknowledged"), "resolved"),
    "incident.reopened": (("resolved",), "triggered"),
}
_PEOPLE = {
    "incident.escalated": "⏫ Escalated in PagerDuty to",
    "incident.reassigned": "↪️ Reassigned to",
    "incident.delegated": "↪️ Delegated to another escalation policy:",
}


class Incidents:
    def __init__(
        self,
        store: Store,
        thread: Thread,
        escalation: Escalation,
        checklists: Checklists,
        storm: Storm,
        clock,
        pagerduty=None,
    ):
        self._store, self.thread, self._escalation, self._checklists = store, thread, escalation, checklists
        self._storm, self._clock, self._pd = storm, clock, pagerduty
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    # --- worker job "incident-event" ---------------------------------------------------------
    def drain(self, job) -> JobResult:
        """Apply this incident's pending events in arrival order, each in its own transaction."""
        incident_id, applied = job.payload["incident_id"], 0
        with self._lock(incident_id):
            for row in self._store.pending_events(incident_id):
                applied += self._apply_row(row)
                crash.point("incident.after_event")
        return JobResult("ok" if applied else "nothing")

    def _apply_row(self, row) -> int:
        try:
            event = self._complete(parse(row.body))
            _, done = self._store.run_step(
                lambda: self.apply(event) + Effects.of(rows.finish_event(row.seq)), self._clock.time()
            )
            return int(done is not None)
        except Unreadable as exc:
            log.error("stored PagerDuty event could not be read", extra={"seq": row.seq, "error": str(exc)})
            self._store.commit(Effects.of(rows.finish_event(row.seq, "unreadable")), self._clock.time())
        except Exception:  # one event we cannot apply must not hold up every later one
            log.exception("stored PagerDuty event could not be applied", extra={"seq": row.seq})
            self._store.commit(Effects.of(rows.finish_event(row.seq, "failed")), self._clock.time())
        return 0

    def _lock(self, incident_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(incident_id, threading.Lock())

    def _complete(self, event: IncidentEvent) -> IncidentEvent:
        """An annotated event names its incident only: ask PagerDuty for the rest (before the step, which
        must not wait on the network), if the bot does not know the incident and PagerDuty answers."""
        if event.number is not None or self._pd is None or self._store.incident(event.incident_id):
            return event
        try:
            rest = self._pd.incident(event.incident_id)
        except IntegrationError as exc:
            log.warning(
                "could not read incident from PagerDuty",
                extra={"incident": event.incident_id, "error": exc.message},
            )
            return event
        return event.model_copy(
            update={
                "number": rest.number,
                "title": rest.title or event.title,
                "service": rest.service_name,
                "service_id": rest.service_id,
                "priority": rest.priority,
                "urgency": rest.urgency,
                "policy_id": rest.policy_id,
                "assignees": [a.name for a in rest.assignees],
            }
        )

    # --- applying one event (inside its transaction) ------------------------------------------
    def apply(self, event: IncidentEvent) -> Effects:
        """A change made from Slack is applied through here too, so PagerDuty's echo finds nothing new."""
        incident, fx = self._store.incident(event.incident_id), Effects()
        opened = incident is None
        ticks = (
            {} if opened else self._store.ticks(event.incident_id)
        )  # what the checklist shows, kept current
        if opened:
            if event.number is None:
                log.warning(
                    "event for an unknown incident without its details", extra={"incident": event.incident_id}
                )
                return fx
            incident, fx = self._open(event, ticks)
        if event.type in _MOVES:
            fx += self._move(incident, event, opened, ticks)
        elif event.type == "incident.priority_updated":
            fx += self._reprioritise(incident, event)
        elif event.type in _PEOPLE:
            fx += self._reassign(incident, event)
        elif event.type == "incident.annotated":
            fx += self._note(incident, event)
        return fx

    def _open(self, event: IncidentEvent, ticks: dict) -> tuple[Incident, Effects]:
        severity, now = self.thread.policy.severity(event.priority, event.urgency), self._clock.time()
        incident = Incident(
            id=event.incident_id,
            number=event.number or 0,
            title=event.title,
            service=event.service,
            service_id=event.service_id,
            severity=severity,
            checklist=severity,
            status="triggered",
            status_at=0,
            assignee=", ".join(event.assignees),
            html_url=event.html_url,
            urgency=event.urgency or "",
            policy_id=event.policy_id,
            created_at=event.created_at or event.occurred_at,
            opened_at=now,
        )
        storm = self._storm.raging(now)
        observed = self._checklists.observed(incident, "posted", ticks)
        fx = (
            Effects.of(
                rows.insert(incident),
                rows.timeline(
                    incident.id,
                    TimelineEntry(
                        at=event.occurred_at,
                        kind="pagerduty",
                        text=f"Triggered: {incident.title}",
                        who=event.agent,
                    ),
                ),
                self.thread.root(incident, storm=storm),
                self.thread.checklist(incident, ticks),
                self._escalation.start(incident),
            )
            + observed
            + self._announce(incident, storm)
            + self._storm.opened(incident, now)
        )
        return incident, fx

    def _announce(self, incident: Incident, storm: bool = False) -> Effects:
        """P0 only, once: a pointer in the platform channel (during a storm, the storm's one line is it)."""
        if incident.severity != "P0" or incident.announced:
            return Effects()
        if storm:
            return Effects.of(rows.update(incident.id, announced=1))
        return Effects.of(rows.update(incident.id, announced=1), self.thread.announcement(incident))

    def _move(self, incident: Incident, event: IncidentEvent, opened: bool, ticks: dict) -> Effects:
        old, new = _MOVES[event.type]
        if incident.status not in old or incident.status_at > event.occurred_at:
            return Effects()  # a duplicate, an echo of our own change, or older than what we know
        fields = self._fields(incident, event, new)
        moved = incident.model_copy(update={"status": new, "status_at": event.occurred_at, **fields})
        step = getattr(self, "_" + event.type.split(".")[1])
        return (
            Effects.of(
                rows.move(incident.id, old, new, event.occurred_at, **fields),
                rows.timeline(
                    incident.id,
                    TimelineEntry(
                        at=event.occurred_at, kind="pagerduty", text=_verb(event.type), who=event.agent
                    ),
                ),
            )
            + step(moved, event.agent, opened, ticks)
            + Effects.of(self.thread.root_update(moved))
        )

    @staticmethod
    def _fields(incident: Incident, event: IncidentEvent, new: str) -> dict:
        fields: dict = {"assignee": ", ".join(event.assignees)} if event.assignees else {}
        if (
            new == "acknowledged" and not incident.acknowledged_by
        ):  # the report credits the first acknowledgement
            fields.update(acknowledged_at=event.occurred_at, acknowledged_by=event.agent)
        if new == "resolved":
            fields.update(resolved_at=event.occurred_at, resolved_by=event.agent)
        if new == "triggered" and incident.status == "resolved":  # reopened: escalation starts over
            fields.update(level=0, resolved_at=None, resolved_by="")
        return fields

    def _triggered(self, incident: Incident, who: str, opened: bool, ticks: dict) -> Effects:
        return Effects() if opened else self._reopened(incident, who, opened, ticks)

    def _acknowledged(self, incident: Incident, who: str, opened: bool, ticks: dict) -> Effects:
        return Effects.of(
            self._escalation.stop(incident.id),
            self.thread.reply(incident.id, f"👀 Acknowledged{_by(who)}. Escalation stopped."),
        ) + self._ticked(incident, "acknowledged", ticks, who)

    def _unacknowledged(self, incident: Incident, who: str, opened: bool, ticks: dict) -> Effects:
        line = f"↩️ Unacknowledged{_by(who)}: escalation restarts at {self.thread.level_name(incident)}."
        return Effects.of(self._escalation.start(incident), self.thread.reply(incident.id, line))

    def _resolved(self, incident: Incident, who: str, opened: bool, ticks: dict) -> Effects:
        took = incident.resolved_at - incident.created_at
        line = f"✅ Resolved{_by(who)} after {int(took // 60)} min. Drafting the report…"
        return Effects.of(
            self._escalation.stop(incident.id),
            self.thread.reply(incident.id, line),
            self._checklists.reminder(incident),
            NewJob(
                REPORT_JOB,
                {"incident_id": incident.id},
                key=f"report:{incident.id}:{int(incident.resolved_at)}",
            ),
        ) + self._ticked(incident, "resolved", ticks, who)

    def _reopened(self, incident: Incident, who: str, opened: bool, ticks: dict) -> Effects:
        line = f"🔁 Reopened{_by(who)}: escalation starts again at {self.thread.level_name(incident)}."
        return Effects.of(self._escalation.start(incident), self.thread.reply(incident.id, line))

    def _ticked(self, incident: Incident, kind: str, ticks: dict, who: str) -> Effects:
        observed = self._checklists.observed(incident, kind, ticks, who)
        if observed.empty:
            return observed
        return observed + Effects.of(self.thread.checklist_update(incident, ticks))

    def _reprioritise(self, incident: Incident, event: IncidentEvent) -> Effects:
        severity = self.thread.policy.severity(event.priority, event.urgency)
        if severity == incident.severity:
            return Effects()
        levels = self.thread.policy.escalation[severity].levels
        moved = incident.model_copy(
            update={"severity": severity, "level": min(incident.level, len(levels) - 1)}
        )
        line = f"🔺 Priority set to {escape(event.priority or 'none')}{_by(event.agent)}: severity is now *{severity}*."
        fx = Effects.of(
            rows.update(incident.id, severity=severity, level=moved.level),
            rows.timeline(
                incident.id,
                TimelineEntry(
                    at=event.occurred_at,
                    kind="pagerduty",
                    text=f"Priority {event.priority}: severity {severity}",
                    who=event.agent,
                ),
            ),
            self.thread.reply(incident.id, line),
            self.thread.root_update(moved),
        )
        if moved.status == "triggered":
            fx += Effects.of(self._escalation.stop(incident.id), self._escalation.start(moved))
        return fx + self._announce(moved)

    def _reassign(self, incident: Incident, event: IncidentEvent) -> Effects:
        assignee = ", ".join(event.assignees)
        if not assignee or assignee == incident.assignee:
            return Effects()  # the echo of an escalation the bot made already says nothing new
        moved = incident.model_copy(update={"assignee": assignee})
        return Effects.of(
            rows.update(incident.id, assignee=assignee),
            rows.timeline(
                incident.id,
                TimelineEntry(
                    at=event.occurred_at,
                    kind="pagerduty",
                    text=f"{_verb(event.type)} {assignee}",
                    who=event.agent,
                ),
            ),
            self.thread.reply(incident.id, f"{_PEOPLE[event.type]} *{escape(assignee)}*{_by(event.agent)}."),
            self.thread.root_update(moved),
        )

    def _note(self, incident: Incident, event: IncidentEvent) -> Effects:
        ref = f"note:{event.note_id}"
        if self._store.timeline_has(incident.id, ref):
            return Effects()
        entry = TimelineEntry(at=event.occurred_at, kind="note", text=event.note, who=event.agent, ref=ref)
        line = f"📝 Note{_by(event.agent)}: {escape(event.note)}"[:3000]
        return Effects.of(rows.timeline(incident.id, entry), self.thread.reply(incident.id, line))


def _by(who: str) -> str:
    return f" by {actor(who)}" if who else ""


def _verb(event_type: str) -> str:
    return event_type.split(".", 1)[1].replace("_", " ").capitalize()
