"""Silence 1 h / 4 h / until the maintenance window ends, Unsilence, and Expire (from `/llm silences`):
a click checks the role and commits a job; the job creates or expires the silence in Alertmanager
(API v2) as the clicker, matching the group's common labels exactly, then records it and edits the
group's message in its closing transaction. Alertmanager down: the clicker is told, nothing is recorded."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timezone
from typing import Callable

from slack_sdk.errors import SlackClientError

from bot import messages
from bot.alerts import card
from bot.alerts.groups import AlertGroups, message_key
from bot.errors import unavailable
from bot.interactions import Click
from bot.rbac import role_allows
from bot.state import Effects, JobResult, NewJob, Store
from bot.state.alerts import AlertGroup
from commands.blockkit import code, when
from integrations.errors import IntegrationError, NotFound

log = logging.getLogger(__name__)

SILENCE_JOB = "alert-silence"
ROLE = "operator"
HOURS = {card.SILENCE_1H: 1, card.SILENCE_4H: 4}
_GROUP = re.compile(r"[0-9a-f]{20}")
_SILENCE = re.compile(r"[0-9A-Za-z-]{1,64}")
NOT_CONFIGURED = "⚠️ Alertmanager is not configured (`alertmanager.url`), so the bot cannot silence anything."


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, timezone.utc).strftime("%Y-%m-%dT%H:%MZ")


def permalink(channel: str, ts: str) -> str:
    return f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}"


class Silences:
    def __init__(
        self,
        store: Store,
        groups: AlertGroups,
        client,
        slack,
        window_end: Callable[[float], float | None],
        clock,
    ):
        self._store, self._groups, self._client, self._slack = store, groups, client, slack
        self._window_end, self._clock = window_end, clock
        self._names: dict[str, str] = {}

    # --- clicks (ack path) ---------------------------------------------------------------------
    def on_silence(self, click: Click) -> Effects:
        group = self._group(click.value)
        if group is None:
            return Effects(reply="That alert group is not known to the bot; nothing changed.")
        now, what = self._clock.time(), card.names(group)
        refused = self._refused(click, "alert silence", what)
        if refused or self._client is None or not group.common_labels:
            return refused or Effects(reply=NOT_CONFIGURED if self._client is None else _NO_LABELS)
        until = (
            self._window_end(now)
            if click.action_id == card.SILENCE_WINDOW
            else now + HOURS[click.action_id] * 3600
        )
        if until is None:
            return Effects(
                reply="No maintenance window is open and the platform is not drained; nothing silenced."
            )
        job = {
            **click.as_job("alert silence", f"{what} until {_iso(until)}"),
            "action": "silence",
            "group": group.id,
            "until": until,
            "link": self._link(group, click),
        }
        return Effects.of(
            NewJob(SILENCE_JOB, job), reply=f"🔕 Silencing {code(what)} in Alertmanager until {when(until)}…"
        )

    def on_unsilence(self, click: Click) -> Effects:
        group = self._group(click.value)
        if group is None:
            return Effects(reply="That alert group is not known to the bot; nothing changed.")
        refused = self._refused(click, "alert unsilence", card.names(group))
        if refused or not group.silence_id:
            return refused or Effects(reply="That alert group is not silenced (any more); nothing changed.")
        job = {
            **click.as_job("alert unsilence", card.names(group)),
            "action": "expire",
            "silence": group.silence_id,
        }
        return Effects.of(
            NewJob(SILENCE_JOB, job), reply=f"🔔 Expiring the silence on {code(card.names(group))}…"
        )

    def on_expire(self, click: Click) -> Effects:
        if not _SILENCE.fullmatch(click.value):
            return Effects(reply="That is not a silence id; nothing changed.")
        refused = self._refused(click, "silence expire", click.value)
        if refused:
            return refused
        job = {**click.as_job("silence expire", click.value), "action": "expire", "silence": click.value}
        return Effects.of(NewJob(SILENCE_JOB, job), reply=f"🔔 Expiring silence {code(click.value)}…")

    def _group(self, value: str) -> AlertGroup | None:
        return self._store.alert_group(value) if _GROUP.fullmatch(value) else None

    def _refused(self, click: Click, verb: str, what: str) -> Effects | None:
        if role_allows(click.role, ROLE):
            return None
        entry = messages.audit_entry(self._clock.now(), click.as_job(verb, what), "refused")
        return Effects.of(
            entry,
            reply=f"⛔ Silencing alerts needs the {ROLE} role (yours: {click.role or 'none'}); "
            "nothing changed.",
        )

    def _link(self, group: AlertGroup, click: Click) -> str:
        found = self._store.message(message_key(group))
        if found:
            return permalink(*found)
        return permalink(click.channel, click.message_ts) if click.channel and click.message_ts else ""

    # --- worker job "alert-silence" --------------------------------------------------------------
    def act(self, job) -> JobResult:
        p = job.payload
        if self._client is None:
            return JobResult(
                "unavailable", Effects.of(messages.ephemeral(p, NOT_CONFIGURED)), "not configured"
            )
        try:
            then = self._silence(p) if p["action"] == "silence" else self._expire(p)
        except IntegrationError as exc:
            return JobResult("unavailable", Effects.of(messages.ephemeral(p, unavailable(exc))), exc.message)
        return JobResult("ok", then=then)

    def _silence(self, p: dict) -> Callable[[], Effects]:
        group = self._store.alert_group(p["group"])
        name = self._name(p["user"])
        comment = f"Silenced from Slack by {name or p['user']} for {card.names(group)}"
        silence_id = self._client.create_silence(
            group.common_labels,
            self._clock.now(),
            datetime.fromtimestamp(p["until"], timezone.utc),
            f"{name} ({p['user']})" if name else p["user"],
            comment + (f": {p['link']}" if p.get("link") else ""),
        )
        if group.silence_id and group.silence_id != silence_id:
            self._quietly_expire(group.silence_id)  # the new silence replaces the one the message showed
        log.info("alert group silenced", extra={"group": group.id, "silence": silence_id, "user": p["user"]})
        return lambda: self._groups.silenced(group.id, silence_id, f"@{p['user']}", p["until"])

    def _expire(self, p: dict) -> Callable[[], Effects]:
        self._quietly_expire(p["silence"])
        told = messages.ephemeral(p, f"🔔 Silence {code(p['silence'])} expired.")

        def then() -> Effects:
            group = self._store.alert_group_silenced_by(p["silence"])
            return Effects.of(told) + (
                self._groups.unsilenced(group.id, p["silence"]) if group else Effects()
            )

        return then

    def _quietly_expire(self, silence_id: str) -> None:
        try:
            self._client.expire_silence(silence_id)
        except NotFound:  # expired or gone already: what was asked for holds
            pass

    def _name(self, user: str) -> str:
        """The clicker's Slack name for `createdBy`, read once; '' when Slack cannot say."""
        if user not in self._names:
            try:
                info = self._slack.users_info(user=user)["user"]
                self._names[user] = info.get("real_name") or info.get("name") or ""
            except (SlackClientError, OSError, KeyError):
                return ""
        return self._names[user]


_NO_LABELS = (
    "⚠️ The alerts of this group share no labels, so a silence would match nothing precise; nothing silenced."
)
