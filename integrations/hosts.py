"""What a host is: a DNS name or an IP address in its one standard spelling (never 0x7f.1 or 2130706433),
allowlist entries `host` or `host:port`, and which addresses are not public (loopback, private, …)."""

from __future__ import annotations

import ipaddress
import re
from typing import Union

IPAddress = Union[ipaddress.IPv4Address, ipaddress.IPv6Address]

_LABEL = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
_NAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*")
# a last label like these makes resolvers read the name as an IPv4 number (2130706433, 0x7f.1, 127.1)
_NUMERIC = re.compile(r"[0-9]+|0x[0-9a-f]*")
_ENTRY = re.compile(r"(\[[^\[\]]*\]|[^:\[\]]+)(?::([1-9][0-9]{0,4}))?")
_RESTRICTED = ("loopback", "link_local", "multicast", "unspecified", "reserved", "private")


class BadUrl(ValueError):
    """The URL is not one the bot fetches; the message is safe for chat (no query, no userinfo)."""


def host_address(host: str) -> IPAddress | None:
    """The IP address `host` spells, None for a DNS name; BadUrl for anything else (0x7f.1, 2130706433)."""
    try:
        if host.startswith("[") and host.endswith("]") and "%" not in host:
            return ipaddress.IPv6Address(host[1:-1])
        return ipaddress.IPv4Address(host)
    except ValueError:
        pass
    if len(host) > 253 or not _NAME.fullmatch(host) or _NUMERIC.fullmatch(host.rsplit(".", 1)[-1]):
        shown = f"`{host}`" if re.fullmatch(r"[\w.:\[\]%-]{1,80}", host) else "the host"
        raise BadUrl(f"{shown} is neither a DNS name nor an IP address in its standard form")
    return None


def host_port(entry: str) -> tuple[str, int | None]:
    """An allowlist entry `host` or `host:port` (IPv6 in brackets) as (lowercase host, port or None)."""
    match = _ENTRY.fullmatch(entry.lower())
    if not match or (match.group(2) and int(match.group(2)) > 65535):
        raise ValueError("not `host` or `host:port`")
    host_address(match.group(1))
    return match.group(1), int(match.group(2)) if match.group(2) else None


def restriction(address: IPAddress) -> str | None:
    """Why the bot should not reach `address` unasked ("loopback", "private", …); None if it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        address = address.ipv4_mapped or address.sixtofour or address
    for kind in _RESTRICTED:
        if getattr(address, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if address.is_global else "non-public"
