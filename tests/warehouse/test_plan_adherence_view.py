import datetime as dt

import pytest

from tests.plan_rows import PLAN_START, insert_plan, plan_row, session_rows

TUESDAY, THURSDAY, SUNDAY = (PLAN_START + dt.timedelta(days=d) for d in (1, 3, 6))
NEXT_TUESDAY = TUESDAY + dt.timedelta(weeks=1)


def _weeks(con, plan_id: str) -> list[dict]:
    cursor = con.execute(
        "SELECT * FROM analytics.plan_adherence WHERE plan_id = ? ORDER BY week_number",
        [plan_id],
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture
def adherence(con):
    plan = plan_row("ana", "plan-ana")
    statuses = {
        TUESDAY: "completed",
        THURSDAY: "modified",
        SUNDAY: "skipped",
        NEXT_TUESDAY: "completed",
    }
    insert_plan(con, plan, session_rows(plan, statuses))
    other = plan_row("ben", "plan-ben")
    insert_plan(con, other, session_rows(other))
    return _weeks(con, "plan-ana")


def test_first_week_counts_and_compliance(adherence):
    week = adherence[0]
    assert week["runner_id"] == "ana"
    assert week["plan_name"] == "10K plan for ana"
    assert (week["week_number"], week["week_start_date"], week["phase"]) == (1, PLAN_START, "Base")
    assert week["planned_sessions"] == 3  # rest days are not sessions
    counts = [week[k] for k in ("completed", "modified", "moved", "skipped", "pending")]
    assert counts == [1, 1, 0, 1, 0]
    assert week["planned_km"] == 26.0
    assert week["actual_km"] == pytest.approx(0.9 * (6 + 8))
    # the planned work done: 90 % of 6 km and of 8 km (modified counts at its share), none of 12
    assert week["compliance_percent"] == pytest.approx(100 * 0.9 * 14 / 26, abs=0.05)
    assert week["volume_percent"] == pytest.approx(100 * 0.9 * 14 / 26, abs=0.05)
    assert week["mean_adherence_score"] == pytest.approx(0.75)


def test_partly_resolved_week_measures_only_resolved_sessions(adherence):
    week = adherence[1]
    assert (week["completed"], week["pending"]) == (1, 2)
    assert week["compliance_percent"] == 90.0
    assert week["volume_percent"] == 90.0


def test_unstarted_weeks_have_no_compliance_yet(adherence):
    assert len(adherence) == 4
    recovery = adherence[2]
    assert recovery["is_recovery_week"] is True
    assert recovery["pending"] == 3
    assert recovery["compliance_percent"] is None
    assert recovery["volume_percent"] is None
    assert recovery["mean_adherence_score"] is None
    assert recovery["actual_km"] == 0


def test_each_plan_has_its_own_rows(con, adherence):
    runners = con.execute(
        "SELECT runner_id, count(*) FROM analytics.plan_adherence GROUP BY 1 ORDER BY 1"
    ).fetchall()
    assert runners == [("ana", 4), ("ben", 4)]
