"""RegistryClient against the OCI registry stand-in: the bearer-token challenge, paged tag lists, and
which tags count as newer than the running one."""

import pytest
import requests

from integrations.errors import Forbidden, NotFound, Unavailable
from integrations.registry import RegistryClient, parse_version
from sandbox.oci_registry import VLLM, VLLM_TAGS, RegistryStub


@pytest.fixture(scope="module")
def stub():
    server = RegistryStub()
    server.private["acme/private-model"] = ("robot", "s3cret")
    server.repositories["acme/private-model"] = ["v1.0.0", "v1.1.0"]
    server.start()
    yield server
    server.stop()


@pytest.fixture
def registry(stub):
    return RegistryClient(stub.url, timeout_seconds=2.0, page_size=5)


def test_tags_come_after_one_token_challenge_across_every_page(registry, stub):
    before, pages_before = stub.token_requests, _tag_pages(stub)
    assert registry.tags(VLLM) == sorted(VLLM_TAGS)
    assert stub.token_requests - before == 1
    assert _tag_pages(stub) - pages_before == 1 + -(-len(VLLM_TAGS) // 5)  # the 401, then each page


def test_a_token_is_reused_until_it_expires(registry, stub):
    registry.tags(VLLM)
    before = stub.token_requests
    registry.tags(VLLM)
    assert stub.token_requests == before


def test_newer_tags_are_the_releases_after_the_running_one_oldest_first(registry):
    assert registry.newer_tags(VLLM, "v0.4.0") == [
        "v0.4.0.post1",
        "v0.4.1",
        "v0.4.2",
        "v0.4.3",
        "v0.5.0",
        "v0.5.0.post1",
    ]


def test_release_candidates_and_nightlies_only_when_asked(registry):
    newer = registry.newer_tags(VLLM, "v0.4.3", include_prereleases=True)
    assert newer[:4] == ["v0.5.0rc1", "v0.5.0", "v0.5.0.post1", "nightly"]
    assert newer[4].startswith("nightly-") and "latest" not in newer
    assert registry.newer_tags(VLLM, "v0.5.0.post1") == []


def test_a_running_tag_that_is_not_a_version_cannot_be_compared(registry):
    with pytest.raises(ValueError, match="latest is not a version tag"):
        registry.newer_tags(VLLM, "latest")


def test_versions_order_candidates_before_releases_before_post_releases():
    order = ["v0.4.0rc1", "0.4.0", "v0.4.0.post1", "v0.4.1", "v0.10.0"]
    assert sorted(order, key=lambda t: parse_version(t).key) == order
    assert [parse_version(t) for t in ("latest", "nightly-0c8d1a4e", "v0.4.0-cu118")] == [None, None, None]


def test_an_unknown_repository_is_not_found(registry):
    with pytest.raises(NotFound, match="no repository vllm/nothing-here") as missing:
        registry.tags("vllm/nothing-here")
    assert missing.value.system == "registry"


def test_a_private_repository_without_credentials_is_forbidden(registry):
    with pytest.raises(Forbidden, match="refused to list acme/private-model"):
        registry.tags("acme/private-model")


def test_credentials_open_a_private_repository(stub):
    registry = RegistryClient(stub.url, timeout_seconds=2.0, credentials=("robot", "s3cret"))
    assert registry.tags("acme/private-model") == ["v1.0.0", "v1.1.0"]


def test_a_registry_that_does_not_answer_in_time_is_unavailable(stub):
    registry = RegistryClient(stub.url, timeout_seconds=0.2)
    requests.post(f"{stub.url}/_sandbox/fault", json={"delay_seconds": 0.5}, timeout=5)
    try:
        with pytest.raises(Unavailable, match="no answer within 0.2 s"):
            registry.tags(VLLM)
    finally:
        requests.post(f"{stub.url}/_sandbox/fault", json={}, timeout=5)


def _tag_pages(stub) -> int:
    return sum(1 for method, path in stub.stub.seen if path.endswith("/tags/list"))
