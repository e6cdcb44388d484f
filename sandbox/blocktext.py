"""Block Kit as terminal text, for the demo chat: headers, sections, fields, context, dividers,
and buttons numbered so a person can click one by typing its number."""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass
class Button:
    number: int
    action_id: str
    value: str
    text: str
    message: dict
    channel: str


def mrkdwn(text: str) -> str:
    text = re.sub(r"<!date\^\d+\^[^|>]*\|([^>]*)>", r"\1", text)  # Slack's local-time dates: the fallback
    text = re.sub(r"<@(\w+)>", r"@\1", text)
    text = re.sub(r"<#\w+\|([^>]*)>", r"#\1", text)
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2 (\1)", text)
    text = re.sub(r"(?<!\w)\*([^*\n]+)\*(?!\w)", r"\1", text)
    text = re.sub(r"(?<!\w)_([^_\n]+)_(?!\w)", r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def render(message: dict, channel: str, buttons: list[Button], indent: str = "") -> list[str]:
    """Lines for one message; buttons found are appended to `buttons` with running numbers."""
    blocks = message.get("blocks") or []
    if not blocks:
        return [indent + line for line in mrkdwn(message.get("text") or "").splitlines()]
    lines: list[str] = []
    for block in blocks:
        lines += [indent + line for line in _block(block, message, channel, buttons)]
    return lines


def _text(obj: dict | None) -> str:
    return mrkdwn(obj.get("text", "")) if obj else ""


def _block(block: dict, message: dict, channel: str, buttons: list[Button]) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        return [_text(block.get("text")).upper()]
    if kind == "divider":
        return ["─" * 40]
    if kind == "context":
        return [
            "  " + " · ".join(_text(e) if e.get("type") != "image" else "[image]" for e in block["elements"])
        ]
    if kind == "actions":
        return ["  " + "  ".join(_button(e, message, channel, buttons) for e in block["elements"])]
    if kind == "section":
        lines = _text(block.get("text")).splitlines()
        lines += [f"  {_text(f)}" for f in block.get("fields", [])]
        accessory = block.get("accessory")
        if accessory and accessory.get("type") == "button":
            lines.append("  " + _button(accessory, message, channel, buttons))
        return lines
    if kind == "image":
        return [f"[image: {block.get('alt_text', '')}]"]
    return [f"[{kind} block]"]


def _button(element: dict, message: dict, channel: str, buttons: list[Button]) -> str:
    if element.get("type") != "button":
        return f"[{element.get('type')}]"
    number = len(buttons) + 1
    buttons.append(
        Button(
            number, element["action_id"], element.get("value", ""), _text(element["text"]), message, channel
        )
    )
    return f"[{number}] {_text(element['text'])}"
