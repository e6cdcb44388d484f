"""One answer to "what went wrong": a user mistake gets its own message (and the usage line), an
upstream failure names the system and what to do, anything else gets a reference id the user can
quote while the details go to the log. Used by the worker, jobs, timers, listeners and engines."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from commands.errors import CommandError
from integrations.errors import Forbidden, IntegrationError, NotFound

log = logging.getLogger(__name__)

SYSTEMS = {
    "kubernetes": "The Kubernetes API",
    "prometheus": "Prometheus",
    "aws": "AWS",
    "pagerduty": "PagerDuty",
    "slack": "Slack",
    "qdrant": "Qdrant",
    "rag": "The RAG service",
    "alertmanager": "Alertmanager",
    "registry": "The image registry",
    "osv": "OSV",
    "huggingface": "Hugging Face",
}


@dataclass(frozen=True)
class Described:
    outcome: str  # usage | refused | unavailable | error
    text: str  # safe to show in chat
    ref: str = ""
    system: str = ""  # the integration that failed, for metrics

    @property
    def log_text(self) -> str:
        return f"ref {self.ref}" if self.ref else self.text


def describe(exc: BaseException, what: str = "", **context) -> Described:
    """Classify `exc` and say it for a person; unexpected errors are logged here with a reference id."""
    if isinstance(exc, CommandError):  # a Refusal is valid input the world says no to: no usage line
        return Described("usage" if getattr(exc, "show_usage", True) else "refused", exc.message)
    if isinstance(exc, IntegrationError):
        return Described("unavailable", unavailable(exc), system=exc.system)
    ref = uuid.uuid4().hex[:8]
    log.error(f"{what or 'work'} failed", exc_info=exc, extra={"ref": ref, **context})
    return Described("error", internal_error(ref), ref=ref)


def unavailable(exc: IntegrationError) -> str:
    system = SYSTEMS.get(exc.system, exc.system)
    if isinstance(exc, Forbidden):
        return f"⛔ {system} refused the request: {exc.message}."
    if isinstance(exc, NotFound):
        return f"⚠️ {system}: {exc.message}."
    advice = "" if "try again" in exc.message.lower() else " Try again in a minute."
    return f"❔ {system} is unavailable: {exc.message}.{advice}"


def internal_error(ref: str) -> str:
    return (
        f"💥 Something went wrong on our side (reference `{ref}`). Quote the reference to the platform team."
    )
