"""An OCI distribution (Docker registry v2) client for image tags: `GET /v2/<name>/tags/list`, following
`Link: <...>; rel="next"` pages and the bearer-token challenge of Docker Hub-style registries (401 with
`WWW-Authenticate: Bearer realm=...,service=...,scope=...` -> GET the realm for a token -> retry).
Errors come out as NotFound / Forbidden / Unavailable with system "registry"."""

from __future__ import annotations

import re
import time
from typing import NamedTuple
from urllib.parse import quote, urljoin

import requests

from integrations.errors import Forbidden, NotFound, Unavailable
from integrations.http import check

SYSTEM = "registry"
MAX_PAGES = 50
_CHALLENGE = re.compile(r'(\w+)="([^"]*)"')
_VERSION = re.compile(
    r"^v?(\d+)\.(\d+)(?:\.(\d+))?(?:[-.]?(rc|alpha|beta|a|b|dev)\.?(\d+))?(?:[-.]?post\.?(\d+))?$",
    re.IGNORECASE,
)
_PRE_ORDER = {"dev": 0, "a": 1, "alpha": 1, "b": 2, "beta": 2, "rc": 3}


class Version(NamedTuple):
    """A tag like v0.4.0, 0.4.1, v0.4.0.post1 or v0.5.0rc1, ordered as PEP 440 orders them."""

    release: tuple[int, int, int]
    pre: tuple[int, int] | None  # (dev 0 / alpha 1 / beta 2 / rc 3, number); None: a release
    post: int

    @property
    def key(self) -> tuple:
        return self.release, self.pre or (9, 0), self.post


def parse_version(tag: str) -> Version | None:
    """The version a tag names, or None for tags that are not versions (latest, nightly-<sha>, ...)."""
    found = _VERSION.match(tag)
    if not found:
        return None
    major, minor, patch, pre, pre_number, post = found.groups()
    return Version(
        (int(major), int(minor), int(patch or 0)),
        (_PRE_ORDER[pre.lower()], int(pre_number)) if pre else None,
        int(post or 0),
    )


class RegistryClient:
    def __init__(
        self,
        url: str = "https://registry-1.docker.io",
        timeout_seconds: float = 10.0,
        page_size: int = 100,
        credentials: tuple[str, str] | None = None,  # for the token realm; None: anonymous pulls
    ):
        self._base, self._timeout, self._page_size = url.rstrip("/"), timeout_seconds, page_size
        self._credentials = credentials
        self._session = requests.Session()
        self._tokens: dict[str, tuple[str, float]] = {}  # scope -> (token, monotonic expiry)

    def tags(self, repository: str) -> list[str]:
        """Every tag of `repository` (e.g. vllm/vllm-openai), in the registry's order."""
        url = f"{self._base}/v2/{quote(repository, safe='/')}/tags/list?n={self._page_size}"
        found: list[str] = []
        for _ in range(MAX_PAGES):
            response = self._get(url, repository)
            found += response.json().get("tags") or []
            following = response.links.get("next", {}).get("url")
            if not following:
                return found
            url = urljoin(self._base + "/", following)
        raise Unavailable(SYSTEM, f"{repository} has more than {MAX_PAGES} pages of tags")

    def newer_tags(self, repository: str, current_tag: str, include_prereleases: bool = False) -> list[str]:
        """Version tags newer than `current_tag`, oldest first. `latest` and other non-version tags are
        left out; release candidates, dev builds and nightly-* only with `include_prereleases` (nightly
        tags carry no version, so they come last). ValueError when `current_tag` is not a version."""
        current = parse_version(current_tag)
        if current is None:
            raise ValueError(f"{current_tag} is not a version tag, so nothing can be newer than it")
        tags = self.tags(repository)
        versions = [(v, t) for t in tags if (v := parse_version(t)) and v.key > current.key]
        newer = [t for v, t in sorted(versions, key=lambda p: p[0].key) if include_prereleases or not v.pre]
        nightly = [t for t in tags if t.startswith("nightly")] if include_prereleases else []
        return newer + nightly

    def _get(self, url: str, repository: str) -> requests.Response:
        scope = f"repository:{repository}:pull"
        response = self._request(url, self._cached(scope))
        if response.status_code == 401:
            response = self._request(url, self._token(response, scope))
        if response.status_code in (401, 403):
            raise Forbidden(
                SYSTEM,
                f"the registry refused to list {repository} (HTTP {response.status_code}): "
                "it is private or does not exist, or our credentials may not pull it",
            )
        if response.status_code == 404:
            raise NotFound(SYSTEM, f"the registry has no repository {repository}")
        if response.status_code == 429:
            raise Unavailable(SYSTEM, "the registry is rate-limiting us (HTTP 429); try again later")
        check(SYSTEM, response)
        return response

    def _cached(self, scope: str) -> str | None:
        token, expiry = self._tokens.get(scope, (None, 0.0))
        return token if time.monotonic() < expiry else None

    def _token(self, challenge: requests.Response, scope: str) -> str | None:
        """A bearer token from the realm the 401 names; None when the registry wants no bearer token."""
        header = challenge.headers.get("WWW-Authenticate", "")
        if not header.lower().startswith("bearer "):
            return None
        params = dict(_CHALLENGE.findall(header))
        if "realm" not in params:
            return None
        query = {"service": params.get("service", ""), "scope": params.get("scope", scope)}
        response = self._request(params["realm"], None, params=query, auth=self._credentials)
        if response.status_code in (401, 403):
            raise Forbidden(SYSTEM, f"the token service refused us (HTTP {response.status_code})")
        check(SYSTEM, response)
        body = response.json()
        token = body.get("token") or body.get("access_token")
        lifetime = float(body.get("expires_in") or 60)
        self._tokens[scope] = (token, time.monotonic() + max(lifetime - 10, 1))
        return token

    def _request(self, url: str, token: str | None, **kwargs) -> requests.Response:
        headers = {"Accept": "application/json"} | ({"Authorization": f"Bearer {token}"} if token else {})
        try:
            return self._session.get(url, headers=headers, timeout=self._timeout, **kwargs)
        except requests.Timeout:
            raise Unavailable(SYSTEM, f"no answer within {self._timeout:g} s") from None
        except requests.RequestException as exc:
            raise Unavailable(SYSTEM, f"could not be reached ({type(exc).__name__})") from None
