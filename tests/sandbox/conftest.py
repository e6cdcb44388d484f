"""Fixtures for the sandbox's own tests: the Slack stand-in, started once per test module."""

import pytest
from slack_sdk import WebClient

from sandbox.slack_api import SlackApiStub


@pytest.fixture(scope="module")
def slack_stub():
    stub = SlackApiStub()
    stub.start()
    yield stub
    stub.stop()


@pytest.fixture
def slack_web(slack_stub):
    """A bot-token WebClient on a stand-in with nothing recorded and no fault set."""
    slack_stub.reset()
    return WebClient(token="xoxb-test", base_url=slack_stub.api_url)
