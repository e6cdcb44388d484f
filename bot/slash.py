"""The `/llm` listener's body: help, usage and refusals answered inside the ack, the engines' in-ack
verbs run in one transaction, and real work committed as a job row with the request's replay record.
Nothing here waits on a backend, so the ack stays in milliseconds."""

from __future__ import annotations

import json
import sqlite3
import time
from typing import Any, Callable, Mapping

from bot import messages
from bot.errors import describe
from bot.interactions import Asked
from bot.metrics import Metrics
from bot.rbac import Rbac, role_allows
from bot.registry import Registry
from bot.router import Invocation, UsageError, parse
from bot.state import Effects, NewJob, Store, Write
from bot.state.requests import replayed
from commands.blockkit import code, escape, mention
from commands.errors import CommandError
from commands.spec import build_request

Verb = Callable[[Asked], Effects]


class SlashCommands:
    """`/llm` from parse to ack."""

    def __init__(
        self, store: Store, rbac: Rbac, registry: Registry, verbs: Mapping[str, Verb], metrics: Metrics, clock
    ):
        self._store, self._rbac, self._registry, self._verbs = store, rbac, registry, dict(verbs)
        self._metrics, self._clock = metrics, clock
        # `/llm help` per role, as its ack and that ack's JSON: the registry never changes
        self._listings: dict[str | None, tuple[dict[str, Any], str]] = {}

    def handle(
        self, command: dict[str, Any], request_id: str = "", sighting: tuple[Write, ...] = ()
    ) -> dict[str, Any] | None:
        """The ack for `command`. `sighting` (Store.sighting: the request's signature, recorded once)
        commits with the command's own effects, so a replay is refused exactly when the first one
        acted; None when this request is such a replay (nothing done)."""
        started = time.perf_counter()
        job = {
            "user": str(command.get("user_id", "")),
            "channel": str(command.get("channel_id", "")),
            "text": str(command.get("text", ""))[:1000],
            "response_url": command.get("response_url"),
            "request_id": request_id,
        }
        try:
            return self._ack(job, str(command.get("text", "")), list(sighting), started)
        except sqlite3.IntegrityError as error:
            if replayed(error):  # raised by the sighting's insert, before anything was committed
                return None
            raise

    def _ack(self, job: dict[str, Any], text: str, pending: list[Write], started: float) -> dict[str, Any]:
        outcome, ack, fx = self._answer(text, job, pending)  # an in-ack verb's step takes `pending` along
        audit = fx.audit
        if outcome != "queued":  # queued work is audited by the worker when it ends
            audit += (messages.audit_entry(self._clock.now(), job, outcome, time.perf_counter() - started),)
        fx = Effects(tuple(pending) + fx.writes, fx.posts, fx.jobs, fx.timers, audit, fx.reply)
        done = fx.empty or self._store.commit(fx, self._clock.time()) is not None
        self._metrics.acks.labels("slash", outcome).inc()
        if not done:
            return messages.ephemeral_ack(
                "Someone else changed that a moment ago; nothing changed. Try again."
            )
        return ack

    def _answer(
        self, text: str, job: dict[str, Any], pending: list[Write]
    ) -> tuple[str, dict[str, Any], Effects]:
        try:
            invocation = parse(text, self._registry)
        except UsageError as exc:  # the router quotes what was typed: inert before it reaches mrkdwn
            job["verb"] = "?"
            return "usage", messages.usage(escape(exc.message), exc.spec), Effects()
        spec, role = invocation.spec, self._rbac.role_of(job["user"])
        job.update(verb=spec.name, args=invocation.args)
        if not role_allows(role, spec.role):
            return "refused", messages.refused(spec, role), Effects()
        if spec.name in ("help", "whoami"):
            return self._help(invocation, role, job)
        try:  # the typed request, validated here so a mistake is answered in the ack
            if spec.run or spec.plan:
                build_request(spec, invocation.args, job["user"])
        except CommandError as exc:
            return "usage", messages.usage(exc.message, spec), Effects()
        if spec.name in self._verbs:
            return self._in_ack(spec.name, invocation, role, job, pending)
        kind = "change" if spec.changes else "command"
        return "queued", messages.queued(spec), Effects.of(NewJob(kind, job))

    def _help(self, invocation: Invocation, role: str | None, job: dict) -> tuple[str, dict, Effects]:
        if invocation.spec.name == "whoami":
            allowed = [s.name for s in self._registry.specs if role_allows(role, s.role)]
            text = f"You are {mention(job['user'])}, role *{role}*. You may run: " + ", ".join(
                code(n) for n in allowed
            )
            return "help", messages.ephemeral_ack(text[:3000]), Effects()
        topic = invocation.args.get("command")
        if topic is None:
            return "help", self._listing(role)[0], Effects()
        try:
            return "help", messages.ephemeral_ack(self._help_text(topic, role)), Effects()
        except UsageError as exc:  # `/llm help <unknown>`
            return "usage", messages.usage(escape(exc.message), None), Effects()

    def _listing(self, role: str | None) -> tuple[dict[str, Any], str]:
        if role not in self._listings:
            ack = messages.ephemeral_ack(messages.help_text(None, role, self._registry.specs))
            self._listings[role] = (ack, json.dumps(ack))
        return self._listings[role]

    def encoded(self, ack: dict[str, Any]) -> str:
        """json.dumps(ack); a listing's JSON is kept (the same ack object each time it is answered)."""
        for listing, text in self._listings.values():
            if ack is listing:
                return text
        return json.dumps(ack)

    def _help_text(self, topic: str, role: str | None) -> str:
        family = self._registry.family(topic.lower())
        spec = self._registry.find(topic.lower())
        if spec is None and family:
            return messages.help_text(None, role, family)
        return messages.help_text(spec or parse(topic, self._registry).spec, role, self._registry.specs)

    def _in_ack(
        self, verb: str, invocation: Invocation, role: str | None, job: dict, pending: list[Write]
    ) -> tuple[str, dict, Effects]:
        asked = Asked(
            verb=verb,
            args=invocation.args,
            user=job["user"],
            channel=job["channel"],
            text=job["text"],
            response_url=job["response_url"],
            request_id=job["request_id"],
            role=role,
            job=job,
        )

        def step() -> Effects:
            fx = self._verbs[verb](asked)
            return Effects(tuple(pending) + fx.writes, fx.posts, fx.jobs, fx.timers, fx.audit, fx.reply)

        try:
            fx, done = self._store.run_step(step, self._clock.time())
        except Exception as exc:
            if replayed(exc):
                raise  # handle() answers it as the replay it is
            said = describe(exc, "in-ack verb", verb=verb)
            return (
                said.outcome,
                messages.usage(said.text, invocation.spec)
                if said.outcome == "usage"
                else messages.ephemeral_ack(said.text),
                Effects(),
            )
        if done is None:
            return (
                "conflict",
                messages.ephemeral_ack("Someone else changed that a moment ago; try again."),
                Effects(),
            )
        pending.clear()  # the signature is recorded with the verb's effects
        return ("queued" if fx.jobs else "ok"), messages.ephemeral_ack(fx.reply or "Done."), Effects()
