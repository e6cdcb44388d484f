"""Shared fixtures: one sandbox for the whole session (a real Prometheus among it), and a fresh bot
per test, served over HTTP on a free port with its own state file."""

from __future__ import annotations

import pytest
import requests

from sandbox.platform import Sandbox
from tests.support import BotUnderTest, start_bot


@pytest.fixture(scope="session")
def sandbox(tmp_path_factory) -> Sandbox:
    with Sandbox(workdir=tmp_path_factory.mktemp("sandbox"), kube_step_seconds=0.05) as running:
        yield running


@pytest.fixture
def bot(sandbox, tmp_path) -> BotUnderTest:
    running = start_bot(sandbox, tmp_path / "llmbot.db")
    yield running
    running.server.stop()


@pytest.fixture
def restore_rag(sandbox):
    """rag-service back to the manual's 3 replicas after a test that scales it."""
    yield
    requests.patch(
        f"{sandbox.kube.url}/apis/apps/v1/namespaces/llm-inference/deployments/rag-service/scale",
        json={"spec": {"replicas": 3}},
        headers={"Content-Type": "application/merge-patch+json"},
        timeout=5,
    )
