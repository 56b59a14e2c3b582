"""The seven days before the race, held to their share of the peak week after every week is
built."""

import datetime as dt

import pytest

from tests.plan_runners import AS_OF, reference, runner
from transforms.plan_context import plan_context
from transforms.plan_final_days import hold_final_days
from transforms.plan_sessions import session_km
from transforms.plans import built_weeks


@pytest.fixture
def ana():
    """Ana's half marathon on Sunday 14 March 2027: the last seven days are 7-13 March."""
    ctx = plan_context(runner(), AS_OF, reference())
    weeks, peak_km = built_weeks(ctx)
    return ctx, weeks, peak_km


def _final_days_km(ctx, weeks):
    first, last = dt.date(2027, 3, 7), dt.date(2027, 3, 13)
    return sum(
        session_km(plan.segments, ctx.targets)
        for week in weeks
        for plan in week.days.values()
        if first <= ctx.date_of(week.target.week, plan.day) <= last
    )


def _all_km(ctx, weeks):
    return [[session_km(p.segments, ctx.targets) for p in week.days.values()] for week in weeks]


def test_final_days_planned_within_their_share_are_left_as_they_are(ana):
    ctx, weeks, peak_km = ana
    assert _final_days_km(ctx, weeks) <= 0.6 * peak_km
    assert _all_km(ctx, hold_final_days(ctx, weeks, peak_km)) == _all_km(ctx, weeks)


def test_final_days_over_their_share_lose_easy_running_and_the_built_weeks_stay(ana):
    ctx, weeks, _ = ana
    before = _all_km(ctx, weeks)
    smaller_peak = 40.0  # 60 % of it, 24 km, is less than the final days hold
    assert _final_days_km(ctx, weeks) > 0.6 * smaller_peak
    held = hold_final_days(ctx, weeks, smaller_peak)
    assert _final_days_km(ctx, held) <= 0.6 * smaller_peak + 0.05
    assert _all_km(ctx, weeks) == before  # a new list of weeks; the input is not changed
    assert [w.target for w in held] == [w.target for w in weeks]
    assert all(a is b for a, b in zip(held[:15], weeks[:15], strict=True))  # untouched weeks
    assert held[15] is not weeks[15] and held[16] is not weeks[16]
    race_day = held[-1].days[6]
    assert race_day.session_type == "race"


def test_a_plan_without_a_race_has_no_final_days():
    ctx = plan_context(runner(goals={"goal_type": "base_building"}), AS_OF, reference())
    weeks, peak_km = built_weeks(ctx)
    assert hold_final_days(ctx, weeks, peak_km / 4) == weeks
