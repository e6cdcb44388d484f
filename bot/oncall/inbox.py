"""The worker job that applies stored PagerDuty events ("incident-event"): an incident's pending inbox
rows in arrival order, each applied by the incident engine in its own transaction together with the
row marked done. What the step needs from PagerDuty's REST API is fetched before it, never inside."""

from __future__ import annotations

import logging
import threading

from bot import crash
from bot.oncall.engine import Incidents
from bot.state import Effects, JobResult, Store, pd_inbox
from integrations.errors import IntegrationError
from integrations.pagerduty_events import IncidentEvent, Unreadable, parse

log = logging.getLogger(__name__)

EVENT_JOB = "incident-event"


class Inbox:
    def __init__(self, store: Store, engine: Incidents, clock, pagerduty=None):
        self._store, self._engine, self._clock, self._pd = store, engine, clock, pagerduty
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    def drain(self, job) -> JobResult:
        """Apply this incident's pending events in arrival order, each in its own transaction."""
        incident_id, applied = job.payload["incident_id"], 0
        with self._lock(incident_id):  # two jobs for one incident: the second waits, then finds nothing
            for row in self._store.pending_events(incident_id):
                applied += self._apply_row(row)
                crash.point("incident.after_event")
        return JobResult("ok" if applied else "nothing")

    def _apply_row(self, row) -> int:
        try:
            event = self._complete(parse(row.body))
            step = lambda: self._engine.apply(event) + Effects.of(pd_inbox.finish(row.seq))  # noqa: E731
            return int(self._store.run_step(step, self._clock.time())[1] is not None)
        except Unreadable as exc:
            log.error("stored PagerDuty event could not be read", extra={"seq": row.seq, "error": str(exc)})
            self._store.commit(Effects.of(pd_inbox.finish(row.seq, "unreadable")), self._clock.time())
        except Exception:  # one event we cannot apply must not hold up every later one
            log.exception("stored PagerDuty event could not be applied", extra={"seq": row.seq})
            self._store.commit(Effects.of(pd_inbox.finish(row.seq, "failed")), self._clock.time())
        return 0

    def _lock(self, incident_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(incident_id, threading.Lock())

    def _complete(self, event: IncidentEvent) -> IncidentEvent:
        """An annotated event names its incident only: ask PagerDuty for the rest, if the bot does not
        know the incident and PagerDuty answers."""
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
