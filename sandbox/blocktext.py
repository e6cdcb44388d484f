"""Block Kit as terminal text, for the demo chat: headers (their case kept), sections with indented
fields, context, dividers, images, buttons numbered so a person can click one by typing its number, and
checkboxes as `[x]`/`[ ]` lines whose numbers toggle them."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass
class Button:
    """Something numbered to click: a button, or one checkbox option (`option` set)."""

    number: int
    action_id: str
    value: str
    text: str
    message: dict
    channel: str
    block_id: str = ""
    option: dict | None = field(default=None)


def mrkdwn(text: str) -> str:
    text = re.sub(r"<!date\^\d+\^[^|>]*\|([^>]*)>", r"\1", text)  # Slack's local-time dates: the fallback
    text = re.sub(r"<@(\w+)>", r"@\1", text)
    text = re.sub(r"<#\w+\|([^>]*)>", r"#\1", text)
    text = re.sub(r"<!(channel|here|everyone)>", r"@\1", text)
    text = re.sub(r"<(https?://[^|>]+)\|([^>]+)>", r"\2 (\1)", text)
    text = re.sub(r"(?<!\w)\*([^*\n]+)\*(?!\w)", r"\1", text)
    text = re.sub(r"(?<!\w)_([^_\n]+)_(?!\w)", r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def render(message: dict, channel: str, buttons: list[Button], indent: str = "") -> list[str]:
    """Lines for one message; what can be clicked is appended to `buttons` with running numbers."""
    blocks = message.get("blocks") or []
    if not blocks:
        return [indent + line for line in mrkdwn(message.get("text") or "").splitlines()]
    lines: list[str] = []
    for block in blocks:
        lines += [indent + line for line in _block(block, message, channel, buttons)]
    return lines


def _text(obj: dict | None) -> str:
    """mrkdwn as Slack renders it; plain_text as written (Slack turns no `<!channel>` in it into a ping)."""
    if not obj:
        return ""
    return mrkdwn(obj.get("text", "")) if obj.get("type") == "mrkdwn" else obj.get("text", "")


def _block(block: dict, message: dict, channel: str, buttons: list[Button]) -> list[str]:
    kind = block.get("type")
    if kind == "header":
        return [_text(block.get("text"))]
    if kind == "divider":
        return ["─" * 40]
    if kind == "context":
        return [
            "  " + " · ".join(_text(e) if e.get("type") != "image" else "[image]" for e in block["elements"])
        ]
    if kind == "actions":
        return _actions(block, message, channel, buttons)
    if kind == "section":
        return _section(block, message, channel, buttons)
    if kind == "image":
        return [f"[image: {block.get('alt_text', '')}]"]
    return [f"[{kind} block]"]


def _section(block: dict, message: dict, channel: str, buttons: list[Button]) -> list[str]:
    lines = _text(block.get("text")).splitlines()
    for item in block.get("fields", []):
        label_and_value = _text(item).splitlines()
        if len(label_and_value) == 2:  # "*Status*\nTriggered", as cards lay out their fields
            label_and_value = [": ".join(label_and_value)]
        lines += [f"    {line}" for line in label_and_value]
    accessory = block.get("accessory")
    if accessory and accessory.get("type") == "button":
        lines.append("  " + _button(accessory, message, channel, buttons))
    return lines


def _actions(block: dict, message: dict, channel: str, buttons: list[Button]) -> list[str]:
    lines, row = [], []
    for element in block["elements"]:
        if element.get("type") == "checkboxes":
            lines += _checkboxes(element, block.get("block_id", ""), message, channel, buttons)
        else:
            row.append(_button(element, message, channel, buttons))
    return lines + (["  " + "  ".join(row)] if row else [])


def _button(element: dict, message: dict, channel: str, buttons: list[Button]) -> str:
    if element.get("type") != "button":
        return f"[{element.get('type')}]"
    label = _text(element["text"])
    number = len(buttons) + 1
    buttons.append(Button(number, element["action_id"], element.get("value", ""), label, message, channel))
    return f"[{number}] {label}"


def _checkboxes(
    element: dict, block_id: str, message: dict, channel: str, buttons: list[Button]
) -> list[str]:
    ticked = {option.get("value") for option in element.get("initial_options") or []}
    lines = []
    for option in element.get("options") or []:
        number, label = len(buttons) + 1, _text(option.get("text"))
        buttons.append(
            Button(
                number,
                element["action_id"],
                option.get("value", ""),
                label,
                message,
                channel,
                block_id,
                option,
            )
        )
        lines.append(f"  [{'x' if option.get('value') in ticked else ' '}] ({number}) {label}")
    return lines
