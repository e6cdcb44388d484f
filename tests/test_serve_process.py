"""`llmbot serve` as the real process a Deployment runs: it serves signed requests against the
sandbox, logs JSON without secrets, and stops cleanly on SIGTERM."""

import json
import signal
import subprocess
import sys
import time

import requests

from sandbox.platform import BOT_TOKEN, SIGNING_SECRET, free_port
from sandbox.slack_sender import SlackSender


def wait_ready(url, process, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.stderr.read()
        try:
            if requests.get(f"{url}/readyz", timeout=1).status_code == 200:
                return
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError("llmbot serve never became ready")


def test_serve_answers_status_logs_json_without_secrets_and_stops_on_sigterm(sandbox, tmp_path):
    port = free_port()
    config = sandbox.write_config(tmp_path / "config.yaml", db=tmp_path / "llmbot.db", port=port)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "--config", str(config), "serve"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, process)
        since = max([m["seq"] for m in sandbox.slack.messages()] or [0])
        sender = SlackSender(url, sandbox.signing_secret)
        assert sender.slash(
            "status", "U0OPS1", "C0SERVE", sandbox.slack.new_response_url("C0SERVE", "U0OPS1")
        ).ok
        deadline = time.monotonic() + 15
        while not sandbox.slack.messages(channel="C0SERVE", after=since) and time.monotonic() < deadline:
            time.sleep(0.05)
        [message] = sandbox.slack.messages(channel="C0SERVE", after=since)
        assert message["ok"] and message["blocks"][0]["text"]["text"] == "LLM platform status"
    finally:
        process.send_signal(signal.SIGTERM)
        stdout, stderr = process.communicate(timeout=15)
    assert process.returncode == 0
    assert stdout.startswith(f"llmbot serving on {url}")
    logs = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    assert all({"time", "level", "message"} <= set(entry) for entry in logs)
    assert BOT_TOKEN not in stderr and SIGNING_SECRET not in stderr
