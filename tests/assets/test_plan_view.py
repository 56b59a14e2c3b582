import datetime as dt
import os
import subprocess
import sys

import polars as pl
import pytest
from typer.testing import CliRunner

from assets.cli import app
from assets.reports import write_runner_reports
from tests.plan_rows import PLAN_START, RACE_DATE, insert_plan, plan_row, session_rows
from transforms.plans import PlanReference, generate_plan
from warehouse.connection import open_warehouse, upsert
from warehouse.contracts import contract
from warehouse.reference import reference_frames
from warehouse.runners import RunnerAPI, RunnerNotFound

TUESDAY = PLAN_START + dt.timedelta(days=1)
THURSDAY = PLAN_START + dt.timedelta(days=3)
RECOVERY_WEEK = PLAN_START + dt.timedelta(weeks=2)

cli = CliRunner()


def show(*args: str):
    return cli.invoke(app, ["plan", "show", *args])


@pytest.fixture
def planned(home):
    plan = plan_row("ana", "plan-ana")
    plan["season_view"]["key_milestones"] = [
        {
            "week_number": 2,
            "date": PLAN_START + dt.timedelta(weeks=1, days=6),
            "description": "First 12 km long run",
        }
    ]
    plan["safeguard_applications"] = [
        {
            "safeguard_id": "no_consecutive_hard_days",
            "week_number": 1,
            "session_id": f"plan-ana-{THURSDAY}",
            "applied": True,
            "original_value": 2.0,
            "adjusted_value": 1.0,
            "reason": "moved off Wednesday",
        }
    ]
    sessions = session_rows(plan, {TUESDAY: "completed", THURSDAY: "modified"})
    tuesday = next(s for s in sessions if s["scheduled_date"] == TUESDAY)
    tuesday.update(pace_min_sec_per_km=340.0, pace_max_sec_per_km=375.0, completed_share=1.0)
    thursday = next(s for s in sessions if s["scheduled_date"] == THURSDAY)
    thursday.update(
        completed_share=0.9,
        description="Tempo Run of about 8.0 km: 10 min easy, 5 km at threshold",
        pace_min_sec_per_km=290.0,
        pace_max_sec_per_km=300.0,
        justification="Threshold work lifts the pace Ana can hold for 10 km.",
        physiological_target="Lactate threshold",
        placement_rationale="Two easy days before the long run",
        key_points=["Relax the shoulders"],
        alternatives=[{"session_type": "fartlek", "description": "6 x 3 min on feel"}],
        related_safeguard_ids=["no_consecutive_hard_days", "long_run_share"],
        structure_segments=[
            {
                "segment_index": 1,
                "segment_type": "warmup",
                "duration_seconds": 600.0,
                "intensity_zone": "E",
                "description": "Easy jog",
            },
            {
                "segment_index": 2,
                "segment_type": "work",
                "distance_km": 5.0,
                "pace_min_sec_per_km": 290.0,
                "pace_max_sec_per_km": 300.0,
                "hr_min_bpm": 160.0,
                "hr_max_bpm": 170.0,
                "intensity_zone": "T",
                "description": "Tempo",
            },
        ],
    )
    with open_warehouse(home.warehouse) as con:
        RunnerAPI(con).create_runner("user-ana", "Ana Sousa", runner_id="ana")
        RunnerAPI(con).create_runner("user-ben", "Ben Carter", runner_id="ben")
        insert_plan(con, plan, sessions)
        # the recovery week (week 3) run as a normal week
        weekly = contract("coach.weekly_summaries")
        upsert(
            con,
            weekly,
            weekly.conform(
                pl.DataFrame(
                    [
                        {
                            "weekly_summary_id": f"ana:{RECOVERY_WEEK}",
                            "runner_id": "ana",
                            "week_start_date": RECOVERY_WEEK,
                            "actual_volume_km": 40.2,
                            "planned_volume_km": 25.0,
                            "compliance_percentage": 100.0,
                            "recovery_week_overrun": True,
                        }
                    ]
                )
            ),
        )
    return home


