"""Container image references, checked before anything is planned: `registry/name:tag` or
`name@sha256:…`. A tag or digest is required: `latest` by accident is how rollbacks get lost."""

import re

from commands.errors import CommandError

_NAME = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_REFERENCE = re.compile(
    rf"^(?:(?P<registry>[a-zA-Z0-9.-]+(?::[0-9]+)?)/)?(?P<path>{_NAME}(?:/{_NAME})*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>sha256:[a-f0-9]{64}))?$"
)


def check_image(image: str) -> str:
    match = _REFERENCE.match(image)
    if not match or len(image) > 255:
        raise CommandError(
            f"`{image[:80]}` is not a valid image reference; expected e.g. `vllm/vllm-openai:v0.4.0`."
        )
    if not match["tag"] and not match["digest"]:
        raise CommandError(f"`{image}` has no tag; name the version, e.g. `{image}:v0.4.0`.")
    return image
