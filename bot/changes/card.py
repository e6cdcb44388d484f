"""The approval card as Block Kit: who asked, exactly what will change, the health that matters, when
it expires, and Approve / Reject buttons; after a decision the buttons give way to who decided and
when, and a change whose world moved offers a fresh request. Action ids are constants, matched exactly."""

from __future__ import annotations

from bot.state import Approval, Vote
from commands.blockkit import actions, button, code, escape, mention, section, when
from commands.change import ChangeOutcome, ChangePlan, describe

APPROVE = "approval:approve"
REJECT = "approval:reject"
RENEW = "approval:renew"  # ask again, planned against the world as it is now
ROLLBACK = "rollout:rollback"

_STATES = {
    "approved": "✅ Approved",
    "executing": "▶️ Executing",
    "succeeded": "✅ Done",
    "failed": "💥 Failed",
    "rejected": "❌ Rejected",
    "expired": "⌛ Expired",
    "cancelled": "🚫 Cancelled",
    "stale": "↩️ Not run",
}


def key(approval_id: int) -> str:
    return f"approval:{approval_id}:card"


def progress_key(approval_id: int) -> str:
    return f"approval:{approval_id}:progress"


def card(approval: Approval, votes: list[Vote]) -> tuple[str, list[dict]]:
    plan = ChangePlan.model_validate(approval.plan)
    title = _STATES.get(approval.state, "🔐 Approval needed") + f": {plan.title}"
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": title[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _request_line(approval)}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _changes(plan)[:2900]}},
    ]
    health = _health(approval, plan)
    if health or plan.warnings:
        lines = [f"• {escape(h)}" for h in health] + [f"⚠️ {escape(w)}" for w in plan.warnings]
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(lines)[:2900]}})
    moved = approval.result.get("moved") if approval.state == "stale" else None
    if moved:
        lines = "\n".join(f"• {escape(m)}" for m in moved)
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*What moved*\n{lines}"[:2900]}}
        )
    blocks.append(
        {"type": "context", "elements": [{"type": "mrkdwn", "text": _status_line(approval, votes)}]}
    )
    if approval.state == "pending":
        blocks.append(_buttons(approval.id))
    elif approval.state == "stale":
        blocks.append(_renew(approval.id))
    return f"{escape(title)} (request #{approval.id})", blocks


def preview(plan: ChangePlan, command_text: str) -> str:
    """What a --dry-run shows: the card's content, and that nothing changed."""
    lines = [
        f"🧪 *Dry run* of {code('/llm ' + command_text)}: nothing was changed.",
        f"*{escape(plan.title)}*",
    ]
    lines += [f"• {code(line)}" for line in describe(plan)] + [f"• {escape(h)}" for h in plan.health]
    lines += [f"⚠️ {escape(w)}" for w in plan.warnings]
    return "\n".join(lines)


def outcome_blocks(outcome: ChangeOutcome) -> tuple[str, list[dict]]:
    icon = "✅" if outcome.ok else "💥"
    text = f"{icon} {escape(outcome.summary)}"
    details = "\n".join(f"• {escape(d)}" for d in outcome.details[:20])
    body = text + ("\n" + details if details else "")
    blocks = [section(body)]
    if outcome.rollback:
        blocks.append(
            actions([button(f"Roll back {outcome.rollback}", ROLLBACK, outcome.rollback, "danger")])
        )
    return text, blocks


def requester(approval: Approval) -> str:
    """Who asked: a Slack mention, or the bot itself for scheduled work."""
    return mention(approval.requester) if approval.requester else "llmbot (scheduled)"


def _health(approval: Approval, plan: ChangePlan) -> list[str]:
    """Done: the state after the change (the outcome's health), else what it was planned against."""
    after = (approval.result or {}).get("health") if approval.state == "succeeded" else None
    return after or plan.health


def _request_line(approval: Approval) -> str:
    return f"*Requested by* {requester(approval)}: {code('/llm ' + approval.text)}"


def _changes(plan: ChangePlan) -> str:
    return "*What will change*\n" + "\n".join(f"• {code(line)}" for line in describe(plan))


def _status_line(approval: Approval, votes: list[Vote]) -> str:
    approvals = [v for v in votes if v.decision == "approve"]
    by = ", ".join(f"{mention(v.user)} {when(v.at)}" for v in votes)
    number = f"request #{approval.id}"
    if approval.state == "pending":
        line = f"Needs {approval.required} approval{'s' if approval.required != 1 else ''}"
        if approvals:
            line += f" ({len(approvals)} so far: {by})"
        return f"{line} · expires {when(approval.expires_at)} · {number}"
    if approval.state == "expired":
        return f"Expired {when(approval.expires_at)}: nobody approved in time · {number}"
    if approval.state == "cancelled":
        return f"Cancelled by {mention(approval.decided_by) if approval.decided_by else 'llmbot'} · {number}"
    if approval.state == "stale":
        return f"Not run: the world moved since it was planned; nothing was changed · {number}"
    verdict = "Rejected" if approval.state == "rejected" else "Approved"
    decided = f"{verdict} by {by or 'policy (no approval needed)'}"
    return f"{decided} · {number}"


def _buttons(approval_id: int) -> dict:
    value = str(approval_id)
    confirm = {
        "title": {"type": "plain_text", "text": "Approve this change?"},
        "text": {"type": "mrkdwn", "text": "It runs in production as soon as enough people approve."},
        "confirm": {"type": "plain_text", "text": "Approve"},
        "deny": {"type": "plain_text", "text": "Cancel"},
    }
    approve = button("Approve", APPROVE, value, "primary", confirm)
    return actions([approve, button("Reject", REJECT, value, "danger")], f"approval-{approval_id}")


def _renew(approval_id: int) -> dict:
    again = button("Ask again with today's state", RENEW, str(approval_id))
    return actions([again], f"approval-{approval_id}")
