"""The `reference` schema, seeded from the versioned YAML files in `warehouse/seeds/`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import yaml

from warehouse.connection import rewrite_tables
from warehouse.contracts import contract

SEEDS = Path(__file__).parent / "seeds"
SEED_FILES = {
    "reference.knowledge_base": "knowledge_base.yaml",
    "reference.safeguards": "safeguards.yaml",
    "reference.workout_templates": "workout_templates.yaml",
}


def _entry(raw: dict[str, Any], revised: dt.datetime, columns: set[str]) -> dict[str, Any]:
    defaults: dict[str, Any] = {
        "created_at": revised,
        "updated_at": revised,
        "version": 1,
        "is_active": True,
    }
    row = {k: v for k, v in defaults.items() if k in columns} | raw
    if "structure_segments" in row:
        row["structure_segments"] = [
            {"segment_index": i, **segment}
            for i, segment in enumerate(row["structure_segments"], start=1)
        ]
    return row


def reference_frames(seeds: Path = SEEDS) -> dict[str, pl.DataFrame]:
    """Each reference table as a contract-valid frame, read from its seed file."""
    frames = {}
    for name, file_name in SEED_FILES.items():
        document = yaml.safe_load((seeds / file_name).read_text())
        revised = document["revised"]
        table = contract(name)
        rows = [_entry(e, revised, set(table.columns)) for e in document["entries"]]
        frame = pl.from_dicts(rows, schema=table.polars_schema, strict=False)
        frames[name] = table.validate(frame)
    return frames


def seed_reference(con: duckdb.DuckDBPyConnection, seeds: Path = SEEDS) -> dict[str, int]:
    """Replace the reference tables with the seed files' contents, in one transaction."""
    frames = reference_frames(seeds)
    return rewrite_tables(con, [contract(n) for n in frames], [list(frames.values())])
