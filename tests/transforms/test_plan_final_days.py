"""The seven days before the race, held to their share of the peak week after every week is
built."""

import datetime as dt

import pytest

from tests.plan_runners import AS_OF, reference, runner
from transforms.plan_context import plan_context
from transforms.plan_final_days import copied_days, hold_final_days, shorten
from transforms.plan_sessions import session_km
from transforms.plans import built_weeks


@pytest.fixture
def ana():
    """Ana's half marathon on Sunday 14 March 2027: the last seven days are 7-13 March."""
    ctx = plan_context(runner(), AS_OF, reference())
    weeks, peak_km = built_weeks(ctx)
    return ctx, weeks, peak_km


def _km_between(ctx, weeks, first, last):
    return sum(
        session_km(plan.segments, ctx.targets)
        for week in weeks
        for plan in week.days.values()
        if first <= ctx.date_of(week.target.week, plan.day) <= last
    )


def _final_days_km(ctx, weeks):
    return _km_between(ctx, weeks, dt.date(2027, 3, 7), dt.date(2027, 3, 13))


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
    # weeks before the taper (it opens on Saturday 28 February, in week 15) are the same
    assert all(a is b for a, b in zip(held[:14], weeks[:14], strict=True))
    assert all(a is not b for a, b in zip(held[14:], weeks[14:], strict=True))
    race_day = held[-1].days[6]
    assert race_day.session_type == "race"
    for week in held:  # settled again by cuts: the long run is still each week's longest
        km = {
            plan.session_type: session_km(plan.segments, ctx.targets) for plan in week.days.values()
        }
        if "long" in km:
            assert km["long"] == max(v for kind, v in km.items() if kind != "race")


def test_every_seven_days_of_the_taper_fall_below_the_peak(ana):
    """Taper weeks give way: each seven days from the taper's first (Saturday 28 February,
    14 days out) hold at most 95 % of the peak, the peak week's own runs aside."""
    ctx, weeks, _ = ana
    smaller_peak = 40.0
    held = hold_final_days(ctx, weeks, smaller_peak)
    tapering = [w for w in held if w.target.phase.name == "Taper"]
    for offset in range(7):
        first = dt.date(2027, 2, 28) + dt.timedelta(days=offset)
        span = _km_between(ctx, held, first, first + dt.timedelta(days=6))
        peak_week_runs = _km_between(ctx, held[:15], first, first + dt.timedelta(days=6))
        assert span - peak_week_runs <= 0.95 * smaller_peak + 0.05 or not _km_between(
            ctx, tapering, first, first + dt.timedelta(days=6)
        )


def test_shorten_takes_easy_running_first_then_quality_work(ana):
    ctx, weeks, _ = ana
    build = copied_days(weeks[8].days)  # Tuesday intervals, Thursday threshold, Saturday easy
    runs = [(build, plan) for plan in build.values() if plan.session_type != "long"]
    easy_km = session_km(build[5].segments, ctx.targets)
    shorten(ctx, runs, 2.0, ["sg_test"])
    assert session_km(build[5].segments, ctx.targets) == pytest.approx(easy_km - 2.0, abs=0.1)
    assert "sg_test" in build[5].safeguard_ids
    quality_km = sum(session_km(build[d].segments, ctx.targets) for d in (1, 3))
    shorten(ctx, [(build, build[d]) for d in (1, 3, 5)], easy_km - 2.0, [])
    assert 5 not in build  # too little left of the easy run: dropped, then quality work cut
    left = sum(session_km(build[d].segments, ctx.targets) for d in build if d in (1, 3))
    assert left < quality_km


def test_a_plan_without_a_race_has_no_final_days():
    ctx = plan_context(runner(goals={"goal_type": "base_building"}), AS_OF, reference())
    weeks, peak_km = built_weeks(ctx)
    assert hold_final_days(ctx, weeks, peak_km / 4) == weeks
