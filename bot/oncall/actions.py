"""What people do to incidents from Slack: the root's buttons, `/llm incident …` and `/llm oncall`.
Clicks and commands only commit rows and jobs; the jobs act in PagerDuty as the person who clicked
(From = their PagerDuty email), then apply the change through the incident engine in the job's
closing transaction, so the webhook PagerDuty echoes back finds nothing left to change."""

from __future__ import annotations

import logging

from bot import messages
from bot.errors import unavailable
from bot.interactions import Asked, Click
from bot.oncall import card
from bot.oncall.engine import Incidents
from bot.oncall.escalation import Escalation
from bot.oncall.people import People
from bot.oncall.status import REPORT_JOB
from bot.rbac import role_allows
from bot.state import Effects, Incident, JobResult, NewJob, Store
from commands.blockkit import escape
from integrations.errors import IntegrationError
from integrations.pagerduty_events import IncidentEvent

log = logging.getLogger(__name__)

ACTION_JOB, ONCALL_JOB = "incident-action", "incident-oncall"
_ACTIONS = {card.ACK: "acknowledge", card.RESOLVE: "resolve", card.ESCALATE: "escalate", card.TAKE: "take"}
_DOING = {
    "acknowledge": "Acknowledging",
    "resolve": "Resolving",
    "escalate": "Escalating",
    "take": "Reassigning to you",
    "note": "Adding a note to",
}


class IncidentActions:
    def __init__(
        self, store: Store, engine: Incidents, escalation: Escalation, people: People, clock, pagerduty
    ):
        self._store, self._engine, self._escalation, self._people = store, engine, escalation, people
        self._clock, self._pd = clock, pagerduty
        self._thread = engine.thread

    # --- root buttons (ack path) ------------------------------------------------------------
    def on_action(self, click: Click) -> Effects:
        """Acknowledge, Resolve, Escalate, Reassign to me: they change PagerDuty, so they need the role."""
        incident = self._incident(click.value)
        if incident is None:
            return Effects(reply="That incident is not known to the bot; nothing changed.")
        needed = self._thread.policy.action_role
        if not role_allows(click.role, needed):
            return Effects(
                reply=f"Changing an incident in PagerDuty needs the {needed} role "
                f"(yours: {click.role or 'none'}); nothing changed."
            )
        action = _ACTIONS[click.action_id]
        job = {
            "incident_id": incident.id,
            "action": action,
            "user": click.user,
            "channel": click.channel,
            "response_url": click.response_url,
            "verb": f"incident {action}",
            "text": f"#{incident.number}",
        }
        return Effects.of(
            NewJob(ACTION_JOB, job), reply=f"{_DOING[action]} #{incident.number} in PagerDuty as you…"
        )

    def on_note(self, click: Click) -> Effects:
        incident = self._incident(click.value)
        if incident is None:
            return Effects(reply="That incident is not known to the bot.")
        return Effects(
            reply=f"Add a note with `/llm incident note {incident.number} <text>`: it goes to PagerDuty "
            "and shows in this thread."
        )

    def _incident(self, value: str) -> Incident | None:
        return self._store.incident(value) if 0 < len(value) <= 64 else None

    # --- slash commands (ack path) ----------------------------------------------------------
    def on_list(self, asked: Asked) -> Effects:
        open_ = self._store.incidents()
        if not open_:
            return Effects(reply="No open incidents.")
        now = self._clock.time()
        rows = [
            f"• {card.title_mrkdwn(i)}: *{i.status}*, {card.duration(now - i.created_at)} old, "
            f"assigned to {escape(i.assignee or 'nobody')}"
            for i in sorted(open_, key=lambda i: (i.severity, i.created_at))
        ]
        return Effects(reply="*Open incidents*\n" + "\n".join(rows))

    def on_oncall(self, asked: Asked) -> Effects:
        return Effects.of(NewJob(ONCALL_JOB, asked.job), reply="⏳ Asking PagerDuty who is on call…")

    def on_report(self, asked: Asked) -> Effects:
        incident = self._by_number(asked)
        if incident is None:
            return self._unknown(asked)
        return Effects.of(
            NewJob(REPORT_JOB, {**asked.job, "incident_id": incident.id}),
            reply=f"⏳ Drafting the report for #{incident.number} into its thread…",
        )

    def on_note_command(self, asked: Asked) -> Effects:
        incident = self._by_number(asked)
        if incident is None:
            return self._unknown(asked)
        job = {**asked.job, "incident_id": incident.id, "action": "note", "note": asked.args["text"]}
        return Effects.of(NewJob(ACTION_JOB, job), reply=f"⏳ Adding your note to #{incident.number}…")

    def _by_number(self, asked: Asked) -> Incident | None:
        number = asked.args["number"]
        return self._store.incident_by_number(number) if number < 10**9 else None

    @staticmethod
    def _unknown(asked: Asked) -> Effects:
        return Effects(
            reply=f"⚠️ The bot knows no incident #{asked.args['number']}. "
            "`/llm incident list` shows the open ones."
        )

    # --- worker job "incident-action" -------------------------------------------------------
    def act(self, job) -> JobResult:
        """Do it in PagerDuty as the clicker, then say it in the thread (inside the job's commit)."""
        p = job.payload
        try:
            event = getattr(self, "_" + p["action"])(p, self._people.email_of(p["user"]))
        except IntegrationError as exc:
            return JobResult("unavailable", Effects.of(messages.ephemeral(p, unavailable(exc))), exc.message)
        return JobResult("ok", then=lambda: self._engine.apply(event) if event else Effects())

    def _event(self, p: dict, kind: str, **fields) -> IncidentEvent:
        return IncidentEvent(
            id=f"slack:{p['action']}:{self._clock.time()}",
            type=kind,
            occurred_at=self._clock.time(),
            agent=f"@{p['user']}",
            incident_id=p["incident_id"],
            **fields,
        )

    def _acknowledge(self, p: dict, email: str) -> IncidentEvent:
        self._pd.acknowledge(p["incident_id"], email)
        return self._event(p, "incident.acknowledged")

    def _resolve(self, p: dict, email: str) -> IncidentEvent:
        self._pd.resolve(p["incident_id"], email)
        return self._event(p, "incident.resolved")

    def _take(self, p: dict, email: str) -> IncidentEvent:
        updated = self._pd.reassign(p["incident_id"], email, email)
        return self._event(p, "incident.reassigned", assignees=[a.name for a in updated.assignees])

    def _escalate(self, p: dict, email: str) -> IncidentEvent | None:
        current = self._pd.current_level(p["incident_id"]) or 1
        updated = self._pd.escalate(p["incident_id"], current + 1, email)
        return self._event(p, "incident.escalated", assignees=[a.name for a in updated.assignees])

    def _note(self, p: dict, email: str) -> IncidentEvent:
        note = self._pd.add_note(p["incident_id"], p["note"], email)
        return self._event(p, "incident.annotated", note_id=note.id, note=note.content)
