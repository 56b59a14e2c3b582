import duckdb
import pytest

from tests.warehouse_holder import held_by_another_process
from warehouse.connection import connect


def test_opening_waits_while_another_process_holds_the_warehouse(tmp_path):
    """A command outside a run (read-only, like `cadence plan show`) holding the file must make
    a run's step wait, not fail on DuckDB's lock."""
    path = tmp_path / "warehouse.duckdb"
    connect(path).close()
    with held_by_another_process(path, release_after_seconds=0.5):
        with pytest.raises(duckdb.IOException, match="Could not set lock"):
            connect(path, lock_wait_seconds=0)
        con = connect(path)
        con.execute("CREATE TABLE written AS SELECT 1 AS one")
        con.close()
