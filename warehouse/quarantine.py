"""Recording rejected input in `quarantine.rejected`."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import duckdb
import polars as pl

from warehouse.connection import upsert
from warehouse.contracts import contract

REJECTED = contract("quarantine.rejected")
EXCERPT_CHARS = 500


@dataclass(frozen=True)
class Rejection:
    source: str
    source_file: str
    location: str
    reason: str
    runner_id: str | None = None
    raw_excerpt: str | None = None
    target_table: str | None = None

    @property
    def rejection_id(self) -> str:
        """Same input, same place, same reason: same id, so re-running never duplicates."""
        key = "\x1f".join((self.runner_id or "", self.source_file, self.location, self.reason))
        return hashlib.sha256(key.encode()).hexdigest()[:24]

    def __str__(self) -> str:
        return f"{self.source_file} ({self.location}): {self.reason}"


def record_rejections(
    con: duckdb.DuckDBPyConnection, rejections: list[Rejection], run_id: str | None = None
) -> int:
    if not rejections:
        return 0
    now = dt.datetime.now(dt.UTC)
    rows = pl.DataFrame(
        [
            {
                "rejection_id": r.rejection_id,
                "runner_id": r.runner_id,
                "source": r.source,
                "source_file": r.source_file,
                "location": r.location,
                "reason": r.reason,
                "raw_excerpt": (r.raw_excerpt or "")[:EXCERPT_CHARS] or None,
                "target_table": r.target_table,
                "run_id": run_id,
                "rejected_at": now,
            }
            for r in rejections
        ],
        schema=REJECTED.polars_schema,
    )
    return upsert(con, REJECTED, rows)
