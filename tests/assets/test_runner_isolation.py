"""A runner whose data breaks a layer fails alone (issue: one runner's odd data never stops
the squad). One squad is built once; each test copies it, crafts one runner's input to break
one layer, and runs that layer with Dagster: the other runners are rebuilt, the broken runner
keeps its last good rows, is quarantined and named by the layer's check."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import polars as pl
import pytest
from typer.testing import CliRunner

from assets.cli import app
from assets.run import materialize_home, runner_failures
from samples import write_sample_inbox
from warehouse.connection import open_warehouse
from warehouse.settings import CadenceHome

BROKEN, GOOD = "ben-chicago", "ana-lisbon"


@pytest.fixture(scope="module")
def built_squad(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    root = tmp_path_factory.mktemp("squad") / "home"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CADENCE_HOME", str(root))
        home = CadenceHome.from_env().create()
        write_sample_inbox(home.inbox, runners=3, days=10, seed=5, end_date=dt.date(2026, 11, 1))
        assert materialize_home(home).success
    yield root


@pytest.fixture
def squad(built_squad: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CadenceHome:
    root = tmp_path / "home"
    shutil.copytree(built_squad, root)
    monkeypatch.setenv("CADENCE_HOME", str(root))
    return CadenceHome.from_env()


def craft(home: CadenceHome, *statements: str) -> None:
    with open_warehouse(home.warehouse) as con:
        for statement in statements:
            con.execute(statement)


def rows(home: CadenceHome, table: str, runner_id: str) -> pl.DataFrame:
    with open_warehouse(home.warehouse, read_only=True) as con:
        return con.sql(
            f"SELECT * FROM {table} WHERE runner_id = ? ORDER BY ALL", params=[runner_id]
        ).pl()


def quarantined(home: CadenceHome, layer: str) -> list[tuple[str, str | None, str, str]]:
    with open_warehouse(home.warehouse, read_only=True) as con:
        return con.execute(
            "SELECT runner_id, target_table, location, reason FROM quarantine.rejected "
            "WHERE source = ?",
            [layer],
        ).fetchall()


def test_a_runner_breaking_terra_fails_alone_and_the_squad_is_planned_exported_published(
    squad: CadenceHome,
):
    """The whole chain through the CLI: one sentence naming the runner, exit 1, and every
    other runner built, planned, exported and published."""
    kept = rows(squad, "terra.activities", BROKEN)
    craft(
        squad,
        f"UPDATE raw_strava.activities SET calories = -500 WHERE runner_id = '{BROKEN}'",
        f"UPDATE raw_strava.activities SET calories = 321 WHERE runner_id = '{GOOD}'",
    )
    published_before = squad.published.stat().st_mtime_ns

    result = CliRunner().invoke(
        app,
        [
            "materialize",
            "--select",
            "terra",
            "--select",
            "coach",
            "--select",
            "plans",
            "--select",
            "exports",
        ],
    )

    assert result.exit_code == 1, result.output
    output = " ".join(result.output.split())
    assert re.search(
        rf"Failed Runner {BROKEN} was not rebuilt in terra and keeps its last good rows: "
        r"terra\.activities failed calories_kcal: in_range\(0, 20000\) \(first values: -500\.0\)",
        output,
    ), output
    assert "Traceback" not in result.output
    assert GOOD not in output.split("Failed", 1)[1]
    assert squad.published.stat().st_mtime_ns > published_before
    assert rows(squad, "terra.activities", BROKEN).equals(kept)
    assert 321 in rows(squad, "terra.activities", GOOD)["calories_kcal"].to_list()
    with duckdb.connect(str(squad.published), read_only=True) as published:
        assert 321 in [
            r[0]
            for r in published.execute(
                "SELECT calories_kcal FROM terra.activities WHERE runner_id = ?", [GOOD]
            ).fetchall()
        ]
        planned = dict(
            published.execute(
                "SELECT runner_id, count(*) FROM plans.fit_files GROUP BY 1"
            ).fetchall()
        )
    assert planned.keys() == {BROKEN, GOOD, "chen-singapore"}
    [(runner, table, check, reason)] = quarantined(squad, "terra")
    assert (runner, table, check) == (
        BROKEN,
        "terra.activities",
        "calories_kcal: in_range(0, 20000)",
    )
    assert "-500.0" in reason


@pytest.mark.parametrize(
    ("layer", "table", "statement", "cause"),
    [
        (
            "coach",
            "coach.weekly_summaries",
            # a runner's terra rows as coach reads them: 20 times the distance in the time
            f"UPDATE terra.activities SET distance_meters = distance_meters * 20 "
            f"WHERE runner_id = '{BROKEN}'",
            "running.actual_weekly_volume_km: must be >= 0 and <= 300",
        ),
        (
            "plans",
            "plans.training_plans",
            # a Runner Object written around the API: a long-run day that is no weekday
            f"UPDATE coach.runners SET schedule = struct_update(schedule, "
            f"long_run_day := 'funday') WHERE runner_id = '{BROKEN}'",
            "schedule.long_run_day holds 'funday', which is not a weekday",
        ),
        (
            "exports",
            "plans.fit_files",
            f"UPDATE plans.planned_sessions SET structure_segments = "
            f"list_transform(structure_segments, lambda s: struct_update(s, "
            f"segment_type := 'sprint')) WHERE runner_id = '{BROKEN}'",
            "unknown segment_type 'sprint'",
        ),
    ],
)
def test_a_runner_breaking_a_later_layer_fails_alone_and_keeps_its_last_good_rows(
    squad: CadenceHome, layer: str, table: str, statement: str, cause: str
):
    kept = rows(squad, table, BROKEN)
    others = rows(squad, table, GOOD)
    craft(squad, statement)

    result = materialize_home(squad, groups=[layer])

    assert result.success  # the others were built: the step succeeded
    [sentence] = runner_failures(result)
    assert sentence.startswith(f"Runner {BROKEN} was not rebuilt in {layer}")
    assert cause in sentence
    [check] = [
        c
        for c in result.get_asset_check_evaluations()
        if c.check_name == "every_runner_built" and not c.passed
    ]
    assert check.metadata["runners_built"].value == 2
    assert rows(squad, table, BROKEN).equals(kept)
    assert rows(squad, table, GOOD).height == others.height > 0
    [(runner, _, _, reason)] = quarantined(squad, layer)
    assert runner == BROKEN and reason == sentence
