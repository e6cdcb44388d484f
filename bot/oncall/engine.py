"""The incident engine: applies one PagerDuty event to its incident as one step. It reads the incident
and returns every effect (the row, timeline, root and checklist posts, escalation timers, the report
job) for the caller to commit with the inbox row, so a crash leaves all or nothing. A change made from
Slack is applied through here too, so PagerDuty's echo of it finds nothing new."""

from __future__ import annotations

import logging

from bot.oncall.checklists import Checklists
from bot.oncall.escalation import Escalation
from bot.oncall.report_chase import ReportChase
from bot.oncall.status import MOVES, StatusMoves, by, verb
from bot.oncall.storm import Storm
from bot.oncall.thread import Thread
from bot.state import Effects, Incident, Store
from bot.state import incidents as rows
from bot.state.incidents import TimelineEntry
from commands.blockkit import escape
from integrations.pagerduty_events import IncidentEvent

log = logging.getLogger(__name__)

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
        chase: ReportChase,
        storm: Storm,
        clock,
    ):
        self._store, self.thread, self._escalation, self._checklists = store, thread, escalation, checklists
        self._storm, self._clock = storm, clock
        self._status = StatusMoves(thread, escalation, checklists, chase)

    def apply(self, event: IncidentEvent) -> Effects:
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
        if event.type in MOVES:
            fx += self._status.move(incident, event, opened, ticks)
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
        entry = TimelineEntry(
            at=event.occurred_at, kind="pagerduty", text=f"Triggered: {incident.title}", who=event.agent
        )
        fx = (
            self._storm.opened(incident, now)  # a storm's digest leads: queued before this root
            + Effects.of(
                rows.insert(incident),
                rows.timeline(incident.id, entry),
                self.thread.root(incident, storm=storm),
                self.thread.checklist(incident, ticks),
                self._escalation.start(incident),
            )
            + observed
            + self._announce(incident, storm)
        )
        return incident, fx

    def _announce(self, incident: Incident, storm: bool = False) -> Effects:
        """P0 only, once: a pointer in the platform channel (during a storm, the storm's one line is it)."""
        if incident.severity != "P0" or incident.announced:
            return Effects()
        if storm:
            return Effects.of(rows.update(incident.id, announced=1))
        return Effects.of(rows.update(incident.id, announced=1), self.thread.announcement(incident))

    def _reprioritise(self, incident: Incident, event: IncidentEvent) -> Effects:
        severity = self.thread.policy.severity(event.priority, event.urgency)
        if severity == incident.severity:
            return Effects()
        levels = self.thread.policy.escalation[severity].levels
        moved = incident.model_copy(
            update={"severity": severity, "level": min(incident.level, len(levels) - 1)}
        )
        priority = escape(event.priority or "none")
        line = f"🔺 Priority set to {priority}{by(event.agent)}: severity is now *{severity}*."
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
                    text=f"{verb(event.type)} {assignee}",
                    who=event.agent,
                ),
            ),
            self.thread.reply(incident.id, f"{_PEOPLE[event.type]} *{escape(assignee)}*{by(event.agent)}."),
            self.thread.root_update(moved),
        )

    def _note(self, incident: Incident, event: IncidentEvent) -> Effects:
        ref = f"note:{event.note_id}"
        if self._store.timeline_has(incident.id, ref):
            return Effects()
        entry = TimelineEntry(at=event.occurred_at, kind="note", text=event.note, who=event.agent, ref=ref)
        line = f"📝 Note{by(event.agent)}: {escape(event.note)}"[:3000]
        return Effects.of(rows.timeline(incident.id, entry), self.thread.reply(incident.id, line))
