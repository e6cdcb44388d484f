"""The incident report after resolve: a reminder 24 h later (by default) if it is not marked done, and
the "Mark report done" button, which ticks the checklist's report item and stops the reminder."""

from __future__ import annotations

from bot.interactions import Click
from bot.oncall.checklists import Checklists, record
from bot.oncall.thread import Thread
from bot.rbac import role_allows
from bot.state import CancelTimer, Effects, Incident, SetTimer, Store, Write
from commands.blockkit import actor

REMIND = "incident.report_reminder"


class ReportChase:
    def __init__(self, store: Store, thread: Thread, checklists: Checklists, clock):
        self._store, self._thread, self._checklists, self._clock = store, thread, checklists, clock

    def reminder(self, incident: Incident) -> SetTimer:
        due = (incident.resolved_at or self._clock.time()) + self._thread.policy.report_reminder_hours * 3600
        return SetTimer(REMIND, f"{incident.id}:report", due)

    def on_done(self, click: Click) -> Effects:
        role = self._checklists.role
        if not role_allows(click.role, role):
            yours = click.role or "none"
            return Effects(
                reply=f"Marking the report done needs the {role} role (yours: {yours}); nothing changed."
            )
        incident = self._store.incident(click.value)
        if incident is None:
            return Effects(reply="That incident is not known to the bot.")
        if incident.report_done:
            return Effects(reply="The report is already marked done.")
        ticks, done = self._store.ticks(incident.id), incident.model_copy(update={"report_done": 1})
        marked = Write(
            "UPDATE incidents SET report_done=1 WHERE id=? AND report_done=0",
            (incident.id,),
            what="report done",
        )
        return (
            Effects.of(
                marked,
                CancelTimer(REMIND, f"{incident.id}:report"),
                record(self._clock, incident.id, "Report marked done", f"@{click.user}"),
                self._thread.reply(incident.id, f"📄 Report marked done by {actor('@' + click.user)}."),
            )
            + self._checklists.observed(done, "report", ticks, f"@{click.user}")
            + Effects.of(self._thread.checklist_update(done, ticks))
        )

    def on_remind(self, timer, late: float) -> Effects:
        incident = self._store.incident(timer.key.rsplit(":", 1)[0])
        if incident is None or incident.report_done or incident.status != "resolved":
            return Effects()
        someone = incident.acknowledged_by or incident.resolved_by
        hours = self._thread.policy.report_reminder_hours
        who = actor(someone) if someone else "responders"
        line = (
            f"⏰ {who}: {hours:g} h since this was resolved and the incident report is not marked done. "
            "Finish the draft above and click *Mark report done*."
        )
        return Effects.of(self._thread.reply(incident.id, line))
