"""Typed requests: every command declares one, named for its verb, with its arguments and options as
fields; mistakes in the input are answered by the model's validators in words; registries and the
canary's size are judged the way the manual means them."""

from typing import Literal, get_args, get_origin

import pytest

from bot.registry import COMMANDS, HELP
from commands import scale
from commands.canary_start import share_of, share_warning, sized
from commands.errors import CommandError
from commands.images import allowed, check_registry
from commands.spec import ChangeRequest, CommandSpec, build_request

KINDS = {"str": str, "int": int, "flag": bool}


def accepts(annotation, kind: str, choices: tuple[str, ...]) -> bool:
    """The field takes what the parser gives: the kind (maybe optional), or exactly the choices."""
    if get_origin(annotation) is Literal:
        return set(get_args(annotation)) == set(choices)
    return KINDS[kind] in (annotation, *get_args(annotation))


def camel(name: str) -> str:
    return "".join(word.capitalize() for word in name.replace("-", " ").split()) + "Request"


@pytest.mark.parametrize("spec", COMMANDS, ids=lambda s: s.name)
def test_every_command_declares_a_request_named_for_its_verb_with_its_arguments_as_fields(spec):
    fields = spec.request.model_fields
    declared = {a.name: (a.kind, a.choices) for a in spec.args}
    declared |= {o.name.replace("-", "_"): (o.kind, ()) for o in spec.options}
    assert spec.request.__name__ == camel(spec.name)
    assert set(fields) == {"requester", *declared}
    for name, (kind, choices) in declared.items():
        assert accepts(fields[name].annotation, kind, choices), name
    assert issubclass(spec.request, ChangeRequest) == spec.changes
    if spec.changes:
        assert spec.plan_data is not None and spec.check is not None


def test_a_command_without_a_request_model_cannot_be_given_a_dict_and_an_engine_verb_gets_none():
    bare = CommandSpec(name="bare", summary="", example="", run=lambda request, deps: None)
    with pytest.raises(TypeError, match="/llm bare has no request model"):
        build_request(bare, {}, "U0OPS1")
    assert build_request(HELP, {"command": "status"}, "U0OPS1") is None


def test_the_requester_is_a_field_and_unknown_arguments_are_refused():
    request = build_request(scale.SPEC, {"deployment": "rag-service", "replicas": 4}, "U0OPS1")
    assert (request.requester, request.replicas, request.dry_run) == ("U0OPS1", 4, False)
    with pytest.raises(CommandError, match="&lt;_user&gt;: Extra inputs are not permitted"):
        build_request(scale.SPEC, {"deployment": "rag-service", "replicas": 4, "_user": "U0OPS1"}, "U0OPS1")


@pytest.mark.parametrize(
    "verb, args, said",
    [
        ("scale", {"deployment": "rag-service", "replicas": -1}, "&lt;replicas&gt; must be 0 or more"),
        ("nodes scale", {"nodegroup": "g", "desired": 3, "min": 4}, "≤ max; got min 4, desired 3."),
        ("canary start", {"image": "vllm/vllm-openai:v1", "replicas": 0}, "--replicas must be at least 1"),
        (
            "deploy",
            {"deployment": "rag-service", "image": "vllm/vllm-openai"},
            "`vllm/vllm-openai` has no tag",
        ),
        ("gpu export", {"window": "30d"}, "The window may be at most 7d."),
        ("logs errors", {"window": "0h"}, "`0h` is not a window"),
        ("maintenance schedule", {"date": "2025-13-01", "span": "02:00-06:00"}, "`2025-13-01` is not a date"),
        ("maintenance schedule", {"date": "2025-03-01", "span": "2-6"}, "`2-6` is not a time span"),
        ("backup qdrant", {"collection": "a/b"}, "`a/b` is not a collection name"),
        ("restore qdrant", {"snapshot": "yesterday"}, "`yesterday` is not a backup name"),
        (
            "index",
            {"source": "ftp://host/file.jsonl"},
            "`ftp://host/file.jsonl` is not an s3:// or http(s)://",
        ),
        (
            "cost",
            {"period": "decade"},
            "&lt;period&gt;: Input should be 'today', 'yesterday', '7d' or 'mtd'",
        ),
    ],
)
def test_input_mistakes_are_answered_by_the_request_in_words(verb, args, said):
    spec = next(s for s in COMMANDS if s.name == verb)
    with pytest.raises(CommandError) as refused:
        build_request(spec, args, "U0OPS1")
    assert said in refused.value.message and "Value error" not in refused.value.message


def test_a_lone_word_after_logs_errors_that_is_no_window_names_the_deployment():
    spec = next(s for s in COMMANDS if s.name == "logs errors")
    request = build_request(spec, {"window": "rag-service"}, "U0OPS1")
    assert (request.window, request.deployment) == ("24h", "rag-service")


def test_registries_are_matched_by_whole_segments_with_docker_hub_short_names_as_docker_io():
    assert allowed("vllm/vllm-openai:v0.4.0", ["docker.io"])
    assert allowed("index.docker.io/vllm/vllm-openai:v0.4.0", ["vllm/"])
    assert allowed("ubuntu:22.04", ["docker.io/library/ubuntu"])
    assert not allowed("vllmx/vllm-openai:v1", ["vllm/"])
    assert not allowed("ghcr.io/example-evil/rag:1", ["ghcr.io/example"])
    assert not allowed("localhost:5000/vllm/vllm-openai:v1", ["vllm/"])
    with pytest.raises(CommandError) as refused:
        check_registry("quay.io/x/y:1", ["vllm/", "ghcr.io/example/"])
    assert refused.value.message == (
        "`quay.io/x/y:1` is not from an allowed registry; platform.allowed_registries lists `vllm/`, "
        "`ghcr.io/example/`."
    )


def test_the_canary_is_sized_for_its_share_of_all_pods_at_least_one():
    assert [sized(production, 0.10) for production in (1, 2, 10, 20, 45, 90)] == [1, 1, 1, 2, 5, 10]
    assert share_of(1, 10) == "1 of 11 pods ≈ 9%"
    assert share_warning(1, 10, 0.10) == []
    assert share_warning(1, 2, 0.10) == [
        "The canary gets 1 of 3 pods ≈ 33% of traffic, far from the 10% target."
    ]
