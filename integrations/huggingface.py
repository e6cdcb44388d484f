"""The Hugging Face Hub's model API for the served model's revisions: `GET /api/models/{repo_id}` (the
head commit `sha`, `lastModified`), `/refs` (branches and tags) and `/commits/{revision}` (newest first,
paged by `Link: <...>; rel="next"`), to tell whether a newer revision than the pinned one exists.
Errors come out as NotFound / Forbidden / Unavailable with system "huggingface"."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import quote, urljoin

import requests
from pydantic import BaseModel

from integrations.errors import Forbidden, NotFound, Unavailable
from integrations.http import check

SYSTEM = "huggingface"
MAX_PAGES = 10


class ModelInfo(BaseModel):
    repo_id: str
    sha: str  # the head commit of the default branch
    last_modified: datetime
    gated: bool | str = False  # False, "auto" or "manual"
    private: bool = False


class Commit(BaseModel):
    id: str
    title: str
    date: datetime
    authors: list[str] = []


class RevisionCheck(BaseModel):
    """How the pinned revision stands against the branch: the commits made since, newest first.
    `known` is False when the pinned revision is not in the branch's recent history at all."""

    repo_id: str
    branch: str
    pinned: str
    head: str
    newer: list[Commit]
    known: bool

    @property
    def outdated(self) -> bool:
        return bool(self.newer) or not self.known


class HuggingFaceClient:
    def __init__(
        self, url: str = "https://huggingface.co", token: str | None = None, timeout_seconds: float = 10.0
    ):
        self._base, self._timeout = url.rstrip("/"), timeout_seconds
        self._session = requests.Session()
        if token:
            self._session.headers["Authorization"] = f"Bearer {token}"

    def model(self, repo_id: str) -> ModelInfo:
        body = self._get(f"/api/models/{_repo(repo_id)}", repo_id).json()
        return ModelInfo(
            repo_id=body.get("id", repo_id),
            sha=body["sha"],
            last_modified=body["lastModified"],
            gated=body.get("gated") or False,
            private=bool(body.get("private")),
        )

    def refs(self, repo_id: str) -> dict[str, str]:
        """Branch and tag names -> the commit each points at."""
        body = self._get(f"/api/models/{_repo(repo_id)}/refs", repo_id).json()
        return {r["name"]: r["targetCommit"] for r in body.get("branches", []) + body.get("tags", [])}

    def commits(self, repo_id: str, revision: str = "main", limit: int = 200) -> list[Commit]:
        """The history of `revision`, newest first, at most `limit` commits."""
        url = f"{self._base}/api/models/{_repo(repo_id)}/commits/{quote(revision, safe='')}"
        found: list[Commit] = []
        for _ in range(MAX_PAGES):
            response = self._get(url, repo_id, absolute=True)
            found += [_commit(c) for c in response.json()]
            following = response.links.get("next", {}).get("url")
            if not following or len(found) >= limit:
                return found[:limit]
            url = urljoin(self._base + "/", following)
        return found[:limit]

    def newer_revisions(self, repo_id: str, pinned: str, branch: str = "main") -> RevisionCheck:
        """Commits on `branch` after `pinned` (a full or abbreviated sha)."""
        history = self.commits(repo_id, branch)
        at = next((i for i, c in enumerate(history) if c.id.startswith(pinned)), None)
        head = history[0].id if history else self.model(repo_id).sha
        newer = history[:at] if at is not None else []  # unknown: outdated, but "since when" is unclear
        return RevisionCheck(
            repo_id=repo_id, branch=branch, pinned=pinned, head=head, newer=newer, known=at is not None
        )

    def _get(self, path: str, repo_id: str, absolute: bool = False) -> requests.Response:
        url = path if absolute else f"{self._base}{path}"
        try:
            response = self._session.get(url, timeout=self._timeout)
        except requests.Timeout:
            raise Unavailable(SYSTEM, f"no answer within {self._timeout:g} s") from None
        except requests.RequestException as exc:
            raise Unavailable(SYSTEM, f"could not be reached ({type(exc).__name__})") from None
        _refusal(response, repo_id)
        return response


def _refusal(response: requests.Response, repo_id: str) -> None:
    """The Hub names its refusals in X-Error-Code; an unknown repo answers 401 to anonymous callers."""
    code = response.headers.get("X-Error-Code", "")
    if code == "RepoNotFound":
        raise NotFound(SYSTEM, f"no model {repo_id} (or it is private and our token cannot see it)")
    if code == "RevisionNotFound":
        raise NotFound(SYSTEM, f"{repo_id} has no such revision")
    if code == "GatedRepo" or response.status_code in (401, 403):
        raise Forbidden(SYSTEM, f"{repo_id} refused our token (HTTP {response.status_code}); check access")
    if response.status_code == 429:
        raise Unavailable(SYSTEM, "the Hub is rate-limiting us (HTTP 429); try again later")
    check(SYSTEM, response)


def _repo(repo_id: str) -> str:
    return quote(repo_id, safe="/")


def _commit(raw: dict) -> Commit:
    return Commit(
        id=raw["id"],
        title=raw.get("title", ""),
        date=raw["date"],
        authors=[a.get("user", "") for a in raw.get("authors", [])],
    )
