"""The Hub stand-in answers as huggingface.co does, over plain HTTP."""

import pytest
import requests

from sandbox.huggingface import LLAMA, HuggingFaceStub


@pytest.fixture(scope="module")
def hub():
    server = HuggingFaceStub(page_size=3)
    server.start()
    yield server
    server.stop()


def test_model_info_carries_the_hubs_fields(hub):
    info = requests.get(f"{hub.url}/api/models/{LLAMA}", timeout=5).json()
    assert {"_id", "id", "modelId", "sha", "lastModified", "gated", "private", "tags"} <= set(info)
    assert len(info["sha"]) == 40 and info["lastModified"].endswith(".000Z")


def test_commits_come_newest_first_in_pages_linked_by_a_link_header(hub):
    first = requests.get(f"{hub.url}/api/models/{LLAMA}/commits/main", timeout=5)
    second = requests.get(first.links["next"]["url"], timeout=5)
    dates = [c["date"] for c in first.json() + second.json()]
    assert dates == sorted(dates, reverse=True) and len(first.json()) == 3
    assert set(first.json()[0]) == {"id", "title", "message", "authors", "date"}


def test_an_unknown_repo_is_401_to_anonymous_callers_and_404_with_a_token(hub):
    anonymous = requests.get(f"{hub.url}/api/models/meta-llama/Nope", timeout=5)
    signed = requests.get(
        f"{hub.url}/api/models/meta-llama/Nope", headers={"Authorization": "Bearer hf_x"}, timeout=5
    )
    assert (anonymous.status_code, signed.status_code) == (401, 404)
    assert anonymous.headers["X-Error-Code"] == signed.headers["X-Error-Code"] == "RepoNotFound"
