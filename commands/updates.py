"""`/llm updates`: the manual's monthly model-update check. Newer vLLM image tags than the one production
runs (the image registry), security advisories for the running vLLM version (OSV) and newer revisions
of the served model (Hugging Face). Each source that fails is one ❔ line; the buttons start the
manual's update procedure: schedule a maintenance window, start a canary with the newest image."""

from __future__ import annotations

from typing import Callable

from pydantic import BaseModel

from commands.blockkit import button, code, context, escape, header, listing, section
from commands.deps import Deps
from commands.parts import Missing, gather
from commands.spec import CommandSpec, Request
from commands.update_settings import UpdateSettings
from commands.update_sources import Newest, Part, advisories, failed, newer_tags, revisions, unknown
from integrations.errors import IntegrationError

SCHEDULE_WINDOW = "updates:schedule_window"  # button: /llm maintenance schedule for the next default window
START_CANARY = "updates:canary"  # button: /llm canary start <value>, the newest release
ICONS = {"fail": "❌", "warn": "⚠️", "ok": "✅", "unknown": "❔"}
PROCEDURE = (  # the manual's update procedure, the monthly post's checklist
    "Test in staging environment",
    "Create rollback plan",
    "Schedule maintenance window",
    "Deploy with canary strategy",
)


class UpdateCheck(BaseModel):
    deployment: str
    image: str | None  # what production runs now; None when Kubernetes did not say
    parts: list[Part]
    candidate: str | None = None  # the newest release as an image, for the canary button

    @property
    def outdated(self) -> bool:
        return any(p.state in ("warn", "fail") for p in self.parts)


class UpdatesRequest(Request):
    pass


def tag_of(image: str) -> str | None:
    """`vllm/vllm-openai:v0.3.0` -> `v0.3.0`; None for a digest-only or untagged reference."""
    name = image.split("@", 1)[0]
    return name[name.rfind(":") + 1 :] if name.rfind(":") > name.rfind("/") else None


def run(request: UpdatesRequest, deps: Deps) -> UpdateCheck:
    settings, deployment = deps.updates or UpdateSettings(), deps.canary.deployment
    image, reason = _running(deps, deployment)
    tag = tag_of(image) if image else None
    if image and not tag:
        reason = f"{code(image)} carries no version tag"
    checks: dict[str, Callable[[], Part]] = {
        "Image tags": lambda: newer_tags(deps, settings, tag) if tag else unknown("Image tags", reason),
        "Advisories": lambda: advisories(deps, settings, tag) if tag else unknown("Advisories", reason),
        "Model": lambda: revisions(deps, settings),
    }
    found = gather(deps, {title: _guarded(deps, title, check) for title, check in checks.items()})
    parts = [unknown(t, escape(v.reason)) if isinstance(v, Missing) else v for t, v in found.items()]
    newest = next((p.newest for p in parts if isinstance(p, Newest)), None)
    candidate = f"{image.split('@', 1)[0].rsplit(':', 1)[0]}:{newest}" if image and newest else None
    return UpdateCheck(
        deployment=deployment,
        image=image,
        parts=[Part(**p.model_dump(include=set(Part.model_fields))) for p in parts],
        candidate=candidate,
    )


def _running(deps: Deps, deployment: str) -> tuple[str | None, str]:
    try:
        return deps.kube.get_deployment(deps.platform.namespace, deployment).image, ""
    except IntegrationError as exc:
        deps.on_backend_error(exc.system)
        return None, f"the running image is unknown: {failed(exc)}"


def _guarded(deps: Deps, title: str, check: Callable[[], Part]) -> Callable[[], Part]:
    """A source that fails is one ❔ line naming it, never the whole answer."""

    def guarded() -> Part:
        try:
            return check()
        except IntegrationError as exc:
            deps.on_backend_error(exc.system)
            return unknown(title, failed(exc))

    return guarded


def headline(check: UpdateCheck) -> str:
    running = code(check.image) if check.image else "an unknown image"
    attention = [p.title for p in check.parts if p.state in ("warn", "fail")]
    verdict = f"{len(attention)} to look at: {', '.join(attention)}" if attention else "nothing to update"
    return f"{check.deployment} runs {running}: {verdict}"


def render_text(check: UpdateCheck) -> str:
    out = [headline(check)]
    for part in check.parts:
        out += [f"{ICONS[part.state]} {part.title}: {part.summary}"] + [
            f"    - {line}" for line in part.lines
        ]
    return "\n".join(out)


def render(check: UpdateCheck) -> list[dict]:
    blocks = [header("Model update check"), section(headline(check))]
    for part in check.parts:
        title = f"{ICONS[part.state]} {part.title}: {part.summary}"
        blocks.append(
            listing(title, [f"• {line}" for line in part.lines]) if part.lines else section(f"*{title}*")
        )
    blocks.append(
        context("The manual's procedure: test in staging, plan the rollback, schedule a window, canary.")
    )
    buttons = _buttons(check)
    return blocks + ([{"type": "actions", "elements": buttons}] if buttons else [])


def _buttons(check: UpdateCheck) -> list[dict]:
    if not check.outdated:
        return []
    found = [button("Schedule a window", SCHEDULE_WINDOW, check.candidate or "")]
    if check.candidate:
        found.append(button(f"Start a canary with {check.candidate}"[:75], START_CANARY, check.candidate))
    return found


SPEC = CommandSpec(
    name="updates",
    summary="Newer vLLM images, advisories for the running vLLM and newer revisions of the served model",
    example="/llm updates",
    details="Where it looks: the `updates` section of the config (registry, OSV, Hugging Face, the pinned "
    "revision). The buttons schedule the next default maintenance window and start a canary.",
    request=UpdatesRequest,
    run=run,
    render=render,
    render_text=render_text,
)
