"""Fetching a file someone points the bot at over http(s), with a timeout and a size cap. Slack's
`url_private` links need the bot token; they are not fetched here (use S3 or a presigned URL)."""

from __future__ import annotations

import requests

from integrations.errors import Unavailable
from integrations.http import call

SYSTEM = "download"


def fetch(url: str, max_bytes: int, timeout: float) -> bytes:
    with requests.Session() as session:
        # no redirects: a redirect could lead past the caller's host check
        response = call(SYSTEM, session, "GET", url, timeout, stream=True, allow_redirects=False)
        if response.is_redirect:
            response.close()
            raise Unavailable(SYSTEM, "the server answered with a redirect; give the final URL")
        content = bytearray()
        try:
            for chunk in response.iter_content(64 * 1024):
                content += chunk
                if len(content) > max_bytes:
                    raise Unavailable(
                        SYSTEM, f"the file is larger than {max_bytes:,} bytes (indexing.max_bytes)"
                    )
        except requests.RequestException:
            raise Unavailable(SYSTEM, "the download broke off") from None
        finally:
            response.close()
    return bytes(content)
