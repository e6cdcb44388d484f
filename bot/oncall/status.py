"""An incident's status moves (triggered, acknowledged, resolved, and back): each is a compare-and-set
on the status (an older or duplicate event moves nothing), a timeline entry, what the thread says,
the escalation timers it starts or stops, the checklist items it ticks, and the root's new face."""

from __future__ import annotations

from bot.oncall.checklists import Checklists
from bot.oncall.escalation import Escalation
from bot.oncall.report_chase import ReportChase
from bot.oncall.thread import Thread
from bot.state import Effects, Incident, NewJob
from bot.state import incidents as rows
from bot.state.incidents import TimelineEntry
from commands.blockkit import actor
from integrations.pagerduty_events import IncidentEvent

REPORT_JOB = "incident-report"
MOVES = {  # event type -> (statuses it moves from, status it moves to)
    "incident.triggered": (("acknowledged", "resolved"), "triggered"),
    "incident.acknowledged": (("triggered",), "acknowledged"),
    "incident.unacknowledged": (("acknowledged",), "triggered"),
    "incident.resolved": (("triggered", "acknowledged"), "resolved"),
    "incident.reopened": (("resolved",), "triggered"),
}


class StatusMoves:
    def __init__(self, thread: Thread, escalation: Escalation, checklists: Checklists, chase: ReportChase):
        self._thread, self._escalation, self._checklists, self._chase = thread, escalation, checklists, chase

    def move(self, incident: Incident, event: IncidentEvent, opened: bool, ticks: dict) -> Effects:
        old, new = MOVES[event.type]
        if incident.status not in old or incident.status_at > event.occurred_at:
            return Effects()  # a duplicate, an echo of our own change, or older than what we know
        fields = _fields(incident, event, new)
        moved = incident.model_copy(update={"status": new, "status_at": event.occurred_at, **fields})
        entry = TimelineEntry(at=event.occurred_at, kind="pagerduty", text=verb(event.type), who=event.agent)
        said = getattr(self, "_" + event.type.split(".")[1])(moved, event.agent, opened, ticks)
        change = Effects.of(rows.move(incident.id, old, new, event.occurred_at, **fields))
        return (
            change
            + Effects.of(rows.timeline(incident.id, entry))
            + said
            + Effects.of(self._thread.root_update(moved))
        )

    def _triggered(self, incident: Incident, who: str, opened: bool, ticks: dict) -> Effects:
        return Effects() if opened else self._reopened(incident, who, opened, ticks)

    def _acknowledged(self, incident: Incident, who: str, opened: bool, ticks: dict) -> Effects:
        line = f"👀 Acknowledged{by(who)}. Escalation stopped."
        return Effects.of(
            self._escalation.stop(incident.id), self._thread.reply(incident.id, line)
        ) + self._ticked(incident, "acknowledged", ticks, who)

    def _unacknowledged(self, incident: Incident, who: str, opened: bool, ticks: dict) -> Effects:
        line = f"↩️ Unacknowledged{by(who)}: escalation restarts at {self._thread.level_name(incident)}."
        return Effects.of(self._escalation.start(incident), self._thread.reply(incident.id, line))

    def _resolved(self, incident: Incident, who: str, opened: bool, ticks: dict) -> Effects:
        took = incident.resolved_at - incident.created_at
        line = f"✅ Resolved{by(who)} after {int(took // 60)} min. Drafting the report…"
        report = NewJob(
            REPORT_JOB, {"incident_id": incident.id}, key=f"report:{incident.id}:{int(incident.resolved_at)}"
        )
        return Effects.of(
            self._escalation.stop(incident.id),
            self._thread.reply(incident.id, line),
            self._chase.reminder(incident),
            report,
        ) + self._ticked(incident, "resolved", ticks, who)

    def _reopened(self, incident: Incident, who: str, opened: bool, ticks: dict) -> Effects:
        line = f"🔁 Reopened{by(who)}: escalation starts again at {self._thread.level_name(incident)}."
        return Effects.of(self._escalation.start(incident), self._thread.reply(incident.id, line))

    def _ticked(self, incident: Incident, kind: str, ticks: dict, who: str) -> Effects:
        observed = self._checklists.observed(incident, kind, ticks, who)
        if observed.empty:
            return observed
        return observed + Effects.of(self._thread.checklist_update(incident, ticks))


def _fields(incident: Incident, event: IncidentEvent, new: str) -> dict:
    fields: dict = {"assignee": ", ".join(event.assignees)} if event.assignees else {}
    if new == "acknowledged" and not incident.acknowledged_by:  # the report credits the first acknowledgement
        fields.update(acknowledged_at=event.occurred_at, acknowledged_by=event.agent)
    if new == "resolved":
        fields.update(resolved_at=event.occurred_at, resolved_by=event.agent)
    if new == "triggered" and incident.status == "resolved":  # reopened: escalation starts over
        fields.update(level=0, resolved_at=None, resolved_by="")
    return fields


def by(who: str) -> str:
    return f" by {actor(who)}" if who else ""


def verb(event_type: str) -> str:
    return event_type.split(".", 1)[1].replace("_", " ").capitalize()
