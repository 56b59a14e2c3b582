import datetime as dt
import re

import dagster as dg
import pytest

from assets.definitions import defs
from assets.partitions import runner_partitions
from assets.run import materialize_home
from samples import write_sample_inbox
from warehouse.connection import open_warehouse
from warehouse.runners import RunnerAPI

GROUPS = {
    "raw_profiles": "ingest",
    "raw_strava": "ingest",
    "raw_healthkit": "ingest",
    "raw_strava_api": "ingest",
    "coach/runner_profiles": "ingest",
    "terra/activities": "terra",
    "terra/activity_samples": "terra",
    "terra/sleep_sessions": "terra",
    "terra/body_measurements": "terra",
    "terra/daily_summaries": "terra",
    "coach/runner_state": "coach",
    "coach/weekly_summaries": "coach",
    "coach/runner_states": "coach",
    "reference/knowledge_base": "plans",
    "reference/safeguards": "plans",
    "reference/workout_templates": "plans",
    "plans/training_plans": "plans",
    "plans/planned_sessions": "plans",
    "coach/long_term_goals": "plans",
    "plans/roadmaps": "plans",
    "plans/milestones": "plans",
    "exports/fit_files": "exports",
    "exports/runner_reports": "exports",
    "exports/coach_site": "exports",
    "coach/memory_summaries": "plans",
}


def test_definitions_load_with_the_layered_lineage():
    dg.Definitions.validate_loadable(defs)
    graph = defs.resolve_asset_graph()
    specs = {key.to_user_string(): graph.get(key) for key in graph.get_all_asset_keys()}
    assert {k: node.group_name for k, node in specs.items()} == GROUPS
    parents = {k: {p.to_user_string() for p in node.parent_keys} for k, node in specs.items()}
    assert parents["coach/runner_profiles"] == {"raw_profiles"}
    assert parents["terra/activities"] == {
        "raw_strava",
        "raw_healthkit",
        "raw_strava_api",
        "coach/runner_profiles",
    }
    assert all(
        parents[f"coach/{t}"] >= {"terra/activities", "terra/daily_summaries"}
        for t in ("runner_state", "weekly_summaries", "runner_states")
    )
    assert parents["plans/training_plans"] >= {
        "coach/runner_state",
        "coach/weekly_summaries",
        "reference/safeguards",
    }
    assert parents["exports/fit_files"] == {"plans/planned_sessions"}
    assert parents["exports/runner_reports"] == {"plans/training_plans", "terra/daily_summaries"}
    assert parents["exports/coach_site"] >= {
        "terra/activity_samples",
        "coach/weekly_summaries",
        "plans/planned_sessions",
    }
    for key, node in specs.items():
        assert node.description, key
        assert node.kinds & {"dlt", "polars"}, key
        assert "duckdb" in node.kinds, key


@pytest.fixture
def sample_home(home):
    write_sample_inbox(home.inbox, runners=2, days=14, seed=3, end_date=dt.date(2026, 11, 1))
    return home


def _rows(home, sql):
    with open_warehouse(home.warehouse, read_only=True) as con:
        return con.execute(sql).fetchall()


def test_materialize_applies_every_profile(sample_home):
    result = materialize_home(sample_home)
    assert result.success
    with open_warehouse(sample_home.warehouse, read_only=True) as con:
        runners = RunnerAPI(con).list_runners()
    assert [r["runner_id"] for r in runners] == sorted(p.name for p in sample_home.inbox.iterdir())
    for runner in runners:
        assert runner["identity"]["timezone"]
        assert runner["physical"]["age"] >= 18
        assert runner["schedule"]["long_run_day"]
        assert runner["conversation_state"]["data_completeness"] > 80
    assert _rows(sample_home, "SELECT count(*) FROM quarantine.rejected") == [(0,)]
    # The CLI's runs land in the same instance the UI reads.
    assert (sample_home.dagster_home / "dagster.yaml").exists()
    assert (sample_home.dagster_home / "history").exists() or any(
        sample_home.dagster_home.iterdir()
    )


