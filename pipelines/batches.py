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
    merge_key: tuple[str, ...] = ()
    """Rows of the warehouse replaced as a whole by a load with the same values here (a
    file's rows, however many the new load has); empty: rows are replaced by primary key."""
    added_keys: tuple[str, ...] = ()
    """Key columns added after the table was first created: nullable in the warehouse, as
    rows loaded before have none (a NOT NULL column cannot be added to a table with rows)."""


@dataclass(frozen=True)
class Batch:
    """Rows for one raw table. Every row carries `runner_id` and the table's key columns."""

    table: RawTable
    rows: pa.Table
