"""Where `/llm index` reads its file from: an s3:// URL through the S3 client, or an http(s):// URL on
a configured host (a file server; never wherever a user points). Slack's own file links are refused
with a way out. URLs are shown without their query string: presigned links carry credentials there."""

from __future__ import annotations

from urllib.parse import urlsplit

from commands.deps import Deps
from commands.errors import CommandError
from integrations import downloads
from integrations.errors import NotFound


def unwrap(source: str) -> str:
    """Slack sends a typed link as `<https://…>` or `<https://…|label>`."""
    if source.startswith("<") and source.endswith(">"):
        source = source[1:-1].split("|", 1)[0]
    return source


def shown(url: str) -> str:
    """A URL fit for chat and the audit log: no query string (presigned links carry credentials there)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}" if parts.scheme else url[:80]


def display_name(source: str) -> str:
    path = urlsplit(unwrap(source)).path
    return path.rstrip("/").rsplit("/", 1)[-1] or shown(unwrap(source))


def read(source: str, deps: Deps) -> bytes:
    url, limit = unwrap(source), deps.indexing.max_bytes
    parts = urlsplit(url)
    if parts.scheme == "s3":
        key = parts.path.lstrip("/")
        if not parts.netloc or not key:
            raise CommandError(f"`{shown(url)}` needs a bucket and a key: s3://bucket/path/file.jsonl")
        try:
            return deps.s3.read(parts.netloc, key, limit)
        except NotFound:
            raise CommandError(f"`{shown(url)}` does not exist.") from None
    if parts.scheme in ("http", "https") and parts.netloc:
        if parts.netloc.endswith("slack.com"):
            raise CommandError(
                "Slack file links need the bot's token, which this command does not use yet; "
                "copy the file to S3 and give its s3:// URL."
            )
        if parts.hostname not in deps.indexing.allowed_hosts:
            allowed = ", ".join(deps.indexing.allowed_hosts) or "none: use an s3:// URL"
            raise CommandError(
                f"`{parts.hostname}` is not a host llmbot fetches from (indexing.allowed_hosts: {allowed})."
            )
        try:
            return downloads.fetch(url, limit, deps.indexing.timeout_seconds)
        except NotFound:
            raise CommandError(f"`{shown(url)}` answered 404 Not Found.") from None
    raise CommandError(f"`{shown(url)}` is not an s3:// or http(s):// URL.")
