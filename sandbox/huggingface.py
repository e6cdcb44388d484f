"""A Hugging Face Hub stand-in for model revisions: `GET /api/models/{repo_id}` (sha, lastModified,
gated), `/refs`, and `/commits/{revision}` newest first in pages (`?p=N`, `Link: <...>; rel="next"`).
Unknown repos answer as the Hub does: 401 to anonymous callers, 404 with a token, both with
`X-Error-Code: RepoNotFound`. Seeded with Meta-Llama-3-70B-Instruct, whose head is two commits past
PINNED_REVISION (what the sandbox's config pins), so a model update has something to find."""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime, timedelta, timezone

from sandbox.httpstub import HasStub, Request, Response, StubServer

LLAMA = "meta-llama/Meta-Llama-3-70B-Instruct"
REPO = r"(?P<repo>[\w.-]+/[\w.-]+)"
HISTORY = [  # oldest first: (title, author, date)
    ("initial commit", "osanseviero", "2024-04-17T21:34:12Z"),
    ("Upload folder using huggingface_hub", "ArthurZ", "2024-04-17T22:05:40Z"),
    ("Update README.md", "pcuenq", "2024-04-18T15:02:11Z"),
    (
        "Update generation_config.json: eos_token_id also stops at <|eot_id|>",
        "ArthurZ",
        "2024-05-13T09:44:50Z",
    ),
    ("Update tokenizer_config.json: chat template", "ArthurZ", "2024-05-21T08:12:03Z"),
    ("Update config.json", "osanseviero", "2024-06-04T17:25:31Z"),
    ("Update README.md: license and use policy links", "pcuenq", "2024-09-27T14:51:09Z"),
]


def _sha(repo_id: str, title: str, date: str) -> str:
    return hashlib.sha1(f"{repo_id} {title} {date}".encode()).hexdigest()


PINNED_REVISION = _sha(LLAMA, HISTORY[4][0], HISTORY[4][2])


class HuggingFaceStub(HasStub):
    """`publish(repo_id, title)` adds a commit at the head, as a model owner pushing an update would."""

    def __init__(self, page_size: int = 50) -> None:
        self._lock = threading.Lock()
        self.page_size = page_size
        self._commits: dict[str, list[dict]] = {LLAMA: [_commit(t, a, d) for t, a, d in reversed(HISTORY)]}
        self.stub = StubServer("huggingface")
        self.stub.route("GET", rf"/api/models/{REPO}", self._model)
        self.stub.route("GET", rf"/api/models/{REPO}/refs", self._refs)
        self.stub.route("GET", rf"/api/models/{REPO}/commits/(?P<rev>[\w.-]+)", self._history)

    def publish(self, repo_id: str, title: str, when: datetime | None = None) -> str:
        stamp = (when or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ")
        with self._lock:
            self._commits.setdefault(repo_id, []).insert(0, _commit(title, "sandbox", stamp, repo_id))
            return self._commits[repo_id][0]["id"]

    def _model(self, req: Request) -> Response:
        commits = self._found(req)
        if isinstance(commits, Response):
            return commits
        repo_id = req.params["repo"]
        created = datetime.fromisoformat(commits[-1]["date"].replace("Z", "+00:00")) - timedelta(minutes=1)
        return Response(
            body={
                "_id": hashlib.md5(repo_id.encode()).hexdigest()[:24],
                "id": repo_id,
                "modelId": repo_id,
                "author": repo_id.split("/")[0],
                "sha": commits[0]["id"],
                "lastModified": commits[0]["date"].replace("Z", ".000Z"),
                "createdAt": created.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                "private": False,
                "disabled": False,
                "gated": "manual",
                "library_name": "transformers",
                "pipeline_tag": "text-generation",
                "tags": ["transformers", "safetensors", "llama", "text-generation", "conversational"],
            }
        )

    def _refs(self, req: Request) -> Response:
        commits = self._found(req)
        if isinstance(commits, Response):
            return commits
        main = {"name": "main", "ref": "refs/heads/main", "targetCommit": commits[0]["id"]}
        return Response(body={"branches": [main], "converts": [], "tags": []})

    def _history(self, req: Request) -> Response:
        commits = self._found(req)
        if isinstance(commits, Response):
            return commits
        rev = req.params["rev"]
        at = 0 if rev == "main" else _position(commits, rev)
        if at is None:
            return _refused(404, "RevisionNotFound", f"Invalid rev id: {rev}")
        page = int(req.arg("p") or 0)
        chunk = commits[at:][page * self.page_size : (page + 1) * self.page_size]
        headers = {}
        if (page + 1) * self.page_size < len(commits) - at:
            headers["Link"] = (
                f'<{self.url}/api/models/{req.params["repo"]}/commits/{rev}?p={page + 1}>; rel="next"'
            )
        return Response(body=chunk, headers=headers)

    def _found(self, req: Request) -> list[dict] | Response:
        with self._lock:
            commits = list(self._commits.get(req.params["repo"], []))
        if commits:
            return commits
        status = 404 if req.headers.get("Authorization") else 401
        return _refused(status, "RepoNotFound", "Repository not found")


def _commit(title: str, author: str, date: str, repo_id: str = LLAMA) -> dict:
    return {
        "id": _sha(repo_id, title, date),
        "title": title,
        "message": "",
        "authors": [{"user": author, "avatar": f"https://cdn-avatars.huggingface.co/{author}.png"}],
        "date": date,
    }


def _position(commits: list[dict], rev: str) -> int | None:
    """Where a commit id (at least 7 hex digits, as git abbreviates) sits in the history."""
    if len(rev) < 7:
        return None
    return next((i for i, c in enumerate(commits) if c["id"].startswith(rev)), None)


def _refused(status: int, code: str, message: str) -> Response:
    return Response(status, {"error": message}, headers={"X-Error-Code": code, "X-Error-Message": message})
