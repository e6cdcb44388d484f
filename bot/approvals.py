"""The approval engine: a change command proposes, a second person decides by clicking, the worker
executes, and the card follows every step. The approver is always the user in the signed Slack
payload; every transition is compare-and-set, so two clicks, a click racing the expiry, or a
replayed request execute a change at most once."""

from __future__ import annotations

import logging
import uuid
from typing import Callable

from bot import approval_card, messages
from bot.config import ApprovalPolicy, ApprovalSettings
from bot.rbac import Rbac
from bot.registry import find, role_allows
from bot.state import Approval, Job, Post, Store
from bot.state.jobs import JobResult
from commands.change import ChangeOutcome, ChangePlan
from commands.deps import Deps
from integrations.errors import IntegrationError

log = logging.getLogger(__name__)

EXPIRE = "approval.expire"


def card_key(approval_id: int) -> str:
    return f"approval:{approval_id}:card"


class Approvals:
    def __init__(
        self,
        store: Store,
        policies: ApprovalSettings,
        rbac: Rbac,
        deps: Deps,
        clock,
        submit: Callable[[str, dict], int],
        poke: Callable[[], None] = lambda: None,
    ):
        self._store, self._policies, self._rbac, self._deps = store, policies, rbac, deps
        self._clock, self._submit, self._poke = clock, submit, poke
        self.after_success: dict[
            str, Callable[[Approval], None]
        ] = {}  # command -> follow-up, e.g. the canary watch

    # --- proposing: a worker job of kind "change" ----------------------------------------------
    def propose(self, job: Job, plan: ChangePlan) -> JobResult:
        p, spec = job.payload, find(job.payload["verb"])
        if p["args"].get("dry_run"):
            return JobResult("dry-run", [messages.ephemeral(p, approval_card.preview(plan, p["text"]))])
        policy = self._policies.policy(spec.name)
        required = (
            policy.required
            if plan.approvals_required is None
            else max(plan.approvals_required, policy.required)
        )
        now = self._clock.time()
        approval = self._store.create_approval(
            job.id,
            spec.name,
            {**p["args"], "_text": p["text"]},
            plan.model_dump(),
            p["user"],
            p["channel"],
            required,
            now,
            now + policy.expiry_minutes * 60,
        )
        if required == 0 and self._store.move_approval(approval.id, "pending", "approved", now):
            self._submit("execute", {"approval_id": approval.id, "request_id": p.get("request_id", "")})
        elif required:
            self._store.schedule(EXPIRE, str(approval.id), approval.expires_at, now)
        text, blocks = approval_card.card(self._store.approval(approval.id), [], now)
        return JobResult(
            "requested",
            [
                Post(
                    "chat.postMessage",
                    p["channel"],
                    {"channel": p["channel"], "text": text, "blocks": blocks},
                    p.get("response_url"),
                    key=card_key(approval.id),
                )
            ],
        )

    # --- clicks: on the ack path (store only, no backend) -------------------------------------
    def on_click(self, click) -> str:
        """Approve / Reject on a card, or a Roll back button under a failed rollout."""
        if click.action_id == approval_card.ROLLBACK:
            return self.request_change(
                click, "rollback", {"deployment": click.value}, f"rollback {click.value}"
            )
        if not click.value.isdigit():
            return "That button is broken: it carries no request number."
        return self.decide(
            int(click.value), click.user, "reject" if click.action_id == approval_card.REJECT else "approve"
        )

    def request_change(self, click, verb: str, args: dict, text: str) -> str:
        """A button that asks for a change: the clicker becomes the requester, as if they had typed it."""
        spec = find(verb)
        role = self._rbac.role_of(click.user)
        if not role_allows(role, spec.role):
            return f"`/llm {verb}` needs the {spec.role} role (yours: {role or 'none'}); nothing changed."
        self._submit(
            "change",
            {
                "user": click.user,
                "channel": click.channel,
                "verb": verb,
                "args": args,
                "text": text,
                "response_url": click.response_url,
                "request_id": "",
            },
        )
        return f"Asking for approval: `/llm {text}`…"

    # --- deciding ------------------------------------------------------------------------------
    def decide(self, approval_id: int, user: str, decision: str) -> str:
        """Record `user`'s decision; returns what to tell them privately ('' when the card says it all)."""
        approval, now = self._store.approval(approval_id), self._clock.time()
        if approval is None:
            return "That request no longer exists."
        if approval.state != "pending":
            return f"Request #{approval_id} is already {approval.state}; nothing changed."
        if now >= approval.expires_at:
            self.expire_now(approval)
            return f"Request #{approval_id} expired at {approval_card.when(approval.expires_at)}; nothing changed."
        refusal = self._refusal(approval, user)
        if refusal:
            self._audit(approval, user, "refused", refusal)
            return refusal
        return self._reject(approval, user) if decision == "reject" else self._approve(approval, user)

    def _approve(self, approval: Approval, user: str) -> str:
        now = self._clock.time()
        if not self._store.add_vote(approval.id, user, "approve", now):
            return f"You already approved request #{approval.id}."
        self._audit(approval, user, "approve")
        votes = [v for v in self._store.votes(approval.id) if v.decision == "approve"]
        if len(votes) >= approval.required and self._store.move_approval(
            approval.id, "pending", "approved", now, by=user
        ):
            self._store.cancel_timer(EXPIRE, str(approval.id))
            self._submit("execute", {"approval_id": approval.id, "request_id": ""})
        self._update_card(approval.id)
        return ""

    def _reject(self, approval: Approval, user: str) -> str:
        now = self._clock.time()
        if self._store.move_approval(approval.id, "pending", "rejected", now, by=user):
            self._store.add_vote(approval.id, user, "reject", now)
            self._store.cancel_timer(EXPIRE, str(approval.id))
            self._audit(approval, user, "reject")
            self._update_card(approval.id)
            self._reply(approval, f"❌ Rejected by <@{user}>; nothing was changed.")
        return ""

    def _refusal(self, approval: Approval, user: str) -> str:
        policy = self._policies.policy(approval.command)
        if user == approval.requester and not policy.allow_self:
            return f"You asked for request #{approval.id}; someone else has to approve it."
        if not self.may_approve(user, policy):
            role = self._rbac.role_of(user) or "none"
            return (
                f"Approving `/llm {approval.command}` needs the {' or '.join(policy.roles)} role "
                f"(yours: {role}); nothing changed."
            )
        return ""

    def may_approve(self, user: str, policy: ApprovalPolicy) -> bool:
        return (
            self._rbac.role_of(user) in policy.roles
            or user in policy.users
            or any(self._rbac.is_member(user, group) for group in policy.groups)
        )

    # --- expiry, cancel, listing --------------------------------------------------------------
    def expire(self, timer, late: float) -> None:
        approval = self._store.approval(int(timer.key))
        if approval is not None:
            self.expire_now(approval)

    def expire_now(self, approval: Approval) -> None:
        if self._store.move_approval(approval.id, "pending", "expired", self._clock.time()):
            self._audit(approval, "", "expired")
            self._update_card(approval.id)
            minutes = int((approval.expires_at - approval.created_at) // 60)
            self._reply(approval, f"⌛ Expired: nobody approved within {minutes} min; nothing was changed.")

    def cancel(self, approval_id: int, user: str) -> str:
        approval = self._store.approval(approval_id)
        if approval is None or approval.state != "pending":
            return f"There is no pending request #{approval_id}."
        if approval.requester != user:
            return f"Only {approval_card.requester(approval)}, who asked, can cancel request #{approval_id}."
        if self._store.move_approval(approval_id, "pending", "cancelled", self._clock.time(), by=user):
            self._store.cancel_timer(EXPIRE, str(approval_id))
            self._audit(approval, user, "cancelled")
            self._update_card(approval_id)
        return f"Request #{approval_id} cancelled; nothing was changed."

    def resume(self) -> None:
        """At start: an approval approved just before a crash may have lost its execute job. Queue one;
        if the original survived too, the second finds the approval taken and does nothing."""
        for approval in self._store.approvals(("approved",)):
            self._submit("execute", {"approval_id": approval.id, "request_id": ""})

    def answerers(self) -> dict[str, Callable[[str, dict, dict], tuple[str, dict]]]:
        """The verbs answered from the store inside the ack."""
        return {
            "approvals": lambda verb, args, job: ("ok", messages.ephemeral_ack(self.pending_text())),
            "approvals cancel": lambda verb, args, job: (
                "ok",
                messages.ephemeral_ack(self.cancel(args["id"], job["user"])),
            ),
        }

    def pending_text(self) -> str:
        pending = self._store.approvals(("pending",))
        if not pending:
            return "No pending approvals."
        lines = [
            f"• #{a.id} `/llm {a.args.get('_text', a.command)}` by {approval_card.requester(a)}, "
            f"expires {approval_card.when(a.expires_at)}"
            for a in pending
        ]
        return (
            "*Pending approvals*\n"
            + "\n".join(lines)
            + "\nCancel your own with `/llm approvals cancel <id>`."
        )

    # --- executing: a worker job of kind "execute" ------------------------------------------
    def execute(self, job: Job) -> JobResult:
        approval = self._store.approval(job.payload["approval_id"])
        if approval is None:
            return JobResult("skipped", error="approval not found")
        now = self._clock.time()
        # this very job was running when the bot stopped (claimed before): resume it, and say so
        resumed = approval.state == "executing" and job.attempts > 1
        if not resumed and not self._store.move_approval(approval.id, "approved", "executing", now):
            return JobResult("skipped", error=f"approval is {approval.state}", audited=True)
        self._update_card(approval.id)
        if resumed:
            self._reply(
                approval,
                "⚠️ The bot restarted while this change was running. Resuming: the target state "
                "is applied again (harmless if already done) and followed to the end.",
            )
        outcome = self._apply(approval)
        final = "succeeded" if outcome.ok else "failed"
        self._store.move_approval(
            approval.id, "executing", final, self._clock.time(), result=outcome.model_dump()
        )
        self._audit(approval, approval.requester, final, outcome.summary)
        if outcome.ok and approval.command in self.after_success:
            self.after_success[approval.command](approval)
        text, blocks = approval_card.outcome_blocks(outcome)
        posts = [
            Post(
                "chat.postMessage",
                approval.channel,
                {"channel": approval.channel, "text": text, "blocks": blocks},
                thread_key=card_key(approval.id),
            )
        ]
        self._update_card(approval.id)
        return JobResult(final, posts, "" if outcome.ok else outcome.summary, audited=True)

    def _apply(self, approval: Approval) -> ChangeOutcome:
        spec, plan = find(approval.command), ChangePlan.model_validate(approval.plan)
        progress_key = f"approval:{approval.id}:progress"
        self._post(
            Post(
                "chat.postMessage",
                approval.channel,
                {"channel": approval.channel, "text": f"▶️ {plan.title}: starting"},
                key=progress_key,
                thread_key=card_key(approval.id),
            )
        )

        def progress(line: str) -> None:
            self._post(
                Post(
                    "chat.update",
                    approval.channel,
                    {"channel": approval.channel, "text": f"▶️ {line}"},
                    key=progress_key,
                )
            )

        try:
            return spec.apply(plan, self._deps, progress)
        except IntegrationError as exc:
            self._deps.on_backend_error(exc.system)
            return ChangeOutcome(ok=False, summary=messages.unavailable(exc).lstrip("❔⛔⚠️ "))
        except Exception:
            ref = uuid.uuid4().hex[:8]
            log.exception("change failed", extra={"ref": ref, "approval_id": approval.id})
            return ChangeOutcome(ok=False, summary=f"The change failed unexpectedly (reference `{ref}`).")

    # --- posting and audit -------------------------------------------------------------------
    def _update_card(self, approval_id: int) -> None:
        approval = self._store.approval(approval_id)
        text, blocks = approval_card.card(approval, self._store.votes(approval_id), self._clock.time())
        self._post(
            Post(
                "chat.update",
                approval.channel,
                {"channel": approval.channel, "text": text, "blocks": blocks},
                key=card_key(approval_id),
            )
        )

    def _reply(self, approval: Approval, text: str) -> None:
        self._post(
            Post(
                "chat.postMessage",
                approval.channel,
                {"channel": approval.channel, "text": text},
                thread_key=card_key(approval.id),
            )
        )

    def _post(self, post: Post) -> None:
        self._store.enqueue(post, self._clock.time())
        self._poke()

    def _audit(self, approval: Approval, user: str, outcome: str, detail: str = "") -> None:
        messages.audit(
            self._store,
            self._clock,
            {
                "user": user,
                "verb": approval.command,
                "channel": approval.channel,
                "text": f"#{approval.id} {approval.args.get('_text', '')}",
            },
            outcome,
            0.0,
            detail,
        )
