"""How a `/llm` verb is declared: its words, arguments, options, help, required role, and the
functions behind it. Command modules declare their own specs; bot/registry.py lists them all."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from commands.blockkit import escape
from commands.errors import CommandError


class Request(BaseModel):
    """What a command is asked, typed: each command declares a subclass with its arguments and options;
    the router validates it, so a command never sees a dict. `requester` is who asked ("" for the bot's
    own schedules)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    requester: str = ""


class ChangeRequest(Request):
    """A change command's request: `--dry-run` shows the plan and changes nothing."""

    dry_run: bool = False


@dataclass(frozen=True)
class Arg:
    name: str
    help: str
    kind: Literal["str", "int"] = "str"
    required: bool = True
    choices: tuple[str, ...] = ()
    minimum: int | None = None
    rest: bool = False  # the last argument takes every remaining word: a free-text reason


@dataclass(frozen=True)
class Option:
    name: str  # without the leading "--"
    help: str
    kind: Literal["flag", "str", "int"] = "flag"


@dataclass(frozen=True)
class FileOut:
    """A file a command's answer carries (long listings, CSV exports, reports): uploaded in the
    answer's thread rather than cut to fit a message."""

    filename: str
    title: str
    content: str | bytes  # text (CSV, Markdown) or binary (PNG)


@dataclass(frozen=True)
class CommandSpec:
    name: str  # one or more words: "status", "canary start"
    summary: str
    example: str
    role: str = "viewer"
    changes: bool = False
    args: tuple[Arg, ...] = ()
    options: tuple[Option, ...] = ()
    run: Callable[..., Any] | None = None  # run(request: spec.request, deps) -> result
    render: Callable[[Any], list[dict]] | None = None  # Block Kit
    render_text: Callable[[Any], str] | None = None  # terminal
    files: Callable[[Any], list[FileOut]] | None = None  # uploads that go with the answer
    # change commands (changes=True): plan(request, deps) -> ChangePlan, then after approval
    # apply(plan, deps, progress) -> ChangeOutcome
    plan: Callable[..., Any] | None = None
    apply: Callable[..., Any] | None = None
    # check(plan, deps) -> what moved since the plan was made (empty: still as planned); run before apply
    check: Callable[..., list[str]] | None = None
    request: type[Request] | None = (
        None  # the typed request run/plan receive (None: a verb an engine answers)
    )
    plan_data: type[BaseModel] | None = None  # the typed ChangePlan.data apply and check receive
    details: str = ""
    aliases: tuple[str, ...] = field(default=())

    @property
    def usage(self) -> str:
        parts = [f"/llm {self.name}"]
        for arg in self.args:
            label = "|".join(arg.choices) if arg.choices else arg.name
            parts.append(f"<{label}>" if arg.required else f"[{label}]")
        for opt in self.options:
            parts.append(f"[--{opt.name}]" if opt.kind == "flag" else f"[--{opt.name} {opt.kind.upper()}]")
        return " ".join(parts)


DRY_RUN = Option("dry-run", "show what would change; change nothing")


def build_request(spec: CommandSpec, args: dict[str, Any], requester: str) -> Any:
    """The request a command's run/plan receives, validated; a CommandError says what is wrong. A verb
    without its own functions (an engine answers it in the ack) has nothing to build: None."""
    if spec.request is None:
        if spec.run or spec.plan:
            raise TypeError(f"/llm {spec.name} has no request model; a command never receives a dict")
        return None
    try:
        return spec.request.model_validate({**args, "requester": requester})
    except ValidationError as exc:
        raise CommandError(_said(exc.errors()[0])) from None


def _said(error: dict) -> str:
    """A validator's own sentence as it is (written mrkdwn-safe); pydantic's generic ones, which may
    quote the input, escaped and prefixed with the field."""
    if error["type"] == "value_error":
        return str(error["ctx"]["error"])
    where = ".".join(str(part) for part in error["loc"]) or "request"
    return escape(f"<{where}>: {error['msg']}")
