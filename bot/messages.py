"""What the bot says outside a command's own render: acks, refusals, help, and the outbox Posts that
carry answers, cards and thread replies; plus the audit row every command leaves. Text from outside
is escaped by whoever builds it (commands.blockkit.escape); these helpers only frame it."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any, Iterable

from bot.rbac import role_allows
from bot.state import AuditEntry, Post
from bot.state.outbox import ANSWER, DETAIL
from commands.blockkit import code
from commands.spec import CommandSpec


# --- acks (the HTTP answer to a slash command) ----------------------------------------------------
def ephemeral_ack(text: str, blocks: list[dict] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"response_type": "ephemeral", "text": text}
    if blocks:
        body["blocks"] = blocks
    return body


def usage(message: str, spec: CommandSpec | None) -> dict[str, Any]:
    text = f"⚠️ {message}"
    if spec is not None:
        text += f"\nUsage: {code(spec.usage)}\nExample: {code(spec.example)}"
    return ephemeral_ack(text)


def refused(spec: CommandSpec, role: str | None) -> dict[str, Any]:
    have = f"your role is *{role}*" if role else "you have no role here"
    return ephemeral_ack(
        f"⛔ `/llm {spec.name}` needs the *{spec.role}* role; {have}. "
        "Ask a platform admin to add you under `rbac` in the bot's config."
    )


def queued(spec: CommandSpec) -> dict[str, Any]:
    return ephemeral_ack(f"⏳ Working on `/llm {spec.name}`…")


def help_text(spec: CommandSpec | None, role: str | None, specs: Iterable[CommandSpec]) -> str:
    if spec is not None:
        lines = [f"*{code(spec.usage)}*", spec.summary]
        lines += [f"• `{a.name}`: {a.help}" for a in spec.args] + [
            f"• `--{o.name}`: {o.help}" for o in spec.options
        ]
        if spec.details:
            lines.append(spec.details)
        changes = "  ·  changes production" if spec.changes else ""
        lines.append(f"Example: {code(spec.example)}  ·  needs role: {spec.role}{changes}")
        return "\n".join(lines)
    rows = [
        f"{code(c.usage)}  {c.summary}" + ("" if role_allows(role, c.role) else f" _(needs {c.role})_")
        for c in specs
    ]
    return "*llmbot commands*\n" + "\n".join(rows) + "\n`/llm help <command>` explains one."


def fallback_text(spec: CommandSpec, result: Any) -> str:
    return spec.render_text(result)[:3000] if spec.render_text else spec.summary


# --- posts ------------------------------------------------------------------------------------------
def post(
    channel: str,
    text: str,
    blocks: list[dict] | None = None,
    key: str | None = None,
    thread_key: str | None = None,
    priority: int = DETAIL,
    response_url: str | None = None,
) -> Post:
    body: dict[str, Any] = {"channel": channel, "text": text}
    if blocks:
        body["blocks"] = blocks
    return Post(
        "chat.postMessage", channel, body, response_url, key=key, thread_key=thread_key, priority=priority
    )


def update(
    channel: str, key: str, text: str, blocks: list[dict] | None = None, priority: int = DETAIL
) -> Post:
    body: dict[str, Any] = {"channel": channel, "text": text}
    if blocks is not None:
        body["blocks"] = blocks
    return Post("chat.update", channel, body, key=key, priority=priority)


def answer(job: dict[str, Any], blocks: list[dict], text: str, key: str | None = None) -> Post:
    """A command's answer in the channel it was asked in (through response_url if the bot is not a member)."""
    return post(job["channel"], text, blocks, key=key, priority=ANSWER, response_url=job.get("response_url"))


def ephemeral(job: dict[str, Any], text: str) -> Post:
    body = {"response_type": "ephemeral", "replace_original": False, "text": text}
    return Post("response_url", job.get("channel", ""), body, job.get("response_url"), priority=ANSWER)


def file_post(channel: str, file, thread_key: str | None) -> Post:
    """An upload; binary content is base64 in the stored row and bytes again when sent."""
    body = {"filename": file.filename, "title": file.title}
    if isinstance(file.content, bytes):
        body["content_b64"] = base64.b64encode(file.content).decode()
    else:
        body["content"] = file.content
    return Post("files.upload", channel, body, thread_key=thread_key, priority=DETAIL)


def audit_entry(
    now: datetime, job: dict[str, Any], outcome: str, seconds: float = 0.0, detail: str = ""
) -> AuditEntry:
    return AuditEntry(
        at=now,
        user=job.get("user", ""),
        verb=job.get("verb", ""),
        args=job.get("text", ""),
        channel=job.get("channel", ""),
        outcome=outcome,
        duration_ms=int(seconds * 1000),
        request_id=job.get("request_id", ""),
        detail=detail,
    )
