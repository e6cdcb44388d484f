"""The terminal demo, driven through its chat as a person would type: the bot runs in-process on a clock
the chat moves, PagerDuty pages reach it signed, the canary gets traffic from the exporter once it
exists, uploads land in a folder, and the prompt comes back as soon as the answer is printed.

A private sandbox (no Alertmanager): a bad canary's errors stay in Prometheus' windows for minutes,
and the session sandbox's other tests must not see them."""

import io
import re
import subprocess
import sys
import time

import pytest
import requests

from sandbox import blocktext
from sandbox.demo import Demo
from sandbox.platform import Sandbox

CANARY = "vllm-llama-3-70b-canary"
FAST_CANARY = {"min_requests": 50, "window": "1m"}  # ~3 s of the canary's traffic, not 25


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    with Sandbox(
        tmp_path_factory.mktemp("demo-sandbox"), kube_step_seconds=0.05, with_alertmanager=False
    ) as sb:
        yield sb


@pytest.fixture
def demo(world, tmp_path):
    def no_more_input(prompt: str) -> str:
        raise EOFError

    running = Demo(
        world, tmp_path, tmp_path / "files", out=io.StringIO(), ask=no_more_input, canary=FAST_CANARY
    )
    yield running
    running.stop()


def said(demo: Demo) -> str:
    return demo.chat.out.getvalue()


def number_of(demo: Demo, label: str) -> int:
    """The newest button or checkbox shown with this label."""
    return [b.number for b in demo.chat.buttons if b.text == label][-1]


def test_a_page_opens_a_thread_whose_checklist_ticks_and_which_escalates_when_the_clock_moves(demo, world):
    demo.chat.say(":page P1 vLLM p99 latency above SLO")
    assert re.search(r"🟠 P1 · #\d+ vLLM p99 latency above SLO", said(demo))
    assert re.search(r"\[ \] \(\d+\) Check dashboards", said(demo))
    demo.chat.say(str(number_of(demo, "Check dashboards")))
    assert "P1 response checklist (1/6 done)" in said(demo)
    assert re.search(r"\[x\] \(\d+\) Check dashboards", said(demo))
    demo.chat.say(":advance 31m")
    assert (
        "⏫ Not acknowledged within 30 min: Primary (Olivia Ops) did not answer. Escalating to Secondary."
        in said(demo)
    )
    demo.chat.say("/llm incident list")
    listed = re.findall(r"#(\d+) .*: triggered", said(demo).split("Open incidents")[-1])
    assert listed == [str(i["incident_number"]) for i in open_in_pagerduty(world)]


def open_in_pagerduty(world: Sandbox) -> list[dict]:
    headers = {"Authorization": "Token token=x", "From": "ops1@example.com"}
    answer = requests.get(
        f"{world.pagerduty.url}/incidents",
        params={"statuses[]": ["triggered", "acknowledged"]},
        headers=headers,
        verify=world.pagerduty.ca_file,
        timeout=5,
    )
    return answer.json()["incidents"]


def test_resolving_an_incident_saves_its_report_draft_and_charts_and_prints_where(demo):
    demo.chat.say(":page P2")
    demo.chat.say(str(number_of(demo, "Resolve")))
    saved = re.findall(r"bot \(file\): .* → (\S+)", said(demo))
    assert [path.rsplit(".", 1)[-1] for path in saved] == ["md", "png", "png", "png"]
    assert open(saved[1], "rb").read().startswith(b"\x89PNG\r\n\x1a\n")  # the bytes, not a text copy
    assert "Report draft for #" in said(demo)


def test_a_canary_approved_by_a_second_person_fails_its_verdict_once_it_goes_bad(demo, world):
    try:
        demo.chat.say("/llm canary start vllm/vllm-openai:v0.4.0")
        demo.chat.say(":user U0OPS2")
        demo.chat.say(str(number_of(demo, "Approve")))
        assert "✅ Canary vllm-llama-3-70b-canary is up" in said(demo)
        demo.chat.say(":canary bad")
        deadline = time.monotonic() + 30  # Prometheus scrapes the exporter every 2 s
        while demo.verdict()[0] != "fail" and time.monotonic() < deadline:
            time.sleep(0.5)
        demo.chat.say(":user U0OPS1")
        demo.chat.say("/llm canary status")
        assert "❌ Canary verdict: fail" in said(demo)
        assert re.search(r"• (error rate|p95 latency|p95 TTFT) \S+ is over the \S+ limit", said(demo))
    finally:
        world.exporter.tune_canary()
        requests.delete(
            f"{world.kube.url}/apis/apps/v1/namespaces/llm-inference/deployments/{CANARY}", timeout=5
        )


