"""The model-update check's three sources, each one Part: newer vLLM release tags than the running one
(the image registry), advisories for the running vLLM version (OSV), and commits of the served model
after the pinned revision (Hugging Face). A source without a client says so; outside text is escaped."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from commands.blockkit import code, escape, link
from commands.deps import Deps
from commands.update_settings import UpdateSettings
from integrations.errors import IntegrationError, Unavailable

SOURCES = {
    "registry": "The image registry",
    "osv": "OSV",
    "huggingface": "Hugging Face",
    "kubernetes": "Kubernetes",
}
State = Literal["ok", "warn", "fail", "unknown"]


class Part(BaseModel):
    """One source's finding; `summary` and `lines` are mrkdwn, built safe."""

    title: str
    state: State
    summary: str
    lines: list[str] = []


class Newest(Part):
    """The image tags part when a newer release exists: which one a canary would try."""

    newest: str


def newer_tags(deps: Deps, settings: UpdateSettings, tag: str) -> Part:
    if deps.registry is None:
        return unknown("Image tags", "no image registry client configured")
    try:
        newer = deps.registry.newer_tags(settings.image_repository, tag)
    except ValueError:
        return unknown("Image tags", f"{code(tag)} is not a version tag, so nothing can be newer")
    if not newer:
        return Part(title="Image tags", state="ok", summary=f"{code(tag)} is the newest release")
    summary = f"{len(newer)} newer release(s) of {code(settings.image_repository)} than {code(tag)}"
    shown = ", ".join(code(t) for t in newer[-8:])
    return Newest(title="Image tags", state="warn", summary=summary, lines=[shown], newest=newer[-1])


def advisories(deps: Deps, settings: UpdateSettings, tag: str) -> Part:
    if deps.osv is None:
        return unknown("Advisories", "no OSV client configured")
    found = deps.osv.query(settings.osv_package, tag)
    version = f"{code(settings.osv_package)} {code(tag.removeprefix('v'))}"
    if not found:
        return Part(title="Advisories", state="ok", summary=f"no known advisories for {version}")
    serious = [a for a in found if a.severity in ("HIGH", "CRITICAL")]
    summary = f"{len(found)} advisory(ies) for {version}, {len(serious)} high or critical"
    lines = [
        f"{escape(a.severity or 'UNRATED')} {link(a.url, a.id)}"
        + (f" ({escape(', '.join(a.cves))})" if a.cves else "")
        + f": {escape(a.summary[:160])}"
        + (f"; fixed in {', '.join(code(v) for v in a.fixed)}" if a.fixed else "; no fix yet")
        for a in found
    ]
    return Part(title="Advisories", state="fail" if serious else "warn", summary=summary, lines=lines)


def revisions(deps: Deps, settings: UpdateSettings) -> Part:
    if not settings.model_revision:
        return unknown("Model", f"no pinned revision of {code(settings.model)}: set updates.model_revision")
    if deps.huggingface is None:
        return unknown("Model", "no Hugging Face client configured")
    check = deps.huggingface.newer_revisions(settings.model, settings.model_revision)
    model, pinned, head = code(check.repo_id), code(check.pinned[:12]), code(check.head[:12])
    if not check.known:
        summary = f"{model} pinned at {pinned}, which is not in {escape(check.branch)}'s history; head {head}"
        return Part(title="Model", state="warn", summary=summary)
    if not check.newer:
        return Part(title="Model", state="ok", summary=f"{model} at {pinned} is the newest revision")
    summary = f"{model} pinned at {pinned}: {len(check.newer)} newer commit(s), head {head}"
    lines = [f"{c.date:%Y-%m-%d} {code(c.id[:12])} {escape(c.title[:120])}" for c in check.newer[:8]]
    return Part(title="Model", state="warn", summary=summary, lines=lines)


def unknown(title: str, reason: str) -> Part:
    return Part(title=title, state="unknown", summary=reason)


def failed(exc: IntegrationError) -> str:
    """Which source failed and how: one line, the rest of the check goes on."""
    said = "did not answer" if isinstance(exc, Unavailable) else "refused"
    return f"{SOURCES.get(exc.system, exc.system)} {said}: {escape(exc.message)}"
