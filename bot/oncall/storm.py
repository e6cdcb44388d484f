"""Incident storms: when more incidents than `oncall.storm_threshold` open within a minute, one
"incident storm" message leads the channel's queue, listing every incident of the storm with its
PagerDuty link and updated in place as more arrive, while their own roots follow as Slack's pace
allows (P0/P1 first). The storm ends after five quiet minutes."""

from __future__ import annotations

from bot import messages
from bot.oncall import card
from bot.oncall.thread import URGENT, Thread, root_key
from bot.state import Effects, Incident, Store, Write
from bot.state import incidents as rows
from bot.state.outbox import DETAIL, PAGE
from commands.blockkit import escape, link

WINDOW_SECONDS = 60.0
QUIET_SECONDS = 300.0
SHOWN = 40  # lines in the digest; the rest are counted
_RANK = {"P0": 0, "P1": 1, "P2": 2, "P3": 3}


class Storm:
    def __init__(self, store: Store, thread: Thread, threshold: int):
        self._store, self._thread, self._threshold = store, thread, threshold

    def raging(self, now: float) -> bool:
        """True when the incident opening now is one more than the threshold within a minute."""
        return self._store.opened_count_since(now - WINDOW_SECONDS) >= self._threshold

    def opened(self, incident: Incident, now: float) -> Effects:
        if not self.raging(now):  # a count on an index: every incident of a storm asks
            return Effects()
        current = self._store.storm(now - QUIET_SECONDS)
        members = [*self._store.opened_since(current["started_at"] if current else now - WINDOW_SECONDS)]
        started = current["started_at"] if current else members[0].opened_at
        key = current["key"] if current else f"storm:{int(started)}"
        members.append(incident)
        text, blocks = digest(members)
        say = _update if current else _post
        pointer = pointer_text(members, self._thread.channel)  # #llm-platform gets one line, not one per P0
        return Effects.of(
            rows.storm(key, started, now),
            say(self._thread.channel, key, text, blocks),
            say(self._thread.platform, f"{key}:platform", pointer, None) if _urgent(members) else None,
        ) + (Effects() if current else _reorder(members))


def _reorder(members: list[Incident]) -> Effects:
    """The storm just began: the incidents opened before it was one queued as usual. Their P2/P3 roots
    now wait behind P0/P1 ones, and their unsent P0 pointers in #llm-platform give way to the storm's line."""
    later = [root_key(i.id) for i in members if i.severity not in URGENT]
    pointers = [f"incident:{i.id}:announce" for i in members if i.severity == "P0"]
    return Effects.of(
        _where("UPDATE outbox SET priority=?", (DETAIL,), later, "later roots wait"),
        _where(
            "UPDATE outbox SET state='superseded', error='the storm line stands in'", (), pointers, "pointers"
        ),
    )


def _where(update: str, params: tuple, keys: list[str], what: str) -> Write | None:
    if not keys:
        return None
    marks = ",".join("?" * len(keys))
    return Write(
        f"{update} WHERE state='pending' AND method='chat.postMessage' AND msg_key IN ({marks})",
        (*params, *keys),
        expect=None,
        what=f"storm: {what}",
    )


def _post(channel: str, key: str, text: str, blocks: list[dict] | None):
    return messages.post(channel, text, blocks, key=key, priority=PAGE)


def _update(channel: str, key: str, text: str, blocks: list[dict] | None):
    return messages.update(channel, key, text, blocks, priority=PAGE)


def _urgent(members: list[Incident]) -> bool:
    return any(i.severity == "P0" for i in members)


def pointer_text(members: list[Incident], channel: str) -> str:
    p0 = sum(i.severity == "P0" for i in members)
    return (
        f"🌩️ Incident storm: {len(members)} incidents, {p0} of them P0. "
        f"Follow them in <#{channel}>; the digest there lists them all."
    )


def digest(members: list[Incident]) -> tuple[str, list[dict]]:
    ordered = sorted(members, key=lambda i: (_RANK.get(i.severity, 9), i.opened_at))
    lines = [
        f"• {escape(card.title(i))} ({link(i.html_url, 'PagerDuty') if i.html_url else i.status})"
        for i in ordered[:SHOWN]
    ]
    if len(ordered) > SHOWN:
        lines.append(f"…and {len(ordered) - SHOWN} more")
    counts = ", ".join(
        f"{sum(i.severity == s for i in members)} {s}" for s in _RANK if any(i.severity == s for i in members)
    )
    head = (
        f"🌩️ *Incident storm*: {len(members)} incidents opened ({counts}). Their threads follow, P0/P1 first."
    )
    text = f"🌩️ Incident storm: {len(members)} incidents opened ({counts})"
    return text, [
        {"type": "section", "text": {"type": "mrkdwn", "text": (head + "\n" + "\n".join(lines))[:2900]}}
    ]
