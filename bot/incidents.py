"""The incident engine: applies stored PagerDuty events to incident rows, in order per incident,
and says what changed in the incident's thread. The first event for an incident opens it (exactly
one root: the row insert decides); every transition is compare-and-set on the status, so duplicate
deliveries and the webhook echoing a change made from Slack post nothing twice."""

from __future__ import annotations

import logging
import threading
from typing import Callable

from bot.checklists import Checklists
from bot.escalation import Escalation
from bot.incident_thread import IncidentThread
from bot.state import Incident, JobResult, Store
from bot.state.incidents import TimelineEntry
from commands.incident_events import IncidentEvent, Unreadable, parse
from integrations.errors import IntegrationError

log = logging.getLogger(__name__)

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
        thread: IncidentThread,
        escalation: Escalation,
        checklists: Checklists,
        clock,
        submit: Callable[[str, dict], int],
        pagerduty=None,
    ):
        self._store, self.thread, self.escalation, self.checklists = store, thread, escalation, checklists
        self._clock, self._submit, self._pd = clock, submit, pagerduty
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    # --- intake -> worker -------------------------------------------------------------------
    def on_stored(self, incident_id: str) -> None:
        self._submit("incident-event", {"incident_id": incident_id})

    def resume(self) -> None:
        """Events stored before a crash but not yet applied."""
        for incident_id in self._store.incidents_with_pending_events():
            self.on_stored(incident_id)

    def drain(self, job) -> JobResult:
        """Worker job "incident-event": apply this incident's pending events in arrival order."""
        incident_id = job.payload["incident_id"]
        with self._lock(incident_id):
            applied = 0
            for row in self._store.pending_events(incident_id):
                try:
                    self.apply(parse(row.body))
                    applied += self._store.finish_event(row.seq)
                except Unreadable as exc:
                    log.error(
                        "stored PagerDuty event could not be read", extra={"seq": row.seq, "error": str(exc)}
                    )
                    self._store.finish_event(row.seq, "unreadable")
                except Exception:  # one event we cannot apply must not hold up every later one
                    log.exception("stored PagerDuty event could not be applied", extra={"seq": row.seq})
                    self._store.finish_event(row.seq, "failed")
        return JobResult("ok" if applied else "nothing")

    def _lock(self, incident_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(incident_id, threading.Lock())

    def apply_now(self, event: IncidentEvent) -> None:
        """A change made from Slack, applied at once under the incident's lock."""
        with self._lock(event.incident_id):
            self.apply(event)

    # --- applying one event -------------------------------------------------------------------
    def apply(self, event: IncidentEvent) -> None:
        incident = self._store.incident(event.incident_id)
        opened = incident is None and self._open(event)
        if event.type in _MOVES:
            self._move(event, opened)
        elif event.type == "incident.priority_updated":
            self._reprioritise(event)
        elif event.type in _PEOPLE:
            self._reassign(event)
        elif event.type == "incident.annotated":
            self._note(event)
        if opened:
            incident = self._store.incident(event.incident_id)
            if incident.status == "triggered":
                self.escalation.start(incident)

    def _open(self, event: IncidentEvent) -> bool:
        event = self._complete(event)
        severity = self.thread.policy.severity(event.priority, event.urgency)
        incident = Incident(
            id=event.incident_id,
            number=event.number or 0,
            title=event.title,
            service=event.service,
            severity=severity,
            checklist=severity,
            status="triggered",
            status_at=0,
            assignee=", ".join(event.assignees),
            html_url=event.html_url,
            urgency=event.urgency or "",
            policy_id=event.policy_id,
            created_at=event.created_at or event.occurred_at,
        )
        if not self._store.open_incident(incident):
            return False
        self._store.add_timeline(
            incident.id,
            TimelineEntry(
                at=event.occurred_at, kind="pagerduty", text=f"Triggered: {incident.title}", who=event.agent
            ),
        )
        self.thread.open(incident)
        self.thread.announce(incident)
        self.checklists.observed(incident.id, "posted")
        return True

    def _complete(self, event: IncidentEvent) -> IncidentEvent:
        """An annotated event names its incident only: ask PagerDuty for the rest, if it answers."""
        if event.number is not None or self._pd is None:
            return event
        try:
            rest = self._pd.incident(event.incident_id)
        except IntegrationError as exc:
            log.warning(
                "could not read incident from PagerDuty",
                extra={"incident": event.incident_id, "error": exc.message},
            )
            return event
        priority = (rest.get("priority") or {}).get("summary")
        return event.model_copy(
            update={
                "number": rest.get("incident_number"),
                "title": rest.get("title") or event.title,
                "service": (rest.get("service") or {}).get("summary", ""),
                "priority": priority,
                "urgency": rest.get("urgency"),
                "policy_id": (rest.get("escalation_policy") or {}).get("id", ""),
                "assignees": [a["assignee"].get("summary", "") for a in rest.get("assignments") or []],
            }
        )

    def _move(self, event: IncidentEvent, opened: bool) -> None:
        old, new = _MOVES[event.type]
        who = event.agent
        fields = {"assignee": ", ".join(event.assignees)} if event.assignees else {}
        if new == "acknowledged":
            fields.update(acknowledged_at=event.occurred_at, acknowledged_by=who)
        if new == "resolved":
            fields.update(resolved_at=event.occurred_at, resolved_by=who)
        if not self._store.move_incident(event.incident_id, old, new, event.occurred_at, **fields):
            return  # a duplicate, an echo of our own change, or older than what we know
        self._store.add_timeline(
            event.incident_id,
            TimelineEntry(at=event.occurred_at, kind="pagerduty", text=_verb(event.type), who=who),
        )
        getattr(self, "_" + event.type.split(".")[1])(self._store.incident(event.incident_id), who, opened)
        self.thread.update_root(event.incident_id)

    def _triggered(self, incident: Incident, who: str, opened: bool) -> None:
        if not opened:
            self._reopened(incident, who, opened)

    def _acknowledged(self, incident: Incident, who: str, opened: bool) -> None:
        self.escalation.stop(incident.id)
        self.thread.reply(incident.id, f"👀 Acknowledged{_by(who)}. Escalation stopped.")
        self.checklists.observed(incident.id, "acknowledged", who)

    def _unacknowledged(self, incident: Incident, who: str, opened: bool) -> None:
        self.escalation.start(incident)
        self.thread.reply(
            incident.id,
            f"↩️ Unacknowledged{_by(who)}: escalation restarts at {self.thread.level_name(incident)}.",
        )

    def _resolved(self, incident: Incident, who: str, opened: bool) -> None:
        self.escalation.stop(incident.id)
        took = incident.resolved_at - incident.created_at
        self.thread.reply(
            incident.id, f"✅ Resolved{_by(who)} after {int(took // 60)} min. Drafting the report…"
        )
        self.checklists.observed(incident.id, "resolved", who)
        self.checklists.resolved(incident)
        self._submit("incident-report", {"incident_id": incident.id})

    def _reopened(self, incident: Incident, who: str, opened: bool) -> None:
        self._store.update_incident(incident.id, level=0, resolved_at=None, resolved_by="")
        incident = self._store.incident(incident.id)  # the message below names the level it restarts at
        self.escalation.start(incident)
        self.thread.reply(
            incident.id,
            f"🔁 Reopened{_by(who)}: escalation starts again at {self.thread.level_name(incident)}.",
        )

    def _reprioritise(self, event: IncidentEvent) -> None:
        severity = self.thread.policy.severity(event.priority, event.urgency)
        if not self._store.update_incident(event.incident_id, severity=severity):
            return
        incident = self._store.incident(event.incident_id)
        levels = self.thread.policy.escalation[severity].levels
        if incident.level >= len(levels):
            self._store.update_incident(incident.id, level=len(levels) - 1)
        self._store.add_timeline(
            incident.id,
            TimelineEntry(
                at=event.occurred_at,
                kind="pagerduty",
                text=f"Priority {event.priority}: severity {severity}",
                who=event.agent,
            ),
        )
        self.thread.reply(
            incident.id,
            f"🔺 Priority set to {event.priority or 'none'}{_by(event.agent)}: severity is now *{severity}*.",
        )
        incident = self._store.incident(incident.id)
        if incident.status == "triggered":
            self.escalation.stop(incident.id)
            self.escalation.start(incident)
        self.thread.announce(incident)
        self.thread.update_root(incident.id)

    def _reassign(self, event: IncidentEvent) -> None:
        assignee = ", ".join(event.assignees)
        if not assignee or not self._store.update_incident(event.incident_id, assignee=assignee):
            return  # the echo of an escalation the bot made already says nothing new
        self._store.add_timeline(
            event.incident_id,
            TimelineEntry(
                at=event.occurred_at,
                kind="pagerduty",
                text=f"{_verb(event.type)} {assignee}",
                who=event.agent,
            ),
        )
        self.thread.reply(event.incident_id, f"{_PEOPLE[event.type]} *{assignee}*{_by(event.agent)}.")
        self.thread.update_root(event.incident_id)

    def _note(self, event: IncidentEvent) -> None:
        entry = TimelineEntry(
            at=event.occurred_at, kind="note", text=event.note, who=event.agent, ref=f"note:{event.note_id}"
        )
        if self._store.add_timeline(event.incident_id, entry):
            self.thread.reply(event.incident_id, f"📝 Note{_by(event.agent)}: {event.note}"[:3000])


def _by(who: str) -> str:
    return f" by {who}" if who else ""


def _verb(event_type: str) -> str:
    return event_type.split(".", 1)[1].replace("_", " ").capitalize()
