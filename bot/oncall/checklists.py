"""Response checklists: people tick checkboxes (each click applies the clicker's own change, this item
on or off, as a compare-and-set, with who and when), the bot ticks what it can observe (acknowledged,
posted, resolved, report), items with a command run it into the thread, a ticked "monitor for N
minutes" reports error rate and p95 when its timer fires, and an unfinished report is chased."""

from __future__ import annotations

from typing import Callable

from bot.interactions import Click
from bot.oncall.thread import Thread, root_key
from bot.rbac import role_allows
from bot.state import CancelTimer, Effects, Incident, JobResult, NewJob, SetTimer, Store, Write
from bot.state import incidents as rows
from bot.state.incidents import Tick, TimelineEntry
from commands.blockkit import actor, code, when
from commands.incident_report import window_line
from commands.spec import CommandSpec

MONITOR, MONITOR_JOB = "incident.monitor", "incident-monitor"
REMIND = "incident.report_reminder"
SCALE_JOB = "incident-scale"
BOT = "llmbot"


class Checklists:
    def __init__(self, store: Store, thread: Thread, clock, deps, find: Callable[[str], CommandSpec | None]):
        self._store, self._thread, self._clock, self._deps, self._find = store, thread, clock, deps, find

    @property
    def role(self) -> str:
        return self._thread.policy.checklist_role

    # --- observed by the bot ----------------------------------------------------------------
    def observed(self, incident: Incident, kind: str, ticks: dict[int, Tick], who: str = "") -> Effects:
        """Tick the items that watch for `kind`; `ticks` is updated to what the checklist shows after."""
        now, fx = self._clock.time(), Effects()
        for i, item in enumerate(self._thread.items(incident)):
            if item.observes == kind and i not in ticks:
                ticks[i] = Tick(idx=i, ticked_by=who or BOT, ticked_at=now)
                fx += Effects.of(
                    rows.tick(incident.id, i, who or BOT, now),
                    self._record(incident.id, f"Ticked automatically: {item.text}", who or BOT),
                )
        return fx

    # --- clicks (ack path, inside one transaction) ------------------------------------------
    def on_tick(self, click: Click) -> Effects:
        if not role_allows(click.role, self.role):
            return Effects(
                reply=f"Ticking the checklist needs the {self.role} role (yours: {click.role or 'none'}); "
                "nothing changed."
            )
        parsed = [_item_ref(v) for v in {*click.selected, *click.ticked_before}]
        if not parsed or any(p is None for p in parsed) or len({p[0] for p in parsed}) != 1:
            return Effects(reply="That checklist click names no item the bot knows; nothing changed.")
        incident = self._store.incident(parsed[0][0])
        items = self._thread.items(incident) if incident else []
        if incident is None or any(idx >= len(items) for _, idx in parsed):
            return Effects(
                reply="That checklist belongs to an item or incident the bot does not know; nothing changed."
            )
        return self._apply(incident, _indexes(click.selected), _indexes(click.ticked_before), click.user)

    def _apply(self, incident: Incident, now_on: set[int], was_on: set[int], user: str) -> Effects:
        """Only what this person changed on the message they saw; others' ticks since stay as they are."""
        ticks, items, fx = self._store.ticks(incident.id), self._thread.items(incident), Effects()
        for i in sorted(now_on - was_on - set(ticks)):
            ticks[i] = Tick(idx=i, ticked_by=f"@{user}", ticked_at=self._clock.time())
            fx += Effects.of(
                rows.tick(incident.id, i, f"@{user}", self._clock.time()),
                self._record(incident.id, f"Ticked: {items[i].text}", f"@{user}"),
            )
            if items[i].monitor_minutes:
                fx += self._start_monitor(incident, i, items[i].monitor_minutes)
        for i in sorted((was_on - now_on) & set(ticks)):
            del ticks[i]
            fx += Effects.of(
                rows.untick(incident.id, i),
                self._record(incident.id, f"Unticked: {items[i].text}", f"@{user}"),
            )
        return fx + Effects.of(self._thread.checklist_update(incident, ticks))  # also refreshes a stale view

    def on_run(self, click: Click) -> Effects:
        ref = _item_ref(click.value)
        incident = self._store.incident(ref[0]) if ref else None
        if incident is None or ref[1] >= len(self._thread.items(incident)):
            return Effects(
                reply="That button belongs to an incident the bot no longer knows; nothing changed."
            )
        item = self._thread.items(incident)[ref[1]]
        if item.command == "scale":
            if not role_allows(click.role, "operator"):
                return Effects(
                    reply=f"Asking to scale needs the operator role (yours: {click.role or 'none'}); "
                    "nothing changed."
                )
            job = {
                "incident_id": incident.id,
                "user": click.user,
                "channel": click.channel,
                "response_url": click.response_url,
            }
            return Effects.of(
                NewJob(SCALE_JOB, job),
                reply=f"Preparing a scale request for {self._thread.policy.scale_deployment}…",
            )
        spec = self._find(item.command or "")
        if spec is None or spec.changes or not role_allows(click.role, spec.role):
            return Effects(
                reply=f"{code('/llm ' + (item.command or ''))} cannot run from this button for you; type it instead."
            )
        return self._run(incident, ref[1], spec, click)

    def _run(self, incident: Incident, idx: int, spec: CommandSpec, click: Click) -> Effects:
        ticks, item = self._store.ticks(incident.id), self._thread.items(incident)[idx]
        fx = Effects()
        if idx not in ticks:
            ticks[idx] = Tick(idx=idx, ticked_by=f"@{click.user}", ticked_at=self._clock.time())
            fx += Effects.of(
                rows.tick(incident.id, idx, f"@{click.user}", self._clock.time()),
                self._thread.checklist_update(incident, ticks),
            )
        job = {
            **click.as_job(spec.name, item.command),
            "args": {},
            "channel": self._thread.channel,
            "thread_key": root_key(incident.id),
        }
        return fx + Effects.of(
            self._record(incident.id, f"Ran /llm {item.command} ({item.text})", f"@{click.user}"),
            NewJob("command", job),
            reply=f"Running {code('/llm ' + item.command)} into the incident thread…",
        )

    # --- monitoring windows -----------------------------------------------------------------
    def _start_monitor(self, incident: Incident, idx: int, minutes: float) -> Effects:
        due = self._clock.time() + minutes * 60
        line = f"⏱️ Monitoring for {minutes:g} min: error rate and p95 latency follow here at {when(due)}."
        return Effects.of(
            SetTimer(MONITOR, f"{incident.id}:{idx}", due, {"minutes": minutes}),
            self._thread.reply(incident.id, line),
        )

    def on_monitor_due(self, timer, late: float) -> Effects:
        incident_id, idx = timer.key.rsplit(":", 1)
        payload = {"incident_id": incident_id, "idx": int(idx), "minutes": timer.payload.get("minutes", 0)}
        return Effects.of(NewJob(MONITOR_JOB, payload))

    def monitor_report(self, job) -> JobResult:
        """Worker job "incident-monitor": the numbers at the end of the window, into the thread."""
        p = job.payload
        line = f"📈 Monitoring window of {p['minutes']:g} min ended: " + window_line(self._deps)
        return JobResult(
            "ok",
            Effects.of(
                self._thread.reply(p["incident_id"], line),
                self._record(p["incident_id"], f"Monitoring window of {p['minutes']:g} min ended", BOT),
            ),
        )

    # --- the report -------------------------------------------------------------------------
    def reminder(self, incident: Incident) -> SetTimer:
        hours = self._thread.policy.report_reminder_hours
        return SetTimer(
            REMIND, f"{incident.id}:report", (incident.resolved_at or self._clock.time()) + hours * 3600
        )

    def on_report_done(self, click: Click) -> Effects:
        if not role_allows(click.role, self.role):
            return Effects(
                reply=f"Marking the report done needs the {self.role} role (yours: {click.role or 'none'}); "
                "nothing changed."
            )
        incident = self._store.incident(click.value)
        if incident is None:
            return Effects(reply="That incident is not known to the bot.")
        if incident.report_done:
            return Effects(reply="The report is already marked done.")
        ticks = self._store.ticks(incident.id)
        done = incident.model_copy(update={"report_done": 1})
        return (
            Effects.of(
                Write(
                    "UPDATE incidents SET report_done=1 WHERE id=? AND report_done=0",
                    (incident.id,),
                    what="report done",
                ),
                CancelTimer(REMIND, f"{incident.id}:report"),
                self._record(incident.id, "Report marked done", f"@{click.user}"),
                self._thread.reply(incident.id, f"📄 Report marked done by {actor('@' + click.user)}."),
            )
            + self.observed(done, "report", ticks, f"@{click.user}")
            + Effects.of(self._thread.checklist_update(done, ticks))
        )

    def on_remind(self, timer, late: float) -> Effects:
        incident = self._store.incident(timer.key.rsplit(":", 1)[0])
        if incident is None or incident.report_done or incident.status != "resolved":
            return Effects()
        who = (
            actor(incident.acknowledged_by or incident.resolved_by)
            if (incident.acknowledged_by or incident.resolved_by)
            else "responders"
        )
        hours = self._thread.policy.report_reminder_hours
        return Effects.of(
            self._thread.reply(
                incident.id,
                f"⏰ {who}: {hours:g} h since this was resolved and the incident "
                "report is not marked done. Finish the draft above and click "
                "*Mark report done*.",
            )
        )

    def _record(self, incident_id: str, text: str, who: str) -> Write:
        return rows.timeline(
            incident_id, TimelineEntry(at=self._clock.time(), kind="checklist", text=text, who=who)
        )


def _item_ref(value: str) -> tuple[str, int] | None:
    """ "<incident id>|<index>" from a checkbox or button value; None for anything else."""
    incident_id, sep, idx = value.partition("|")
    if (
        not sep
        or not incident_id
        or len(incident_id) > 64
        or not (idx.isascii() and idx.isdigit())
        or len(idx) > 3
    ):
        return None
    return incident_id, int(idx)


def _indexes(values) -> set[int]:
    return {ref[1] for v in values if (ref := _item_ref(v)) is not None}
