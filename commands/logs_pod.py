"""`/llm logs pod NAME [--since 1h] [--previous] [--container C]`: one pod's log, as `kubectl logs`:
the last lines inline, the whole (up to what the API server returns) as an uploaded file. `--previous`
reads the container instance that last ended: what a crash-looping or OOMKilled pod said before it died."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, field_validator

from commands import windows
from commands.blockkit import SECTION_LIMIT, code, context, escape, header, section
from commands.deps import Deps
from commands.kube_names import checked_name
from commands.spec import Arg, CommandSpec, FileOut, Option, Request

MAX_SINCE = timedelta(days=7)
TAIL_LINES = 40
LINE_LIMIT = 300  # a very long line is cut inline; the file has it whole


class LogsPodRequest(Request):
    name: str
    since: str = "1h"
    previous: bool = False
    container: str | None = None

    @field_validator("name")
    @classmethod
    def _a_pod(cls, name: str) -> str:
        return checked_name(name, "pod name")

    @field_validator("container")
    @classmethod
    def _a_container(cls, name: str | None) -> str | None:
        return None if name is None else checked_name(name, "container name")

    @field_validator("since")
    @classmethod
    def _a_window(cls, since: str) -> str:
        return windows.checked(since, MAX_SINCE, "--since")


class PodLog(BaseModel):
    pod: str
    since: str
    previous: bool
    container: str | None
    lines: list[str]


def run(request: LogsPodRequest, deps: Deps) -> PodLog:
    seconds = int(windows.parse(request.since, MAX_SINCE, "--since").total_seconds())
    text = deps.kube.pod_logs(
        deps.platform.namespace,
        request.name,
        since_seconds=seconds,
        previous=request.previous,
        container=request.container,
    )
    return PodLog(
        pod=request.name,
        since=request.since,
        previous=request.previous,
        container=request.container,
        lines=text.splitlines(),
    )


def _which(log: PodLog) -> str:
    instance = "previous container" if log.previous else "current container"
    container = f" {log.container}" if log.container else ""
    return f"{instance}{container}, last {log.since}"


def tail(log: PodLog) -> list[str]:
    """The newest lines that fit one section, each cut to LINE_LIMIT."""
    shown: list[str] = []
    room = SECTION_LIMIT - 200
    for line in reversed(log.lines[-TAIL_LINES:]):
        cut = escape(line[:LINE_LIMIT]).replace("```", "'''")
        if room - len(cut) - 1 < 0:
            break
        shown.insert(0, cut)
        room -= len(cut) + 1
    return shown


def summary(log: PodLog) -> str:
    if not log.lines:
        return f"❔ {code(log.pod)} logged nothing ({escape(_which(log))})."
    shown = len(tail(log))
    more = f"; the last {shown} below, all of them in the file" if shown < len(log.lines) else ""
    return f"📜 {code(log.pod)}: {len(log.lines)} lines ({escape(_which(log))}){more}"


def render(log: PodLog) -> list[dict]:
    blocks = [header(f"Logs of {log.pod}"), section(summary(log))]
    if log.lines:
        blocks.append(section("```\n" + "\n".join(tail(log)) + "\n```"))
    return blocks + [context("Older lines: `--since 6h`; before the last crash: `--previous`")]


def render_text(log: PodLog) -> str:
    return "\n".join([summary(log)] + [escape(line) for line in log.lines[-TAIL_LINES:]])


def files(log: PodLog) -> list[FileOut]:
    if len(tail(log)) >= len(log.lines):
        return []
    suffix = "-previous" if log.previous else ""
    return [
        FileOut(
            filename=f"{log.pod}{suffix}-{log.since}.log",
            title=f"Logs of {log.pod} ({_which(log)})",
            content="\n".join(log.lines) + "\n",
        )
    ]


SPEC = CommandSpec(
    name="logs pod",
    summary="One pod's log: the last lines inline, the whole as a file",
    example="/llm logs pod rag-service-7b9d8c6f5d-x2x9q --previous",
    args=(Arg("name", "the pod, as /llm pods shows it"),),
    options=(
        Option("since", "how far back, e.g. 30m or 6h (default 1h, at most 7d)", kind="str"),
        Option("previous", "the container instance that last ended (before a crash or an OOM kill)"),
        Option("container", "which container, when the pod has several", kind="str"),
    ),
    request=LogsPodRequest,
    run=run,
    render=render,
    render_text=render_text,
    files=files,
)
