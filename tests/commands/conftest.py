"""Fixtures for the change commands' checks: the bot's own clients record (real clients on the session
sandbox, the real calendar on a fresh state file), and Deployments cloned for one test and deleted after."""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import pytest

from commands.deps import Deps
from integrations.kube import KubeClient
from tests.kube_support import NS, clone, eventually
from tests.support import start_bot

CLONES = ["chk-scale", "chk-deploy", "chk-rollback", "chk-drain"]


@pytest.fixture(scope="module")
def deps(sandbox, tmp_path_factory) -> Iterator[Deps]:
    """What a command receives in the running bot, managing the real deployments plus the clones."""
    running = start_bot(
        sandbox,
        tmp_path_factory.mktemp("checks") / "db.sqlite",
        platform={"deployments": ["vllm-llama-3-70b", "rag-service", *CLONES]},
    )
    yield running.bot.deps
    running.stop()


@pytest.fixture(scope="module")
def kube(sandbox) -> Iterator[KubeClient]:
    client = KubeClient(str(sandbox.kubeconfig), timeout_seconds=5)
    yield client
    client.close()


@contextmanager
def cloned(kube: KubeClient, name: str, replicas: int = 2, **spec) -> Iterator[dict]:
    """A copy of rag-service named `name` for the length of a block, once its first revision exists."""
    manifest = clone(kube, name, replicas=replicas, **spec)
    eventually(lambda: kube.revisions(NS, name))
    try:
        yield manifest
    finally:
        kube.delete_deployment(NS, name)
        eventually(lambda: not kube.deployment_exists(NS, name))
