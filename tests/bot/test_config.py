"""Settings: YAML plus environment overrides, every problem reported with its key path."""

import pytest

from bot import config


def write(tmp_path, text):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_defaults_follow_the_operations_manual():
    settings = config.load(None, environ={})
    assert settings.platform.namespace == "llm-inference"
    assert settings.platform.deployments == ["vllm-llama-3-70b", "rag-service"]
    assert (settings.platform.daily_budget_usd, settings.platform.budget_tolerance) == (3500, 0.10)
    assert settings.platform.error_rate_limit == 0.01


def test_environment_overrides_the_file(tmp_path):
    path = write(tmp_path, "server:\n  port: 4000\nslack:\n  bot_token: xoxb-from-file\n")
    settings = config.load(
        path,
        environ={
            "LLMBOT_PORT": "5000",
            "SLACK_BOT_TOKEN": "xoxb-from-env",
            "PAGERDUTY_WEBHOOK_SECRETS": "one, two",
        },
    )
    assert settings.server.port == 5000
    assert settings.slack.bot_token.get_secret_value() == "xoxb-from-env"
    assert [s.get_secret_value() for s in settings.pagerduty.webhook_secrets] == ["one", "two"]


def test_every_problem_is_reported_with_its_key_path(tmp_path):
    path = write(
        tmp_path,
        "prometheus:\n  url: not a url\nplatform:\n  error_rate_limt: 0.02\nrbac:\n  users:\n    U1: admin\n",
    )
    with pytest.raises(config.ConfigError) as caught:
        config.load(path, environ={})
    paths = sorted(p.path for p in caught.value.problems)
    assert paths == ["platform.error_rate_limt", "prometheus.url", "rbac.users.U1"]
    hints = {p.path: p.hint for p in caught.value.problems}
    assert "spelling" in hints["platform.error_rate_limt"]


def test_invalid_yaml_names_the_line(tmp_path):
    path = write(tmp_path, "slack:\n  bot_token: [unclosed\n")
    with pytest.raises(config.ConfigError, match="not valid YAML at line"):
        config.load(path, environ={})


def test_missing_slack_secrets_are_serve_problems():
    problems = config.serve_problems(config.load(None, environ={}))
    assert [str(p) for p in problems] == [
        "slack.bot_token: missing (set SLACK_BOT_TOKEN or slack.bot_token in the config)",
        "slack.signing_secret: missing (set SLACK_SIGNING_SECRET or slack.signing_secret in the config)",
    ]


def test_masked_settings_never_show_a_secret():
    settings = config.load(
        None, environ={"SLACK_BOT_TOKEN": "xoxb-secret-value", "PAGERDUTY_WEBHOOK_SECRETS": "whsec"}
    )
    shown = str(config.masked(settings))
    assert "xoxb-secret-value" not in shown and "whsec" not in shown
    assert config.masked(settings)["slack"]["bot_token"] == "********"
