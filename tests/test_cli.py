"""The `llmbot` console script as cron and operators use it: exit codes and one-line errors."""

import re
import subprocess
import sys
from datetime import datetime, timezone

import requests


def llmbot(*args, env=None):
    return subprocess.run(
        [sys.executable, "-m", "bot.cli", *args], capture_output=True, text=True, timeout=60, env=env
    )


def test_status_in_a_terminal_exits_0_when_every_check_passes(sandbox, tmp_path):
    config = sandbox.write_config(tmp_path / "config.yaml")
    result = llmbot("--config", str(config), "status")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "All morning checks pass" in result.stdout
    assert result.stdout.count("✅") == 8


def test_status_in_a_terminal_exits_1_when_a_check_fails(sandbox, tmp_path):
    config = sandbox.write_config(tmp_path / "config.yaml")
    requests.post(f"{sandbox.kube.url}/_sandbox/fault", json={"status": 503}, timeout=5)
    try:
        result = llmbot("--config", str(config), "status")
    finally:
        requests.post(f"{sandbox.kube.url}/_sandbox/fault", json={}, timeout=5)
    assert result.returncode == 1
    assert "❔ Pods: Kubernetes API:" in result.stdout


WEEKLY_ROWS = (
    r"P95 latency \| (\d+\.\d\d) s",
    r"Throughput \| (\d+\.\d) req/s",
    r"Error rate \| (\d+\.\d\d)%",
    r"Cost per inference \| \$(\d+\.\d{5})",
)


def test_report_weekly_prints_markdown_with_this_weeks_numbers_and_where_history_starts(sandbox, tmp_path):
    config = sandbox.write_config(tmp_path / "config.yaml")
    result = llmbot("--config", str(config), "report", "weekly")
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        f"# Weekly performance report ({datetime.now(timezone.utc):%Y-%m-%d})",
        "",
        "| Metric | This week | Last week |",
        "|---|---|---|",
    ]
    found = [
        re.fullmatch(rf"\| {row} \| n/a, history starts \d{{4}}-\d\d-\d\d \|", line)
        for row, line in zip(WEEKLY_ROWS, lines[4:8], strict=False)
    ]
    assert all(found), lines
    assert all(float(match.group(1)) > 0 for match in found), lines


def test_config_check_lists_problems_with_key_paths_and_exits_1(tmp_path):
    config = tmp_path / "bad.yaml"
    config.write_text("prometheus:\n  url: ftp://x\nslack:\n  signing_secret: s3cr3t-value\n")
    result = llmbot("--config", str(config), "config", "check", env={"PATH": "/usr/bin:/bin"})
    assert result.returncode == 1
    assert "✗ prometheus.url: URL scheme should be 'http' or 'https'" in result.stdout
    assert "s3cr3t-value" not in result.stdout


def test_serve_without_a_token_is_one_clear_line(tmp_path):
    result = llmbot("serve", env={"PATH": "/usr/bin:/bin", "LLMBOT_DB": str(tmp_path / "x.db")})
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "llmbot: cannot start: slack.bot_token: missing "
        "(set SLACK_BOT_TOKEN or slack.bot_token in the config)"
    )


def test_serve_with_an_unreadable_config_file_is_one_clear_line(tmp_path):
    result = llmbot("--config", str(tmp_path / "missing.yaml"), "serve")
    assert result.returncode == 2
    assert result.stderr.startswith("llmbot: config: (file): cannot read")
    assert "Traceback" not in result.stderr


def test_a_missing_kubeconfig_is_one_clear_line_not_a_traceback(tmp_path):
    config = tmp_path / "c.yaml"
    config.write_text(f"kubernetes:\n  kubeconfig: {tmp_path}/nope\n")
    result = llmbot("--config", str(config), "status")
    assert result.returncode == 2
    assert result.stderr.startswith(
        f"llmbot: cannot start: kubernetes: cannot load the kubeconfig {tmp_path}/nope"
    )
    assert "Traceback" not in result.stderr
