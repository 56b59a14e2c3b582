"""FIT exports on disk and in plans.fit_files: paths, README, hashes, idempotence, clean-up."""

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl
import pytest
from garmin_fit_sdk import Decoder, Stream

from assets.fit_export import export_workouts, fit_workouts
from assets.resources import CadenceHomeResource
from tests.plan_rows import (
    PLAN_START,
    RACE_DATE,
    insert_plan,
    plan_row,
    session_rows,
    structure_segment,
)
from warehouse.connection import open_warehouse, read_table
from warehouse.contracts import contract
from warehouse.settings import CadenceHome

FIT_FILES = contract("plans.fit_files")
PLANNED_SESSIONS = contract("plans.planned_sessions")


STRUCTURES = {
    "easy": [structure_segment(1, "steady", distance_km=6.0, pace_min_sec_per_km=340)],
    "tempo": [
        structure_segment(1, "warmup", duration_seconds=600),
        structure_segment(
            2, "steady", duration_seconds=1200, pace_min_sec_per_km=290, pace_max_sec_per_km=300
        ),
        structure_segment(3, "cooldown", duration_seconds=600),
    ],
    "long": [structure_segment(1, "steady", distance_km=12.0, hr_min_bpm=130, hr_max_bpm=148)],
}
STEPS = {"easy": 1, "tempo": 3, "long": 1}


def _sessions(plan: dict[str, Any]) -> list[dict[str, Any]]:
    rows = session_rows(plan)
    for row in rows:
        row["structure_segments"] = STRUCTURES.get(row["session_type"])
    return rows


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=PLANNED_SESSIONS.polars_schema)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_every_run_gets_a_file_named_by_day_and_type_and_recorded(tmp_path):
    rows = _sessions(plan_row())
    exported = export_workouts(tmp_path, _frame(rows))
    FIT_FILES.validate(exported)
    runs = [r for r in rows if not r["is_rest_day"]]
    assert exported.height == len(runs) == 12
    on_disk = _files(tmp_path)
    assert sorted(on_disk) == sorted(
        [f"ana/plan-ana/{r['scheduled_date'].isoformat()}_{r['session_type']}.fit" for r in runs]
        + ["ana/plan-ana/README.md"]
    )
    first = exported.row(0, named=True)
    assert (
        first["path"] == f"ana/plan-ana/{(PLAN_START + dt.timedelta(days=1)).isoformat()}_easy.fit"
    )
    for row in exported.iter_rows(named=True):
        content = on_disk[row["path"]]
        assert row["sha256"] == hashlib.sha256(content).hexdigest()
        assert row["size_bytes"] == len(content)
        session = next(r for r in runs if r["session_id"] == row["session_id"])
        assert row["step_count"] == STEPS[session["session_type"]]
        messages, errors = Decoder(Stream.from_byte_array(bytearray(content))).read()
        assert errors == []
        assert len(messages["workout_step_mesgs"]) == row["step_count"]
        assert messages["workout_mesgs"][0]["wkt_name"] == row["workout_name"]
    assert exported["fit_file_id"].n_unique() == exported.height
    assert (exported["runner_id"] == "ana").all() and (exported["plan_id"] == "plan-ana").all()


def test_plans_exported_together_match_plans_exported_alone(tmp_path):
    plans = [plan_row(runner, f"plan-{runner}") for runner in ("ana", "ben", "chen", "dev", "eve")]
    frames = [_frame(_sessions(plan)) for plan in plans]
    together = export_workouts(tmp_path / "together", pl.concat(frames))
    alone = pl.concat(
        export_workouts(tmp_path / f"alone-{i}", frame) for i, frame in enumerate(frames)
    )
    assert together.equals(alone)
    assert _files(tmp_path / "together") == {
        name: content
        for i in range(len(frames))
        for name, content in _files(tmp_path / f"alone-{i}").items()
    }


def test_the_readme_explains_copying_to_the_watch_and_lists_the_files(tmp_path):
    export_workouts(tmp_path, _frame(_sessions(plan_row())))
    readme = (tmp_path / "ana" / "plan-ana" / "README.md").read_text()
    assert "GARMIN/NewFiles" in readme
    assert f"`{(PLAN_START + dt.timedelta(days=3)).isoformat()}_tempo.fit`" in readme
    assert "| Tempo 8 km |" in readme


def test_re_export_changes_nothing(tmp_path):
    frame = _frame(_sessions(plan_row()))
    first = export_workouts(tmp_path, frame)
    mtimes = {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")}
    contents = _files(tmp_path)
    again = export_workouts(tmp_path, frame)
    assert again.equals(first)
    assert _files(tmp_path) == contents
    assert {p: p.stat().st_mtime_ns for p in tmp_path.rglob("*")} == mtimes


def test_files_of_sessions_no_longer_planned_are_removed(tmp_path):
    rows = _sessions(plan_row())
    export_workouts(tmp_path, _frame(rows))
    folder = tmp_path / "ana" / "plan-ana"
    (folder / "coach-notes.txt").write_text("kept")
    moved = next(r for r in rows if r["session_type"] == "tempo")
    gone = folder / f"{moved['scheduled_date'].isoformat()}_tempo.fit"
    assert gone.exists()
    moved["scheduled_date"] += dt.timedelta(days=1)
    exported = export_workouts(tmp_path, _frame(rows))
    assert not gone.exists()
    assert (folder / f"{moved['scheduled_date'].isoformat()}_tempo.fit").exists()
    assert len(list(folder.glob("*.fit"))) == exported.height == 12
    assert (folder / "coach-notes.txt").read_text() == "kept"
    assert not list(folder.glob("*.partial"))


def test_a_plan_left_without_runs_loses_its_files(tmp_path):
    rows = _sessions(plan_row())
    export_workouts(tmp_path, _frame(rows))
    rest_only = [r for r in rows if r["is_rest_day"]]
    assert export_workouts(tmp_path, _frame(rest_only)).height == 0
    assert not (tmp_path / "ana" / "plan-ana").exists()


def test_a_replaced_plan_loses_its_workouts_and_other_runners_keep_theirs(tmp_path):
    ana, ben = _sessions(plan_row()), _sessions(plan_row("ben", "plan-ben"))
    export_workouts(tmp_path, _frame(ana + ben))
    (tmp_path / "ben" / "plan-ben" / "coach-notes.txt").write_text("kept")
    replacement = _sessions(plan_row(plan_id="plan-ana-2"))
    export_workouts(tmp_path, _frame(replacement))
    assert not (tmp_path / "ana" / "plan-ana").exists()
    assert len(list((tmp_path / "ana" / "plan-ana-2").glob("*.fit"))) == 12
    assert [p.name for p in (tmp_path / "ben" / "plan-ben").iterdir()] == ["coach-notes.txt"]
    export_workouts(tmp_path, _frame(replacement[:0]))
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "ben",
        "ben/plan-ben",
        "ben/plan-ben/coach-notes.txt",
    ]


