"""An OCI distribution (registry v2) stand-in for image tags, speaking as Docker Hub does: every /v2/
call wants a bearer token; without one it answers 401 with `WWW-Authenticate: Bearer realm=<this
server>/token,service=...,scope=repository:<name>:pull`; the realm hands out short-lived tokens for a
scope; `GET /v2/<name>/tags/list?n=&last=` pages through the tags in lexical order with a `Link` header.
A repository listed in `private` gets a token with no access unless the realm is called with its
basic-auth credentials, as Docker Hub does. Seeded with vllm/vllm-openai's tags, so a sandbox running
v0.3.0 has newer releases to find."""

from __future__ import annotations

import base64
import secrets
import threading
import time
from datetime import datetime, timezone
from urllib.parse import quote

from sandbox.httpstub import HasStub, Request, Response, StubServer

SERVICE = "registry.sandbox"
VLLM = "vllm/vllm-openai"
VLLM_TAGS = [
    *(f"v0.2.{n}" for n in range(8)),
    "v0.2.1.post1",
    *(f"v0.3.{n}" for n in range(4)),
    "v0.4.0",
    "v0.4.0.post1",
    "v0.4.1",
    "v0.4.2",
    "v0.4.3",
    "v0.5.0rc1",
    "v0.5.0",
    "v0.5.0.post1",
    "latest",
    "nightly",
    "nightly-0c8d1a4e7f7f0e2b9a6d3c5e1f4b8a2d6c9e0f13",
]
MAX_PAGE = 100  # Docker Hub caps n as well
TOKEN_SECONDS = 300


class RegistryStub(HasStub):
    """`repositories` maps name -> tags; `token_requests` counts trips to the realm, for tests."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.repositories: dict[str, list[str]] = {VLLM: list(VLLM_TAGS)}
        self.private: dict[str, tuple[str, str]] = {}  # repository -> (user, password) its tokens need
        self._tokens: dict[str, tuple[str, float]] = {}  # token -> (scope, expiry)
        self.token_requests = 0
        self.stub = StubServer("registry")
        self.stub.route("GET", r"/token", self._token)
        self.stub.route("GET", r"/v2/", self._base)
        self.stub.route("GET", r"/v2/(?P<name>[a-z0-9._/-]+)/tags/list", self._tags)

    def _token(self, req: Request) -> Response:
        scope = req.arg("scope", "")
        if req.arg("service") != SERVICE:
            return Response(400, {"errors": [{"code": "UNSUPPORTED", "message": "unknown service"}]})
        token = secrets.token_urlsafe(24)
        with self._lock:
            self.token_requests += 1
            name = scope.split(":")[1] if scope.count(":") == 2 else ""
            if name in self.private and _basic(req) != self.private[name]:
                scope = ""  # a token all the same, but one that opens nothing
            self._tokens[token] = (scope, time.monotonic() + TOKEN_SECONDS)
        issued = datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
        return Response(
            body={"token": token, "access_token": token, "expires_in": TOKEN_SECONDS, "issued_at": issued}
        )

    def _base(self, req: Request) -> Response:
        if not self._allowed(req, None):
            return self._challenge(None)
        return Response(body={}, headers={"Docker-Distribution-API-Version": "registry/2.0"})

    def _tags(self, req: Request) -> Response:
        name = req.params["name"]
        if not self._allowed(req, f"repository:{name}:pull"):
            return self._challenge(name)
        with self._lock:
            tags = sorted(self.repositories.get(name, [])) if name in self.repositories else None
        if tags is None:
            return _error(404, "NAME_UNKNOWN", "repository name not known to registry", name)
        return self._page(name, tags, req)

    def _page(self, name: str, tags: list[str], req: Request) -> Response:
        n = min(int(req.arg("n") or MAX_PAGE), MAX_PAGE)
        last = req.arg("last")
        after = [t for t in tags if last is None or t > last]
        page, more = after[:n], len(after) > n
        headers = {"Docker-Distribution-API-Version": "registry/2.0"}
        if more:
            following = f"/v2/{name}/tags/list?n={n}&last={quote(page[-1])}"
            headers["Link"] = f'<{following}>; rel="next"'
        return Response(body={"name": name, "tags": page}, headers=headers)

    def _allowed(self, req: Request, scope: str | None) -> bool:
        auth = req.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return False
        with self._lock:
            granted, expiry = self._tokens.get(auth.removeprefix("Bearer "), ("", 0.0))
        return time.monotonic() < expiry and (scope is None or granted == scope)

    def _challenge(self, name: str | None) -> Response:
        scope = f',scope="repository:{name}:pull"' if name else ""
        header = f'Bearer realm="{self.url}/token",service="{SERVICE}"{scope}'
        response = _error(401, "UNAUTHORIZED", "authentication required", name)
        response.headers["WWW-Authenticate"] = header
        return response


def _error(status: int, code: str, message: str, name: str | None) -> Response:
    detail = [{"Type": "repository", "Class": "", "Name": name, "Action": "pull"}] if name else None
    return Response(status, {"errors": [{"code": code, "message": message, "detail": detail}]})


def _basic(req: Request) -> tuple[str, str] | None:
    auth = req.headers.get("Authorization", "")
    if not auth.startswith("Basic "):
        return None
    user, _, password = base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
    return user, password
