"""Plays Slack's side of the conversation: builds slash-command and button payloads shaped as Slack
sends them, signs them with the v0 scheme, and POSTs them to the bot. Used by tests, the demo, the
benchmarks, and (payloads only) the Socket Mode stand-in."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
from urllib.parse import urlencode

import requests

TEAM = {"team_id": "T0LLMOPS", "team_domain": "llm-ops"}
CHANNEL_NAMES = {
    "C0PLATFORM": "llm-platform",
    "C0INCIDENT": "incident-response",
    "C0ALERTS": "llm-platform-alerts",
}


def signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature(secret, ts, body),
    }


def slash_body(
    text: str, user: str, channel: str = "C0PLATFORM", response_url: str = "", command: str = "/llm"
) -> bytes:
    """The form Slack POSTs for a slash command, fields in the documented order."""
    return urlencode(slash_fields(text, user, channel, response_url, command)).encode()


def slash_fields(
    text: str, user: str, channel: str = "C0PLATFORM", response_url: str = "", command: str = "/llm"
) -> dict[str, str]:
    """A slash command's fields: the form's content over HTTP, the envelope's payload over Socket Mode."""
    return {
        "token": "deprecated-verification-token",
        **TEAM,
        "channel_id": channel,
        "channel_name": CHANNEL_NAMES.get(channel, "general"),
        "user_id": user,
        "user_name": user.lower(),
        "command": command,
        "text": text,
        "api_app_id": "A0LLMBOT",
        "is_enterprise_install": "false",
        "response_url": response_url or "https://hooks.slack.com/commands/T0LLMOPS/1/x",
        "trigger_id": f"{secrets.randbelow(10**12)}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}",
    }


def action_body(
    action_id: str, value: str, user: str, channel: str, message: dict, response_url: str
) -> bytes:
    """The form Slack POSTs when someone clicks a button in a message (block_actions)."""
    payload = action_payload(action_id, value, user, channel, message, response_url)
    return urlencode({"payload": json.dumps(payload)}).encode()


def action_payload(
    action_id: str, value: str, user: str, channel: str, message: dict, response_url: str
) -> dict:
    """A block_actions payload: JSON in the form's `payload` field over HTTP, the envelope's payload
    over Socket Mode."""
    return {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM["team_id"]},
        "api_app_id": "A0LLMBOT",
        "token": "deprecated-verification-token",
        "container": {
            "type": "message",
            "message_ts": message.get("ts"),
            "channel_id": channel,
            "is_ephemeral": False,
        },
        "trigger_id": f"{secrets.randbelow(10**12)}.{secrets.token_hex(16)}",
        "team": {"id": TEAM["team_id"], "domain": TEAM["team_domain"]},
        "channel": {"id": channel, "name": CHANNEL_NAMES.get(channel, "general")},
        "message": message,
        "response_url": response_url,
        "state": {"values": {}},
        "actions": [
            {
                "action_id": action_id,
                "block_id": "actions",
                "value": value,
                "type": "button",
                "action_ts": f"{time.time():.6f}",
                "text": {"type": "plain_text", "text": action_id},
            }
        ],
    }


class SlackSender:
    def __init__(self, bot_url: str, signing_secret: str, session: requests.Session | None = None):
        self.bot_url = bot_url.rstrip("/")
        self._secret = signing_secret
        self._session = session or requests.Session()

    def post(self, body: bytes, timestamp: int | None = None) -> requests.Response:
        return self._session.post(
            f"{self.bot_url}/slack/events",
            data=body,
            headers=signed_headers(self._secret, body, timestamp),
            timeout=10,
        )

    def slash(
        self, text: str, user: str, channel: str = "C0PLATFORM", response_url: str = ""
    ) -> requests.Response:
        return self.post(slash_body(text, user, channel, response_url))
