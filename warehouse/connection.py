"""Opening the warehouse, and moving frames in and out of it through the contracts."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import polars as pl

from warehouse.contract import TableContract
from warehouse.ddl import apply_ddl

LOCK_WAIT_SECONDS = 120.0
"""How long opening the warehouse waits while another process has it open. The one-writer
pool keeps runs' steps apart, but a command outside a run (`cadence plan show`, the doctor)
holds the file for a moment, and a step must wait for it rather than fail."""


def is_held_elsewhere(error: duckdb.IOException) -> bool:
    """Whether DuckDB refused to open the file because another process has it open."""
    return "Could not set lock" in str(error)


def connect(
    path: Path, *, read_only: bool = False, lock_wait_seconds: float = LOCK_WAIT_SECONDS
) -> duckdb.DuckDBPyConnection:
    """A connection whose session time zone is UTC, so TIMESTAMPTZ reads back as UTC; waits up
    to `lock_wait_seconds` while another process holds the file."""
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + lock_wait_seconds
    pause = 0.05
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as error:
            if not is_held_elsewhere(error) or time.monotonic() >= deadline:
                raise
            time.sleep(pause)
            pause = min(pause * 2, 1.0)
    con.execute("SET TimeZone = 'UTC'")
    return con


@contextmanager
def open_warehouse(path: Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open (creating every schema and table on first use when writable) and close."""
    con = connect(path, read_only=read_only)
    try:
        if not read_only:
            apply_ddl(con)
        yield con
    finally:
        con.close()


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> object:
    """The single value a query returns (fetching everything, as DuckDB 2 requires before the
    connection is used again)."""
    rows = con.execute(sql, params or []).fetchall()
    return rows[0][0] if rows else None


def read_table(
    con: duckdb.DuckDBPyConnection,
    contract: TableContract,
    where: str = "",
    params: list[object] | None = None,
) -> pl.DataFrame:
    sql = f"SELECT * FROM {contract.qualified_name}" + (f" WHERE {where}" if where else "")
    frame = con.sql(sql, params=params or None).pl()
    return frame.select(pl.col(n).cast(f.dtype) for n, f in contract.columns.items())


def upsert(con: duckdb.DuckDBPyConnection, contract: TableContract, rows: pl.DataFrame) -> int:
    """Validate rows against the contract, then insert them, replacing rows with the same key."""
    valid = contract.validate(contract.conform(rows))
    con.register("_cadence_rows", valid.to_arrow())
    table = contract.qualified_name
    try:
        if len(contract.key) == 1:
            con.execute(f"INSERT OR REPLACE INTO {table} BY NAME SELECT * FROM _cadence_rows")
        else:
            # Composite keys carry no DuckDB index (see warehouse.ddl), so replace by hand.
            match = " AND ".join(f"t.{k} = r.{k}" for k in contract.key)
            con.execute(f"DELETE FROM {table} t USING _cadence_rows r WHERE {match}")
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _cadence_rows")
    finally:
        con.unregister("_cadence_rows")
    return valid.height


def table_exists(con: duckdb.DuckDBPyConnection, qualified_name: str) -> bool:
    """Whether `schema.table` exists (a raw table exists once dlt has loaded its source)."""
    schema, table = qualified_name.split(".")
    return bool(
        scalar(
            con,
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name = ? AND table_name = ?",
            [schema, table],
        )
    )


def read_raw(
    con: duckdb.DuckDBPyConnection, qualified_name: str, runner_ids: list[str] | None = None
) -> pl.DataFrame:
    """A dlt-loaded raw table (instants normalised to UTC), optionally only some runners' rows,
    or an empty frame with no columns when that source has never been loaded."""
    if not table_exists(con, qualified_name):
        return pl.DataFrame()
    schema, table = qualified_name.split(".")
    sql = f'SELECT * FROM "{schema}"."{table}"'
    if runner_ids is not None:
        sql += " WHERE runner_id IN (SELECT unnest($ids))"
    frame = con.sql(sql, params={"ids": runner_ids} if runner_ids is not None else None).pl()
    return frame.with_columns(pl.selectors.datetime().dt.convert_time_zone("UTC"))


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Everything inside commits together or not at all."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def rewrite_tables(
    con: duckdb.DuckDBPyConnection,
    contracts: list[TableContract],
    passes: Iterable[list[pl.DataFrame]],
) -> dict[str, int]:
    """Empty the tables, then write them pass by pass (one frame per contract per pass, each
    validated before it is written), all in one transaction: memory is bounded by a pass,
    and a bad frame or a failure half way leaves the warehouse as it was."""
    counts = {c.qualified_name: 0 for c in contracts}
    with transaction(con):
        for contract in contracts:
            con.execute(f"DELETE FROM {contract.qualified_name}")
        for frames in passes:
            for contract, frame in zip(contracts, frames, strict=True):
                valid = contract.validate(contract.conform(frame))
                con.register("_cadence_rows", valid.to_arrow())
                try:
                    con.execute(
                        f"INSERT INTO {contract.qualified_name} BY NAME SELECT * FROM _cadence_rows"
                    )
                finally:
                    con.unregister("_cadence_rows")
                counts[contract.qualified_name] += valid.height
    return counts
