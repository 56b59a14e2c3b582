"""What every export reader hands to the dlt layer: Arrow batches bound for raw tables."""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa


@dataclass(frozen=True)
class RawTable:
    """A raw (`raw_*` schema) table: its name, merge key and meaning."""

    name: str
    primary_key: tuple[str, ...]
    doc: str


@dataclass(frozen=True)
class Batch:
    """Rows for one raw table. Every row carries `runner_id` and the table's key columns."""

    table: RawTable
    rows: pa.Table
