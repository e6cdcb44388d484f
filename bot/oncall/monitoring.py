"""A ticked "monitor for N minutes" item: a timer for the end of the window, then a worker job that
reads error rate and p95 from Prometheus and posts them into the incident's thread."""

from __future__ import annotations

from bot.oncall.thread import Thread
from bot.state import Effects, Incident, JobResult, NewJob, SetTimer
from bot.state import incidents as rows
from bot.state.incidents import TimelineEntry
from commands.blockkit import when
from commands.incident_report import window_line

MONITOR, MONITOR_JOB = "incident.monitor", "incident-monitor"


class Monitoring:
    def __init__(self, thread: Thread, clock, deps):
        self._thread, self._clock, self._deps = thread, clock, deps

    def start(self, incident: Incident, idx: int, minutes: float) -> Effects:
        due = self._clock.time() + minutes * 60
        line = f"⏱️ Monitoring for {minutes:g} min: error rate and p95 latency follow here at {when(due)}."
        return Effects.of(
            SetTimer(MONITOR, f"{incident.id}:{idx}", due, {"minutes": minutes}),
            self._thread.reply(incident.id, line),
        )

    def on_due(self, timer, late: float) -> Effects:
        incident_id, idx = timer.key.rsplit(":", 1)
        payload = {"incident_id": incident_id, "idx": int(idx), "minutes": timer.payload.get("minutes", 0)}
        return Effects.of(NewJob(MONITOR_JOB, payload))

    def report(self, job) -> JobResult:
        """Worker job "incident-monitor": the numbers at the end of the window, into the thread."""
        p, minutes = job.payload, job.payload["minutes"]
        line = f"📈 Monitoring window of {minutes:g} min ended: " + window_line(self._deps)
        ended = f"Monitoring window of {minutes:g} min ended"
        entry = TimelineEntry(at=self._clock.time(), kind="checklist", text=ended, who="llmbot")
        return JobResult(
            "ok",
            Effects.of(self._thread.reply(p["incident_id"], line), rows.timeline(p["incident_id"], entry)),
        )
