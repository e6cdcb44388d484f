"""Reading an HTTP/1.1 request head as strictly as waitress did: a bare CR or LF, a bad request line
or header name is 400, a chunked body 411 (Slack and PagerDuty always send a Content-Length), another
transfer coding 501, a body over 1 MB 413. Headers come out as WSGI environ keys."""

from __future__ import annotations

import re

MAX_BODY = 1024 * 1024
MAX_HEAD = 64 * 1024
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")  # what a header name may be made of
_KEYS: dict[str, str] = {}  # header name -> its WSGI environ key ("" when dropped), for names seen before
Head = tuple[str, str, str, dict[str, str], int]  # method, target, version, WSGI header keys, body length


class Refused(Exception):
    """The request is answered with `status` and the connection closed; the app never sees it."""

    def __init__(self, status: int, why: str):
        super().__init__(why)
        self.status = status


def parse_head(raw: bytes) -> Head:
    text = raw.lstrip(b"\r\n").decode("latin-1")
    if not text.count("\r") == text.count("\n") == text.count("\r\n"):
        raise Refused(400, "a bare CR or LF")  # one line to us, two to a proxy: refused, as waitress does
    lines = text.split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) != 3 or parts[2] not in ("HTTP/1.1", "HTTP/1.0") or not parts[1].startswith("/"):
        raise Refused(400, "bad request line")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        key = _KEYS.get(name) if colon else None
        if key is None:
            key = _key(name) if colon else _key("")
        if key:
            value = value.strip(" \t")
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
    return parts[0], parts[1], parts[2], headers, _body_length(headers)


def _key(name: str) -> str:
    """The environ key for a header `name` ("" for one with "_", dropped as waitress does: X_A would
    pass for X-A); Refused if it is no header name at all (an obsolete folded line included)."""
    if not _TOKEN.match(name):
        raise Refused(400, "bad header")
    key = name.upper().replace("-", "_")
    key = "" if "_" in name else key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key
    if len(_KEYS) < 1024:  # names repeat from request to request; a client inventing new ones fills no memory
        _KEYS[name] = key
    return key


def _body_length(headers: dict[str, str]) -> int:
    if "HTTP_TRANSFER_ENCODING" in headers:
        if "chunked" in headers["HTTP_TRANSFER_ENCODING"].lower():
            raise Refused(411, "send the body with a Content-Length")
        raise Refused(501, "Transfer-Encoding is not supported")
    length = headers.get("CONTENT_LENGTH", "0")
    if not (length.isascii() and length.isdigit()):
        raise Refused(400, "Content-Length is invalid")
    if int(length) > MAX_BODY:
        raise Refused(413, "body too large")
    return int(length)
