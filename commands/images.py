"""Container image references, checked before anything is planned: `registry/name:tag` or
`name@sha256:…`. A tag or digest is required: `latest` by accident is how rollbacks get lost. And
where an image may come from: `platform.allowed_registries`, Docker Hub short names read as docker.io."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

from commands.blockkit import code
from commands.errors import CommandError

_NAME = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_REFERENCE = re.compile(
    rf"^(?:(?P<registry>[a-zA-Z0-9.-]+(?::[0-9]+)?)/)?(?P<path>{_NAME}(?:/{_NAME})*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>sha256:[a-f0-9]{64}))?$"
)
DOCKER_HUB = "docker.io"
_HUB_ALIASES = ("index.docker.io", "registry-1.docker.io", "registry.hub.docker.com")


def image_shape(image: str) -> str:
    """The reference itself, or a ValueError saying what is wrong with it (a request validator)."""
    match = _REFERENCE.match(image)
    if not match or len(image) > 255:
        raise ValueError(
            f"{code(image[:80])} is not a valid image reference; expected e.g. `vllm/vllm-openai:v0.4.0`."
        )
    if not match["tag"] and not match["digest"]:
        raise ValueError(f"{code(image)} has no tag; name the version, e.g. {code(image + ':v0.4.0')}.")
    return image


Image = Annotated[str, AfterValidator(image_shape)]


def repository(reference: str) -> str:
    """Where an image lives, fully named, without tag or digest: `vllm/vllm-openai:v1` ->
    `docker.io/vllm/vllm-openai`, `ubuntu` -> `docker.io/library/ubuntu`; Hub aliases read as docker.io."""
    name = reference.split("@", 1)[0]
    if name.rfind(":") > name.rfind("/"):
        name = name[: name.rfind(":")]
    first, slash, rest = name.partition("/")
    if slash and _is_host(first):
        return f"{_host(first)}/{rest}"
    return f"{DOCKER_HUB}/{name}" if slash else f"{DOCKER_HUB}/library/{name}"


def allowed(image: str, registries: list[str]) -> bool:
    """Whether `image` lies under one of the entries: a registry (`ghcr.io`) or a path within one
    (`ghcr.io/example/`; `vllm/` is `docker.io/vllm/`), compared whole path segment by segment."""
    return any(f"{repository(image)}/".startswith(_prefix(entry)) for entry in registries)


def _prefix(entry: str) -> str:
    entry = entry.strip().rstrip("/")
    first, _, rest = entry.partition("/")
    if _is_host(first):
        return f"{_host(first)}/{rest}/" if rest else f"{_host(first)}/"
    return f"{DOCKER_HUB}/{entry}/"


def _is_host(segment: str) -> bool:
    return "." in segment or ":" in segment or segment == "localhost"


def _host(host: str) -> str:
    return DOCKER_HUB if host in _HUB_ALIASES else host


def check_registry(image: str, registries: list[str]) -> None:
    """A CommandError naming the allowed registries when `image` comes from elsewhere."""
    if not allowed(image, registries):
        listed = ", ".join(code(r) for r in registries) or "none (platform.allowed_registries is empty)"
        raise CommandError(
            f"{code(image)} is not from an allowed registry; platform.allowed_registries lists {listed}."
        )
