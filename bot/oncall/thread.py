"""Everything an incident says in Slack, as Posts: the root (posted once, edited after), the P0
announcement, the checklist reply and the thread replies, with the priority each gets in the channel's
queue. Pure: the engine decides when; this decides what it looks like and where it goes."""

from __future__ import annotations

from bot import messages
from bot.oncall import card
from bot.state import Incident, Post
from bot.state.incidents import Tick
from bot.state.outbox import DETAIL, PAGE
from commands.oncall_policy import ChecklistItem, OnCallPolicy
from commands.platform import Links

URGENT = ("P0", "P1")


def root_key(incident_id: str) -> str:
    return f"incident:{incident_id}:root"


def checklist_key(incident_id: str) -> str:
    return f"incident:{incident_id}:checklist"


class Thread:
    def __init__(self, policy: OnCallPolicy, channel: str, platform_channel: str, links: Links | None = None):
        self.policy, self.channel, self.platform = policy, channel, platform_channel
        self.links = links or Links()  # pages checklist items point at (links.grafana beside "dashboards")

    def level_name(self, incident: Incident) -> str:
        levels = self.policy.escalation[incident.severity].levels
        return levels[min(incident.level, len(levels) - 1)].name

    def items(self, incident: Incident) -> list[ChecklistItem]:
        return self.policy.checklists.get(incident.checklist or incident.severity, [])

    def root(self, incident: Incident, storm: bool = False) -> Post:
        """The page itself: first in its channel's queue, unless a storm digest already stands in for it."""
        text, blocks = card.root(incident, self.level_name(incident))
        priority = PAGE if incident.severity in URGENT or not storm else DETAIL
        return messages.post(self.channel, text, blocks, key=root_key(incident.id), priority=priority)

    def checklist(self, incident: Incident, ticks: dict[int, Tick]) -> Post:
        text, blocks = self._checklist(incident, ticks)
        return messages.post(
            self.channel, text, blocks, key=checklist_key(incident.id), thread_key=root_key(incident.id)
        )

    def root_update(self, incident: Incident) -> Post:
        text, blocks = card.root(incident, self.level_name(incident))
        return messages.update(self.channel, root_key(incident.id), text, blocks)

    def checklist_update(self, incident: Incident, ticks: dict[int, Tick]) -> Post:
        text, blocks = self._checklist(incident, ticks)
        return messages.update(self.channel, checklist_key(incident.id), text, blocks)

    def announcement(self, incident: Incident) -> Post:
        text, blocks = card.announcement(incident, self.channel)
        return messages.post(
            self.platform, text, blocks, key=f"incident:{incident.id}:announce", priority=PAGE
        )

    def reply(
        self, incident_id: str, text: str, blocks: list[dict] | None = None, key: str | None = None
    ) -> Post:
        return messages.post(self.channel, text, blocks, key=key, thread_key=root_key(incident_id))

    def _checklist(self, incident: Incident, ticks: dict[int, Tick]):
        return card.checklist(incident, self.items(incident), ticks, self.policy.scale_deployment, self.links)
