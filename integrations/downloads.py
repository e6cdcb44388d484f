"""Fetching a file someone points the bot at over http(s). The URL is read once, by urllib3's parser (the
one the HTTP client itself uses), refused unless it is plain, and fetched from an address the caller
checked, never from a second DNS answer; with a timeout and a size cap, and no redirects."""

from __future__ import annotations

import ipaddress
import re
import socket
from typing import Sequence

import urllib3
from pydantic import BaseModel
from requests.certs import where as default_ca_bundle  # the bundle requests trusts; same behaviour
from urllib3.exceptions import HTTPError, LocationParseError, NewConnectionError, SSLError
from urllib3.exceptions import TimeoutError as UrllibTimeout
from urllib3.util import parse_url

from integrations.errors import Forbidden, NotFound, Unavailable
from integrations.hosts import BadUrl, IPAddress, host_address

SYSTEM = "download"
DEFAULT_PORTS = {"http": 80, "https": 443}

_UNSAFE = re.compile(r"[^\x21-\x7e]")  # spaces, controls, anything outside printable ASCII
_ESCAPE = re.compile(r"%[0-9a-fA-F]{2}")


class Location(BaseModel, frozen=True):
    """Where a checked URL points: what the connection and the request line will use."""

    scheme: str
    host: str  # a lowercase DNS name, a dotted IPv4 address, or an IPv6 address in brackets
    port: int  # as written, else the scheme's default
    target: str  # path and query: the request line
    path: str

    @property
    def authority(self) -> str:
        return self.host if self.port == DEFAULT_PORTS[self.scheme] else f"{self.host}:{self.port}"

    @property
    def shown(self) -> str:
        """Fit for chat and logs: no query string (presigned links carry credentials there)."""
        return f"{self.scheme}://{self.authority}{self.path}"


def locate(url: str) -> Location:
    """`url` read by urllib3, refused (BadUrl) unless it is a plain http(s) URL that round-trips."""
    if _UNSAFE.search(url):
        raise BadUrl("the URL contains a space, a control character or a non-ASCII character")
    if "\\" in url:
        raise BadUrl("the URL contains a backslash")
    try:
        parsed = parse_url(url)
    except LocationParseError:
        raise BadUrl("the URL could not be read as scheme://host[:port]/path") from None
    if parsed.scheme not in DEFAULT_PORTS or not parsed.host:
        raise BadUrl("only http:// and https:// URLs with a host are fetched")
    if parsed.auth is not None:
        raise BadUrl("the URL carries a user name or password (`user@`)")
    if not _round_trips(url, parsed):
        raise BadUrl(
            "the URL is not in plain form (`..` or `.` segments, an empty or zero-padded port, "
            "an encoded host or characters the HTTP library would rewrite): give it as the server names it"
        )
    host_address(parsed.host)
    port = DEFAULT_PORTS[parsed.scheme] if parsed.port is None else parsed.port
    return Location(
        scheme=parsed.scheme, host=parsed.host, port=port, target=parsed.request_uri, path=parsed.path or "/"
    )


def _round_trips(url: str, parsed: urllib3.util.Url) -> bool:
    """Re-serialising gives `url` back, up to the case of scheme, host and %-escapes."""
    head = len(parsed.scheme or "") + len("://") + len(parsed.netloc or "")
    rest = _ESCAPE.sub(lambda m: m.group().upper(), url[head:])
    return url[:head].lower() + rest == parsed.url


def resolve(host: str, port: int) -> list[IPAddress]:
    """Every address `host` resolves to now, in the resolver's order."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise Unavailable(SYSTEM, f"`{host}` did not resolve") from None
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0]) for info in infos))


def fetch(
    location: Location,
    addresses: Sequence[IPAddress],
    max_bytes: int,
    timeout: float,
    ca_file: str | None = None,
) -> bytes:
    """The body at `location`, read from the first of `addresses` that accepts a connection; the Host
    header and TLS name (SNI and certificate check) are the location's host."""
    for address in addresses:
        with _pool(location, address, timeout, ca_file) as pool:
            response = _get(pool, location, timeout)
            if response is not None:
                try:
                    _check(response.status)
                    return _body(response, max_bytes)
                finally:
                    response.close()
    raise Unavailable(SYSTEM, f"`{location.authority}` could not be reached (connection refused)")


def _pool(
    location: Location, address: IPAddress, timeout: float, ca_file: str | None
) -> urllib3.HTTPConnectionPool:
    options = {"timeout": urllib3.Timeout(connect=timeout, read=timeout), "maxsize": 1, "retries": False}
    if location.scheme == "http":
        return urllib3.HTTPConnectionPool(str(address), location.port, **options)
    return urllib3.HTTPSConnectionPool(
        str(address),
        location.port,
        server_hostname=location.host.strip("[]"),
        cert_reqs="CERT_REQUIRED",
        ca_certs=ca_file or default_ca_bundle(),
        **options,
    )


def _get(
    pool: urllib3.HTTPConnectionPool, location: Location, timeout: float
) -> urllib3.BaseHTTPResponse | None:
    """The response, unread; None if the address refused the connection (the caller tries the next)."""
    headers = {"Host": location.authority, "User-Agent": "llmbot"}
    try:
        # no redirects: a redirect could lead past the caller's host check
        return pool.urlopen(
            "GET", location.target, headers=headers, redirect=False, preload_content=False, retries=False
        )
    except NewConnectionError:  # before its base class, the timeout
        return None
    except UrllibTimeout:
        raise Unavailable(SYSTEM, f"no answer within {timeout:g} s") from None
    except SSLError:
        raise Unavailable(SYSTEM, f"TLS with `{location.host}` failed (certificate not trusted?)") from None
    except HTTPError as exc:
        raise Unavailable(SYSTEM, f"could not be reached ({type(exc).__name__})") from None


def _check(status: int) -> None:
    if 200 <= status < 300:
        return
    if 300 <= status < 400:
        raise Unavailable(SYSTEM, "the server answered with a redirect; give the final URL")
    if status == 404:
        raise NotFound(SYSTEM, "not found")
    if status in (401, 403):
        raise Forbidden(SYSTEM, f"refused access (HTTP {status})")
    raise Unavailable(SYSTEM, f"answered HTTP {status}")


def _body(response: urllib3.BaseHTTPResponse, max_bytes: int) -> bytes:
    content = bytearray()
    try:
        for chunk in response.stream(64 * 1024):
            content += chunk
            if len(content) > max_bytes:
                raise Unavailable(SYSTEM, f"the file is larger than {max_bytes:,} bytes (indexing.max_bytes)")
    except HTTPError:
        raise Unavailable(SYSTEM, "the download broke off") from None
    return bytes(content)
