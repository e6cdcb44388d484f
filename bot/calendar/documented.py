"""The Wednesday report's side of the incident checklists: an incident listed in the posted report gets
its "Document in the weekly report" item (observes `weekly`) ticked by the bot, with a timeline line and
its checklist message edited, as the on-call engine ticks what it observes. Runs inside the review
job's closing transaction, so it ticks exactly the incidents the report it commits lists."""

from __future__ import annotations

from bot.oncall.thread import Thread
from bot.state import Effects, Store
from bot.state import incidents as rows
from bot.state.incidents import Tick, TimelineEntry

BOT = "llmbot"
ALL = ("triggered", "acknowledged", "resolved")


def tick_documented(store: Store, thread: Thread, numbers: set[int], since: float, now: float) -> Effects:
    fx = Effects()
    for incident in store.incidents(ALL, since=since):
        if incident.number not in numbers:
            continue
        ticks, items = store.ticks(incident.id), thread.items(incident)
        new = [i for i, item in enumerate(items) if item.observes == "weekly" and i not in ticks]
        for i in new:
            ticks[i] = Tick(idx=i, ticked_by=BOT, ticked_at=now)
            entry = TimelineEntry(
                at=now, kind="checklist", text=f"Ticked automatically: {items[i].text}", who=BOT
            )
            fx += Effects.of(rows.tick(incident.id, i, BOT, now), rows.timeline(incident.id, entry))
        if new:
            fx += Effects.of(thread.checklist_update(incident, ticks))
    return fx
