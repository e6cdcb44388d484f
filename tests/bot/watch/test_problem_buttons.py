"""The Logs / Events / Describe buttons on a problem's message: each starts the read-only command
as a "command" job answering in the message's thread, aimed at the pod, Deployment or node the row
names now; a value the bot did not write, or a problem it no longer knows, runs nothing."""

import pytest

from bot.interactions import Click
from bot.registry import COMMANDS
from bot.watch import card
from bot.watch.buttons import ProblemButtons
from tests.bot.watch.engine import CHANNEL, Engine
from tests.bot.watch.objects import GPU_NODE, changed, node, pod

POD = "rag-service-7b9d8c6f5d-x2x9q"


@pytest.fixture
def engine(tmp_path):
    running = Engine(tmp_path / "db")
    running.see(changed(pod(problem="oom", restarts=3)))
    running.see(changed(node(ready=False), kind="Node"))
    return running


def click(engine, action: str, value: str, role: str | None = "viewer"):
    buttons = ProblemButtons(engine.store, CHANNEL, {s.name: s for s in COMMANDS}.get)
    return buttons.on_click(Click(action, value, "U0VIEW", CHANNEL, "https://hooks.example/r", role=role))


@pytest.mark.parametrize(
    "action, verb, args",
    [
        (card.LOGS, "logs pod", {"name": POD, "previous": True}),
        (card.EVENTS, "events", {"object": "rag-service"}),
        (card.DESCRIBE, "describe", {"kind": "pod", "name": POD}),
    ],
)
def test_each_button_runs_its_command_into_the_problems_thread(engine, action, verb, args):
    fx = click(engine, action, "Deployment/rag-service|OOMKilled")
    [job] = fx.jobs
    assert (job.kind, job.payload["verb"], job.payload["args"]) == ("command", verb, args)
    assert job.payload["thread_key"] == "kube:Deployment/rag-service:OOMKilled:1"
    assert job.payload["channel"] == CHANNEL and fx.reply.startswith("Running `/llm ")


def test_a_node_problem_describes_the_node(engine):
    [job] = click(engine, card.DESCRIBE, f"Node/{GPU_NODE}|NotReady").jobs
    assert job.payload["args"] == {"kind": "node", "name": GPU_NODE}


@pytest.mark.parametrize(
    "value",
    [
        "Deployment/rag-service|Gone",
        "Secret/x|OOMKilled",
        "Deployment/<!channel>|OOMKilled",
        "",
        "Deployment/vllm|OOMKilled",
    ],
)
def test_a_value_the_bot_did_not_write_or_a_problem_it_does_not_know_runs_nothing(engine, value):
    fx = click(engine, card.LOGS, value)
    assert fx.jobs == () and "nothing ran" in fx.reply


def test_someone_without_a_role_is_refused(engine):
    fx = click(engine, card.EVENTS, "Deployment/rag-service|OOMKilled", role=None)
    assert fx.jobs == () and fx.reply == "`/llm events` needs the viewer role (yours: none)."
