"""Values that satisfy (or violate) a contract field, for round-trip and property tests."""

import datetime as dt
from typing import Any

import polars as pl
from hypothesis import strategies as st

from warehouse.contract import Field, TableContract


def valid_value(field: Field, seed: int = 0) -> Any:
    """A deterministic value inside the field's range and allowed values."""
    if field.children:
        return {name: valid_value(child, seed) for name, child in field.children.items()}
    if field.item is not None:
        return [valid_value(field.item, seed), valid_value(field.item, seed + 1)]
    if field.isin is not None:
        return field.isin[seed % len(field.isin)]
    dtype = field.dtype
    if isinstance(dtype, pl.String):
        return f"text-{seed}"
    if isinstance(dtype, pl.Boolean):
        return seed % 2 == 0
    if isinstance(dtype, pl.Date):
        return dt.date(2026, 1, 1) + dt.timedelta(days=seed)
    if isinstance(dtype, pl.Datetime):
        return dt.datetime(2026, 1, 1, 6, 30, tzinfo=dt.UTC) + dt.timedelta(hours=seed)
    low = field.ge if field.ge is not None else 0
    high = field.le if field.le is not None else low + 100
    value = low + (high - low) * ((seed % 7) + 1) / 9
    return round(value) if isinstance(dtype, pl.Int64) else value


def valid_frame(contract: TableContract, rows: int = 3) -> pl.DataFrame:
    records = [
        {name: valid_value(f, seed) for name, f in contract.columns.items()} for seed in range(rows)
    ]
    return pl.DataFrame(records, schema=contract.polars_schema)


def in_range(field: Field) -> st.SearchStrategy[Any]:
    """Hypothesis strategy for scalar values the field accepts."""
    if field.isin is not None:
        return st.sampled_from(field.isin)
    low, high = field.ge, field.le
    if isinstance(field.dtype, pl.Int64):
        return st.integers(
            int(low) if low is not None else -(10**9), int(high) if high is not None else 10**9
        )
    return st.floats(low, high, allow_nan=False, allow_infinity=False)
