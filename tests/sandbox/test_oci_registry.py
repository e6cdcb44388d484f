"""The OCI registry stand-in answers as Docker Hub does, over plain HTTP: a bearer challenge naming its
realm, tokens scoped to one repository, and tag pages in lexical order linked by a Link header."""

import pytest
import requests

from sandbox.oci_registry import SERVICE, VLLM, VLLM_TAGS, RegistryStub


@pytest.fixture(scope="module")
def registry():
    server = RegistryStub()
    server.repositories["acme/other"] = ["v1"]
    server.start()
    yield server
    server.stop()


def _token(registry, repository: str) -> str:
    answer = requests.get(
        f"{registry.url}/token",
        params={"service": SERVICE, "scope": f"repository:{repository}:pull"},
        timeout=5,
    ).json()
    assert answer["expires_in"] == 300 and answer["token"] == answer["access_token"]
    return answer["token"]


def test_listing_tags_without_a_token_is_a_bearer_challenge_naming_the_realm(registry):
    answer = requests.get(f"{registry.url}/v2/{VLLM}/tags/list", timeout=5)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == (
        f'Bearer realm="{registry.url}/token",service="{SERVICE}",scope="repository:{VLLM}:pull"'
    )
    assert answer.json()["errors"][0]["code"] == "UNAUTHORIZED"


def test_a_token_for_one_repository_does_not_open_another(registry):
    token = _token(registry, "acme/other")
    answer = requests.get(
        f"{registry.url}/v2/{VLLM}/tags/list", headers={"Authorization": f"Bearer {token}"}, timeout=5
    )
    assert answer.status_code == 401


def test_tag_pages_run_in_lexical_order_linked_by_a_link_header(registry):
    auth = {"Authorization": f"Bearer {_token(registry, VLLM)}"}
    first = requests.get(f"{registry.url}/v2/{VLLM}/tags/list", params={"n": 3}, headers=auth, timeout=5)
    assert first.json() == {"name": VLLM, "tags": sorted(VLLM_TAGS)[:3]}
    following = first.links["next"]["url"]
    assert following == f"/v2/{VLLM}/tags/list?n=3&last={sorted(VLLM_TAGS)[2]}"
    second = requests.get(f"{registry.url}{following}", headers=auth, timeout=5)
    assert second.json()["tags"] == sorted(VLLM_TAGS)[3:6]


def test_the_last_page_has_no_link(registry):
    auth = {"Authorization": f"Bearer {_token(registry, VLLM)}"}
    answer = requests.get(
        f"{registry.url}/v2/{VLLM}/tags/list",
        params={"n": 3, "last": sorted(VLLM_TAGS)[-2]},
        headers=auth,
        timeout=5,
    )
    assert (answer.json()["tags"], "Link" in answer.headers) == ([sorted(VLLM_TAGS)[-1]], False)
