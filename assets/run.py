"""Running the Definitions' assets against a Cadence home, as the CLI and tests do.

The CLI and `dagster dev` share DAGSTER_HOME under the Cadence home, so runs started here
appear in the UI's run history.
"""

from __future__ import annotations

import os

import dagster as dg
import duckdb
from dagster_dlt import DagsterDltResource

from assets.definitions import defs
from assets.resources import CadenceHomeResource
from warehouse.connection import scalar
from warehouse.publish import publish
from warehouse.settings import CadenceHome

DAGSTER_SETTINGS = """\
# Written by Cadence. DuckDB allows one writer, so every pool runs one step at a time.
telemetry:
  enabled: false
concurrency:
  pools:
    default_limit: 1
"""


def dagster_instance(home: CadenceHome) -> dg.DagsterInstance:
    home.create()
    settings = home.dagster_home / "dagster.yaml"
    if not settings.exists():
        settings.write_text(DAGSTER_SETTINGS)
    os.environ["DAGSTER_HOME"] = str(home.dagster_home)
    return dg.DagsterInstance.get()


def materialize_home(
    home: CadenceHome, groups: list[str] | None = None
) -> dg.ExecuteInProcessResult:
    """Materialize every asset (or the named groups) into the home's warehouse, then publish
    the read-only copy analysts open (only after success: a failed run publishes nothing)."""
    assets = [a for a in defs.assets or [] if isinstance(a, dg.AssetsDefinition)]
    assets += list(defs.asset_checks or [])
    selection = dg.AssetSelection.groups(*groups) if groups else None
    result = dg.materialize(
        assets,
        instance=dagster_instance(home),
        resources={
            "cadence": CadenceHomeResource(root=str(home.root)),
            "dlt": DagsterDltResource(),
        },
        selection=selection,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
    )
    if result.success:
        publish(home.warehouse, home.published)
    return result


def row_counts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int, str]]:
    """(schema, table, rows, comment) for every table Cadence or dlt created."""
    tables = con.sql(
        "SELECT schema_name, table_name, coalesce(comment, '') FROM duckdb_tables() "
        "WHERE database_name = current_database() AND schema_name NOT LIKE '%\\_staging' "
        "ESCAPE '\\' AND table_name NOT LIKE '\\_dlt%' ESCAPE '\\' "
        "ORDER BY schema_name, table_name"
    ).fetchall()
    counts = []
    for schema, table, comment in tables:
        rows = scalar(con, f'SELECT count(*) FROM "{schema}"."{table}"')
        counts.append((schema, table, int(rows or 0), comment))
    return counts
