"""The indexing ledger: one row per batch the RAG service accepted, keyed by (run, batch number),
so `/llm index` run again or resumed after a restart skips what was already sent."""

from __future__ import annotations

import json
from typing import Any


class IndexBatchRows:
    def _create(self, db) -> None:
        db["index_batches"].create(
            {"run_key": str, "number": int, "report": str, "at": float},
            pk=("run_key", "number"),
            if_not_exists=True,
        )

    def index_batches(self, run_key: str) -> dict[int, dict[str, Any]]:
        rows = self._rows("SELECT number, report FROM index_batches WHERE run_key=?", (run_key,))
        return {row["number"]: json.loads(row["report"]) for row in rows}

    def record_index_batch(self, run_key: str, number: int, report: dict[str, Any], now: float) -> None:
        self._write(
            "INSERT OR IGNORE INTO index_batches (run_key, number, report, at) VALUES (?, ?, ?, ?)",
            (run_key, number, json.dumps(report), now),
        )
