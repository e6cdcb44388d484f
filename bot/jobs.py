"""What the worker's job kinds mean: "command" runs a read-only command and posts its answer;
"change" plans a change command and hands the plan to the approval engine. One error vocabulary:
a user mistake gets usage, an upstream failure names the system, anything else a reference id."""

from __future__ import annotations

import logging
import uuid
from dataclasses import replace
from typing import Any, Callable

from bot import messages
from bot.approvals import Approvals
from bot.metrics import Metrics
from bot.registry import find
from bot.state import Job, JobResult
from commands.deps import Deps
from commands.errors import CommandError
from integrations.errors import IntegrationError

log = logging.getLogger(__name__)


class JobKinds:
    def __init__(self, deps: Deps, metrics: Metrics, approvals: Approvals):
        self._deps, self._metrics, self._approvals = deps, metrics, approvals

    def handlers(self) -> dict[str, Callable[[Job], JobResult]]:
        return {"command": self.command, "change": self.change, "execute": self._approvals.execute}

    def command(self, job: Job) -> JobResult:
        p, spec = job.payload, find(job.payload["verb"])
        return self._guarded(p, lambda: self._answer(job, spec.run(_with_user(p), self._deps)))

    def change(self, job: Job) -> JobResult:
        p, spec = job.payload, find(job.payload["verb"])
        return self._guarded(p, lambda: self._approvals.propose(job, spec.plan(_with_user(p), self._deps)))

    def _answer(self, job: Job, result: Any) -> JobResult:
        p, spec = job.payload, find(job.payload["verb"])
        key = f"job:{job.id}:answer"
        posts = [messages.channel_post(p, spec.render(result), messages.fallback_text(spec, result), key)]
        if p.get("thread_key"):  # asked from an incident thread: answer there
            posts = [replace(posts[0], thread_key=p["thread_key"], response_url=None)]
        posts += [
            messages.file_post(p["channel"], f, key) for f in (spec.files(result) if spec.files else [])
        ]
        return JobResult("ok", posts)

    def _guarded(self, p: dict, work: Callable[[], JobResult]) -> JobResult:
        spec = find(p["verb"])
        try:
            return work()
        except CommandError as exc:
            return JobResult(
                "usage", [messages.ephemeral(p, messages.usage(exc.message, spec)["text"])], exc.message
            )
        except IntegrationError as exc:
            self._deps.on_backend_error(exc.system)
            return JobResult("unavailable", [messages.ephemeral(p, messages.unavailable(exc))], exc.message)
        except Exception:
            ref = uuid.uuid4().hex[:8]
            log.exception("command failed", extra={"ref": ref, "verb": p["verb"]})
            return JobResult("error", [messages.ephemeral(p, messages.internal_error(ref))], f"ref {ref}")


def _with_user(payload: dict) -> dict:
    """The arguments plus who asked (`_user`), for commands that record an author."""
    return {**payload["args"], "_user": payload.get("user", "")}
