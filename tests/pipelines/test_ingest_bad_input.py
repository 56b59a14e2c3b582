"""Bad input through the whole ingest: clear rejections in quarantine, everything else loads."""

import datetime as dt
import shutil
import zipfile
from dataclasses import fields
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from assets.cli import app
from assets.layers import raw_frames
from pipelines.ingest import run_ingest
from samples import write_sample_inbox
from tests.real_fixtures import REAL_FIXTURES
from transforms.runner_context import runner_context
from transforms.terra import TerraFrames, build_terra
from warehouse.connection import open_warehouse, read_table
from warehouse.contracts import contract


def rows(home, sql):
    with open_warehouse(home.warehouse, read_only=True) as con:
        return con.execute(sql).fetchall()


def _corrupt_inbox(home):
    [runner] = write_sample_inbox(
        home.inbox, runners=1, days=14, seed=5, end_date=dt.date(2026, 11, 1)
    )
    strava = runner.strava_zip
    with zipfile.ZipFile(strava) as source:
        members = {info.filename: source.read(info) for info in source.infolist()}
    victim = next(name for name in members if name.endswith(".fit.gz"))
    members[victim] = b"this is not gzip"
    csv = members["activities.csv"].decode().splitlines(keepends=True)
    csv.insert(2, "123,not a valid row\n")
    members["activities.csv"] = "".join(csv).encode()
    with zipfile.ZipFile(strava, "w") as target:
        for name, data in members.items():
            target.writestr(name, data)
    with zipfile.ZipFile(runner.healthkit_zip) as source:
        xml = next(n for n in source.namelist() if n.endswith("export.xml"))
        data = source.read(xml)
    runner.healthkit_zip.unlink()
    (runner.root / "healthkit" / "export.xml").write_bytes(data[: int(len(data) * 0.6)])
    (home.inbox / "Not A Runner").mkdir()
    return runner, victim


def test_each_bad_input_is_quarantined_and_the_rest_loads(home):
    runner, victim = _corrupt_inbox(home)
    report = run_ingest(home)
    rejected = rows(home, "SELECT source, source_file, location, reason FROM quarantine.rejected")
    files = {r[1] for r in rejected}
    assert any(victim in f for f in files), rejected
    assert any(
        f.endswith("activities.csv") and loc.startswith("line")
        for _, f, loc, _ in rejected
        if "activities.csv" in f
    ), rejected
    assert any("export.xml" in f for f in files), rejected
    assert ("Not A Runner/",) in {(f,) for f in files}
    assert all(reason and location for _, _, location, reason in rejected)
    loaded = rows(home, "SELECT count(*) FROM raw_strava.activities")[0][0]
    assert loaded == runner.strava_activity_count  # the bad row is extra, not one of these
    assert rows(home, "SELECT count(*) FROM raw_healthkit.records")[0][0] > 1000
    assert report.rows_by_table["raw_strava.samples"] > 0
    count = len(rejected)
    run_ingest(home, force=True)
    assert len(rows(home, "SELECT * FROM quarantine.rejected")) == count


@pytest.mark.parametrize("content", [b"", b"PK\x03\x04 truncated zip"])
def test_cli_fails_only_when_nothing_could_be_loaded(home, content):
    folder = home.inbox / "ana" / "strava"
    folder.mkdir(parents=True)
    (folder / "export.zip").write_bytes(content)
    result = CliRunner().invoke(app, ["ingest"])
    assert result.exit_code == 1, result.output
    assert "Nothing could be loaded" in result.output
    assert rows(home, "SELECT count(*) FROM quarantine.rejected")[0][0] >= 1


def test_cli_succeeds_when_some_input_is_bad(home):
    _corrupt_inbox(home)
    result = CliRunner().invoke(app, ["ingest"])
    assert result.exit_code == 0, result.output
    assert "Rejected" in result.output and "raw_strava.samples" in result.output


ODD = Path(__file__).resolve().parents[1] / "fixtures" / "odd_values"
FENIX2 = REAL_FIXTURES / "fit" / "fitparse_activity-small-fenix2-run.fit"


