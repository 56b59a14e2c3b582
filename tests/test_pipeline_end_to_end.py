"""The whole pipeline on generated exports, checked against the generator's ground truth."""

import dataclasses
import datetime as dt
import os
from collections import Counter
from dataclasses import fields

import polars as pl
import pytest

from assets.layers import raw_frames
from assets.run import materialize_home
from pipelines.ingest import run_ingest
from samples import write_sample_inbox
from transforms.runner_context import runner_context
from transforms.terra import RawFrames, build_terra
from warehouse.connection import open_warehouse, read_table
from warehouse.contracts import contract
from warehouse.settings import CadenceHome

END = dt.date(2026, 11, 1)
STAGES = {"AsleepCore": "light", "AsleepDeep": "deep", "AsleepREM": "rem"}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e") / "home"
    home = CadenceHome(root).create()
    truth = write_sample_inbox(home.inbox, runners=2, days=35, seed=11, end_date=END)
    first = run_ingest(home)
    previous = os.environ.get("CADENCE_HOME")
    os.environ["CADENCE_HOME"] = str(root)
    try:
        result = materialize_home(home)
    finally:
        os.environ["CADENCE_HOME"] = previous or ""
    assert result.success
    return home, {t.runner_id: t for t in truth}, first


def rows(home, sql, params=None):
    with open_warehouse(home.warehouse, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def test_ingest_counts_equal_what_the_files_contain(built):
    home, truth, _ = built
    for runner_id, t in truth.items():
        assert rows(
            home, "SELECT count(*) FROM raw_strava.activities WHERE runner_id = ?", [runner_id]
        ) == [(t.strava_activity_count,)]
        by_type = dict(
            rows(
                home,
                "SELECT type, count(*) FROM raw_healthkit.records WHERE runner_id = ? GROUP BY 1",
                [runner_id],
            )
        )
        assert by_type == dict(t.healthkit_record_counts)
        assert rows(
            home, "SELECT count(*) FROM raw_healthkit.workouts WHERE runner_id = ?", [runner_id]
        ) == [(t.healthkit_workout_count,)]
        assert rows(
            home,
            "SELECT count(*) FROM raw_healthkit.workout_route_points WHERE runner_id = ?",
            [runner_id],
        ) == [(t.route_trackpoint_count,)]
        assert (
            rows(home, "SELECT count(*) FROM raw_strava.samples WHERE runner_id = ?", [runner_id])[
                0
            ][0]
            <= t.strava_sample_count
        )
    assert rows(home, "SELECT count(*) FROM quarantine.rejected") == [(0,)]


def test_ingesting_again_changes_nothing(built):
    home, _, _ = built
    tables = [
        "raw_strava.activities",
        "raw_strava.samples",
        "raw_healthkit.records",
        "raw_healthkit.workouts",
        "raw_profiles.profiles",
    ]
    before = {t: rows(home, f"SELECT count(*) FROM {t}") for t in tables}
    again = run_ingest(home)
    assert len(again.ledger.skipped) == 4 and not again.ledger.read
    run_ingest(home, force=True)
    assert {t: rows(home, f"SELECT count(*) FROM {t}") for t in tables} == before


def test_one_activity_per_real_activity_with_every_source(built):
    home, truth, _ = built
    for runner_id, t in truth.items():
        expected = sum(1 for a in t.activities if a.in_strava or a.in_healthkit)
        assert rows(
            home, "SELECT count(*) FROM terra.activities WHERE runner_id = ?", [runner_id]
        ) == [(expected,)]
        merged = rows(
            home,
            "SELECT count(*) FROM terra.activities WHERE runner_id = ? AND len(merged_from) = 2",
            [runner_id],
        )
        assert merged == [(t.shared_activity_count,)]
    both = rows(
        home,
        "SELECT list_sort([m.source FOR m IN merged_from]) FROM terra.activities "
        "WHERE len(merged_from) = 2 LIMIT 1",
    )
    assert both == [(["healthkit", "strava"],)]


def test_activities_belong_to_their_local_day(built):
    home, truth, _ = built
    checked = 0
    for runner_id, t in truth.items():
        for a in t.activities:
            if not (a.in_strava or a.in_healthkit):
                continue
            start = dt.datetime.fromisoformat(a.start_utc.replace("Z", "+00:00"))
            local = (start + dt.timedelta(seconds=a.utc_offset_s)).date()
            found = rows(
                home,
                "SELECT local_date FROM terra.activities WHERE runner_id = ? "
                "AND abs(epoch(start_time) - ?) < 120",
                [runner_id, start.timestamp()],
            )
            assert found == [(local,)], (runner_id, a.start_utc, a.tz_name)
            checked += 1
    assert checked > 20


def _travel_days(t) -> set[dt.date]:
    """Days whose records carry two offsets; the generator files them by its own day."""
    if not t.travel:
        return set()
    _, leave, back = t.travel
    return {leave, leave + dt.timedelta(days=1), back, back + dt.timedelta(days=1)}


def test_daily_steps_are_counted_once_across_devices(built):
    home, truth, _ = built
    for runner_id, t in truth.items():
        daily = dict(
            rows(
                home,
                "SELECT date, steps FROM terra.daily_summaries "
                "WHERE runner_id = ? AND steps IS NOT NULL",
                [runner_id],
            )
        )
        compared = 0
        for day, steps in t.daily_steps.items():
            if day in daily and steps > 1000 and day not in _travel_days(t):
                assert abs(daily[day] - steps) <= 0.02 * steps, (runner_id, day)
                naive = t.daily_steps_naive[day]
                assert abs(daily[day] - naive) > 0.02 * naive or naive == steps
                compared += 1
        assert compared >= 20
        if t.travel:  # across the travel days, totals still agree
            days = sorted(_travel_days(t))
            ours = sum(daily.get(d, 0) for d in days)
            expected = sum(t.daily_steps.get(d, 0) for d in days)
            assert abs(ours - expected) <= 0.02 * expected


def test_sleep_stage_totals_are_exact(built):
    home, truth, _ = built
    for runner_id, t in truth.items():
        # the generator keys stages by wake date (naps included); in-bed only exists at night
        nights = {
            day: dict(zip(("light", "deep", "rem", "in_bed"), values, strict=True))
            for day, *values in rows(
                home,
                "SELECT local_date, sum(duration_light_sleep_seconds), "
                "sum(duration_deep_sleep_seconds), sum(duration_rem_sleep_seconds), "
                "sum(duration_in_bed_seconds) FILTER (NOT is_nap) FROM terra.sleep_sessions "
                "WHERE runner_id = ? GROUP BY 1",
                [runner_id],
            )
        }
        checked = 0
        for day, stages in t.sleep_seconds.items():
            if day not in nights:
                continue
            for apple, ours in STAGES.items():
                assert nights[day][ours] == stages.get(apple, 0), (runner_id, day, ours)
            assert nights[day]["in_bed"] == stages["InBed"], (runner_id, day)
            checked += 1
        assert checked >= 20


def test_coach_layer_fills_state_profile_weeks(built):
    home, truth, _ = built
    states = rows(
        home,
        "SELECT runner_id, current_state.readiness_score, "
        "current_state.acute_training_load, running.vdot, "
        "running.actual_weekly_volume_km, current_state.last_calculated_at "
        "FROM coach.runners ORDER BY 1",
    )
    assert [s[0] for s in states] == sorted(truth)
    for _, readiness, atl, vdot, volume, calculated in states:
        assert 0 <= readiness <= 100 and atl > 0 and 25 < vdot < 80 and volume > 5
        assert calculated is not None
    weeks = Counter(r[0] for r in rows(home, "SELECT runner_id FROM coach.weekly_summaries"))
    assert all(weeks[r] >= 5 for r in truth)
    # PATH 1 facts from profile.yaml survive inference
    for runner_id, t in truth.items():
        age = rows(home, "SELECT physical.age FROM coach.runners WHERE runner_id = ?", [runner_id])
        assert age == [(t.profile["physical"]["age"],)]


def test_every_terra_table_has_rows(built):
    home, _, _ = built
    for table in (
        "activities",
        "activity_samples",
        "sleep_sessions",
        "body_measurements",
        "daily_summaries",
    ):
        assert rows(home, f"SELECT count(*) FROM terra.{table}")[0][0] > 0, table


@pytest.mark.parametrize("missing", ["strava", "healthkit"])
def test_a_runner_with_one_source_only_still_gets_every_table(built, missing):
    home, truth, _ = built
    runner_id = sorted(truth)[0]
    with open_warehouse(home.warehouse, read_only=True) as con:
        raw = raw_frames(con, [runner_id])
        runners = read_table(con, contract("coach.runners"), "runner_id = ?", [runner_id])
    absent = {
        f.name: pl.DataFrame()
        for f in fields(RawFrames)
        if f.name.startswith("strava_" if missing == "strava" else "hk_")
    }
    one_source = dataclasses.replace(raw, **absent)
    built_terra = build_terra(one_source, runner_context(runners))
    activities = contract("terra.activities")
    activities.validate(activities.conform(built_terra.activities))
    assert built_terra.activities.height > 0
    merged = {m["source"] for row in built_terra.activities["merged_from"] for m in row}
    assert merged and missing not in merged
