"""The worker job "command": run a read-only command with the clients, render its answer and post it
where it was asked (an incident thread when asked from one), files alongside. `guarded` is the one
place a job turns an exception into words for the person who asked (bot.errors.describe)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

from bot import messages
from bot.errors import describe
from bot.state import Effects, Job, JobResult
from commands.deps import Deps
from commands.spec import CommandSpec, build_request

COMMAND = "command"


def request(spec: CommandSpec, payload: dict[str, Any]) -> Any:
    """The typed request a command receives: its arguments as stored with the job, and who asked."""
    return build_request(spec, payload.get("args", {}), payload.get("user", ""))


def guarded(
    payload: dict,
    spec: CommandSpec | None,
    work: Callable[[], JobResult],
    on_backend_error: Callable[[str], None] = lambda system: None,
) -> JobResult:
    """Run `work`; a failure becomes a private answer: usage, the failing system, or a reference id."""
    try:
        return work()
    except Exception as exc:
        said = describe(exc, "command", verb=payload.get("verb", ""))
        if said.system:
            on_backend_error(said.system)
        if said.outcome in ("usage", "refused"):  # a refusal of valid input shows no usage line
            text = messages.usage(said.text, spec if said.outcome == "usage" else None)["text"]
        else:
            text = said.text
        return JobResult(said.outcome, Effects.of(messages.ephemeral(payload, text)), said.log_text)


class Answers:
    def __init__(
        self,
        deps: Deps,
        find: Callable[[str], CommandSpec | None],
        on_backend_error: Callable[[str], None] = lambda system: None,
    ):
        self._deps, self._find, self._on_backend_error = deps, find, on_backend_error

    def run(self, job: Job) -> JobResult:
        spec = self._find(job.payload["verb"])
        work = lambda: self._answer(job, spec, spec.run(request(spec, job.payload), self._deps))  # noqa: E731
        return guarded(job.payload, spec, work, self._on_backend_error)

    def _answer(self, job: Job, spec: CommandSpec, result: Any) -> JobResult:
        p, key = job.payload, f"job:{job.id}:answer"
        posts = [messages.answer(p, spec.render(result), messages.fallback_text(spec, result), key)]
        thread = key
        if p.get("thread_key"):  # asked from a thread: answer there, and the files beside the answer
            posts, thread = (
                [replace(posts[0], thread_key=p["thread_key"], response_url=None)],
                p["thread_key"],
            )
        files = spec.files(result) if spec.files else []
        posts += [messages.file_post(p["channel"], f, thread) for f in files]
        return JobResult("ok", Effects.of(*posts))