@pytest.mark.skipif(not FENIX2.exists(), reason="shared/fixtures/real is absent")
def test_odd_exports_load_what_can_be_true_and_build_valid_terra_tables(home):
    """One runner's exports with same-second heart rates, values that cannot be true and a
    truncated FIT file (the first half of a real Fenix 2 run) beside activities.csv's row
    for the whole run: every terra table passes its contract, the run is one activity with
    the CSV's 2832 s and 9008.2 m, and it merges with the Apple Watch workout of it."""
    inbox = home.inbox / "ana"
    shutil.copytree(ODD / "healthkit", inbox / "healthkit")
    export = inbox / "strava" / "export"
    shutil.copytree(ODD / "strava", export)
    whole = FENIX2.read_bytes()
    (export / "activities" / "4045207321.fit").write_bytes(whole[: len(whole) // 2])
    run_ingest(home)
    with open_warehouse(home.warehouse, read_only=True) as con:
        raw = raw_frames(con, ["ana"])
        runners = read_table(con, contract("coach.runners"), "runner_id = ?", ["ana"])
        rejected = con.execute(
            "SELECT source_file, location, reason FROM quarantine.rejected"
        ).fetchall()
    reasons = [reason for _, _, reason in rejected]
    for value in ("value 400 count/min", "value -120 count", "BodyMass value 0 kg", "500 km"):
        assert any(value in reason for reason in reasons), (value, reasons)
    assert sum("ends (" in reason for reason in reasons) == 2  # a record and a workout
    assert any(f.endswith("4045207321.fit") and "truncated" in r for f, _, r in rejected)

    built = build_terra(raw, runner_context(runners))
    for table in fields(TerraFrames):
        frame = getattr(built, table.name)
        terra = contract(f"terra.{table.name}")
        terra.validate(terra.conform(frame))

    run = built.activities.filter(pl.col("local_date") == dt.date(2015, 8, 15)).row(0, named=True)
    assert built.activities.filter(pl.col("local_date") == dt.date(2015, 8, 15)).height == 1
    assert {m["source"] for m in run["merged_from"]} == {"strava", "healthkit"}
    assert run["duration_seconds"] == pytest.approx(2832)
    assert run["distance_meters"] == pytest.approx(9008.2, abs=1)
    truncated = raw.strava_files.row(0, named=True)  # what the partial file alone says
    assert truncated["total_elapsed_time_seconds"] < 1500
    heart = built.activity_samples.filter(
        (pl.col("timestamp") == dt.datetime(2015, 8, 15, 14, 50, tzinfo=dt.UTC))
        & (pl.col("source") == "healthkit")
    )
    assert heart["heart_rate_bpm"].to_list() == [151.0]  # the workout's own, not 87
    assert built.activity_samples["heart_rate_bpm"].max() <= 250
    assert built.activities.filter(pl.col("local_date") > dt.date(2015, 8, 16)).height == 0
    # 5 km whose route stops after 20 s of the 30 min workout: the route's moving time
    # tells only its part (distance over it would be 250 m/s, 4 s/km), so the workout's
    # own duration stands
    (lost,) = built.activities.filter(pl.col("distance_meters") == 5000).rows(named=True)
    assert lost["moving_time_seconds"] is None
    assert lost["avg_speed_meters_per_second"] == pytest.approx(5000 / 1800)
    assert built.body_measurements["weight_kg"].to_list() == [61.2]
    (day,) = built.daily_summaries.filter(pl.col("date") == dt.date(2015, 8, 15)).rows(named=True)
    assert day["steps"] == 812


def test_a_reader_breaking_on_one_runners_export_stops_no_other_and_it_is_read_again(
    home, monkeypatch
):
    """A reader bug (a case it does not know) on one export: the others load, what it read
    before breaking loads, and with no ledger row the next run reads that export again."""
    import pipelines.strava as strava

    write_sample_inbox(home.inbox, runners=2, days=7, seed=4, end_date=dt.date(2026, 11, 1))
    broken_runner = "ana-lisbon"
    real_reader = strava.read_strava_export

    def breaks_half_way(export, runner_id, **options):
        read = real_reader(export, runner_id, **options)
        if runner_id != broken_runner:
            return read
        batches = read.batches

        def first_batch_then_a_bug():
            yield next(iter(batches()))
            raise KeyError("moving_time")

        read.batches = first_batch_then_a_bug
        return read

    monkeypatch.setattr(strava, "read_strava_export", breaks_half_way)
    run_ingest(home)

    loaded = dict(
        rows(home, "SELECT runner_id, count(*) FROM raw_strava.loaded_exports GROUP BY 1")
    )
    assert broken_runner not in loaded and len(loaded) == 1
    [(location, reason)] = rows(
        home,
        f"SELECT location, reason FROM quarantine.rejected WHERE runner_id = '{broken_runner}' "
        "AND source = 'strava'",
    )
    assert location == "reading"
    assert "could not be read to the end (KeyError: 'moving_time')" in reason
    assert rows(home, "SELECT count(*) FROM raw_healthkit.loaded_exports")[0][0] == 2

    monkeypatch.setattr(strava, "read_strava_export", real_reader)
    run_ingest(home)
    loaded = dict(
        rows(home, "SELECT runner_id, count(*) FROM raw_strava.loaded_exports GROUP BY 1")
    )
    assert loaded[broken_runner] == 1
