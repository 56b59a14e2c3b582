"""Running the Definitions' assets against a Cadence home, as the CLI and tests do.

The CLI and `dagster dev` share DAGSTER_HOME under the Cadence home, so runs started here
appear in the UI's run history.
"""

from __future__ import annotations

import os

import dagster as dg
import duckdb

from assets.definitions import defs
from assets.resources import CadenceHomeResource
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
    """Materialize every asset (or the named groups) into the home's warehouse."""
    assets = [a for a in defs.assets or [] if isinstance(a, dg.AssetsDefinition)]
    selection = dg.AssetSelection.groups(*groups) if groups else None
    return dg.materialize(
        assets,
        instance=dagster_instance(home),
        resources={"cadence": CadenceHomeResource(root=str(home.root))},
        selection=selection,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": "WARNING"}}}},
    )


def row_counts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int, str]]:
    """(schema, table, rows, comment) for every table Cadence or dlt created."""
    tables = con.sql(
        "SELECT schema_name, table_name, coalesce(comment, '') FROM duckdb_tables() "
        "WHERE database_name = current_database() ORDER BY schema_name, table_name"
    ).fetchall()
    counts = []
    for schema, table, comment in tables:
        result = con.execute(f'SELECT count(*) FROM "{schema}"."{table}"').fetchone()
        counts.append((schema, table, result[0] if result else 0, comment))
    return counts
