"""The README and the example config say what the code does: every command is documented, and the
example config is a valid config."""

from pathlib import Path

from bot import config
from bot.app import build_registry


def test_the_readme_documents_every_command():
    readme = Path("README.md").read_text()
    specs = build_registry().specs
    missing = [spec.usage for spec in specs if f"`{spec.usage.replace('|', chr(92) + '|')}`" not in readme]
    assert missing == []


def test_the_example_config_is_a_valid_config():
    settings = config.load("config.example.yaml", environ={})
    assert settings.platform.namespace == "llm-inference"
