"""Where `/llm index` reads its file from: an s3:// URL through the S3 client, or an http(s):// URL
(a presigned link, an internal file server). Slack's own file links are refused with a way out."""
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


def display_name(source: str) -> str:
    return unwrap(source).rstrip("/").rsplit("/", 1)[-1] or unwrap(source)


def read(source: str, deps: Deps) -> bytes:
    url, limit = unwrap(source), deps.indexing.max_bytes
    parts = urlsplit(url)
    if parts.scheme == "s3":
        key = parts.path.lstrip("/")
        if not parts.netloc or not key:
            raise CommandError(f"`{url}` needs a bucket and a key: s3://bucket/path/file.jsonl")
        try:
            return deps.s3.read(parts.netloc, key, limit)
        except NotFound:
            raise CommandError(f"`{url}` does not exist.") from None
    if parts.scheme in ("http", "https") and parts.netloc:
        if parts.netloc.endswith("slack.com"):
            raise CommandError("Slack file links need the bot's token, which this command does not use yet; "
                               "copy the file to S3 and give its s3:// URL.")
        try:
            return downloads.fetch(url, limit, deps.indexing.timeout_seconds)
        except NotFound:
            raise CommandError(f"`{url}` answered 404 Not Found.") from None
    raise CommandError(f"`{url[:80]}` is not an s3:// or http(s):// URL.")
