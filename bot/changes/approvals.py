"""The approval engine's decisions: a change command proposes, a second person decides by clicking,
the expiry timer or the requester may end it first. Each step reads the request and returns Effects
(state move, card update, thread line, jobs, timers, audit) that commit together; the approver is
always the user in the signed Slack payload, and every move is compare-and-set."""

from __future__ import annotations

from typing import Callable

from bot import messages
from bot.changes import card
from bot.config import ApprovalPolicy, ApprovalSettings
from bot.interactions import Asked, Click
from bot.rbac import Rbac
from bot.state import Approval, CancelTimer, Effects, NewJob, SetTimer, Store, Vote
from bot.state import approvals as rows
from bot.state.outbox import ANSWER
from commands.blockkit import code, mention, when
from commands.change import ChangePlan
from commands.spec import CommandSpec

EXPIRE = "approval.expire"
EXECUTE = "execute"
# proposing one of these cancels a pending request for the other: they cannot both make sense
CONFLICTS = {"canary promote": ("canary abort",), "canary abort": ("canary promote",)}
MAX_REQUEST_NUMBER = 10**9


class Approvals:
    def __init__(
        self,
        store: Store,
        policies: ApprovalSettings,
        rbac: Rbac,
        clock,
        find: Callable[[str], CommandSpec | None],
        request_change: Callable[..., Effects],
    ):
        self._store, self._policies, self._rbac, self._clock, self._find = store, policies, rbac, clock, find
        self._request_change = request_change

    # --- proposing: the end of a "change" job -----------------------------------------------
    def propose(self, job_id: int, payload: dict, plan: ChangePlan) -> Effects:
        spec, now = self._find(payload["verb"]), self._clock.time()
        policy = self._policies.policy(spec.name)
        required = (
            policy.required
            if plan.approvals_required is None
            else max(plan.approvals_required, policy.required)
        )
        approval = Approval(
            id=self._store.allocate("approval"),
            job_id=job_id,
            command=spec.name,
            args={**payload.get("args", {}), "_text": payload["text"]},
            plan=plan.model_dump(mode="json"),
            requester=payload["user"],
            channel=payload["channel"],
            state="pending" if required else "approved",
            required=required,
            created_at=now,
            expires_at=now + policy.expiry_minutes * 60,
        )
        text, blocks = card.card(approval, [])
        fx = Effects.of(
            rows.insert(approval),
            messages.post(
                approval.channel,
                text,
                blocks,
                key=card.key(approval.id),
                priority=ANSWER,
                response_url=payload.get("response_url"),
            ),
            self._audit(approval, approval.requester, "requested"),
            SetTimer(EXPIRE, str(approval.id), approval.expires_at) if required else None,
            None if required else NewJob(EXECUTE, {"approval_id": approval.id}, key=f"execute:{approval.id}"),
        )
        return fx + self._supersede(approval)

    def _supersede(self, newer: Approval) -> Effects:
        fx = Effects()
        for older in self._store.approvals(("pending",)):
            if older.command in CONFLICTS.get(newer.command, ()):
                line = (
                    f"🚫 Cancelled: request #{newer.id} ({code('/llm ' + newer.text)}) makes this one moot."
                )
                fx += self._end(older, "cancelled", "", line)
                fx += Effects.of(
                    self._reply(
                        newer,
                        f"ℹ️ This cancelled the pending request #{older.id} ({code('/llm ' + older.text)}).",
                    )
                )
        return fx

    # --- clicks: run inside one transaction on the ack path -----------------------------------
    def on_approve(self, click: Click) -> Effects:
        return self._decide(click, "approve")

    def on_reject(self, click: Click) -> Effects:
        return self._decide(click, "reject")

    def _decide(self, click: Click, decision: str) -> Effects:
        approval_id = request_number(click.value)
        if approval_id is None:
            return Effects(reply="That button carries no valid request number; nothing changed.")
        approval, now = self._store.approval(approval_id), self._clock.time()
        if approval is None:
            return Effects(reply=f"There is no request #{approval_id}; nothing changed.")
        if approval.state != "pending":
            return Effects(reply=f"Request #{approval_id} is already {approval.state}; nothing changed.")
        if now >= approval.expires_at:
            return self.expire_now(approval).with_reply(
                f"Request #{approval_id} expired at {when(approval.expires_at)}; nothing changed."
            )
        refusal = self._refusal(approval, click.user, decision)
        if refusal:
            return Effects.of(self._audit(approval, click.user, "refused", refusal), reply=refusal)
        return (
            self._reject(approval, click.user)
            if decision == "reject"
            else self._approve(approval, click.user)
        )

    def _approve(self, approval: Approval, user: str) -> Effects:
        votes, now = self._store.votes(approval.id), self._clock.time()
        if any(v.user == user for v in votes):
            return Effects(reply=f"You already approved request #{approval.id}.")
        votes = [*votes, Vote(user=user, decision="approve", at=now)]
        fx = Effects.of(rows.vote(approval.id, user, "approve", now), self._audit(approval, user, "approve"))
        if sum(v.decision == "approve" for v in votes) < approval.required:
            return fx + Effects.of(self._card(approval, votes))
        approved = approval.model_copy(update={"state": "approved", "decided_by": user})
        return fx + Effects.of(
            rows.move(approval.id, "pending", "approved", now, by=user),
            CancelTimer(EXPIRE, str(approval.id)),
            NewJob(EXECUTE, {"approval_id": approval.id}, key=f"execute:{approval.id}"),
            self._card(approved, votes),
        )

    def _reject(self, approval: Approval, user: str) -> Effects:
        now = self._clock.time()
        votes = [*self._store.votes(approval.id), Vote(user=user, decision="reject", at=now)]
        rejected = approval.model_copy(update={"state": "rejected", "decided_by": user})
        return Effects.of(
            rows.move(approval.id, "pending", "rejected", now, by=user),
            rows.vote(approval.id, user, "reject", now),
            CancelTimer(EXPIRE, str(approval.id)),
            self._audit(approval, user, "reject"),
            self._card(rejected, votes),
            self._reply(approval, f"❌ Rejected by {mention(user)}; nothing was changed."),
        )

    def _refusal(self, approval: Approval, user: str, decision: str) -> str:
        policy = self._policies.policy(approval.command)
        if user == approval.requester and decision == "approve" and not policy.allow_self:
            return f"You asked for request #{approval.id}; someone else has to approve it."
        if user == approval.requester:
            return ""  # rejecting your own request withdraws it
        if not self.may_approve(user, policy):
            doing = "Approving" if decision == "approve" else "Rejecting"
            role = self._rbac.role_of(user) or "none"
            return (
                f"{doing} `/llm {approval.command}` needs the {' or '.join(policy.roles)} role "
                f"(yours: {role}); nothing changed."
            )
        return ""

    def may_approve(self, user: str, policy: ApprovalPolicy) -> bool:
        return (
            self._rbac.role_of(user) in policy.roles
            or user in policy.users
            or any(self._rbac.is_member(user, group) for group in policy.groups)
        )

    # --- a button that asks for a change again -------------------------------------------------
    def on_renew(self, click: Click) -> Effects:
        """'Ask again' under a request whose world moved: the same command, planned afresh."""
        approval_id = request_number(click.value)
        approval = self._store.approval(approval_id) if approval_id is not None else None
        if approval is None or approval.state != "stale":
            return Effects(reply="That request cannot be asked again; type the command instead.")
        args = {k: v for k, v in approval.args.items() if not k.startswith("_")}
        return self._request_change(click, approval.command, args, approval.text)

    # --- expiry, cancel, listing --------------------------------------------------------------
    def on_expire(self, timer, late: float) -> Effects:
        approval = self._store.approval(int(timer.key))
        return (
            self.expire_now(approval) if approval is not None and approval.state == "pending" else Effects()
        )

    def expire_now(self, approval: Approval) -> Effects:
        minutes = int((approval.expires_at - approval.created_at) // 60)
        line = f"⌛ Expired: nobody approved within {minutes} min; nothing was changed."
        return self._end(approval, "expired", "", line)

    def _end(self, approval: Approval, state: str, by: str, line: str) -> Effects:
        ended = approval.model_copy(update={"state": state, "decided_by": by})
        return Effects.of(
            rows.move(approval.id, "pending", state, self._clock.time(), by=by),
            CancelTimer(EXPIRE, str(approval.id)),
            self._audit(approval, by, state),
            self._card(ended, self._store.votes(approval.id)),
            self._reply(approval, line),
        )

    def on_cancel(self, asked: Asked) -> Effects:
        approval_id = asked.args["id"]
        approval = self._store.approval(approval_id) if approval_id <= MAX_REQUEST_NUMBER else None
        if approval is None or approval.state != "pending":
            return Effects(reply=f"There is no pending request #{approval_id}.")
        if approval.requester != asked.user:
            return Effects(
                reply=f"Only {card.requester(approval)}, who asked, can cancel request #{approval_id}."
            )
        line = f"🚫 Cancelled by {mention(asked.user)}; nothing was changed."
        return self._end(approval, "cancelled", asked.user, line).with_reply(
            f"Request #{approval_id} cancelled; nothing was changed."
        )

    def on_list(self, asked: Asked) -> Effects:
        pending = self._store.approvals(("pending",))
        if not pending:
            return Effects(reply="No pending approvals.")
        lines = [
            f"• #{a.id} {code('/llm ' + a.text)} by {card.requester(a)}, expires {when(a.expires_at)}"
            for a in pending
        ]
        return Effects(
            reply="*Pending approvals*\n"
            + "\n".join(lines)
            + "\nCancel your own with `/llm approvals cancel <id>`."
        )

    # --- posting and audit -------------------------------------------------------------------
    def _card(self, approval: Approval, votes: list[Vote]):
        text, blocks = card.card(approval, votes)
        return messages.update(approval.channel, card.key(approval.id), text, blocks, priority=ANSWER)

    def _reply(self, approval: Approval, text: str):
        return messages.post(approval.channel, text, thread_key=card.key(approval.id))

    def _audit(self, approval: Approval, user: str, outcome: str, detail: str = ""):
        job = {
            "user": user,
            "verb": approval.command,
            "channel": approval.channel,
            "text": f"#{approval.id} {approval.text}",
        }
        return messages.audit_entry(self._clock.now(), job, outcome, detail=detail)


def request_number(value: str) -> int | None:
    """A request number from a button's value: plain ASCII digits, in range; anything else is None."""
    if not (value.isascii() and value.isdigit()) or len(value) > 9:
        return None
    number = int(value)
    return number if 0 < number <= MAX_REQUEST_NUMBER else None
