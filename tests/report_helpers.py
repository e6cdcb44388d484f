"""Helpers for the report commands' scenario tests: ask the bot over signed HTTP, read back the one
answer it posted (and any file in its thread), and flip a sandbox switch for the length of a block."""

from __future__ import annotations

from contextlib import contextmanager

import requests

CHANNEL = "C0PLATFORM"


def text_of(message: dict) -> str:
    """Every text in a posted message's blocks, one block a line."""
    out = []
    for block in message.get("blocks") or []:
        if block["type"] in ("section", "header"):
            out.append(block["text"]["text"])
        elif block["type"] == "context":
            out += [e.get("text", "") for e in block["elements"]]
    return "\n".join(out)


def ask(bot, command: str, user: str = "U0VIEW", files: int = 0) -> tuple[dict, list[dict]]:
    """The answer to `command` (a channel post or an ephemeral reply) and the files it uploaded."""
    ack = bot.slash(command, user=user)
    assert ack.status_code == 200, ack.text
    [answer] = bot.wait_for_posts(channel=CHANNEL, where=lambda m: m["kind"] in ("post", "response_url"))
    uploads = bot.wait_for_posts(files, channel=CHANNEL, where=lambda m: m["kind"] == "file") if files else []
    assert answer["ok"], answer
    return answer, uploads


@contextmanager
def switched(url: str, path: str, on: dict, off: dict):
    requests.post(f"{url}{path}", json=on, timeout=5).raise_for_status()
    try:
        yield
    finally:
        requests.post(f"{url}{path}", json=off, timeout=5).raise_for_status()
