"""What the bot says outside a command's own render: acks, refusals, failures, and the outbox rows
that carry a command's answer back to the channel; plus the audit row every command leaves."""

from __future__ import annotations

import base64
from typing import Any

from bot.registry import COMMANDS, CommandSpec, role_allows
from bot.state import AuditEntry, Post, Store
from integrations.errors import Forbidden, IntegrationError, NotFound

_SYSTEMS = {
    "kubernetes": "The Kubernetes API",
    "prometheus": "Prometheus",
    "aws": "AWS",
    "pagerduty": "PagerDuty",
    "slack": "Slack",
    "qdrant": "Qdrant",
    "rag": "The RAG service",
}


def ephemeral_ack(text: str, blocks: list[dict] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"response_type": "ephemeral", "text": text}
    if blocks:
        body["blocks"] = blocks
    return body


def usage(message: str, spec: CommandSpec | None) -> dict[str, Any]:
    text = f"⚠️ {message}"
    if spec is not None:
        text += f"\nUsage: `{spec.usage}`\nExample: `{spec.example}`"
    return ephemeral_ack(text)


def refused(spec: CommandSpec, role: str | None) -> dict[str, Any]:
    have = f"your role is *{role}*" if role else "you have no role here"
    return ephemeral_ack(
        f"⛔ `/llm {spec.name}` needs the *{spec.role}* role; {have}. "
        "Ask a platform admin to add you under `rbac` in the bot's config."
    )


def queued(spec: CommandSpec) -> dict[str, Any]:
    return ephemeral_ack(f"⏳ Working on `/llm {spec.name}`…")


def help_blocks(spec: CommandSpec | None, role: str | None) -> dict[str, Any]:
    if spec is not None:
        lines = [f"*`{spec.usage}`*", spec.summary]
        lines += [f"• `{a.name}`: {a.help}" for a in spec.args] + [
            f"• `--{o.name}`: {o.help}" for o in spec.options
        ]
        if spec.details:
            lines.append(spec.details)
        lines.append(
            f"Example: `{spec.example}`  ·  needs role: {spec.role}"
            + ("  ·  changes production" if spec.changes else "")
        )
        return ephemeral_ack("\n".join(lines))
    rows = [
        f"`{c.usage}`  {c.summary}" + ("" if role_allows(role, c.role) else f" _(needs {c.role})_")
        for c in COMMANDS
    ]
    return ephemeral_ack("*llmbot commands*\n" + "\n".join(rows) + "\n`/llm help <command>` explains one.")


def unavailable(exc: IntegrationError) -> str:
    system = _SYSTEMS.get(exc.system, exc.system)
    if isinstance(exc, Forbidden):
        return f"⛔ {system} refused the request: {exc.message}."
    if isinstance(exc, NotFound):
        return f"⚠️ {system}: {exc.message}."
    advice = "" if "try again" in exc.message.lower() else " Try again in a minute."
    return f"❔ {system} is unavailable: {exc.message}.{advice}"


def internal_error(ref: str) -> str:
    return (
        f"💥 Something went wrong on our side (reference `{ref}`). Quote the reference to the platform team."
    )


def fallback_text(spec: CommandSpec, result: Any) -> str:
    return spec.render_text(result)[:3000] if spec.render_text else spec.summary


def channel_post(job: dict[str, Any], blocks: list[dict], text: str, key: str | None = None) -> Post:
    body = {"channel": job["channel"], "text": text, "blocks": blocks}
    return Post("chat.postMessage", job["channel"], body, job.get("response_url"), key=key)


def ephemeral(job: dict[str, Any], text: str) -> Post:
    body = {"response_type": "ephemeral", "replace_original": False, "text": text}
    return Post("response_url", job.get("channel", ""), body, job.get("response_url"))


def file_post(channel: str, file, thread_key: str | None) -> Post:
    """An upload; binary content is base64 in the stored row and bytes again when sent."""
    body = {"filename": file.filename, "title": file.title}
    if isinstance(file.content, bytes):
        body["content_b64"] = base64.b64encode(file.content).decode()
    else:
        body["content"] = file.content
    return Post("files.upload", channel, body, thread_key=thread_key)


def audit(store: Store, clock, job: dict[str, Any], outcome: str, seconds: float, detail: str = "") -> None:
    store.audit(
        AuditEntry(
            at=clock.now(),
            user=job.get("user", ""),
            verb=job.get("verb", ""),
            args=job.get("text", ""),
            channel=job.get("channel", ""),
            outcome=outcome,
            duration_ms=int(seconds * 1000),
            request_id=job.get("request_id", ""),
            detail=detail,
        )
    )
