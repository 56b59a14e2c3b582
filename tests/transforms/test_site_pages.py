import datetime as dt

import polars as pl
import pytest

from tests.plan_rows import PLAN_START, PLANNED_SESSIONS, plan_row, session_rows
from transforms.site_pages import (
    calendar_months,
    compliance_class,
    month_calendar,
    runner_flags,
    todays_session,
    week_progress,
)

TUESDAY = PLAN_START + dt.timedelta(days=1)
"""Easy 6 km in the sample plan; Thursday is a tempo 8 km and Sunday a long 12 km."""
THURSDAY = PLAN_START + dt.timedelta(days=3)
SUNDAY = PLAN_START + dt.timedelta(days=6)


def _sessions(statuses: dict[dt.date, str]) -> pl.DataFrame:
    return pl.DataFrame(session_rows(plan_row(), statuses), schema=PLANNED_SESSIONS.polars_schema)


def _activities(*runs: tuple[dt.date, float, str]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "activity_id": [f"a{i}" for i in range(len(runs))],
            "start_time": [
                dt.datetime(d.year, d.month, d.day, 7, tzinfo=dt.UTC) for d, _, _ in runs
            ],
            "local_date": [d for d, _, _ in runs],
            "distance_meters": [m for _, m, _ in runs],
            "activity_type": [t for _, _, t in runs],
            "session_type": [("easy" if t == "running" else None) for _, _, t in runs],
        },
        schema_overrides={"start_time": pl.Datetime("us", "UTC"), "local_date": pl.Date},
    )


@pytest.mark.parametrize(
    ("share", "css"),
    [(1.0, "done"), (0.9, "done"), (0.75, "partial"), (0.2, "missed"), (None, "missed")],
)
def test_compliance_class(share, css):
    assert compliance_class(share) == css


def test_the_calendar_compares_each_day_with_its_plan():
    sessions = _sessions({TUESDAY: "completed", THURSDAY: "skipped", SUNDAY: "modified"})
    activities = _activities(
        (TUESDAY, 6400.0, "running"),
        (PLAN_START + dt.timedelta(days=2), 5000.0, "running"),  # on a rest day
        (PLAN_START + dt.timedelta(days=4), 0.0, "strength_training"),
        (SUNDAY, 11_000.0, "running"),
    )
    today = PLAN_START + dt.timedelta(days=8)
    month = month_calendar(PLAN_START, sessions, activities, today)
    days = {d.day: d for week in month.weeks for d in week}
    assert days[TUESDAY].compliance == "done" and days[TUESDAY].planned == "Easy Run 6.0 km"
    assert days[TUESDAY].done == (("a0", "6.4 km easy"),)
    assert days[THURSDAY].compliance == "missed"
    assert days[PLAN_START + dt.timedelta(days=2)].compliance == "unplanned"
    friday = days[PLAN_START + dt.timedelta(days=4)]
    assert friday.compliance == "rest" and friday.done == (("a2", "strength training"),)
    assert days[SUNDAY].compliance == "done" and days[SUNDAY].adapted
    assert days[PLAN_START + dt.timedelta(days=10)].compliance == "future"
    assert all(len(week) == 7 and week[0].day.weekday() == 0 for week in month.weeks)
    assert not days[dt.date(2026, 8, 31)].in_month
    miles = month_calendar(PLAN_START, sessions, activities, today, "imperial")
    tuesday = next(d for week in miles.weeks for d in week if d.day == TUESDAY)
    assert tuesday.planned == "Easy Run 3.7 mi" and tuesday.done == (("a0", "4.0 mi easy"),)


def test_calendar_months_cover_the_plan_and_today():
    sessions = _sessions({})
    months = calendar_months(sessions, _activities(), dt.date(2026, 9, 20))
    assert months == [dt.date(2026, 8, 1), dt.date(2026, 9, 1), dt.date(2026, 10, 1)]


def test_this_weeks_progress_and_todays_session():
    sessions = _sessions({TUESDAY: "completed", THURSDAY: "modified"})
    activities = _activities((TUESDAY, 6000.0, "running"), (THURSDAY, 7500.0, "running"))
    progress = week_progress(sessions, activities, THURSDAY)
    assert progress.planned_km == pytest.approx(26.0)
    assert progress.done_km == pytest.approx(13.5)
    assert (progress.sessions_done, progress.sessions_planned) == (2, 3)
    assert todays_session(sessions, SUNDAY) == "Long Run, 12.0 km at 5:40-6:15/km"
    assert todays_session(sessions, SUNDAY, "imperial") == "Long Run, 7.5 mi at 9:07-10:04/mi"
    assert todays_session(sessions, PLAN_START) == "rest day"
    assert todays_session(sessions, dt.date(2030, 1, 1)) == "no plan today"


def test_flags_name_risk_missed_sessions_stale_data_and_a_blocked_profile():
    sessions = _sessions({TUESDAY: "skipped", THURSDAY: "skipped"})
    runner = {
        "current_state": {"injury_risk_level": "high", "injury_risk_factors": ["ramp"]},
        "conversation_state": {"ready_for_plan": False, "fields_to_confirm": ["physical.age"]},
    }
    today = PLAN_START + dt.timedelta(days=10)
    flags = runner_flags(runner, sessions, today - dt.timedelta(days=5), today, ["knee pain"])
    assert [(f.kind, f.text) for f in flags] == [
        ("injury_risk", "injury risk high (ramp)"),
        ("missed", "2 session(s) skipped in 14 days"),
        ("stale", f"no data since {(today - dt.timedelta(days=5)).isoformat()}"),
        ("health", "health: knee pain"),
        ("not_ready", "no plan until fixed: physical.age"),
    ]
    calm = runner_flags(
        {"current_state": {"injury_risk_level": "low"}}, _sessions({}), today, today
    )
    assert calm == []
