"""Reading a file of documents for indexing, in the manual's "CSV/JSON format": a JSON array (bare, as
the manual's documents.json, or as {"documents": [...]}), JSONL, or CSV (a header row naming `id` and
`text`; a `metadata` column holds a JSON object, and any other column goes into metadata too). Each
document needs a non-empty string `id`, a non-empty string `text`, and `metadata` that is an object when
given. Bad documents are rejected one by one with where they were, so one bad line never sinks the file."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from typing import Any

from pydantic import BaseModel

from commands.blockkit import code
from commands.errors import CommandError

MAX_ID = 256


class Rejection(BaseModel):
    where: str  # "line 7", "line 7 (id kb-0007)", "row 7", "id kb-0007"
    error: str

    def __str__(self) -> str:
        return f"{self.where}: {self.error}"


class Parsed(BaseModel):
    documents: list[dict[str, Any]]
    rejected: list[Rejection]
    digest: str  # sha256 of the file: the same file is the same indexing run, whatever its URL


def parse(content: bytes, name: str) -> Parsed:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CommandError(f"{code(name)} is not UTF-8 text; expected CSV, JSON or JSONL.") from None
    if not text.strip():
        raise CommandError(f"{code(name)} is empty: there is nothing to index.")
    items = _csv_items(text, name) if name.lower().endswith(".csv") else _items(text)
    documents, rejected, seen = [], [], {}
    for where, item in items:
        problem = item.error if isinstance(item, Rejection) else _problem(item, seen)
        if problem is not None:
            note = item.where if isinstance(item, Rejection) else _id_note(item)
            rejected.append(Rejection(where=where + note, error=problem))
            continue
        seen[item["id"]] = where
        documents.append({"id": item["id"], "text": item["text"], "metadata": item.get("metadata") or {}})
    return Parsed(documents=documents, rejected=rejected, digest=hashlib.sha256(content).hexdigest())


def _items(text: str) -> list[tuple[str, Any]]:
    """(where, value) pairs: a JSON array (or {"documents": [...]}) is numbered by position,
    JSONL by line; a JSONL line that is not JSON becomes a Rejection."""
    stripped = text.strip()
    if stripped[0] in "[{":
        try:
            whole = json.loads(stripped)
        except json.JSONDecodeError:
            whole = None
        if isinstance(whole, dict) and isinstance(whole.get("documents"), list):
            whole = whole["documents"]
        if isinstance(whole, list):
            return [(f"document {i}", item) for i, item in enumerate(whole, 1)]
        if isinstance(whole, dict):
            return [("document 1", whole)]
    return [(f"line {n}", _line(line)) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


def _csv_items(text: str, name: str) -> list[tuple[str, Any]]:
    """(where, document) per data row, numbered as a spreadsheet numbers them (the header is row 1)."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [column.strip() for column in next(reader)]
        missing = [column for column in ("id", "text") if column not in header]
        if missing:
            raise CommandError(
                f"{code(name)} is CSV without {' or '.join(code(m) for m in missing)} in its header row "
                f"(it has {', '.join(code(h) for h in header[:8]) or 'nothing'}); the manual's columns are "
                "`id,text,metadata…`."
            )
        return [(f"row {n}", _csv_document(header, row)) for n, row in enumerate(reader, 2) if any(row)]
    except csv.Error as exc:
        raise CommandError(f"{code(name)} is not valid CSV at line {reader.line_num} ({exc}).") from None


def _csv_document(header: list[str], row: list[str]) -> Any:
    if len(row) > len(header):
        return Rejection(where="", error=f"{len(row)} fields, the header names {len(header)}")
    values = dict(zip(header, row, strict=False))
    metadata: Any = {}
    if values.get("metadata", "").strip():
        try:
            metadata = json.loads(values["metadata"])
        except json.JSONDecodeError as exc:
            return Rejection(where=_id_note(values), error=f"metadata is not JSON ({exc.msg})")
    if isinstance(metadata, dict):
        extra = {k: v for k, v in values.items() if k not in ("id", "text", "metadata") and k and v != ""}
        metadata = {**extra, **metadata}
    return {"id": values.get("id", ""), "text": values.get("text", ""), "metadata": metadata}


def _line(line: str) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError as exc:
        return Rejection(where="", error=f"not valid JSON ({exc.msg})")


def _problem(item: Any, seen: dict[str, str]) -> str | None:
    if not isinstance(item, dict):
        return "not a JSON object"
    doc_id = item.get("id")
    if not isinstance(doc_id, str) or not doc_id.strip():
        return "missing id" if doc_id in (None, "") else "id must be a string"
    if len(doc_id) > MAX_ID:
        return f"id longer than {MAX_ID} characters"
    if not isinstance(item.get("text"), str) or not item["text"].strip():
        return "missing or empty text"
    if "metadata" in item and item["metadata"] is not None and not isinstance(item["metadata"], dict):
        return "metadata must be an object"
    if doc_id in seen:
        return f"duplicate id (first at {seen[doc_id]})"
    return None


def _id_note(item: Any) -> str:
    doc_id = item.get("id") if isinstance(item, dict) else None
    return f" (id {str(doc_id)[:40]})" if isinstance(doc_id, (str, int)) and doc_id != "" else ""
