"""Response checklists: people tick checkboxes (every tick and untick recorded with who and when),
the bot ticks what it can observe (acknowledged, posted, resolved, report), items with a command
run it into the thread, and a ticked "monitor for N minutes" posts error rate and p95 when its
timer fires. Clicks only write rows and submit jobs: nothing here waits on a backend."""

from __future__ import annotations

from typing import Callable

from bot import incident_card
from bot.incident_thread import IncidentThread, root_key
from bot.registry import find, role_allows
from bot.state import JobResult, Store
from bot.state.incidents import TimelineEntry
from commands.incident_report import window_line

MONITOR = "incident.monitor"
REMIND = "incident.report_reminder"
BOT = "llmbot"


class Checklists:
    def __init__(
        self, store: Store, thread: IncidentThread, clock, submit: Callable[[str, dict], int], rbac, deps=None
    ):
        self._store, self._thread, self._clock, self._submit, self._rbac = store, thread, clock, submit, rbac
        self._deps = deps

    # --- observed by the bot ----------------------------------------------------------------
    def observed(self, incident_id: str, kind: str, who: str = "") -> None:
        incident = self._store.incident(incident_id)
        items = self._thread.items(incident)
        ticked = [
            i
            for i, item in enumerate(items)
            if item.observes == kind and self._store.tick(incident_id, i, who or BOT, self._clock.time())
        ]
        for i in ticked:
            self._record(incident_id, f"Ticked automatically: {items[i].text}", who or BOT)
        if ticked:
            self._thread.update_checklist(incident_id)

    # --- clicks (ack path) ------------------------------------------------------------------
    def on_click(self, click) -> str:
        if self._rbac.role_of(click.user) is None:
            return "You have no role in llmbot; ask a platform admin to add you under `rbac`."
        if click.action_id == incident_card.RUN:
            return self._run(click)
        incident_id = self._incident_of(click)
        incident = incident_id and self._store.incident(incident_id)
        if not incident:
            return "That checklist belongs to an incident the bot no longer knows."
        return self._ticked(incident, {int(v.split("|")[1]) for v in click.selected}, click.user)

    def _incident_of(self, click) -> str:
        if click.selected:
            return click.selected[0].split("|")[0]
        key = self._store.message_key(click.channel, click.message_ts or "")
        return key.split(":")[1] if key and key.startswith("incident:") else ""

    def _ticked(self, incident, selected: set[int], user: str) -> str:
        items, now = self._thread.items(incident), self._clock.time()
        before = set(self._store.ticks(incident.id))
        for i in sorted(selected - before):
            if self._store.tick(incident.id, i, user, now):
                self._record(incident.id, f"Ticked: {items[i].text}", f"<@{user}>")
                if items[i].monitor_minutes:
                    self._start_monitor(incident, i, items[i].monitor_minutes)
        for i in sorted(before - selected):
            if self._store.untick(incident.id, i):
                self._record(incident.id, f"Unticked: {items[i].text}", f"<@{user}>")
        self._thread.update_checklist(incident.id)
        return ""

    def _run(self, click) -> str:
        incident_id, _, idx = click.value.partition("|")
        incident = self._store.incident(incident_id)
        if incident is None or not idx.isdigit() or int(idx) >= len(self._thread.items(incident)):
            return "That button belongs to an incident the bot no longer knows."
        item = self._thread.items(incident)[int(idx)]
        if item.command == "scale":
            self._submit(
                "incident-scale",
                {
                    "incident_id": incident_id,
                    "user": click.user,
                    "channel": click.channel,
                    "response_url": click.response_url,
                },
            )
            return f"Preparing a scale request for {self._thread.policy.scale_deployment}…"
        spec = find(item.command or "")
        if spec is None or spec.changes or not role_allows(self._rbac.role_of(click.user), spec.role):
            return f"`/llm {item.command}` cannot run from this button for you; type it instead."
        self._store.tick(incident_id, int(idx), click.user, self._clock.time())
        self._record(incident_id, f"Ran /llm {item.command} ({item.text})", f"<@{click.user}>")
        self._thread.update_checklist(incident_id)
        self._submit(
            "command",
            {
                "user": click.user,
                "channel": self._thread.channel,
                "verb": spec.name,
                "args": {},
                "text": item.command,
                "response_url": click.response_url,
                "request_id": "",
                "thread_key": root_key(incident_id),
            },
        )
        return f"Running `/llm {item.command}` into the incident thread…"

    # --- monitoring windows -----------------------------------------------------------------
    def _start_monitor(self, incident, idx: int, minutes: float) -> None:
        due = self._clock.time() + minutes * 60
        self._store.reschedule(MONITOR, f"{incident.id}:{idx}", due, self._clock.time(), {"minutes": minutes})
        self._thread.reply(
            incident.id,
            f"⏱️ Monitoring for {minutes:g} min: error rate and p95 latency follow "
            f"here at {incident_card.when(due)}.",
        )

    def monitor_due(self, timer, late: float) -> None:
        incident_id, idx = timer.key.rsplit(":", 1)
        self._submit(
            "incident-monitor",
            {"incident_id": incident_id, "idx": int(idx), "minutes": timer.payload.get("minutes", 0)},
        )

    def monitor_report(self, job) -> JobResult:
        """Worker job "incident-monitor": the numbers at the end of the window, into the thread."""
        p = job.payload
        self._thread.reply(
            p["incident_id"],
            f"📈 Monitoring window of {p['minutes']:g} min ended: " + window_line(self._deps),
        )
        self._record(p["incident_id"], f"Monitoring window of {p['minutes']:g} min ended", BOT)
        return JobResult("ok")

    # --- the report reminder ----------------------------------------------------------------
    def resolved(self, incident) -> None:
        hours = self._thread.policy.report_reminder_hours
        self._store.reschedule(
            REMIND, f"{incident.id}:report", incident.resolved_at + hours * 3600, self._clock.time()
        )

    def report_done(self, incident_id: str, user: str) -> str:
        if not self._store.update_incident(incident_id, report_done=1):
            return "The report is already marked done."
        self._store.cancel_timer(REMIND, f"{incident_id}:report")
        self._record(incident_id, "Report marked done", f"<@{user}>")
        self.observed(incident_id, "report", user)
        self._thread.reply(incident_id, f"📄 Report marked done by <@{user}>.")
        return ""

    def remind(self, timer, late: float) -> None:
        incident = self._store.incident(timer.key.rsplit(":", 1)[0])
        if incident is None or incident.report_done or incident.status != "resolved":
            return
        who = incident.acknowledged_by or incident.resolved_by or "responders"
        hours = self._thread.policy.report_reminder_hours
        self._thread.reply(
            incident.id,
            f"⏰ {who}: {hours:g} h since this was resolved and the incident report is "
            "not marked done. Finish the draft above and click *Mark report done*.",
        )

    def _record(self, incident_id: str, text: str, who: str) -> None:
        self._store.add_timeline(
            incident_id, TimelineEntry(at=self._clock.time(), kind="checklist", text=text, who=who)
        )