def test_an_uploaded_csv_is_saved_under_the_demos_folder_with_its_path_printed(demo, tmp_path):
    demo.chat.say("/llm gpu export")
    [path] = re.findall(r"bot \(file\): GPU metrics.* → (\S+)", said(demo))
    assert path.startswith(str(tmp_path / "files"))
    assert open(path).readline().startswith("timestamp, name, index")


def test_the_prompt_returns_soon_after_the_answer_is_printed(demo, world):
    before, started = demo.chat.seen, time.time()
    demo.chat.say("/llm status")
    returned = time.time()
    [answer] = [m for m in world.slack.messages(after=before) if "LLM platform status" in (m["text"] or "")]
    assert "LLM platform status\n" in said(demo)  # the header keeps its case
    assert started < answer["at"] and returned - answer["at"] < 3.0, returned - answer["at"]  # ~0.35 s here


def test_the_tour_explains_its_first_step_and_stops_at_the_end_of_input(demo):
    demo.chat.say(":tour")
    assert "▶ 1/11 The morning check" in said(demo) and "(tour stopped)" in said(demo)


def test_a_viewer_is_refused_in_the_ack(demo):
    demo.chat.say(":user U0NOBODY")
    demo.chat.say("/llm status")
    assert "⛔ `/llm status` needs the viewer role; you have no role here." in said(demo)


def test_buttons_and_checkboxes_are_numbered_in_the_order_shown_and_fields_indented():
    buttons: list[blocktext.Button] = []
    box = {
        "type": "checkboxes",
        "action_id": "checklist:tick",
        "options": [
            {"text": {"type": "mrkdwn", "text": "Acknowledge"}, "value": "I1|0"},
            {"text": {"type": "mrkdwn", "text": "Check dashboards"}, "value": "I1|1"},
        ],
        "initial_options": [{"text": {"type": "mrkdwn", "text": "Check dashboards"}, "value": "I1|1"}],
    }
    message = {
        "ts": "1.0",
        "blocks": [
            {
                "type": "header",
                "text": {"type": "plain_text", "text": "Start canary vllm/vllm-openai:v0.3.2"},
            },
            {"type": "section", "fields": [{"type": "mrkdwn", "text": "*Status*\nTriggered"}]},
            {"type": "actions", "block_id": "checklist-I1", "elements": [box]},
            {"type": "actions", "elements": [button("Approve", "approval:approve", "7")]},
        ],
    }
    assert blocktext.render(message, "C0PLATFORM", buttons) == [
        "Start canary vllm/vllm-openai:v0.3.2",
        "    Status: Triggered",
        "  [ ] (1) Acknowledge",
        "  [x] (2) Check dashboards",
        "  [3] Approve",
    ]
    assert [(b.number, b.action_id, b.value, b.block_id) for b in buttons] == [
        (1, "checklist:tick", "I1|0", "checklist-I1"),
        (2, "checklist:tick", "I1|1", "checklist-I1"),
        (3, "approval:approve", "7", ""),
    ]


def button(text: str, action_id: str, value: str) -> dict:
    return {
        "type": "button",
        "action_id": action_id,
        "value": value,
        "text": {"type": "plain_text", "text": text},
    }


def test_llmbot_demo_runs_a_command_and_stops_cleanly_on_end_of_input(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "bot.cli", "demo"],
        input="/llm status\n:page P1 vLLM down <!channel>\n",
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "sandbox and bot are up" in result.stdout
    assert "LLM platform status" in result.stdout and "✅ Pods: 6/6 Running and Ready" in result.stdout
    # the card's header is plain_text: Slack shows the title as written, and so does the demo
    assert "🟠 P1 · #" in result.stdout and "vLLM down <!channel>" in result.stdout
    assert "@channel" not in result.stdout
    assert "Traceback" not in result.stderr  # nothing logs into the closed bot log while stopping