def test_two_runs_of_one_kind_on_one_day_get_two_files(tmp_path):
    rows = _sessions(plan_row())
    easy = next(r for r in rows if r["session_type"] == "easy")
    double = {**easy, "session_id": easy["session_id"] + "-pm"}
    exported = export_workouts(tmp_path, _frame([easy, double]))
    day = easy["scheduled_date"].isoformat()
    assert sorted(exported["path"].to_list()) == [
        f"ana/plan-ana/{day}_easy.fit",
        f"ana/plan-ana/{day}_easy_2.fit",
    ]


def test_a_plan_id_that_is_not_a_folder_name_is_refused(tmp_path):
    rows = _sessions(plan_row(plan_id="../escape"))
    with pytest.raises(ValueError, match="cannot name an export folder"):
        export_workouts(tmp_path, _frame(rows))
    assert not any(tmp_path.iterdir())


def test_only_sessions_from_the_plan_date_on_are_exported(tmp_path):
    rows = _sessions(plan_row())
    export_workouts(tmp_path, _frame(rows))
    third_week = PLAN_START + dt.timedelta(days=14)
    exported = export_workouts(tmp_path, _frame(rows), from_date=third_week)
    ahead = [r for r in rows if not r["is_rest_day"] and r["scheduled_date"] >= third_week]
    assert exported.height == len(ahead) == 6
    # the files of the weeks already past are gone from the folder
    assert sorted(p.name for p in (tmp_path / "ana" / "plan-ana").glob("*.fit")) == sorted(
        f"{r['scheduled_date'].isoformat()}_{r['session_type']}.fit" for r in ahead
    )
    after_race = export_workouts(tmp_path, _frame(rows), from_date=RACE_DATE + dt.timedelta(days=1))
    assert after_race.height == 0 and not (tmp_path / "ana").exists()


def test_workout_names_are_in_each_runners_units(tmp_path):
    frame = _frame(_sessions(plan_row()) + _sessions(plan_row("ben", "plan-ben")))
    exported = export_workouts(tmp_path, frame, units={"ben": "imperial", "ana": "metric"})
    names = {
        (row["runner_id"], row["path"].rsplit("_", 1)[-1]): row["workout_name"]
        for row in exported.iter_rows(named=True)
    }
    assert names[("ana", "long.fit")] == "Long 12 km"
    assert names[("ben", "long.fit")] == "Long 7.5 mi"
    assert names[("ana", "easy.fit")] == "Easy 6 km" and names[("ben", "easy.fit")] == "Easy 3.7 mi"


def test_the_asset_exports_active_plans_and_rewrites_fit_files(
    home: CadenceHome, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("CADENCE_PLAN_DATE", (PLAN_START + dt.timedelta(days=14)).isoformat())
    with open_warehouse(home.warehouse) as con:
        insert_plan(con, plan_row(), _sessions(plan_row()))
        draft = plan_row("ben", "plan-ben", status="draft")
        insert_plan(con, draft, _sessions(draft))
    resources = {"cadence": CadenceHomeResource(root=str(home.root))}
    # an explicit instance, closed here: dg.materialize's implicit one leaves a temporary
    # folder for the garbage collector (a ResourceWarning in whichever test runs next)
    with dg.DagsterInstance.ephemeral() as instance:
        result = dg.materialize([fit_workouts], resources=resources, instance=instance)
        assert result.success
        with open_warehouse(home.warehouse, read_only=True) as con:
            first = read_table(con, FIT_FILES)
        assert dg.materialize([fit_workouts], resources=resources, instance=instance).success
    assert first.height == 6 and set(first["runner_id"]) == {"ana"}  # weeks 3 and 4
    assert sorted(first["path"]) == sorted(
        p.relative_to(home.exports).as_posix() for p in home.exports.rglob("*.fit")
    )
    assert first["created_at"].null_count() == 0
    (event,) = result.get_asset_materialization_events()
    assert event.asset_key == dg.AssetKey(["exports", "fit_files"])
    metadata = event.materialization.metadata
    assert metadata["dagster/row_count"].value == 6
    assert metadata["past_sessions_not_exported"].value == 14  # weeks 1-2, rest days too
    with open_warehouse(home.warehouse, read_only=True) as con:
        again = read_table(con, FIT_FILES)
    assert again.sort("fit_file_id")["created_at"].equals(first.sort("fit_file_id")["created_at"])
