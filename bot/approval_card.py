"""The approval card as Block Kit: who asked, exactly what will change, the health that matters,
when it expires, and Approve / Reject buttons; after a decision the buttons give way to who
decided and when. Action ids are constants the Slack adapter routes on."""

from __future__ import annotations

from bot.state import Approval, Vote
from commands.change import ChangeOutcome, ChangePlan, describe

APPROVE = "approval:approve"
REJECT = "approval:reject"
ROLLBACK = "rollout:rollback"

_STATES = {
    "approved": "✅ Approved",
    "executing": "▶️ Executing",
    "succeeded": "✅ Done",
    "failed": "💥 Failed",
    "rejected": "❌ Rejected",
    "expired": "⌛ Expired",
    "cancelled": "🚫 Cancelled",
}


def when(ts: float, fmt: str = "{time}") -> str:
    """A time Slack shows in each reader's own zone, with a UTC fallback."""
    from datetime import datetime, timezone

    fallback = datetime.fromtimestamp(ts, timezone.utc).strftime("%H:%M UTC")
    return f"<!date^{int(ts)}^{fmt}|{fallback}>"


def card(approval: Approval, votes: list[Vote], now: float) -> tuple[str, list[dict]]:
    plan = ChangePlan.model_validate(approval.plan)
    title = _STATES.get(approval.state, "🔐 Approval needed") + f": {plan.title}"
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _request_line(approval)}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _changes(plan)}},
    ]
    if plan.health or plan.warnings:
        lines = [f"• {h}" for h in plan.health] + [f"⚠️ {w}" for w in plan.warnings]
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:2900]}})
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": _status_line(approval, votes)}]}
    )
    if approval.state == "pending":
        blocks.append(_buttons(approval.id))
    return f"{title} (request #{approval.id})", blocks


def preview(plan: ChangePlan, command_text: str) -> str:
    """What a --dry-run shows: the card's content, and that nothing changed."""
    lines = [f"🧪 *Dry run* of `/llm {command_text}`: nothing was changed.", f"*{plan.title}*"]
    lines += [f"• {line}" for line in describe(plan)] + [f"• {h}" for h in plan.health]
    lines += [f"⚠️ {w}" for w in plan.warnings]
    return "\n".join(lines)


def outcome_blocks(outcome: ChangeOutcome) -> tuple[str, list[dict]]:
    icon = "✅" if outcome.ok else "💥"
    text = f"{icon} {outcome.summary}"
    body = text + ("\n" + "\n".join(f"• {d}" for d in outcome.details[:20]) if outcome.details else "")
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": body[:2900]}}]
    if outcome.rollback:
        blocks.append(
            {
                "type": "actions",
                "elements": [
                    {
                        "type": "button",
                        "action_id": ROLLBACK,
                        "value": outcome.rollback,
                        "style": "danger",
                        "text": {"type": "plain_text", "text": f"Roll back {outcome.rollback}"[:75]},
                    }
                ],
            }
        )
    return text, blocks


def requester(approval: Approval) -> str:
    """Who asked: a Slack mention, or the bot itself for scheduled work."""
    return f"<@{approval.requester}>" if approval.requester else "llmbot (scheduled)"


def _request_line(approval: Approval) -> str:
    typed = approval.args.get("_text") or approval.command
    # the bot's own schedules (the daily backup) request with no user: "<@>" would name nobody
    who = requester(approval)
    return f"*Requested by* {who}: `/llm {typed}`"


def _changes(plan: ChangePlan) -> str:
    return "*What will change*\n" + "\n".join(f"• `{line}`" for line in describe(plan))


def _status_line(approval: Approval, votes: list[Vote]) -> str:
    approvals = [v for v in votes if v.decision == "approve"]
    by = ", ".join(f"<@{v.user}> {when(v.at)}" for v in votes)
    if approval.state == "pending":
        line = f"Needs {approval.required} approval{'s' if approval.required != 1 else ''}"
        if approvals:
            line += f" ({len(approvals)} so far: {by})"
        return line + f" · expires {when(approval.expires_at)} · request #{approval.id}"
    if approval.state == "expired":
        return f"Expired {when(approval.expires_at)}: nobody approved in time · request #{approval.id}"
    if approval.state == "cancelled":
        return f"Cancelled by <@{approval.decided_by}> · request #{approval.id}"
    decided = f"{'Rejected' if approval.state == 'rejected' else 'Approved'} by {by or 'policy (no approval needed)'}"
    return f"{decided} · request #{approval.id}"


def _buttons(approval_id: int) -> dict:
    value = str(approval_id)
    return {
        "type": "actions",
        "block_id": f"approval-{approval_id}",
        "elements": [
            {
                "type": "button",
                "action_id": APPROVE,
                "value": value,
                "style": "primary",
                "text": {"type": "plain_text", "text": "Approve"},
                "confirm": {
                    "title": {"type": "plain_text", "text": "Approve this change?"},
                    "text": {
                        "type": "mrkdwn",
                        "text": "It runs in production as soon as enough people approve.",
                    },
                    "confirm": {"type": "plain_text", "text": "Approve"},
                    "deny": {"type": "plain_text", "text": "Cancel"},
                },
            },
            {
                "type": "button",
                "action_id": REJECT,
                "value": value,
                "style": "danger",
                "text": {"type": "plain_text", "text": "Reject"},
            },
        ],
    }
