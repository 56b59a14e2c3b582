"""DuckDB DDL generated from the contracts, applied idempotently.

Indexes: DuckDB's ART indexes serve equality look-ups only, so the seed's lookup indexes
(by_userId, by_runnerId, by_status, ...) become ART indexes, while its time-ordered ones
(by_startTime, by_date) are served by DuckDB's per-row-group min/max zone maps, which need
no DDL. Composite keys (per-second samples) are checked by the contract, not by an index,
because an ART index over hundreds of millions of samples would cost more than it saves.
"""

from __future__ import annotations

import duckdb
import polars as pl
from polars.datatypes import DataTypeClass

from warehouse.analytics import VIEWS
from warehouse.contract import TableContract
from warehouse.contracts import CONTRACTS, SCHEMAS


def duckdb_type(dtype: pl.DataType | DataTypeClass) -> str:
    if isinstance(dtype, pl.Struct):
        fields = ", ".join(f"{quote(f.name)} {duckdb_type(f.dtype)}" for f in dtype.fields)
        return f"STRUCT({fields})"
    if isinstance(dtype, pl.List):
        return f"{duckdb_type(dtype.inner)}[]"
    if isinstance(dtype, pl.Datetime):
        return "TIMESTAMPTZ" if dtype.time_zone else "TIMESTAMP"
    scalars = {
        pl.String: "VARCHAR",
        pl.Int64: "BIGINT",
        pl.Int32: "INTEGER",
        pl.Float64: "DOUBLE",
        pl.Boolean: "BOOLEAN",
        pl.Date: "DATE",
    }
    for polars_type, sql in scalars.items():
        if isinstance(dtype, polars_type):
            return sql
    raise TypeError(f"no DuckDB type for Polars {dtype}")


def quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def create_table(contract: TableContract) -> str:
    lines = [
        f"{quote(name)} {duckdb_type(f.dtype)}{'' if f.nullable else ' NOT NULL'}"
        for name, f in contract.columns.items()
    ]
    if len(contract.key) == 1:
        lines.append(f"PRIMARY KEY ({quote(contract.key[0])})")
    body = ",\n    ".join(lines)
    return f"CREATE TABLE IF NOT EXISTS {contract.qualified_name} (\n    {body}\n)"


def comments(contract: TableContract) -> list[str]:
    name = contract.qualified_name
    key = ", ".join(contract.key)
    statements = [f"COMMENT ON TABLE {name} IS {literal(f'{contract.doc} Key: {key}.')}"]
    statements += [
        f"COMMENT ON COLUMN {name}.{quote(column)} IS {literal(f.comment)}"
        for column, f in contract.columns.items()
    ]
    return statements


def indexes(contract: TableContract) -> list[str]:
    return [
        f"CREATE INDEX IF NOT EXISTS {contract.table_name}_{index} "
        f"ON {contract.qualified_name} ({', '.join(quote(c) for c in columns)})"
        for index, columns in contract.indexes.items()
    ]


def missing_columns(con: duckdb.DuckDBPyConnection, contract: TableContract) -> list[str]:
    """ALTERs adding columns a contract gained since the table was created."""
    existing = {
        row[0]
        for row in con.execute(
            "SELECT column_name FROM duckdb_columns() WHERE schema_name = ? AND table_name = ?",
            [contract.schema_name, contract.table_name],
        ).fetchall()
    }
    return [
        f"ALTER TABLE {contract.qualified_name} ADD COLUMN {quote(name)} {duckdb_type(f.dtype)}"
        for name, f in contract.columns.items()
        if existing and name not in existing
    ]


def widened_columns(con: duckdb.DuckDBPyConnection, contract: TableContract) -> list[str]:
    """ALTERs giving a STRUCT or LIST column the fields its contract gained since the table
    was created: DuckDB casts structs by field name, so old rows keep their values and get
    nulls in the new fields. An ALTER needs the table's indexes gone; `indexes` remakes them."""
    existing = dict(
        con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() "
            "WHERE schema_name = ? AND table_name = ?",
            [contract.schema_name, contract.table_name],
        ).fetchall()
    )
    changed = [
        name
        for name, f in contract.columns.items()
        if isinstance(f.dtype, pl.Struct | pl.List)
        and name in existing
        and existing[name] != _canonical_type(con, duckdb_type(f.dtype))
    ]
    if not changed:
        return []
    drops = [
        f"DROP INDEX IF EXISTS {contract.schema_name}.{contract.table_name}_{index}"
        for index in contract.indexes
    ]
    return drops + [
        f"ALTER TABLE {contract.qualified_name} ALTER COLUMN {quote(name)} "
        f"TYPE {duckdb_type(contract.columns[name].dtype)}"
        for name in changed
    ]


def _canonical_type(con: duckdb.DuckDBPyConnection, sql_type: str) -> str:
    """The type as duckdb_columns() spells it (quoting and spacing are DuckDB's own)."""
    return str(con.execute(f"SELECT typeof(NULL::{sql_type})").fetchone()[0])  # type: ignore[index]


def apply_ddl(con: duckdb.DuckDBPyConnection) -> None:
    """Create every schema, table, comment and index that does not exist yet, in one
    transaction so a failure leaves the warehouse as it was."""
    con.execute("BEGIN TRANSACTION")
    try:
        for schema in SCHEMAS:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        for contract in CONTRACTS.values():
            for statement in missing_columns(con, contract) + widened_columns(con, contract):
                con.execute(statement)
            con.execute(create_table(contract))
            for statement in comments(contract) + indexes(contract):
                con.execute(statement)
        for name, (doc, query) in VIEWS.items():
            con.execute(f"CREATE OR REPLACE VIEW analytics.{name} AS {query}")
            con.execute(f"COMMENT ON VIEW analytics.{name} IS {literal(doc)}")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def comment_existing_tables(con: duckdb.DuckDBPyConnection, docs: dict[str, str]) -> None:
    """COMMENT ON the tables (e.g. dlt-created raw ones) that exist among `docs`."""
    existing = {
        f"{schema}.{table}"
        for schema, table in con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables()"
        ).fetchall()
    }
    for name in sorted(set(docs) & existing):
        con.execute(f"COMMENT ON TABLE {name} IS {literal(docs[name])}")
