"""What a person did in Slack, as plain values the engines read: a click on a button or checkbox, and
a slash command answered inside the ack. The person is always the user in the signed payload."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Click:
    action_id: str
    value: str
    user: str
    channel: str
    response_url: str | None
    selected: tuple[str, ...] = ()  # checkboxes: the values ticked now
    message_ts: str | None = None
    role: str | None = None  # the clicker's role, looked up once by the adapter
    ticked_before: tuple[str, ...] = ()  # checkboxes: what the clicked message showed ticked

    @classmethod
    def from_body(cls, body: dict[str, Any], role: str | None) -> "Click":
        action = body["actions"][0]
        message = body.get("message") or {}
        return cls(
            action_id=str(action["action_id"]),
            value=str(action.get("value", "")),
            user=body["user"]["id"],
            channel=(body.get("channel") or {}).get("id", ""),
            response_url=body.get("response_url"),
            selected=tuple(str(o.get("value", "")) for o in action.get("selected_options") or []),
            message_ts=(body.get("container") or {}).get("message_ts"),
            role=role,
            ticked_before=_initial(message, action),
        )

    def as_job(self, verb: str, text: str) -> dict[str, Any]:
        """The clicker as the person asking, as if they had typed `/llm text`."""
        return {
            "user": self.user,
            "channel": self.channel,
            "verb": verb,
            "text": text,
            "response_url": self.response_url,
            "request_id": "",
        }


def _initial(message: dict[str, Any], action: dict[str, Any]) -> tuple[str, ...]:
    for block in message.get("blocks") or []:
        for element in block.get("elements") or []:
            if isinstance(element, dict) and element.get("action_id") == action.get("action_id"):
                return tuple(str(o.get("value", "")) for o in element.get("initial_options") or [])
    return ()


@dataclass(frozen=True)
class Asked:
    """A slash command an engine answers inside the ack, from the store alone."""

    verb: str
    args: dict[str, Any]
    user: str
    channel: str
    text: str
    response_url: str | None
    request_id: str = ""
    role: str | None = None
    job: dict[str, Any] = field(default_factory=dict)  # the same as a worker job payload
