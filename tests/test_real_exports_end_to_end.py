"""Real third-party exports (../shared/fixtures/real) through the whole pipeline."""

import shutil
from pathlib import Path

import pytest

from assets.run import materialize_home
from pipelines.ingest import run_ingest
from tests.real_fixtures import REAL_FIXTURES
from warehouse.connection import open_warehouse
from warehouse.settings import CadenceHome

REAL = REAL_FIXTURES
pytestmark = pytest.mark.skipif(not REAL.is_dir(), reason="shared/fixtures/real is absent")


def test_real_exports_load_and_derive(tmp_path, monkeypatch):
    home = CadenceHome(tmp_path / "home").create()
    runners = {
        "slalom": ("strava/slalom007_export", "healthkit/k0rventen_test-export.zip"),
        "legacy": ("strava/legacy_2018_export", "healthkit/dogsheep_zip_contents"),
        "ios12": (None, "healthkit/rgosdin_apple_health_export"),
    }
    for runner_id, (strava, health) in runners.items():
        inbox = home.inbox / runner_id
        if strava:
            shutil.copytree(REAL / strava, inbox / "strava" / Path(strava).name)
        target = inbox / "healthkit" / Path(health).name
        if (REAL / health).is_dir():
            shutil.copytree(REAL / health, target)
        else:
            target.parent.mkdir(parents=True)
            shutil.copy(REAL / health, target)
    report = run_ingest(home)
    assert report.rows_by_table["raw_strava.activities"] > 300
    assert report.rows_by_table["raw_healthkit.records"] > 3000
    monkeypatch.setenv("CADENCE_HOME", str(home.root))
    result = materialize_home(home)
    failed = [e for e in result.get_asset_check_evaluations() if not e.passed]
    assert result.success and not failed, [(e.asset_key, e.check_name, e.metadata) for e in failed]
    with open_warehouse(home.warehouse, read_only=True) as con:
        per_runner = dict(
            con.execute("SELECT runner_id, count(*) FROM terra.activities GROUP BY 1").fetchall()
        )
        days = con.execute("SELECT count(*) FROM terra.daily_summaries").fetchall()[0][0]
        rejected = con.execute(
            "SELECT count(*), count(*) FILTER (reason = '') FROM quarantine.rejected"
        ).fetchall()[0]
    assert per_runner["slalom"] >= 200 and per_runner["legacy"] >= 100
    assert days > 100
    assert rejected[1] == 0  # every rejection says why
