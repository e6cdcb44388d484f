"""The /llm parser: verbs, arguments, usage errors, and what Slack's clients do to typed text."""

import pytest

from bot.app import build_registry
from bot.router import UsageError, normalise
from bot.router import parse as parse_with
from commands.spec import CommandSpec

REGISTRY = build_registry()
find = REGISTRY.find


def parse(text: str):
    return parse_with(text, REGISTRY)


def test_empty_text_means_help():
    assert parse("").spec.name == "help"


def test_status_parses_with_no_arguments():
    invocation = parse("status")
    assert (invocation.spec.name, invocation.args) == ("status", {})


def test_verbs_are_case_insensitive():
    assert parse("STATUS").spec.name == "status"


def test_unknown_verb_suggests_the_closest_command():
    with pytest.raises(UsageError) as caught:
        parse("statsu")
    assert "Did you mean `/llm status`" in caught.value.message


def test_unknown_verb_with_nothing_close_points_to_help():
    with pytest.raises(UsageError) as caught:
        parse("xyzzy")
    assert caught.value.message == "Unknown command `xyzzy`. Try `/llm help`."


def test_extra_argument_is_a_usage_error_naming_the_command():
    with pytest.raises(UsageError) as caught:
        parse("status now please")
    assert caught.value.spec is find("status")
    assert "does not take `now please`" in caught.value.message


def test_help_takes_an_optional_topic():
    assert parse("help status").args == {"command": "status"}


def test_smart_quotes_and_long_dashes_are_normalised():
    assert normalise("deploy “my image” —dry-run ‘x’") == "deploy \"my image\" --dry-run 'x'"


def test_unclosed_quote_is_a_usage_error():
    with pytest.raises(UsageError, match="quote is not closed"):
        parse('help "status')


def test_three_kilobytes_of_arguments_are_refused_politely():
    with pytest.raises(UsageError, match="3,000 characters"):
        parse("status " + "x" * 2993)


def test_unknown_option_is_named_in_the_error():
    with pytest.raises(UsageError, match="has no option `--force`"):
        parse("status --force")


def test_usage_line_is_generated_from_the_spec():
    assert find("help").usage == "/llm help [command]"


def test_every_command_has_an_example_that_parses_to_itself():
    from bot.registry import COMMANDS

    for spec in COMMANDS:
        assert isinstance(spec, CommandSpec)
        assert parse(spec.example.removeprefix("/llm ")).spec is spec
