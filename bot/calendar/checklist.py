"""A review's action items as checkboxes in the review's thread (the monthly cost review's, the security
audit's, the runbook review's update process): each click applies the clicker's own change, this item
on or off, as a compare-and-set with who and when, and leaves an audit row, as an incident's checklist
does. Ticks are rows of the checklist-ticks family keyed by the review's post key, `review:<name>:<due>`,
which no PagerDuty incident id can equal."""

from __future__ import annotations

from typing import Callable

from bot import messages
from bot.interactions import Click
from bot.rbac import role_allows
from bot.state import Effects, Post, Store
from bot.state import incidents as rows
from bot.state.incidents import Tick
from bot.state.outbox import BULK
from commands.blockkit import checklist, escape

TICK = "review:tick"  # checkboxes; each option's value is "<review post key>|<item index>"
MAX_VALUE = 150  # Slack's limit for an option's value

Items = tuple[str, tuple[str, ...]]  # the checklist's title and its items


def checklist_key(review_key: str) -> str:
    return f"{review_key}:checklist"


def render(
    review_key: str, title: str, items: tuple[str, ...], ticks: dict[int, Tick]
) -> tuple[str, list[dict]]:
    blocks = checklist(
        f"*{escape(title)}*", list(items), review_key, ticks, TICK, f"review-checklist-{review_key}"
    )
    done = sum(1 for i in ticks if i < len(items))
    return f"{title} ({done}/{len(items)} done)", blocks


def item_ref(value: str) -> tuple[str, int] | None:
    """ "<review key>|<index>" from a checkbox value; None for anything else."""
    key, sep, idx = value.rpartition("|")
    if not sep or not key.startswith("review:") or len(value) > MAX_VALUE:
        return None
    if not (idx.isascii() and idx.isdigit()) or len(idx) > 2:
        return None
    return key, int(idx)


class ReviewChecklists:
    def __init__(self, store: Store, channel: str, clock, role: str, items_of: Callable[[str], Items | None]):
        self._store, self._channel, self._clock, self._role = store, channel, clock, role
        self._items_of = items_of  # review key -> the checklist it carries, None when it carries none

    def post(self, review_key: str) -> Post | None:
        """The checklist as a reply in the review's thread, nothing ticked."""
        found = self._items_of(review_key)
        if found is None:
            return None
        text, blocks = render(review_key, *found, {})
        key = checklist_key(review_key)
        return messages.post(self._channel, text, blocks, key=key, thread_key=review_key, priority=BULK)

    def on_tick(self, click: Click) -> Effects:
        if not role_allows(click.role, self._role):
            return Effects(
                reply=f"Ticking a review's action items needs the {self._role} role "
                f"(yours: {click.role or 'none'}); nothing changed."
            )
        parsed = [item_ref(v) for v in {*click.selected, *click.ticked_before}]
        if not parsed or any(p is None for p in parsed) or len({p[0] for p in parsed}) != 1:
            return Effects(reply="That checklist click names no item the bot knows; nothing changed.")
        key = parsed[0][0]
        found = self._items_of(key)
        if found is None or any(idx >= len(found[1]) for _, idx in parsed):
            return Effects(
                reply="That checklist belongs to a review the bot no longer knows; nothing changed."
            )
        now_on, was_on = _indexes(click.selected), _indexes(click.ticked_before)
        return self._apply(key, found, now_on, was_on, click)

    def _apply(self, key: str, found: Items, now_on: set[int], was_on: set[int], click: Click) -> Effects:
        """Only what this person changed on the message they saw; others' ticks since stay as they are."""
        (title, items), now = found, self._clock.time()
        ticks, fx = self._store.ticks(key), Effects()
        for i in sorted(now_on - was_on - set(ticks)):
            ticks[i] = Tick(idx=i, ticked_by=f"@{click.user}", ticked_at=now)
            fx += Effects.of(
                rows.tick(key, i, f"@{click.user}", now), self._audit(click, title, items[i], "ticked")
            )
        for i in sorted((was_on - now_on) & set(ticks)):
            del ticks[i]
            fx += Effects.of(rows.untick(key, i), self._audit(click, title, items[i], "unticked"))
        text, blocks = render(key, title, items, ticks)  # also refreshes a stale view
        return fx + Effects.of(messages.update(self._channel, checklist_key(key), text, blocks))

    def _audit(self, click: Click, title: str, item: str, outcome: str):
        job = {
            "user": click.user,
            "verb": "review checklist",
            "text": f"{title}: {item}",
            "channel": click.channel,
        }
        return messages.audit_entry(self._clock.now(), job, outcome)


def _indexes(values) -> set[int]:
    return {ref[1] for v in values if (ref := item_ref(v)) is not None}
