"""Everything an incident says in Slack goes through here, into the outbox: the root (posted once,
edited after), the P0 announcement, the checklist reply and the thread replies."""

from __future__ import annotations

from typing import Callable

from bot import incident_card
from bot.state import Incident, Post, Store
from commands.oncall import OnCallPolicy


def root_key(incident_id: str) -> str:
    return f"incident:{incident_id}:root"


def checklist_key(incident_id: str) -> str:
    return f"incident:{incident_id}:checklist"


class IncidentThread:
    def __init__(
        self,
        store: Store,
        policy: OnCallPolicy,
        channel: str,
        platform_channel: str,
        clock,
        poke: Callable[[], None],
    ):
        self._store, self.policy, self.channel, self._platform = store, policy, channel, platform_channel
        self._clock, self._poke = clock, poke

    def level_name(self, incident: Incident) -> str:
        levels = self.policy.escalation[incident.severity].levels
        return levels[min(incident.level, len(levels) - 1)].name

    def items(self, incident: Incident):
        return self.policy.checklists.get(incident.checklist or incident.severity, [])

    def open(self, incident: Incident) -> None:
        """The root and the checklist reply; called once, by whoever inserted the incident row."""
        text, blocks = incident_card.root(incident, self.level_name(incident))
        self._post(
            Post(
                "chat.postMessage",
                self.channel,
                {"channel": self.channel, "text": text, "blocks": blocks},
                key=root_key(incident.id),
            )
        )
        self.post_checklist(incident)

    def post_checklist(self, incident: Incident) -> None:
        text, blocks = self._checklist(incident)
        self._post(
            Post(
                "chat.postMessage",
                self.channel,
                {"channel": self.channel, "text": text, "blocks": blocks},
                key=checklist_key(incident.id),
                thread_key=root_key(incident.id),
            )
        )

    def update_root(self, incident_id: str) -> None:
        incident = self._store.incident(incident_id)
        text, blocks = incident_card.root(incident, self.level_name(incident))
        self._post(
            Post(
                "chat.update",
                self.channel,
                {"channel": self.channel, "text": text, "blocks": blocks},
                key=root_key(incident_id),
            )
        )

    def update_checklist(self, incident_id: str) -> None:
        text, blocks = self._checklist(self._store.incident(incident_id))
        self._post(
            Post(
                "chat.update",
                self.channel,
                {"channel": self.channel, "text": text, "blocks": blocks},
                key=checklist_key(incident_id),
            )
        )

    def announce(self, incident: Incident) -> None:
        """P0 only, once: a pointer in the platform channel."""
        if incident.severity != "P0" or not self._store.update_incident(incident.id, announced=1):
            return
        text, blocks = incident_card.announcement(incident, self.channel)
        self._post(
            Post(
                "chat.postMessage",
                self._platform,
                {"channel": self._platform, "text": text, "blocks": blocks},
                key=f"incident:{incident.id}:announce",
            )
        )

    def reply(
        self, incident_id: str, text: str, blocks: list[dict] | None = None, key: str | None = None
    ) -> None:
        body = {"channel": self.channel, "text": text}
        if blocks:
            body["blocks"] = blocks
        self._post(Post("chat.postMessage", self.channel, body, key=key, thread_key=root_key(incident_id)))

    def _checklist(self, incident: Incident):
        return incident_card.checklist(
            incident, self.items(incident), self._store.ticks(incident.id), self.policy.scale_deployment
        )

    def _post(self, post: Post) -> None:
        self._store.enqueue(post, self._clock.time())
        self._poke()