def test_rerun_adds_nothing(sample_home):
    materialize_home(sample_home)
    first = _rows(sample_home, "SELECT runner_id, identity, physical FROM coach.runners")
    materialize_home(sample_home)
    assert _rows(sample_home, "SELECT runner_id, identity, physical FROM coach.runners") == first


def test_bad_profile_section_is_quarantined_and_the_rest_lands(sample_home):
    runner_dir = sorted(p for p in sample_home.inbox.iterdir())[0]
    profile = (runner_dir / "profile.yaml").read_text()
    (runner_dir / "profile.yaml").write_text(re.sub(r"\n  age: \d+", "\n  age: 300", profile))
    (sample_home.inbox / "Not A Slug").mkdir()
    broken = sample_home.inbox / "broken"
    broken.mkdir()
    (broken / "profile.yaml").write_text("identity: {name: [unclosed\n")
    assert materialize_home(sample_home).success
    rejected = _rows(
        sample_home,
        "SELECT runner_id, source_file, location, reason FROM quarantine.rejected ORDER BY 2",
    )
    reasons = {(r[1], r[2]): r[3] for r in rejected}
    assert any(loc == "physical.age" for _, loc in reasons), rejected
    assert ("Not A Slug/", "folder name") in reasons
    assert any(f == "broken/profile.yaml" and "line" in loc for f, loc in reasons)
    runner_id = runner_dir.name
    goals = _rows(
        sample_home, f"SELECT goals.goal_type FROM coach.runners WHERE runner_id = '{runner_id}'"
    )
    assert goals[0][0] is not None
    assert _rows(sample_home, "SELECT count(*) FROM coach.runners WHERE runner_id = 'broken'") == [
        (1,)
    ]
    count = len(rejected)
    materialize_home(sample_home)
    assert _rows(sample_home, "SELECT count(*) FROM quarantine.rejected") == [(count,)]


def test_schedule_sensor_and_checks_snapshot():
    schedule = defs.resolve_schedule_def("daily_refresh_schedule")
    assert schedule.cron_schedule == "0 5 * * *"
    assert schedule.job_name == "daily_refresh"
    weekly = defs.resolve_schedule_def("weekly_digest_schedule")
    assert (weekly.cron_schedule, weekly.job_name) == ("30 6 * * 1", "weekly_digest")
    assert defs.resolve_sensor_def("inbox_sensor").job_name == "runner_ingest"
    assert defs.resolve_sensor_def("publish_after_success")
    assert (
        defs.resolve_sensor_def("dead_runs_sensor").default_status == dg.DefaultSensorStatus.RUNNING
    )
    assert defs.resolve_job_def("runner_ingest").partitions_def == runner_partitions
    assert defs.resolve_job_def("daily_refresh").partitions_def == runner_partitions
    graph = defs.resolve_asset_graph()
    checks = {(k.asset_key.to_user_string(), k.name) for k in graph.asset_check_keys}
    contract_backed = set(GROUPS) - {
        "raw_profiles",
        "raw_strava",
        "raw_healthkit",
        "raw_strava_api",
    }
    contract_backed -= {"coach/runner_profiles", "exports/runner_reports", "exports/coach_site"}
    assert {key for key, name in checks if name == "matches_contract"} == contract_backed
    runner_owned = (
        contract_backed
        - {"coach/runner_state"}
        - {k for k in contract_backed if k.startswith("reference/")}
    )
    assert {key for key, name in checks if name == "runners_exist"} == runner_owned
    assert {(k, n) for k, n in checks if n not in ("matches_contract", "runners_exist")} == {
        ("plans/training_plans", "active_plans_validated"),
        ("plans/planned_sessions", "plan_id_exists"),
        ("exports/fit_files", "session_id_exists"),
        ("plans/milestones", "roadmap_id_exists"),
        *(
            (key, "every_runner_built")
            for key in (
                "terra/activities",
                "coach/runner_state",
                "plans/training_plans",
                "exports/fit_files",
                "exports/runner_reports",
                "exports/coach_site",
            )
        ),
    }
    blocking = {
        k.asset_key.to_user_string()
        for k in graph.asset_check_keys
        if graph.get_check_spec(k).blocking
    }
    assert blocking == {"plans/training_plans", "plans/planned_sessions"}
