"""The plan context: what a plan is built from, settled once from the runner and the date."""

import datetime as dt

import pytest

from tests.plan_runners import AS_OF, reference, runner
from transforms.plan_context import floor_tenth, plan_context, share_capacity_km
from transforms.plan_inputs import MINIMUM_START_KM


def test_the_context_settles_dates_phases_and_volumes():
    ctx = plan_context(runner(), AS_OF, reference())
    assert ctx.start == dt.date(2026, 11, 16)
    assert ctx.plan_id == "ana_20261116"
    assert ctx.weeks == 17 and ctx.taper == 2
    assert [(p.name, p.start_week, p.end_week) for p in ctx.phases] == [
        ("Base", 1, 6),
        ("Build", 7, 11),
        ("Peak", 12, 15),
        ("Taper", 16, 17),
    ]
    # an intermediate's half-marathon peak, from her 32 km, with a lighter week every 4th
    assert (ctx.start_km, ctx.peak_km) == (32.0, 62.0)
    assert (ctx.recovery_every, ctx.recovery_cut) == (4, 0.22)
    assert ctx.race is not None and ctx.race.race_date == dt.date(2027, 3, 14)
    assert ctx.week_dates(17)[6] == ctx.race.race_date


def test_capacity_is_every_run_at_the_longest_a_run_may_last():
    ctx = plan_context(runner(), AS_OF, reference())
    # 4 runs of 150 minutes (her longest session) at the middle of her easy range
    assert ctx.longest_run_seconds == 150 * 60
    assert ctx.capacity_km == floor_tenth(4 * 150 * 60 / ctx.targets.mid_pace("E"))


def test_a_schedule_too_short_for_the_runners_volume_holds_start_and_peak():
    ctx = plan_context(
        runner(running={"runs_per_week": 3}, schedule={"max_session_minutes": 20.0}),
        AS_OF,
        reference(),
    )
    assert ctx.capacity_km == floor_tenth(3 * 20 * 60 / ctx.targets.mid_pace("E"))
    assert ctx.start_km == ctx.peak_km == ctx.capacity_km < 32.0


def test_three_runs_cannot_hold_a_week_whose_long_run_may_take_only_a_quarter():
    """From 64 km a week the long run takes at most 25 % (sg_long_run_share_25_high_volume);
    on three runs the longest is at least a third, so three runs hold at most 63.9 km."""
    engine = plan_context(runner(), AS_OF, reference()).engine
    assert share_capacity_km(engine, 3, 90.0) == 63.9
    assert share_capacity_km(engine, 4, 90.0) == 90.0
    assert share_capacity_km(engine, 1, 90.0) == 90.0  # one run is no long run
    ctx = plan_context(
        runner(running={"runs_per_week": 3, "current_volume": 70.0}), AS_OF, reference()
    )
    assert ctx.capacity_km == ctx.start_km == 63.9


def test_a_runner_running_almost_nothing_starts_from_the_minimum():
    ctx = plan_context(runner(running={"current_volume": 2.0}), AS_OF, reference())
    assert ctx.inputs.weekly_volume_km == 2.0
    assert ctx.start_km == MINIMUM_START_KM


def test_the_race_is_paced_at_the_goal_when_it_is_within_reach():
    ctx = plan_context(runner(), AS_OF, reference())
    assert ctx.feasibility().verdict == "achievable"
    assert ctx.race_pace(21.0975) == pytest.approx(6600 / 21.0975)
    out_of_reach = plan_context(runner(goals={"target_time": 4000.0}), AS_OF, reference())
    judged = out_of_reach.feasibility()
    assert judged.unrealistic
    assert out_of_reach.race_pace(21.0975) == pytest.approx(judged.predicted_seconds / 21.0975)


@pytest.mark.parametrize(("km", "floored"), [(3.19, 3.1), (2.3, 2.3), (0.05, 0.0), (-1.0, 0.0)])
def test_sizes_round_down_to_a_tenth(km, floored):
    assert floor_tenth(km) == floored
