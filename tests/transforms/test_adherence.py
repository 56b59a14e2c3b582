import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.adherence import match_sessions, week_compliance_sentence, weekly_compliance
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


def weekly_rows(*actual_km):
    """coach.weekly_summaries rows of consecutive weeks from MONDAY with these volumes run."""
    weeks = [MONDAY + dt.timedelta(days=7 * i) for i in range(len(actual_km))]
    return contract("coach.weekly_summaries").conform(
        pl.DataFrame(
            {
                "weekly_summary_id": [f"ana:{week}" for week in weeks],
                "runner_id": ["ana"] * len(weeks),
                "week_start_date": weeks,
                "actual_volume_km": list(actual_km),
            }
        )
    )


def plan_rows(*plans):
    """(plan id, status, start, recovery week starts) per plan."""
    return pl.DataFrame(
        [
            {
                "plan_id": plan_id,
                "status": status,
                "start_date": start,
                "weekly_plan": [
                    {"start_date": start + dt.timedelta(days=7 * i), "is_recovery_week": recovery}
                    for i, recovery in enumerate(
                        start + dt.timedelta(days=7 * i) in recovery_starts for i in range(3)
                    )
                ],
            }
            for plan_id, status, start, recovery_starts in plans
        ]
    )


def test_weekly_compliance_counts_against_the_plan_of_record():
    planned = pl.concat(
        [
            sessions((0, "easy", 20.0), (7, "easy", 40.0)),
            sessions((7, "easy", 25.0)).with_columns(plan_id=pl.lit("q")),
            sessions((0, "easy", 99.0)).with_columns(plan_id=pl.lit("r")),
        ]
    ).with_columns(completed_share=pl.lit(0.5))
    plans = plan_rows(
        ("p", "abandoned", MONDAY, ()),
        ("q", "active", MONDAY + dt.timedelta(days=7), ()),
        ("r", "draft", MONDAY, ()),
    )
    result = weekly_compliance(weekly_rows(30.0, 10.0), plans, planned).sort("week_start_date")
    assert result["planned_volume_km"].to_list() == [20.0, 25.0]
    assert result["compliance_percentage"].to_list() == [50.0, 50.0]


def test_a_modified_session_counts_at_its_share_and_an_over_run_at_most_its_plan():
    followed = match_sessions(
        sessions((0, "easy", 10.0), (2, "easy", 8.0), (4, "long", 13.7), (5, "tempo", 5.0)),
        runs((0, "easy", 6.0), (4, "long", 26.7)),
        AS_OF,
    )
    by_id = by_session(followed)
    assert by_id["p_0"]["status"] == "modified" and by_id["p_0"]["completed_share"] == 0.6
    assert by_id["p_2"]["status"] == "skipped" and by_id["p_2"]["completed_share"] == 0.0
    assert by_id["p_4"]["status"] == "modified" and by_id["p_4"]["completed_share"] == 1.0
    weekly = weekly_compliance(
        weekly_rows(32.7), plan_rows(("p", "active", MONDAY, ())), followed
    ).row(0, named=True)
    # (6 + 0 + 13.7 + 0) of 36.7 planned; counting each session run as done would say 50 %,
    # the volume run over the volume planned 89 %
    assert weekly["compliance_percentage"] == 53.7
    assert weekly["recovery_week_overrun"] is False


def test_a_session_planned_by_time_counts_the_time_run():
    steady = {
        **dict.fromkeys(
            contract("plans.planned_sessions").columns["structure_segments"].item.children
        ),
        "segment_index": 1,
        "segment_type": "steady",
        "duration_seconds": 2400.0,
    }
    planned = sessions((1, "easy", 7.3)).with_columns(
        duration_seconds=pl.lit(2400.0),
        structure_segments=pl.lit(
            [steady], dtype=sessions((1, "easy", 7.3))["structure_segments"].dtype
        ),
    )
    followed = by_session(
        match_sessions(
            planned, runs((1, "easy", 7.3)).with_columns(duration_seconds=pl.lit(1800.0)), AS_OF
        )
    )
    assert followed["p_1"]["completed_share"] == 0.75  # the whole distance, in 30 of 40 minutes


def test_running_a_recovery_week_as_a_normal_week_is_flagged():
    """chen: 13.7 km planned in a recovery week, 26.7 km run."""
    recovery_start = MONDAY + dt.timedelta(days=7)
    planned = sessions((7, "easy", 6.0), (9, "long", 7.7), (14, "easy", 10.0))
    followed = match_sessions(
        planned,
        runs((7, "easy", 13.0), (9, "long", 13.7), (14, "easy", 11.5)),
        AS_OF + dt.timedelta(days=14),
    )
    weeks = weekly_compliance(
        weekly_rows(0.0, 26.7, 11.5),
        plan_rows(("p", "active", MONDAY, (recovery_start,))),
        followed,
    ).sort("week_start_date")
    assert weeks["planned_volume_km"].to_list() == [None, 13.7, 10.0]
    assert weeks["compliance_percentage"].to_list() == [None, 100.0, 100.0]
    assert weeks["recovery_week_overrun"].to_list() == [None, True, False]
    assert week_compliance_sentence(weeks.row(1, named=True), "metric") == (
        "Ran 26.7 km of the 13.7 km planned; 100 % of the planned work done so far. That is "
        "more than this recovery week holds: it is there so the training of the weeks before "
        "can sink in."
    )
    assert week_compliance_sentence(weeks.row(2, named=True), "imperial") == (
        "Ran 7.1 mi of the 6.2 mi planned; 100 % of the planned work done so far."
    )
    assert week_compliance_sentence(weeks.row(0, named=True), "metric") is None


SESSION_KINDS = ("easy", "long", "tempo", "interval", "recovery", "rest")


@st.composite
def weeks_run(draw):
    """A week of sessions (one a day at most), the runs done, and whether it is a recovery week."""
    days = draw(st.lists(st.integers(0, 6), unique=True, min_size=1, max_size=7))
    planned = [
        (
            day,
            kind,
            0.0 if kind == "rest" else draw(st.floats(1.0, 30.0).map(lambda km: round(km, 1))),
        )
        for day in days
        for kind in [draw(st.sampled_from(SESSION_KINDS))]
    ]
    done = draw(
        st.lists(
            st.tuples(st.integers(0, 6), st.sampled_from(SESSION_KINDS[:-1]), st.floats(0.5, 45.0)),
            max_size=7,
        )
    )
    return planned, done, draw(st.booleans())


@settings(max_examples=80, deadline=None)
@given(week=weeks_run())
def test_compliance_is_a_share_modified_sessions_count_at_theirs_and_over_runs_are_flagged(week):
    planned, done, recovery = week
    followed = match_sessions(sessions(*planned), runs(*done), AS_OF)
    for session in followed.to_dicts():
        share = session["completed_share"]
        if session["is_rest_day"] or session["status"] == "planned":  # nothing due yet
            assert share is None
            continue
        assert 0 <= share <= 1
        if session["status"] == "modified":
            assert share == pytest.approx(
                min(session["actual_distance_km"] / session["distance_km"], 1), abs=6e-3
            )
    actual_km = sum(km for _, _, km in done)
    row = weekly_compliance(
        weekly_rows(actual_km),
        plan_rows(("p", "active", MONDAY, (MONDAY,) if recovery else ())),
        followed,
    ).row(0, named=True)
    if row["compliance_percentage"] is not None:
        assert 0 <= row["compliance_percentage"] <= 100
    planned_km = sum(km for _, _, km in planned)
    assert row["recovery_week_overrun"] == (recovery and actual_km > planned_km * 1.1)
