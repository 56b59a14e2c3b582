import subprocess
import sys
import threading

import duckdb
import pytest

from warehouse.connection import connect

HOLD = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print("holding", flush=True)
sys.stdin.readline()
con.close()
"""


def test_opening_waits_while_another_process_holds_the_warehouse(tmp_path):
    """A command outside a run (read-only, like `cadence plan show`) holding the file must make
    a run's step wait, not fail on DuckDB's lock."""
    path = tmp_path / "warehouse.duckdb"
    connect(path).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        with pytest.raises(duckdb.IOException, match="Could not set lock"):
            connect(path, lock_wait_seconds=0)
        release = threading.Timer(0.5, lambda: holder.communicate("\n", timeout=30))
        release.start()
        con = connect(path)
        con.execute("CREATE TABLE written AS SELECT 1 AS one")
        con.close()
        release.join()
    finally:
        holder.kill()
        holder.wait()
    assert holder.returncode == 0
