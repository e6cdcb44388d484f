"""`/llm updates` through the real registry, OSV, Hugging Face and Kubernetes clients on their sandbox
stand-ins: newer vLLM releases than the running one, advisories for its version, newer commits of the
pinned model, the buttons that start the update procedure, and each failing source as one ❔ line."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
import requests

from commands import updates
from commands.update_settings import UpdateSettings
from integrations.huggingface import HuggingFaceClient
from integrations.osv import OsvClient
from integrations.registry import RegistryClient
from sandbox.huggingface import LLAMA, PINNED_REVISION, HuggingFaceStub
from sandbox.oci_registry import VLLM, RegistryStub
from sandbox.osv import OsvStub
from tests.kube_support import kube_on_sandbox
from tests.light_deps import light_deps

NEWER = ["v0.3.1", "v0.3.2", "v0.3.3", "v0.4.0", "v0.4.0.post1", "v0.4.1", "v0.4.2", "v0.4.3", "v0.5.0"]


@pytest.fixture(scope="module")
def stands(tmp_path_factory):
    parts = RegistryStub(), OsvStub(), HuggingFaceStub()
    for part in parts:
        part.start()
    with kube_on_sandbox(tmp_path_factory.mktemp("updates")) as (server, kube):
        yield (server, kube, *parts)
    for part in parts:
        part.stop()


def deps_for(stands, **settings):
    _, kube, registry, osv, hub = stands
    chosen = UpdateSettings(
        **{
            "registry_url": registry.url,
            "image_repository": VLLM,
            "osv_url": osv.url,
            "huggingface_url": hub.url,
            "model": LLAMA,
            "model_revision": PINNED_REVISION,
            "timeout_seconds": 2,
            **settings,
        }
    )
    return light_deps(
        kube=kube,
        registry=RegistryClient(registry.url, 2),
        osv=OsvClient(osv.url, 2),
        huggingface=HuggingFaceClient(hub.url, None, 2),
        updates=chosen,
    )


@contextmanager
def faulted(url: str):
    requests.post(f"{url}/_sandbox/fault", json={"status": 503}, timeout=2).raise_for_status()
    try:
        yield
    finally:
        requests.post(f"{url}/_sandbox/fault", json={}, timeout=2).raise_for_status()


def check(stands, **settings) -> updates.UpdateCheck:
    return updates.run(updates.UpdatesRequest(), deps_for(stands, **settings))


def buttons(blocks) -> list[tuple[str, str]]:
    return [(e["action_id"], e["value"]) for b in blocks if b["type"] == "actions" for e in b["elements"]]


def test_updates_finds_newer_releases_advisories_and_model_commits_and_offers_the_procedure(stands):
    found = check(stands)
    tags, advisories, model = found.parts
    assert found.image == "vllm/vllm-openai:v0.3.0"
    assert (tags.state, tags.summary) == ("warn", "10 newer release(s) of `vllm/vllm-openai` than `v0.3.0`")
    assert tags.lines == [", ".join(f"`{t}`" for t in [*NEWER[2:], "v0.5.0.post1"])]
    assert (advisories.state, advisories.summary) == (
        "fail",
        "3 advisory(ies) for `vllm` `0.3.0`, 2 high or critical",
    )
    assert advisories.lines[0].startswith(
        "HIGH <https://osv.dev/vulnerability/GHSA-sbx1-8768-vllm|GHSA-sbx1-8768-vllm> (CVE-2024-8768): "
    )
    assert advisories.lines[0].endswith("; fixed in `0.5.5`")
    assert (model.state, len(model.lines)) == ("warn", 2)
    assert model.summary.startswith(
        f"`{LLAMA}` pinned at `{PINNED_REVISION[:12]}`: 2 newer commit(s), head `"
    )
    assert found.candidate == "vllm/vllm-openai:v0.5.0.post1"
    assert buttons(updates.render(found)) == [
        (updates.SCHEDULE_WINDOW, "vllm/vllm-openai:v0.5.0.post1"),
        (updates.START_CANARY, "vllm/vllm-openai:v0.5.0.post1"),
    ]


def test_each_source_that_fails_is_one_unknown_line_and_the_others_still_answer(stands):
    _, _, registry, osv, _ = stands
    with faulted(registry.url), faulted(osv.url):
        found = check(stands)
    assert [(p.title, p.state) for p in found.parts] == [
        ("Image tags", "unknown"),
        ("Advisories", "unknown"),
        ("Model", "warn"),
    ]
    assert found.parts[0].summary.startswith("The image registry did not answer: ")
    assert found.parts[1].summary.startswith("OSV did not answer: ")
    assert found.candidate is None
    assert buttons(updates.render(found)) == [(updates.SCHEDULE_WINDOW, "")]


def test_without_kubernetes_the_running_image_is_unknown_but_the_model_is_still_checked(stands):
    server = stands[0]
    with faulted(server.url):
        found = check(stands)
    assert found.image is None
    assert found.parts[0].summary.startswith("the running image is unknown: Kubernetes did not answer: ")
    assert found.parts[1].state == "unknown" and found.parts[2].state == "warn"
    assert updates.headline(found).startswith("vllm-llama-3-70b runs an unknown image: 1 to look at")


def test_an_up_to_date_platform_shows_no_buttons_and_an_unpinned_model_says_how_to_pin_it(stands):
    _, _, registry, osv, _ = stands
    tags, advisories = registry.repositories[VLLM], osv.advisories
    registry.repositories[VLLM], osv.advisories = ["v0.2.0", "v0.3.0", "latest"], []
    try:
        found = check(stands, model_revision="")
    finally:
        registry.repositories[VLLM], osv.advisories = tags, advisories
    assert [(p.state, p.summary) for p in found.parts] == [
        ("ok", "`v0.3.0` is the newest release"),
        ("ok", "no known advisories for `vllm` `0.3.0`"),
        ("unknown", f"no pinned revision of `{LLAMA}`: set updates.model_revision"),
    ]
    assert buttons(updates.render(found)) == []
    assert (
        updates.render_text(found).splitlines()[0]
        == "vllm-llama-3-70b runs `vllm/vllm-openai:v0.3.0`: nothing to update"
    )


def test_the_tag_of_an_image_reference():
    assert [updates.tag_of(i) for i in ("vllm/vllm-openai:v0.3.0", "host:5000/vllm", "vllm@sha256:ab")] == [
        "v0.3.0",
        None,
        None,
    ]
