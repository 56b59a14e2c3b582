"""`materialize_home` on exports from the independent generator (tests/independent): every
runner is built, planned, exported and published, and a newer export adds without doubling.

Issue 10's "Done when": exports we did not write against (a DST change, a trip across time
zones, a zone without DST, background and workout heart rates at one second, iPhone and
Watch counting the same walks, repeated FIT/GPX instants, a last split of 4 m).
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

import pytest

from assets.run import materialize_home, runner_failures
from tests.independent import DAYS, END, race_day, write_independent_inbox
from tests.independent import write_runner as write_independent_runner
from tests.independent.apple_health import COLLIDING_BACKGROUND_BPM
from warehouse.connection import open_warehouse
from warehouse.settings import CadenceHome

PLAN_DAY = END + dt.timedelta(days=1)
NEWER_EXPORT_DAYS = 5
START_TOLERANCE_S = 90


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    home = CadenceHome(tmp_path_factory.mktemp("independent") / "home").create()
    written = write_independent_inbox(home.inbox)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CADENCE_HOME", str(home.root))
        env.setenv("CADENCE_PLAN_DATE", PLAN_DAY.isoformat())
        env.delenv("CADENCE_WAREHOUSE", raising=False)
        result = materialize_home(home)
    return home, {w.runner_id: w for w in written}, result


def rows(path, sql, params=None):
    with open_warehouse(path, read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def per_runner(home, sql) -> dict[str, int]:
    return dict(rows(home.warehouse, sql))


def test_the_run_succeeds_and_quarantines_nothing_it_should_keep(built):
    home, _, result = built
    failed = [event.step_key for event in result.get_step_failure_events()]
    assert result.success, failed
    assert runner_failures(result) == []  # no runner failed alone either
    reasons = rows(
        home.warehouse,
        "SELECT reason, count(*) FROM quarantine.rejected GROUP BY 1 ORDER BY 2 DESC LIMIT 5",
    )
    assert reasons == []


def test_every_run_is_one_activity_on_its_local_day(built):
    home, written, _ = built
    for runner_id, w in written.items():
        found = rows(
            home.warehouse,
            "SELECT start_time, local_date, distance_meters FROM terra.activities "
            "WHERE runner_id = ? ORDER BY start_time",
            [runner_id],
        )
        assert len(found) == len(w.runs), runner_id
        for run, (start, local_date, _) in zip(w.runs, found, strict=True):
            assert abs((start - run.start).total_seconds()) <= START_TOLERANCE_S, (runner_id, run)
            assert local_date == run.local_date, (runner_id, run.number, run.start)
    # the naive answer (the UTC date) would be wrong for some of these runs
    assert any(
        run.start.astimezone(dt.UTC).date() != run.local_date
        for w in written.values()
        for run in w.runs
    )


def test_runs_in_both_sources_are_merged(built):
    home, written, _ = built
    for runner_id, w in written.items():
        both = sum(1 for run in w.runs if run.strava_format and run.in_apple_health)
        assert rows(
            home.warehouse,
            "SELECT count(*) FROM terra.activities WHERE runner_id = ? AND len(merged_from) = 2",
            [runner_id],
        ) == [(both,)]


def test_a_heart_rate_at_one_instant_is_one_sample(built):
    home, written, _ = built
    for runner_id, w in written.items():
        for instant in w.health.colliding_instants:
            found = rows(
                home.warehouse,
                "SELECT source, heart_rate_bpm FROM terra.activity_samples "
                "WHERE runner_id = ? AND timestamp = ? AND source = 'healthkit'",
                [runner_id, instant],
            )
            # one sample, not the background reading alone
            assert len(found) == 1, (runner_id, instant, found)
            assert found[0][1] > COLLIDING_BACKGROUND_BPM, (runner_id, instant, found)


def test_the_last_split_of_a_few_metres_is_kept_with_a_sane_pace(built):
    home, written, _ = built
    for runner_id, w in written.items():
        run = next(r for r in w.runs if r.distance_m % 1000 < 10)
        (splits,) = rows(
            home.warehouse,
            "SELECT splits_km FROM terra.activities WHERE runner_id = ? "
            "AND abs(epoch(start_time) - epoch(?::TIMESTAMPTZ)) <= ?",
            [runner_id, run.start, START_TOLERANCE_S],
        )[0]
        assert len(splits) == math.ceil(run.distance_m / 1000), (runner_id, splits)
        assert splits[-1]["distance_meters"] < 10, splits[-1]
        paces = [s["pace_seconds_per_km"] for s in splits if s["pace_seconds_per_km"] is not None]
        assert all(60 <= pace <= 3600 for pace in paces), splits


def test_every_activity_with_a_gps_track_has_km_splits(built):
    home, _, _ = built
    missing = rows(
        home.warehouse,
        "SELECT a.runner_id, a.start_time, a.source, [m.source FOR m IN a.merged_from] "
        "FROM terra.activities a WHERE a.splits_km IS NULL AND EXISTS (SELECT 1 FROM "
        "terra.activity_samples s WHERE s.activity_id = a.activity_id AND s.lat_deg IS NOT NULL)",
    )
    assert missing == []


def test_steps_counted_by_both_devices_are_counted_once(built):
    home, written, _ = built
    for runner_id, w in written.items():
        steps = dict(
            rows(
                home.warehouse,
                "SELECT date, steps FROM terra.daily_summaries WHERE runner_id = ?",
                [runner_id],
            )
        )
        for day in {day for day, _ in w.health.steps_by_device}:
            watch = w.health.steps_by_device[(day, "watch")]
            naive = watch + w.health.steps_by_device[(day, "iphone")]
            assert watch <= steps[day] < naive, (runner_id, day, steps[day], watch, naive)


def test_every_runner_has_coach_rows_and_the_profile_they_wrote(built):
    home, written, _ = built
    for runner_id, w in written.items():
        profile = w.runner.profile
        (found,) = rows(
            home.warehouse,
            "SELECT identity.timezone, goals.race_distance, goals.race_date, "
            "schedule.blocked_days, coaching.data_orientation, running.runs_per_week, "
            "conversation_state.ready_for_plan FROM coach.runners WHERE runner_id = ?",
            [runner_id],
        )
        assert found == (
            profile["identity"]["timezone"],
            profile["goals"]["race_distance"],
            race_day(END),
            profile["schedule"]["blocked_days"],
            profile["coaching"]["data_orientation"],
            profile["running"]["current_frequency"],  # the seed's name, stored as runs_per_week
            True,
        ), runner_id
    for table in ("coach.weekly_summaries", "terra.daily_summaries"):
        counts = per_runner(home, f"SELECT runner_id, count(*) FROM {table} GROUP BY 1")
        assert set(counts) == set(written), table
    assert per_runner(
        home,
        "SELECT runner_id, count(*) FROM coach.runners "
        "WHERE current_state.acute_training_load IS NOT NULL GROUP BY 1",
    ) == dict.fromkeys(written, 1)


def test_every_runner_has_an_active_plan_off_its_blocked_days_with_fit_files(built):
    home, written, _ = built
    active = per_runner(
        home,
        "SELECT runner_id, count(*) FROM plans.training_plans WHERE status = 'active' GROUP BY 1",
    )
    assert active == dict.fromkeys(written, 1)
    for runner_id, w in written.items():
        days = rows(
            home.warehouse,
            "SELECT lower(dayname(s.scheduled_date)) FROM plans.planned_sessions s "
            "JOIN plans.training_plans p USING (plan_id) "
            "WHERE p.runner_id = ? AND p.status = 'active' AND s.session_type != 'rest'",
            [runner_id],
        )
        assert days, runner_id
        blocked = set(w.runner.profile["schedule"]["blocked_days"])
        assert not blocked & {day for (day,) in days}, (runner_id, Counter(d for (d,) in days))
        files = rows(
            home.warehouse, "SELECT path FROM plans.fit_files WHERE runner_id = ?", [runner_id]
        )
        assert files, runner_id
        assert all((home.exports / path).is_file() for (path,) in files), runner_id


def test_the_published_copy_holds_every_runner(built):
    home, written, _ = built
    assert home.published.is_file()
    published = rows(home.published, "SELECT runner_id FROM coach.runners ORDER BY 1")
    assert published == [(runner_id,) for runner_id in sorted(written)]


# Runs after the tests above on the same home: it replaces one export and materializes again.
@pytest.fixture(scope="module")
def refreshed(built):
    home, written, _ = built
    before = {w.runner_id: _raw_counts(home, w.runner_id) for w in written.values()}
    traveller = written["marcus_travels"]
    newer = write_independent_runner(
        home.inbox,
        traveller.runner,
        seed=2026,
        days=DAYS,
        health_days=DAYS + NEWER_EXPORT_DAYS,
    )
    with pytest.MonkeyPatch.context() as env:
        env.setenv("CADENCE_HOME", str(home.root))
        env.setenv("CADENCE_PLAN_DATE", PLAN_DAY.isoformat())
        result = materialize_home(home)
    return home, written, newer, before, result


def _raw_counts(home, runner_id: str) -> dict[str, int]:
    tables = ("raw_healthkit.records", "raw_healthkit.workouts", "raw_strava.activities")
    return {
        table: rows(
            home.warehouse, f"SELECT count(*) FROM {table} WHERE runner_id = ?", [runner_id]
        )[0][0]
        for table in tables
    }


def test_a_newer_export_adds_its_new_days_and_nothing_twice(refreshed):
    home, written, newer, before, result = refreshed
    assert result.success, [event.step_key for event in result.get_step_failure_events()]
    for runner_id in written:
        expected = before[runner_id]
        if runner_id == newer.runner_id:
            grown = sum(newer.health.records_by_type.values()) - sum(
                written[runner_id].health.records_by_type.values()
            )
            expected = expected | {
                "raw_healthkit.records": expected["raw_healthkit.records"] + grown,
                "raw_healthkit.workouts": newer.health.workouts,
            }
        assert _raw_counts(home, runner_id) == expected, runner_id
    activities = per_runner(home, "SELECT runner_id, count(*) FROM terra.activities GROUP BY 1")
    assert activities == {
        runner_id: len(newer.runs if runner_id == newer.runner_id else w.runs)
        for runner_id, w in written.items()
    }


def test_after_the_newer_export_every_runner_is_still_planned_and_published(refreshed):
    home, written, *_ = refreshed
    active = per_runner(
        home,
        "SELECT runner_id, count(*) FROM plans.training_plans WHERE status = 'active' GROUP BY 1",
    )
    assert active == dict.fromkeys(written, 1)
    published = rows(home.published, "SELECT count(DISTINCT runner_id) FROM terra.activities")
    assert published == [(len(written),)]
