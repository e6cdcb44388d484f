"""Turns the text after `/llm` into an Invocation of a registered command, or a UsageError that
says what was wrong and how the command is used. Pure: no Slack, no I/O, so it is safe on the ack path."""

from __future__ import annotations

import difflib
import re
import shlex
from dataclasses import dataclass, field
from typing import Any

from bot.registry import Registry
from commands.spec import Arg, CommandSpec

MAX_TEXT = 1000  # Slack allows far more; nothing we run needs it

_NORMALISE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u00a0": " ",
        "\u2009": " ",
        "\u202f": " ",
    }
)
_NOT_PLAIN = re.compile(r"['\"\\]|[^\S \t\r\n]")  # a quote, a backslash, or a space shlex does not split at
_DASHES = ("\u2014", "\u2013", "\u2012", "\u2212")  # Slack turns "--" into a long dash as you type


@dataclass
class Invocation:
    spec: CommandSpec
    args: dict[str, Any] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return " ".join(f"{k}={v}" for k, v in self.args.items())


class UsageError(Exception):
    """The user can fix this: `message` says what, `spec` (if known) shows the usage line."""

    def __init__(self, message: str, spec: CommandSpec | None = None):
        super().__init__(message)
        self.message = message
        self.spec = spec


def normalise(text: str) -> str:
    text = text.translate(_NORMALISE)
    for dash in _DASHES:
        text = text.replace(dash, "--")
    return text.strip()


def parse(text: str, registry: Registry) -> Invocation:
    if len(text) > MAX_TEXT:
        raise UsageError(f"That is {len(text):,} characters; commands are at most {MAX_TEXT:,}.")
    text = normalise(text)
    try:  # no quote, backslash or unusual space: shlex would split at the spaces, and so does str.split
        words = shlex.split(text) if _NOT_PLAIN.search(text) else text.split()
    except ValueError:
        raise UsageError("A quote is not closed.") from None
    if not words:
        return Invocation(registry.find("help"))
    spec, rest = _match_verb(words, registry)
    return Invocation(spec, _bind(spec, rest))


def _match_verb(words: list[str], registry: Registry) -> tuple[CommandSpec, list[str]]:
    for size in (3, 2, 1):  # longest name first: "canary start" before "canary"
        spec = registry.find(" ".join(words[:size]).lower())
        if spec is not None and len(words) >= size:
            return spec, words[size:]
    raise UsageError(_unknown_verb(words, registry))


def _unknown_verb(words: list[str], registry: Registry) -> str:
    word = words[0].lower()
    family = [spec.name for spec in registry.family(word)]
    typed = " ".join(words[:2]).lower()
    guesses = difflib.get_close_matches(typed, family or registry.names, n=3, cutoff=0.6)
    guesses += [
        g for g in difflib.get_close_matches(word, registry.names, n=3, cutoff=0.6) if g not in guesses
    ]
    shown = _clip(" ".join(words[:2]) if family else words[0])
    message = f"Unknown command `{shown}`."
    if guesses:
        message += " Did you mean " + " or ".join(f"`/llm {g}`" for g in guesses[:3]) + "?"
    if family:
        message += (
            f" `/llm {_clip(word)}` takes: "
            + ", ".join(f"`{name.split(' ', 1)[1]}`" for name in family)
            + "."
        )
    return message + " Try `/llm help`."


def _bind(spec: CommandSpec, words: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    positional: list[str] = []
    options = {opt.name: opt for opt in spec.options}
    queue = list(words)
    while queue:
        word = queue.pop(0)
        if not word.startswith("--"):
            positional.append(word)
            continue
        name = word[2:]
        opt = options.get(name)
        if opt is None:
            raise UsageError(f"`{spec.name}` has no option `--{_clip(name)}`.", spec)
        if opt.kind == "flag":
            values[name.replace("-", "_")] = True
            continue
        if not queue:
            raise UsageError(f"`--{name}` needs a value.", spec)
        values[name.replace("-", "_")] = _convert(Arg(name, opt.help, kind=opt.kind), queue.pop(0), spec)
    if spec.args and spec.args[-1].rest and len(positional) > len(spec.args):
        positional[len(spec.args) - 1 :] = [" ".join(positional[len(spec.args) - 1 :])]
    if len(positional) > len(spec.args):
        extra = " ".join(_clip(w) for w in positional[len(spec.args) :])
        raise UsageError(f"`{spec.name}` does not take `{extra}`.", spec)
    for arg, word in zip(spec.args, positional, strict=False):
        values[arg.name] = _convert(arg, word, spec)
    missing = [a.name for a in spec.args[len(positional) :] if a.required]
    if missing:
        raise UsageError(f"`{spec.name}` needs {', '.join(f'<{m}>' for m in missing)}.", spec)
    return values


def _convert(arg: Arg, word: str, spec: CommandSpec) -> Any:
    if arg.choices and word not in arg.choices:
        raise UsageError(f"`{_clip(word)}` is not one of: {', '.join(arg.choices)}.", spec)
    if arg.kind == "int":
        try:
            value = int(word)
        except ValueError:
            raise UsageError(f"<{arg.name}> must be a whole number, not `{_clip(word)}`.", spec) from None
        if arg.minimum is not None and value < arg.minimum:
            raise UsageError(f"<{arg.name}> must be at least {arg.minimum}.", spec)
        return value
    return word


def _clip(word: str, limit: int = 40) -> str:
    word = word.replace("`", "'")
    return word if len(word) <= limit else word[: limit - 1] + "…"
