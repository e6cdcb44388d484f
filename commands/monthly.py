"""The monthly cost optimisation review: last month's spend by service, unused resources, spot savings
and this month's forecast, each answered by the cost command that shows it (looked up by name and run
with its own typed request, so the review follows those commands as they change: the first of a part's
commands this version has and accepts answers it; none, or a backend failing, is one ❔ line), with the
manual's three action items as the post's checklist (ACTIONS)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from pydantic import BaseModel

from commands.blockkit import code, escape, header, section
from commands.deps import Deps
from commands.errors import CommandError
from commands.parts import Missing, gather
from commands.spec import CommandSpec, build_request

ACTIONS = ("Submit savings recommendations", "Request budget adjustment if needed", "Update forecasts")
Ask = tuple[str, dict[str, Any]]  # a command and its arguments
PARTS: tuple[tuple[str, tuple[Ask, ...]], ...] = (  # title, the commands that can answer it, best first
    ("Spend by service", (("cost month", {}), ("cost", {"period": "mtd"}), ("cost", {"period": "month"}))),
    ("Unused resources", (("cost waste", {}),)),
    ("Spot savings", (("cost spot", {}),)),
    ("Forecast", (("cost forecast", {}),)),
)


class Answered(BaseModel):
    """One part: the command's own blocks and text, or why it could not answer (`missing`, mrkdwn)."""

    title: str = ""
    blocks: list[dict] = []
    text: str = ""
    missing: str | None = None


class CostReview(BaseModel):
    at: datetime
    parts: list[Answered]


def review(deps: Deps, find: Callable[[str], CommandSpec | None]) -> CostReview:
    found = gather(deps, {title: (lambda asks=asks: _answer(deps, find, asks)) for title, asks in PARTS})
    parts = [
        Answered(title=title, missing=escape(value.reason))
        if isinstance(value, Missing)
        else value.model_copy(update={"title": title})
        for title, value in found.items()
    ]
    return CostReview(at=deps.now(), parts=parts)


def _answer(deps: Deps, find: Callable[[str], CommandSpec | None], asks: tuple[Ask, ...]) -> Answered:
    spec, request = _first(find, asks)
    if spec is None:
        names = " or ".join(code("/llm " + verb) for verb in dict(asks))
        return Answered(missing=f"{names}: not in this version")
    try:
        result = spec.run(request, deps)
    except CommandError as exc:
        return Answered(missing=exc.message)
    text = spec.render_text(result) if spec.render_text else spec.summary
    return Answered(blocks=spec.render(result) if spec.render else [section(text)], text=text)


def _first(
    find: Callable[[str], CommandSpec | None], asks: tuple[Ask, ...]
) -> tuple[CommandSpec | None, Any]:
    """The first command that exists and takes these arguments, with its request."""
    for verb, args in asks:
        spec = find(verb)
        if spec is None or spec.run is None:
            continue
        try:
            return spec, build_request(spec, args, "")
        except CommandError:
            continue
    return None, None


def render(r: CostReview) -> list[dict]:
    blocks = [header(f"Monthly cost optimisation review: {r.at:%B %Y}")]
    for part in r.parts:
        blocks += [section(f"❔ *{part.title}*: {part.missing}")] if part.missing is not None else part.blocks
    return blocks[:47]  # Slack takes 50 blocks; the scheduled post adds its own context lines


def render_text(r: CostReview) -> str:
    out = [f"*Monthly cost optimisation review* ({r.at:%B %Y})"]
    for part in r.parts:
        out.append(
            f"❔ {part.title}: {part.missing}" if part.missing is not None else f"*{part.title}*\n{part.text}"
        )
    return "\n\n".join(out)
