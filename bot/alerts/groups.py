"""The alert-group engine: applies stored notifications to their group in arrival order, keeps one
message per group firing episode in the alerts channel (posted once, then edited in place as alerts
resolve or join), puts one line in the platform channel when a critical group starts firing, and
records silences put on a group so its message shows them until they end."""

from __future__ import annotations

from typing import Callable

from bot import messages
from bot.alerts import card
from bot.alerts.payload import Notification, parse, stored
from bot.state import CancelTimer, Effects, JobResult, SetTimer, Store
from bot.state import alerts as rows
from bot.state.alerts import AlertGroup
from bot.state.outbox import ANSWER, DETAIL, PAGE

SILENCE_ENDS = "alert.silence_ends"


def fold(group: AlertGroup | None, note: Notification, group_id: str) -> AlertGroup:
    """`group` after Alertmanager's notification `note`: a group that had resolved and fires again
    starts a new episode; a late re-send of a firing that has since resolved changes nothing."""
    before = {a["fingerprint"]: a for a in group.alerts} if group else {}

    def late(alert) -> bool:
        old = before.get(alert.fingerprint)
        return bool(old and old["status"] == "resolved" and alert.status == "firing") and (
            old["startsAt"] == alert.starts_at
        )

    fresh = [a for a in note.alerts if not late(a)]
    again = group is None or (group.state == "resolved" and any(a.status == "firing" for a in fresh))
    alerts = {} if again else dict(before)
    alerts.update({a.fingerprint: stored(a) for a in fresh})
    base = group or AlertGroup(id=group_id, group_key=note.group_key)
    return base.model_copy(
        update={
            "alerts": list(alerts.values()),
            "state": "firing" if any(a["status"] == "firing" for a in alerts.values()) else "resolved",
            "episode": base.episode + (1 if again else 0),
            "common_labels": note.common_labels or note.group_labels or base.common_labels,
            "external_url": note.external_url or base.external_url,
        }
    )


def message_key(group: AlertGroup) -> str:
    return f"alert:{group.id}:{group.episode}"


class AlertGroups:
    def __init__(
        self,
        store: Store,
        channel: str,
        platform_channel: str,
        grafana: str,
        window_end: Callable[[float], float | None],
        clock,
    ):
        self._store, self.channel, self._platform, self._grafana = store, channel, platform_channel, grafana
        self._window_end, self._clock = window_end, clock

    # --- worker job "alert-apply" --------------------------------------------------------------
    def on_job(self, job) -> JobResult:
        return JobResult("ok", then=lambda: self.apply_pending(job.payload["group"]))

    def apply_pending(self, group_id: str) -> Effects:
        """Every stored notification of the group not applied yet, oldest first, in one step."""
        events = self._store.pending_alert_events(group_id)
        if not events:
            return Effects()
        before = self._store.alert_group(group_id)
        group = before
        for event in events:
            group = fold(group, parse(event.body.encode()), group_id)
        fx = Effects.of(*[rows.applied(e.id) for e in events])
        return fx + self._show(before, group)

    def _show(self, before: AlertGroup | None, group: AlertGroup) -> Effects:
        now = self._clock.time()
        critical = group.state == "firing" and card.severity(group) == "critical"
        line = critical and group.critical_episode != group.episode
        if line:
            group = group.model_copy(update={"critical_episode": group.episode})
        fx = Effects.of(rows.put_group(group, before.version if before else None, now))
        if before is None or before.episode != group.episode:
            priority = PAGE if critical else ANSWER if group.state == "firing" else DETAIL
            text, blocks = self.render(group, now)
            fx += Effects.of(
                messages.post(self.channel, text, blocks, key=message_key(group), priority=priority)
            )
        else:
            fx += Effects.of(self.edit(group, now))
        if line:
            text, blocks = card.critical_line(group, self.channel)
            key = f"{message_key(group)}:critical"
            fx += Effects.of(messages.post(self._platform, text, blocks, key=key, priority=PAGE))
        return fx

    def render(self, group: AlertGroup, now: float) -> tuple[str, list[dict]]:
        return card.message(group, self._grafana, now, self._window_end(now))

    def edit(self, group: AlertGroup, now: float):
        text, blocks = self.render(group, now)
        return messages.update(self.channel, message_key(group), text, blocks, priority=DETAIL)

    # --- silences ------------------------------------------------------------------------------
    def silenced(self, group_id: str, silence_id: str, by: str, until: float) -> Effects:
        """Alertmanager holds the silence now: record it, show it, and take it off the message at its end."""
        group = self._store.alert_group(group_id)
        if group is None:
            return Effects()
        shown = group.model_copy(
            update={"silence_id": silence_id, "silenced_by": by, "silenced_until": until}
        )
        return Effects.of(
            rows.silenced(group_id, silence_id, by, until),
            SetTimer(SILENCE_ENDS, group_id, until),
            self.edit(shown, self._clock.time()),
        )

    def unsilenced(self, group_id: str, silence_id: str) -> Effects:
        group = self._store.alert_group(group_id)
        if group is None or group.silence_id != silence_id:
            return Effects()  # another silence replaced it: the message shows that one
        shown = group.model_copy(update={"silence_id": "", "silenced_by": "", "silenced_until": 0.0})
        return Effects.of(
            rows.unsilenced(group_id, silence_id),
            CancelTimer(SILENCE_ENDS, group_id),
            self.edit(shown, self._clock.time()),
        )

    def on_silence_ends(self, timer, late: float) -> Effects:
        group = self._store.alert_group(timer.key)
        if group is None or not group.silence_id or group.silenced_until > self._clock.time() + 1:
            return Effects()
        return self.unsilenced(group.id, group.silence_id)
