"""Bad input through the whole ingest: clear rejections in quarantine, everything else loads."""

import datetime as dt
import zipfile

import pytest
from typer.testing import CliRunner

from assets.cli import app
from pipelines.ingest import run_ingest
from samples import write_sample_inbox
from warehouse.connection import open_warehouse


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