def prefer(home, units: str) -> None:
    with open_warehouse(home.warehouse) as con:
        RunnerAPI(con).update_runner("ana", {"coaching.units": units})


def test_season_zoom(planned):
    result = show("ana")
    assert result.exit_code == 0, result.output
    out = result.output
    for expected in (
        "10K plan for ana",
        "Ana Sousa (ana)",
        "race 10 km on 2026-10-04 in 50:00 (predicted now: 52:00)",
        "ambitious: Needs a 4% gain in four weeks",
        "2026-09-07 to 2026-10-04, 4 weeks, now in week 2",
        "Phases",
        "Build focus",
        "easy 75% · moderate 5% · hard 20%",
        "First 12 km long run",
        "5:40-6:15/km",  # easy range from the target paces
        "4:56/km",  # threshold
    ):
        assert expected in out, expected
    weeks = [line for line in out.splitlines() if "2026-09-2" in line and "Build" in line]
    assert any("recovery" in line for line in weeks)
    assert "◀ now" in out


def test_week_zoom(planned):
    result = show("ana", "--week", "1")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Week 1 of 4 · Base · 2026-09-07 to 2026-09-13" in out
    assert "Base focus of week 1" in out
    flat = " ".join(out.replace("│", " ").split())
    # what the safeguards changed is apart from what the runner should watch for
    assert "Adjusted • Long run shortened to 30 % of the week." in flat
    assert "Warning signs • Heavy legs three days running" in flat
    rows = {line.split("│")[1].strip(): line for line in out.splitlines() if "│ 2026-09" in line}
    assert len(rows) == 7
    assert "Tempo Run" in rows[str(THURSDAY)] and "★" in rows[str(THURSDAY)]
    assert "modified" in rows[str(THURSDAY)] and "8.0 km" in rows[str(THURSDAY)]
    assert "completed" in rows[str(TUESDAY)] and "5:40-6:15/km" in rows[str(TUESDAY)]
    assert "Rest" in rows[str(PLAN_START)]


def test_day_zoom(planned):
    result = show("ana", "--day", str(THURSDAY))
    assert result.exit_code == 0, result.output
    out = result.output
    for expected in (
        "Thursday 2026-09-10 · week 1 · Tempo Run · key session",
        "10 min warm-up -> 30 min tempo -> 10 min cool-down",
        "Threshold work lifts the pace",
        "Lactate threshold",
        "Two easy days before the long run",
        "• Relax the shoulders",
        "fartlek: 6 x 3 min on feel",
        "no_consecutive_hard_days: applied (moved off Wednesday)",
        "• long_run_share",
        "modified, activity act-2026-09-10, score 0.60, 90% of the plan done, ran 7.2 km of 8.0 km",
        "4:50-5:00/km",
        "160-170 bpm",
    ):
        assert expected in out, expected


def test_a_recovery_week_run_as_a_normal_week_is_flagged(planned):
    season = show("ana").output
    (week_3,) = [line for line in season.splitlines() if str(RECOVERY_WEEK) in line]
    assert "│ 100% " in week_3 and "recovery, over-run" in week_3
    # the sentence as read, whatever the panel's line breaks
    week = " ".join(show("ana", "--week", "3").output.replace("│", " ").split())
    assert "Ran 40.2 km of the 25.0 km planned; 100 % of the planned work done so far." in week
    assert "more than this recovery week holds" in week


def test_an_imperial_runner_reads_miles_and_minutes_per_mile(planned):
    prefer(planned, "imperial")
    season = show("ana").output
    assert "race 6.2 mi on 2026-10-04" in season
    assert "First 7.5 mi long run" in season  # the milestone's template text
    assert "9:07-10:04/mi" in season and "7:56/mi" in season  # easy range, threshold
    assert "km" not in season.replace("Weekly volume", "")
    week = show("ana", "--week", "1").output
    rows = {line.split("│")[1].strip(): line for line in week.splitlines() if "│ 2026-09" in line}
    assert "5.0 mi" in rows[str(THURSDAY)] and "7:47-8:03/mi" in rows[str(THURSDAY)]
    assert "9:07-10:04/mi" in rows[str(TUESDAY)]
    day = show("ana", "--day", str(THURSDAY)).output
    for expected in (
        "Tempo Run of about 5.0 mi: 10 min easy, 3.1 mi at threshold",
        "ran 4.5 mi of 5.0 mi",
        "7:47-8:03/mi",
    ):
        assert expected in day, expected


