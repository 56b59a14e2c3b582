"""An ingest killed half way through a dlt load: the ledger never vouches for rows that
did not land, and the working folder the killed run left is cleared by a later one."""

import datetime as dt
import fcntl
import os
import time
from pathlib import Path

from pipelines.ingest import plan_ingest, run_ingest
from pipelines.sources import ABANDONED_AFTER_S, IN_USE, pipeline_in_own_folder
from samples import write_sample_inbox
from warehouse.connection import open_warehouse


def count(home, table: str) -> int:
    with open_warehouse(home.warehouse, read_only=True) as con:
        return con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def test_an_export_whose_load_never_completed_is_read_again(home):
    write_sample_inbox(home.inbox, runners=1, days=3, seed=4, end_date=dt.date(2026, 11, 1))
    run_ingest(home)
    records = count(home, "raw_healthkit.records")
    assert records > 0 and not plan_ingest(home).todo
    # What SIGKILL leaves when it lands after dlt committed the ledger table but before the
    # export's records and the load's completion: the ledger row alone.
    with open_warehouse(home.warehouse) as con:
        con.execute("DELETE FROM raw_healthkit.records")
        con.execute("DELETE FROM raw_healthkit._dlt_loads")
    assert [export.kind for export in plan_ingest(home).todo] == ["healthkit"]
    run_ingest(home)
    assert count(home, "raw_healthkit.records") == records
    assert not plan_ingest(home).todo


def test_working_folders_of_killed_runs_are_removed_and_live_ones_kept(home):
    def folder(name: str, age_s: float) -> Path:
        path = home.dlt_dir / name
        (path / "cadence_healthkit" / "load").mkdir(parents=True)
        stamp = time.time() - age_s
        os.utime(path, (stamp, stamp))
        return path

    killed = folder("healthkit-killed", ABANDONED_AFTER_S + 5)
    live = folder("healthkit-live", ABANDONED_AFTER_S + 5)
    starting = folder("healthkit-starting", 1)
    other_kind = folder("strava-killed", ABANDONED_AFTER_S + 5)
    with (live / IN_USE).open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as the process working there holds it
        with pipeline_in_own_folder("healthkit", home.warehouse, home.dlt_dir):
            pass
    assert not killed.exists()
    assert live.exists() and starting.exists() and other_kind.exists()
    assert sorted(p.name for p in home.dlt_dir.iterdir()) == [
        "healthkit-live",
        "healthkit-starting",
        "strava-killed",
    ]
