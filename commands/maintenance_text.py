"""What the maintenance notices say in #llm-platform: the announcement (what, how long, impact), the
reminder, start, completion, the overrun reminder and the cancellation; plus the late note."""

from __future__ import annotations

from datetime import datetime

from commands.blockkit import code, mention
from commands.maintenance_windows import Window, describe, describe_span


def announcement(window: Window, namespace: str) -> str:
    return "\n".join(
        [
            f"📅 *Planned maintenance*: {describe(window)}",
            f"*What will happen*: every Deployment in {code(namespace)} is scaled to 0 "
            "(`/llm maintenance start`), the platform is updated, then the recorded replica counts are "
            "restored and a smoke test runs "
            "(`/llm maintenance finish`). Metrics are checked again 30 minutes later.",
            f"*How long*: up to {_hours(window)} h.",
            "*Expected impact*: inference and RAG answers are unavailable while drained; "
            "incident escalation for the platform is held during the window.",
        ]
    )


def reminder(window: Window) -> str:
    unavailable = "Inference and RAG will be unavailable while drained."
    return f"⏰ *Maintenance in 1 hour*: {describe(window)}. {unavailable}"


def start(window: Window) -> str:
    return (
        f"🔧 *Maintenance window open*: {describe(window)}. Drain with `/llm maintenance start` "
        "(needs approval); incident escalation is held until the window closes."
    )


def completion(window_text: str, smoke: str, ok: bool = True) -> str:
    head = "✅ *Maintenance complete*" if ok else "⚠️ *Maintenance complete, smoke test failing*"
    return f"{head}: {window_text}. {smoke}"


def closed_without_drain(window: Window) -> str:
    return (
        f"✅ *Maintenance window closed*: {describe(window)}. Nothing was drained; escalation is live again."
    )


def overrun(window: Window, counts: dict[str, int]) -> str:
    restore = ", ".join(f"{name} {n}" for name, n in counts.items())
    return (
        f"⚠️ *The maintenance window has ended but the platform is still drained* ({describe(window)}). "
        f"Run `/llm maintenance finish` to restore {restore} and run the smoke test."
    )


def cancelled(window: Window, by: str) -> str:
    who = mention(by) if by else "llmbot"
    return f"🚫 *Maintenance cancelled* by {who}: {describe(window)} will not take place."


def late_note(due: datetime, zone: str) -> str:
    return (
        f"\n_⏱ Posted late: this was due {describe_span(due, due, zone).split(' (')[0].rsplit('–', 1)[0]} "
        "while the bot was down._"
    )


def _hours(window: Window) -> str:
    return f"{(window.end - window.start).total_seconds() / 3600:g}"
