"""Reading an indexing file: JSON arrays, the {"documents": [...]} wrapper and JSONL, each bad
document rejected with where it was."""

import pytest

from commands.documents import parse
from commands.errors import CommandError


def test_a_json_array_is_numbered_by_position():
    parsed = parse(b'[{"id": "a", "text": "one"}, {"id": "b", "text": ""}]', "f.json")
    assert parsed.documents == [{"id": "a", "text": "one", "metadata": {}}]
    assert [str(r) for r in parsed.rejected] == ["document 2 (id b): missing or empty text"]


def test_a_documents_wrapper_is_read_like_an_array():
    parsed = parse(b'{"documents": [{"id": "a", "text": "one", "metadata": {"k": 1}}]}', "f.json")
    assert parsed.documents == [{"id": "a", "text": "one", "metadata": {"k": 1}}]


def test_a_numeric_id_is_rejected_rather_than_guessed():
    parsed = parse(b'{"id": 7, "text": "seven"}\n{"id": "8", "text": "eight"}\n', "f.jsonl")
    assert [str(r) for r in parsed.rejected] == ["line 1 (id 7): id must be a string"]


def test_the_same_file_has_the_same_digest_whatever_its_name():
    assert (
        parse(b'{"id": "a", "text": "x"}', "one").digest == parse(b'{"id": "a", "text": "x"}', "two").digest
    )


def test_whitespace_only_is_empty():
    with pytest.raises(CommandError, match="is empty"):
        parse(b"\n  \n", "blank.jsonl")
