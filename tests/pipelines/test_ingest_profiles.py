from pathlib import Path

from assets.profiles import apply_profiles
from pipelines.inbox import fingerprint
from pipelines.ingest import plan_ingest, run_ingest
from pipelines.sources import pipeline_in_own_folder
from tests.warehouse_holder import held_by_another_process
from warehouse.connection import open_warehouse
from warehouse.runners import RunnerAPI

PROFILE = """\
identity: {name: "Ana Sousa", timezone: Europe/Lisbon}
physical: {age: 41, biological_sex: female}
goals: {goal_type: race, race_distance: 10, race_date: 2026-12-13, target_time: 3000}
"""


def _rows(home, sql):
    with open_warehouse(home.warehouse, read_only=True) as con:
        return con.execute(sql).fetchall()


def test_profiles_load_once_and_bad_folders_are_quarantined(home):
    (home.inbox / "ana").mkdir()
    (home.inbox / "ana" / "profile.yaml").write_text(PROFILE)
    (home.inbox / "no-profile-yet").mkdir()
    (home.inbox / "Ana Sousa").mkdir()
    report = run_ingest(home)
    assert report.rows_by_table["raw_profiles.profiles"] == 2
    assert report.runners == ["ana", "no-profile-yet"]
    assert [r.location for r in report.ledger.rejections] == ["folder name"]
    run_ingest(home)
    assert _rows(home, "SELECT count(*) FROM raw_profiles.profiles") == [(2,)]
    assert _rows(home, "SELECT count(*) FROM quarantine.rejected") == [(1,)]
    stored = _rows(home, "SELECT profile_yaml FROM raw_profiles.profiles WHERE runner_id = 'ana'")
    assert stored == [(PROFILE,)]


def test_nothing_is_written_outside_the_home(home, tmp_path):
    (home.inbox / "ana").mkdir()
    (home.inbox / "ana" / "profile.yaml").write_text(PROFILE)
    before = {p for p in tmp_path.rglob("*") if not p.is_relative_to(home.root)}
    run_ingest(home)
    after = {p for p in tmp_path.rglob("*") if not p.is_relative_to(home.root)}
    assert after == before
    assert not any(home.dlt_dir.glob("profiles-*"))  # each run's working folder goes


def test_a_pipeline_made_elsewhere_meanwhile_leaves_a_running_one_alone(home):
    """Two processes making the same pipeline at once raced in dlt's folder creation (one
    wiped what the other had just made): each pipeline now has a folder of its own."""
    with pipeline_in_own_folder("strava", home.warehouse, home.dlt_dir) as running:
        package = Path(running.working_dir) / "normalize" / "package"
        package.parent.mkdir(parents=True)
        package.write_text("rows not yet loaded")
        with pipeline_in_own_folder("strava", home.warehouse, home.dlt_dir) as other:
            assert other.working_dir != running.working_dir
        assert package.read_text() == "rows not yet loaded"
    assert not package.exists()


def test_a_load_waits_while_another_process_holds_the_warehouse(home):
    """dlt would fail at once on DuckDB's lock: the pipeline loads through a connection that
    waited for the other process (a command outside the run) to let go."""
    with open_warehouse(home.warehouse):
        pass
    with held_by_another_process(home.warehouse, release_after_seconds=1.0):
        with pipeline_in_own_folder("profiles", home.warehouse, home.dlt_dir) as pipeline:
            pipeline.run([{"runner_id": "ana"}], table_name="waited").raise_on_failed_jobs()
    assert _rows(home, "SELECT runner_id FROM raw_profiles.waited") == [("ana",)]


def test_unknown_runner_is_a_clear_error(home):
    import pytest

    with pytest.raises(ValueError, match="no inbox folder for runner"):
        plan_ingest(home, ["ghost"])


def test_fingerprint_changes_with_content(tmp_path):
    path = tmp_path / "export.xml"
    path.write_text("<a/>")
    first = fingerprint(path)
    path.write_text("<b/>")
    assert fingerprint(path)[2] != first[2]
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "x").write_text("1")
    assert fingerprint(folder)[0] == 1


def _raw(con, profiles: dict[str, str]) -> None:
    con.execute("CREATE SCHEMA IF NOT EXISTS raw_profiles")
    con.execute(
        "CREATE OR REPLACE TABLE raw_profiles.profiles "
        "(runner_id VARCHAR, source_file VARCHAR, profile_yaml VARCHAR)"
    )
    for runner_id, text in profiles.items():
        con.execute(
            "INSERT INTO raw_profiles.profiles VALUES (?, ?, ?)",
            [runner_id, f"{runner_id}/profile.yaml", text],
        )


def test_profiles_apply_field_by_field_and_say_who_gets_no_plan(con):
    _raw(
        con,
        {
            "ana": PROFILE + "schedule: {blocked_days: [monday], max_session_duration_minutes: 90,"
            " long_run_day: caturday}\ncoaching: {data_orientation: curious, mood: sunny}\n",
            "ben": "identity: {name: Ben\n",
        },
    )
    loaded = apply_profiles(con)
    where = {(r.runner_id, r.location) for r in loaded.rejections}
    assert ("ana", "schedule.long_run_day") in where
    assert ("ana", "coaching.mood") in where
    assert ("ben", "line 2, column 1") in where
    assert loaded.not_ready == {
        "ana": "no plan until schedule.long_run_day is fixed: the value given was rejected "
        "(quarantine.rejected says why)",
        "ben": "no plan until profile.yaml parses again (quarantine.rejected says where it breaks)",
    }
    ana = RunnerAPI(con).get_runner("ana")
    assert ana["schedule"]["blocked_days"] == ["monday"]
    assert ana["schedule"]["max_session_minutes"] == 90
    assert ana["coaching"]["data_orientation"] == "curious"
    stored = con.execute("SELECT count(*) FROM quarantine.rejected").fetchone()
    assert stored == (len(loaded.rejections),)


def test_a_runner_stored_before_a_rule_was_added_fails_alone(con):
    _raw(con, {"ana": PROFILE, "ben": "identity: {name: Ben}\n"})
    apply_profiles(con)
    con.execute(
        "UPDATE coach.runners SET identity = struct_update(identity, timezone := 'Mars/Olympus') "
        "WHERE runner_id = 'ana'"
    )
    _raw(con, {"ana": "physical: {age: 42}\n", "ben": "physical: {age: 33}\n"})
    loaded = apply_profiles(con)
    [rejection] = loaded.rejections
    assert rejection.runner_id == "ana" and rejection.location == "identity.timezone"
    assert "nothing was applied" in rejection.reason
    assert RunnerAPI(con).get_runner("ben")["physical"]["age"] == 33
