"""Built weeks as rows: a session a day (rest days included), a weekly entry a week, each
figure measured from the sessions it describes."""

import datetime as dt

import pytest

from tests.plan_runners import AS_OF, reference, runner
from transforms.plan_context import plan_context
from transforms.plan_week_rows import plan_rows
from transforms.plans import built_weeks


@pytest.fixture
def rows():
    ctx = plan_context(runner(), AS_OF, reference())
    weeks, _ = built_weeks(ctx)
    return plan_rows(ctx, weeks[:3])


def test_every_day_has_a_session_row_and_rest_days_hold_nothing(rows):
    _, sessions = rows
    assert len(sessions) == 21
    assert sessions[0]["session_id"] == "ana_20261116_20261116"
    assert sessions[0]["scheduled_date"] == dt.date(2026, 11, 16)
    monday = sessions[0]
    assert monday["is_rest_day"] and monday["session_type"] == "rest"
    assert monday["distance_km"] == 0.0 and monday["structure_segments"] == []
    sunday = sessions[6]
    assert sunday["session_type"] == "long" and sunday["is_key_session"]


def test_a_week_row_sums_its_sessions_and_changes_on_the_week_before(rows):
    weeks, sessions = rows
    for week in weeks:
        own = [s for s in sessions if s["week_number"] == week["week_number"]]
        assert week["planned_volume_km"] == round(sum(s["distance_km"] for s in own), 1)
        assert week["session_count"] == sum(not s["is_rest_day"] for s in own)
    # week 1 is measured against the runner's 32 km, week 2 against week 1
    assert weeks[0]["volume_change_percent"] == round(
        100 * (weeks[0]["planned_volume_km"] / 32.0 - 1), 1
    )
    assert weeks[1]["volume_change_percent"] == round(
        100 * (weeks[1]["planned_volume_km"] / weeks[0]["planned_volume_km"] - 1), 1
    )


def _plan_for(**sections):
    ctx = plan_context(runner(**sections), AS_OF, reference())
    weeks, _ = built_weeks(ctx)
    return ctx, plan_rows(ctx, weeks)


def test_what_a_safeguard_changed_is_an_adjustment_not_a_warning_sign():
    ctx, (weeks, _) = _plan_for()
    actions = {rule.safeguard_id: rule.action for rule in ctx.engine.rules}
    changed = [
        a for a in ctx.engine.applications if a["applied"] and actions[a["safeguard_id"]] == "cap"
    ]
    assert changed, "the base runner's plan has no capped week to look at"
    for application in changed:
        week = weeks[application["week_number"] - 1]
        assert application["reason"] in week["safeguard_adjustments"]
        assert application["reason"] not in week["warning_signals"]


def test_a_race_week_with_no_other_run_raises_no_easy_share_warning():
    race_day = AS_OF + dt.timedelta(weeks=10, days=-1)  # a Tuesday, after a blocked Monday
    _, (weeks, sessions) = _plan_for(goals={"race_date": race_day, "race_distance": 10.0})
    race_week = weeks[-1]
    runs = [s for s in sessions if s["week_number"] == race_week["week_number"]]
    assert [s["session_type"] for s in runs if not s["is_rest_day"]] == ["race"]
    assert not [w for w in race_week["warning_signals"] if "easy" in w]
    assert "short easy runs" not in race_week["notes"]
