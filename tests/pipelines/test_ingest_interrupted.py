"""An ingest killed half way through a dlt load: the ledger never vouches for rows that
did not land, and the working folder the killed run left is cleared by a later one."""

import datetime as dt
import fcntl
import os
import time
import zipfile
from pathlib import Path

import pytest

from pipelines import ingest
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


def test_an_exports_rejections_are_kept_by_a_run_killed_once_its_load_is_complete(
    home, monkeypatch
):
    """A run killed after dlt completed the load, before the run's closing bookkeeping: the
    export is never read again, so its rejections must already be in quarantine."""
    [runner] = write_sample_inbox(
        home.inbox, runners=1, days=3, seed=4, end_date=dt.date(2026, 11, 1)
    )
    csv = runner.strava_zip
    with zipfile.ZipFile(csv) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    lines = members["activities.csv"].decode().splitlines(keepends=True)
    members["activities.csv"] = "".join([*lines[:2], "123,not a valid row\n", *lines[2:]]).encode()
    with zipfile.ZipFile(csv, "w") as target:
        for name, data in members.items():
            target.writestr(name, data)

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # where SIGKILL would stop the run

    monkeypatch.setattr(ingest, "record_ledger", killed)
    with pytest.raises(KeyboardInterrupt):
        run_ingest(home)

    assert not plan_ingest(home).todo  # complete loads: nothing will be read again
    with open_warehouse(home.warehouse, read_only=True) as con:
        rejected = con.execute(
            "SELECT source_file, location FROM quarantine.rejected WHERE source = 'strava'"
        ).fetchall()
    assert [(f.endswith("activities.csv"), loc) for f, loc in rejected] == [(True, "line 3")]


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
