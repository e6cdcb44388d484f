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


def test_a_csv_file_takes_id_and_text_and_puts_every_other_column_into_metadata():
    content = b'id,text,metadata,owner\r\nkb-1,"Restore Qdrant, then check","{""topic"": ""up""}",ops\r\n'
    parsed = parse(content + b"kb-2,Scale up first,,\r\n", "faq.CSV")
    assert parsed.documents == [
        {"id": "kb-1", "text": "Restore Qdrant, then check", "metadata": {"owner": "ops", "topic": "up"}},
        {"id": "kb-2", "text": "Scale up first", "metadata": {}},
    ]


def test_bad_csv_rows_are_rejected_by_row_as_a_spreadsheet_numbers_them():
    content = b'id,text,metadata\nkb-1,,\nkb-2,two,{not json\nkb-3,three,,extra\n"kb-4",four,"[1]"\n'
    assert [str(r) for r in parse(content, "f.csv").rejected] == [
        "row 2 (id kb-1): missing or empty text",
        "row 3 (id kb-2): metadata is not JSON (Expecting property name enclosed in double quotes)",
        "row 4: 4 fields, the header names 3",
        "row 5 (id kb-4): metadata must be an object",
    ]


def test_a_csv_file_without_id_and_text_columns_is_refused_naming_the_manuals_columns():
    with pytest.raises(CommandError, match="is CSV without `text` in its header row"):
        parse(b"id,body\nkb-1,hello\n", "f.csv")
