"""Response checklists: people tick checkboxes (each click applies the clicker's own change, this item
on or off, as a compare-and-set, with who and when), the bot ticks what it can observe (acknowledged,
posted, resolved, report), items with a command run it into the thread, and ticking a "monitor for N
minutes" item starts its monitoring window (bot/oncall/monitoring.py)."""

from __future__ import annotations

from typing import Callable

from bot.interactions import Click
from bot.oncall.monitoring import Monitoring
from bot.oncall.thread import Thread, root_key
from bot.rbac import role_allows
from bot.state import Effects, Incident, NewJob, Store, Write
from bot.state import incidents as rows
from bot.state.incidents import Tick, TimelineEntry
from commands.blockkit import code
from commands.spec import CommandSpec

SCALE_JOB = "incident-scale"
BOT = "llmbot"


class Checklists:
    def __init__(
        self,
        store: Store,
        thread: Thread,
        clock,
        monitoring: Monitoring,
        find: Callable[[str], CommandSpec | None],
    ):
        self._store, self._thread, self._clock, self._find = store, thread, clock, find
        self._monitoring = monitoring

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
                fx += self._monitoring.start(incident, i, items[i].monitor_minutes)
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
                reply=f"{code('/llm ' + (item.command or ''))} cannot run from this button for you; "
                "type it instead."
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


def record(clock, incident_id: str, text: str, who: str) -> Write:
    """A checklist line in the incident's timeline (the report draft reads it)."""
    return rows.timeline(incident_id, TimelineEntry(at=clock.time(), kind="checklist", text=text, who=who))
