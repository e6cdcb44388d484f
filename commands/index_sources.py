"""Where `/llm index` reads its file from: an s3:// URL through the S3 client, or an http(s):// URL on a
host and port that indexing.allowed_hosts lists (never wherever a user points). Slack's own file links
are refused with a way out. URLs are shown without userinfo or query string (presigned links)."""

from __future__ import annotations

from urllib.parse import urlsplit

from commands.blockkit import code, escape
from commands.data_settings import IndexingSettings
from commands.deps import Deps
from commands.errors import CommandError
from integrations import downloads, hosts
from integrations.errors import NotFound


def unwrap(source: str) -> str:
    """Slack sends a typed link as `<https://…>` or `<https://…|label>`."""
    if source.startswith("<") and source.endswith(">"):
        source = source[1:-1].split("|", 1)[0]
    return source


def shown(url: str) -> str:
    """A URL fit for chat and the audit log: no user name or password, no query string or fragment."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "the URL"
    host = parts.netloc.rpartition("@")[2]
    text = (
        f"{parts.scheme}://{host}{parts.path}" if parts.scheme and host else url.split("?")[0].split("#")[0]
    )
    return "the URL" if "@" in text else text[:120].replace("`", "'")


def display_name(source: str) -> str:
    try:
        path = urlsplit(unwrap(source)).path
    except ValueError:
        path = ""
    return path.rstrip("/").rsplit("/", 1)[-1] or shown(unwrap(source))


def check_source(source: str) -> str:
    """An s3:// or http(s):// URL (Slack's `<…>` wrapping allowed); else a ValueError (a validator)."""
    if _scheme(unwrap(source)) not in ("s3", *downloads.DEFAULT_PORTS):
        raise ValueError(f"{code(shown(unwrap(source)))} is not an s3:// or http(s):// URL.")
    return source


def _scheme(url: str) -> str:
    try:
        return urlsplit(url).scheme
    except ValueError:
        return ""


def read(source: str, deps: Deps) -> bytes:
    url = unwrap(source)
    scheme = _scheme(url)
    if scheme == "s3":
        return _read_s3(url, deps)
    if scheme in downloads.DEFAULT_PORTS:
        return download(url, deps.indexing)
    raise CommandError(f"{code(shown(url))} is not an s3:// or http(s):// URL.")


def _read_s3(url: str, deps: Deps) -> bytes:
    parts = urlsplit(url)
    key = parts.path.lstrip("/")
    if not parts.netloc or not key:
        raise CommandError(f"{code(shown(url))} needs a bucket and a key: s3://bucket/path/file.jsonl")
    try:
        return deps.s3.read(parts.netloc, key, deps.indexing.max_bytes)
    except NotFound:
        raise CommandError(f"{code(shown(url))} does not exist.") from None


def download(url: str, settings: IndexingSettings, ca_file: str | None = None) -> bytes:
    """The file at an http(s) URL whose host and port `settings.allowed_hosts` lists, read from the
    very address checked here (a second DNS answer could point elsewhere)."""
    try:
        location = downloads.locate(url)
    except downloads.BadUrl as exc:
        raise _refused(escape(str(exc)), settings) from None
    if location.host == "slack.com" or location.host.endswith(".slack.com"):
        raise CommandError(
            "Slack file links need the bot's token, which this command does not use yet; "
            "copy the file to S3 and give its s3:// URL."
        )
    _check_listed(location, settings)
    addresses = _addresses(location, settings)
    try:
        return downloads.fetch(location, addresses, settings.max_bytes, settings.timeout_seconds, ca_file)
    except NotFound:
        raise CommandError(f"{code(location.shown)} answered 404 Not Found.") from None


def _check_listed(location: downloads.Location, settings: IndexingSettings) -> None:
    """The URL's host is an entry, with its port: an entry's own, or for a bare host the scheme's default."""
    wanted = _same_host(location.host)
    ports = [
        port for host, port in map(hosts.host_port, settings.allowed_hosts) if _same_host(host) == wanted
    ]
    if not ports:
        raise _refused(f"{code(location.host)} is not a host llmbot fetches from", settings)
    if location.port not in {downloads.DEFAULT_PORTS[location.scheme] if p is None else p for p in ports}:
        raise _refused(
            f"{code(location.authority)} is not allowed: port {location.port} is not listed for "
            f"{code(location.host)} (a bare host means port 80 for http and 443 for https; "
            f"list {code(f'{location.host}:{location.port}')} to allow it)",
            settings,
        )


def _addresses(location: downloads.Location, settings: IndexingSettings) -> list[hosts.IPAddress]:
    """Where to connect. An IP host is itself an entry, so it is named explicitly and any kind is
    allowed; a name must resolve to public addresses only (else anyone able to point DNS could
    reach the cluster's inside)."""
    literal = hosts.host_address(location.host)
    if literal is not None:
        return [literal]
    addresses = downloads.resolve(location.host, location.port)
    for address in addresses:
        kind = hosts.restriction(address)
        if kind:
            raise _refused(
                f"{code(location.host)} resolves to a {kind} address; llmbot fetches from such addresses "
                "only when indexing.allowed_hosts names the IP address itself",
                settings,
            )
    return addresses


def _same_host(host: str) -> object:
    """A comparable form: 10.0.0.5 and [::ffff:10.0.0.5] stay different, as their spellings do."""
    address = hosts.host_address(host)
    return host if address is None else address


def _refused(reason: str, settings: IndexingSettings) -> CommandError:
    allowed = ", ".join(settings.allowed_hosts) or "none: use an s3:// URL"
    return CommandError(f"{reason} (indexing.allowed_hosts: {escape(allowed)}).")