def test_rest_day_and_race_day_are_inside_the_plan(planned):
    assert show("ana", "--day", str(PLAN_START)).exit_code == 0
    assert show("ana", "--day", str(RACE_DATE)).exit_code == 0


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        (("nobody",), RunnerNotFound, "no runner with runner_id 'nobody'"),
        (("Not A Slug",), ValueError, "is not a valid runner id"),
        (("ben",), ValueError, "runner 'ben' has no active plan"),
        (("ana", "--week", "5"), ValueError, "week 5 is outside the plan, which has weeks 1-4"),
        (("ana", "--day", "2026-12-25"), ValueError, "2026-12-25 is outside the plan"),
        (("ana", "--day", "Thursday"), ValueError, "is not a date like"),
        (("ana", "--week", "1", "--day", "2026-09-08"), ValueError, "not both"),
        (("ana", "--week", "1", "--roadmap"), ValueError, "without --week or --day"),
        (("ben", "--roadmap"), ValueError, "runner 'ben' has no roadmap"),
    ],
)
def test_mistakes_are_named(planned, args, error, message):
    result = show(*args)
    assert result.exit_code == 1
    assert isinstance(result.exception, error)
    assert message in str(result.exception)


def test_a_runner_not_ready_for_a_plan_is_told_why(planned):
    with open_warehouse(planned.warehouse) as con:
        RunnerAPI(con).apply_profile("ben", {"schedule": {"blocked_days": ["mon"]}})
    result = show("ben")
    assert result.exit_code == 1
    assert str(result.exception) == (
        "runner 'ben' has no plan until schedule.blocked_days is fixed: the value given was "
        "rejected (quarantine.rejected says why)"
    )


def test_no_warehouse_yet(home):
    home.warehouse.unlink(missing_ok=True)
    result = show("ana")
    assert "run `cadence materialize` first" in str(result.exception)


def test_the_command_line_prints_one_sentence(planned):
    env = {**os.environ, "CADENCE_HOME": str(planned.root), "COLUMNS": "200"}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from assets.cli import main; main()",
            "plan",
            "show",
            "ana",
            "--week",
            "9",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 1
    assert "Error: week 9 is outside the plan" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr


def test_a_generated_plan_shows_at_every_zoom_and_draws(home):
    """The real generator's output (not hand-built rows) through the views and the charts."""
    frames = reference_frames()
    reference = PlanReference.from_frames(
        frames["reference.knowledge_base"],
        frames["reference.safeguards"],
        frames["reference.workout_templates"],
    )
    with open_warehouse(home.warehouse) as con:
        api = RunnerAPI(con)
        api.create_runner("user-ana", "Ana Sousa", runner_id="ana")
        runner = api.update_runner(
            "ana",
            {
                "running.current_volume": 25,
                "goals": {"goal_type": "race", "race_distance": 10, "race_date": "2026-12-13"},
                "schedule": {"available_days": 4, "long_run_day": "saturday"},
            },
        )
        generated = generate_plan(
            runner, dt.date(2026, 9, 1), reference, dt.datetime(2026, 9, 1, tzinfo=dt.UTC)
        )
        insert_plan(con, {**generated.plan, "status": "active"}, generated.sessions)
    plan = generated.plan
    assert show("ana").exit_code == 0
    assert show("ana", "--week", str(plan["total_weeks"])).exit_code == 0
    for day in (plan["start_date"], plan["race_date"]):
        assert show("ana", "--day", str(day)).exit_code == 0
    reports = write_runner_reports(home)
    assert set(reports.runners[0].charts) == {"plan_progression", "snapshot_radar"}
