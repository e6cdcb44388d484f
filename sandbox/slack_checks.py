"""What the Slack stand-in checks before it accepts a Web API call: request arguments merged the way
Slack reads them, Block Kit validated with slack_sdk's models, message metadata's shape, and the
`{"ok": false}` refusal these checks raise."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from slack_sdk.models.blocks import Block

from sandbox.httpstub import Request

MAX_BLOCKS = 50
MAX_TEXT = 40_000
JSON_FIELDS = ("blocks", "files", "metadata")  # form-encoded callers send these as JSON strings


class Refused(Exception):
    """A Slack `{"ok": false}` answer; `messages` fills response_metadata like invalid_blocks does."""

    def __init__(self, error: str, messages: list[str] | None = None):
        super().__init__(error)
        self.error, self.messages = error, messages or []

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {"ok": False, "error": self.error}
        if self.messages:
            body["response_metadata"] = {"messages": self.messages}
        return body


def block_errors(blocks: Any) -> list[str]:
    """Slack-style error lines for a blocks payload; empty when every block is valid."""
    if not isinstance(blocks, list):
        return ["[ERROR] must be an array [json-pointer:/blocks]"]
    if len(blocks) > MAX_BLOCKS:
        return [f"[ERROR] no more than {MAX_BLOCKS} items allowed [json-pointer:/blocks]"]
    return [error for index, raw in enumerate(blocks) if (error := _block_error(index, raw))]


def _block_error(index: int, raw: Any) -> str | None:
    try:
        block = Block.parse(raw)
        if block is None or None in (getattr(block, "elements", None) or []):
            raise ValueError(f"unsupported block or element type in {raw!r:.80}")
        if isinstance(raw, dict) and raw.get("accessory") and block.accessory is None:
            raise ValueError("unsupported accessory type")
        block.to_dict()  # validates the block and, recursively, its elements
    except Exception as error:  # slack_sdk raises TypeError, KeyError, SlackObjectFormationError...
        return f"[ERROR] {error} [json-pointer:/blocks/{index}]"
    return None


def check_content(message: dict[str, Any]) -> None:
    """Refuse a message the way Slack would: no text, text too long, or invalid blocks."""
    text, blocks = message.get("text"), message.get("blocks")
    if not text and not blocks:
        raise Refused("no_text")
    if text and len(text) > MAX_TEXT:
        raise Refused("msg_too_long")
    if blocks is not None and (errors := block_errors(blocks)):
        raise Refused("invalid_blocks", errors)


def check_metadata(metadata: Any) -> dict[str, Any] | None:
    """Message metadata as Slack takes it: `event_type` a non-empty string, `event_payload` an object.
    None for no metadata; `{}` stays `{}` (chat.update's way of removing it)."""
    if metadata is None or metadata == {}:
        return metadata
    if not (
        isinstance(metadata, dict)
        and isinstance(metadata.get("event_type"), str)
        and metadata["event_type"]
        and isinstance(metadata.get("event_payload"), dict)
    ):
        raise Refused("invalid_metadata_format")
    return {"event_type": metadata["event_type"], "event_payload": metadata["event_payload"]}


def request_args(req: Request) -> dict[str, Any]:
    """Merge query and body (JSON or form-encoded) the way Slack does; decode JSON-string fields."""
    args: dict[str, Any] = {key: values[0] for key, values in req.query.items()}
    content_type = req.headers.get("Content-Type", "")
    if req.body and "json" in content_type:
        args.update(req.json() or {})
    elif req.body:
        args.update({key: values[0] for key, values in parse_qs(req.body.decode()).items()})
    for key in JSON_FIELDS:
        if isinstance(args.get(key), str):
            args[key] = _json_or_raw(args[key])
    return args


def _json_or_raw(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value


def truthy(value: Any) -> bool:
    return value in (True, "true", "1", 1)
