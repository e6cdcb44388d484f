"""HuggingFaceClient against the Hub stand-in: the served model's head, its refs, and the commits made
since the revision the platform pins."""

import pytest

from integrations.errors import NotFound
from integrations.huggingface import HuggingFaceClient
from sandbox.huggingface import LLAMA, PINNED_REVISION, HuggingFaceStub


@pytest.fixture
def stub():
    server = HuggingFaceStub(page_size=2)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def hub(stub):
    return HuggingFaceClient(stub.url, timeout_seconds=2.0)


def test_the_model_reads_back_with_its_head_commit_and_when_it_changed(hub):
    model = hub.model(LLAMA)
    assert (model.repo_id, model.gated, model.private) == (LLAMA, "manual", False)
    assert model.sha == hub.refs(LLAMA)["main"]
    assert model.last_modified.isoformat() == "2024-09-27T14:51:09+00:00"


def test_the_pinned_revision_is_two_commits_behind_across_pages(hub):
    check = hub.newer_revisions(LLAMA, PINNED_REVISION)
    assert [c.title for c in check.newer] == [
        "Update README.md: license and use policy links",
        "Update config.json",
    ]
    assert (check.known, check.outdated, check.head) == (True, True, hub.model(LLAMA).sha)


def test_an_abbreviated_pin_at_the_head_is_up_to_date(hub):
    check = hub.newer_revisions(LLAMA, hub.model(LLAMA).sha[:10])
    assert (check.newer, check.known, check.outdated) == ([], True, False)


def test_a_commit_pushed_after_the_pin_shows_up_first(hub, stub):
    sha = stub.publish(LLAMA, "Update generation_config.json")
    newer = hub.newer_revisions(LLAMA, PINNED_REVISION).newer
    assert (newer[0].id, newer[0].authors, len(newer)) == (sha, ["sandbox"], 3)


def test_a_pin_that_is_not_on_the_branch_is_outdated_but_not_known(hub):
    check = hub.newer_revisions(LLAMA, "0123456789abcdef")
    assert (check.known, check.outdated, check.newer) == (False, True, [])


def test_an_unknown_model_is_not_found_with_or_without_a_token(stub):
    for token in (None, "hf_sandbox"):
        with pytest.raises(NotFound, match="no model meta-llama/Nope") as missing:
            HuggingFaceClient(stub.url, token=token, timeout_seconds=2.0).model("meta-llama/Nope")
        assert missing.value.system == "huggingface"


def test_an_unknown_revision_is_not_found(hub):
    with pytest.raises(NotFound, match="has no such revision"):
        hub.commits(LLAMA, "deadbeefdeadbeef")
