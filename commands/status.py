"""`/llm status`: the manual's Morning Checks in one message. Every source is asked at once with
one shared deadline, so a hung backend costs its own line a ❔ and never the whole answer."""

from __future__ import annotations

import logging
import uuid
from concurrent.futures import Future, wait
from datetime import datetime

from pydantic import BaseModel

from commands.blockkit import escape
from commands.deps import Deps
from commands.parts import SYSTEMS
from commands.platform import PageLink, linked
from commands.spec import CommandSpec, Request
from commands.status_checks import CHECKS, Line, State
from integrations.errors import IntegrationError

log = logging.getLogger(__name__)
LINKS = ("grafana", "prometheus", "runbook")


class StatusReport(BaseModel):
    at: datetime
    lines: list[Line]
    links: list[PageLink] = []  # where the manual sends you from the morning check

    @property
    def healthy(self) -> bool:
        """Every success criterion holds: the exit code of `llmbot status`."""
        return all(line.state == State.OK for line in self.lines)


class StatusRequest(Request):
    pass


def run(request: StatusRequest, deps: Deps) -> StatusReport:
    deadline = deps.platform.status_deadline_seconds
    futures = [(key, title, deps.pool.submit(check, deps)) for key, title, check in CHECKS]
    wait([f for _, _, f in futures], timeout=deadline)
    lines = [_line(key, title, future, deadline, deps) for key, title, future in futures]
    return StatusReport(at=deps.now(), lines=lines, links=deps.links.pick(*LINKS))


def _line(key: str, title: str, future: Future, deadline: float, deps: Deps) -> Line:
    if not future.done():
        future.cancel()
        deps.on_backend_error("deadline")
        return Line(key=key, title=title, state=State.UNKNOWN, text=f"no answer within {deadline:g} s")
    try:
        return future.result()
    except IntegrationError as exc:
        deps.on_backend_error(exc.system)
        return Line(
            key=key,
            title=title,
            state=State.UNKNOWN,
            text=f"{SYSTEMS.get(exc.system, exc.system)}: {exc.message}",
        )
    except Exception:
        ref = uuid.uuid4().hex[:8]
        log.exception("status check %s failed", key, extra={"ref": ref})
        return Line(key=key, title=title, state=State.UNKNOWN, text=f"check failed unexpectedly (ref {ref})")


def summary(report: StatusReport) -> str:
    """mrkdwn-safe: the titles are ours."""
    if report.healthy:
        return "All morning checks pass"
    failing = [line.title for line in report.lines if line.state != State.OK]
    return f"{len(failing)} of {len(report.lines)} checks need attention: " + ", ".join(failing)


def render(report: StatusReport) -> list[dict]:
    head = "✅ " if report.healthy else "⚠️ "
    blocks: list[dict] = [
        {"type": "header", "text": {"type": "plain_text", "text": "LLM platform status"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": head + summary(report)}},
    ]
    for line in report.lines:
        text = f"{line.state.icon} *{line.title}*: {escape(line.text)}"
        if line.details:
            text += "\n" + "\n".join(f"• {escape(d)}" for d in line.details[:10])
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:2900]}})
    stamp = report.at.strftime("%Y-%m-%d %H:%M %Z").strip()
    footer = " · ".join(part for part in (f"Checked {stamp}", linked(report.links)) if part)
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": footer}]})
    return blocks


def render_text(report: StatusReport) -> str:
    """Plain lines for a terminal, also the Slack message's notification text: outside text escaped."""
    out = [f"LLM platform status ({report.at:%Y-%m-%d %H:%M %Z})".replace(" )", ")"), summary(report), ""]
    for line in report.lines:
        out.append(f"{line.state.icon} {line.title}: {escape(line.text)}")
        out.extend(f"     - {escape(d)}" for d in line.details)
    out.extend(f"{page.label}: {page.url}" for page in report.links)
    return "\n".join(out)


SPEC = CommandSpec(
    name="status",
    summary="The morning health check: pods, nodes, alerts, cost, error rate, latency, GPUs",
    example="/llm status",
    details="Each line is ✅ met, ⚠️ not met, ❌ failing, or ❔ when its source did not answer in time.",
    request=StatusRequest,
    run=run,
    render=render,
    render_text=render_text,
)
