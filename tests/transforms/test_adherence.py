import datetime as dt

import polars as pl
import pytest

from transforms.adherence import match_sessions, weekly_compliance
from warehouse.contracts import contract

MONDAY = dt.date(2026, 11, 16)
AS_OF = MONDAY + dt.timedelta(days=6)


def sessions(*rows):
    """(weekday offset, type, km) per row; type 'rest' makes a rest day."""
    table = contract("plans.planned_sessions")
    frame = pl.DataFrame(
        [
            {
                "session_id": f"p_{offset}",
                "plan_id": "p",
                "runner_id": "ana",
                "week_number": 1,
                "scheduled_date": MONDAY + dt.timedelta(days=offset),
                "session_type": kind,
                "is_rest_day": kind == "rest",
                "distance_km": km,
                "status": "planned",
            }
            for offset, kind, km in rows
        ]
    )
    return table.conform(frame)


def runs(*rows):
    """(weekday offset, session type, km) per run."""
    table = contract("terra.activities")
    frame = pl.DataFrame(
        [
            {
                "activity_id": f"a{i}",
                "runner_id": "ana",
                "activity_type": "running",
                "start_time": dt.datetime(2026, 11, 16, 7, tzinfo=dt.UTC)
                + dt.timedelta(days=offset),
                "local_date": MONDAY + dt.timedelta(days=offset),
                "distance_meters": km * 1000,
                "duration_seconds": km * 330,
                "session_type": kind,
            }
            for i, (offset, kind, km) in enumerate(rows)
        ]
    )
    return table.conform(frame)


def by_session(frame):
    return {r["session_id"]: r for r in frame.to_dicts()}


def test_runs_fulfil_sessions_on_the_day_or_one_day_moved():
    followed = by_session(
        match_sessions(
            sessions((0, "easy", 8.0), (2, "tempo", 10.0), (4, "easy", 6.0), (6, "long", 18.0)),
            runs((0, "easy", 8.2), (3, "tempo", 10.0), (6, "long", 12.0)),
            AS_OF,
        )
    )
    assert followed["p_0"]["status"] == "completed"
    assert followed["p_0"]["completed_activity_id"] == "a0"
    assert followed["p_0"]["adherence_score"] == pytest.approx(1 - 0.2 / 8, abs=1e-3)
    assert followed["p_2"]["status"] == "completed"  # moved a day: still done
    assert followed["p_2"]["adherence_score"] == pytest.approx(0.9)
    assert followed["p_4"]["status"] == "skipped" and followed["p_4"]["adherence_score"] == 0
    assert followed["p_6"]["status"] == "modified"  # a third shorter than planned
    assert followed["p_6"]["actual_distance_km"] == 12.0


def test_an_incompatible_run_modifies_the_session_and_each_run_counts_once():
    followed = by_session(
        match_sessions(
            sessions((1, "interval", 9.0), (2, "easy", 8.0)),
            runs((1, "long", 9.0)),
            AS_OF,
        )
    )
    assert followed["p_1"]["status"] == "modified"
    assert followed["p_1"]["adherence_score"] == pytest.approx(0.6)
    assert followed["p_2"]["status"] == "skipped"  # the run already fulfilled Tuesday


def test_rest_days_and_future_sessions():
    followed = by_session(
        match_sessions(
            sessions((0, "rest", 0.0), (1, "rest", 0.0), (6, "easy", 5.0)),
            runs((1, "easy", 5.0)),
            MONDAY + dt.timedelta(days=5),
        )
    )
    assert followed["p_0"]["status"] == "completed" and followed["p_0"]["adherence_score"] == 1
    assert (
        followed["p_1"]["status"] == "modified" and followed["p_1"]["completed_activity_id"] == "a0"
    )
    assert followed["p_6"]["status"] == "planned" and followed["p_6"]["adherence_score"] is None


def test_weekly_compliance_counts_against_the_plan_of_record():
    weekly = contract("coach.weekly_summaries").conform(
        pl.DataFrame(
            {
                "weekly_summary_id": ["ana:2026-11-16", "ana:2026-11-23"],
                "runner_id": ["ana", "ana"],
                "week_start_date": [MONDAY, MONDAY + dt.timedelta(days=7)],
                "actual_volume_km": [30.0, 10.0],
            }
        )
    )
    plans = pl.DataFrame(
        {
            "plan_id": ["p", "q", "r"],
            "status": ["abandoned", "active", "draft"],
            "start_date": [MONDAY, MONDAY + dt.timedelta(days=7), MONDAY],
        }
    )
    planned = pl.concat(
        [
            sessions((0, "easy", 20.0), (7, "easy", 40.0)),
            sessions((7, "easy", 25.0)).with_columns(plan_id=pl.lit("q")),
            sessions((0, "easy", 99.0)).with_columns(plan_id=pl.lit("r")),
        ]
    )
    result = weekly_compliance(weekly, plans, planned).sort("week_start_date")
    assert result["planned_volume_km"].to_list() == [20.0, 25.0]
    assert result["compliance_percentage"].to_list() == [150.0, 40.0]
