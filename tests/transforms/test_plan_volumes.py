"""Weekly volumes: each week's target from the weeks built before it."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.plan_runners import AS_OF, reference, runner
from transforms.plan_context import floor_tenth, plan_context
from transforms.plan_volumes import (
    VolumeProgress,
    growth_weeks,
    progress_after,
    starting_progress,
    tapered,
    week_target,
)


@pytest.fixture
def ctx():
    """Ana: 32 km a week toward a half marathon in week 17 (Base 1-6, Build 7-11, Peak 12-15,
    Taper 16-17), a lighter week every 4th, 22 % lighter; weekly rise at most 10 %."""
    return plan_context(runner(), AS_OF, reference())


def test_week_one_starts_from_the_runners_volume(ctx):
    first = week_target(ctx, 1, starting_progress(ctx))
    assert (first.volume_km, first.is_recovery, first.phase.name) == (32.0, False, "Base")


def test_volume_grows_toward_the_peak_within_the_weekly_rise(ctx):
    assert growth_weeks(ctx) == 8  # 11 weeks before the peak, a quarter of them lighter
    grown = week_target(ctx, 2, VolumeProgress(last_full_km=32.0, streak=1))
    growth = (62.0 / 32.0) ** (1 / 8) - 1
    assert grown.volume_km == floor_tenth(32.0 * (1 + growth))


def test_a_far_peak_still_grows_at_most_ten_percent_a_week():
    far = plan_context(
        runner(running={"current_volume": 12.0, "experience_level": "advanced"}),
        AS_OF,
        reference(),
    )
    assert (far.peak_km / far.start_km) ** (1 / growth_weeks(far)) > 1.2
    capped = week_target(far, 2, VolumeProgress(last_full_km=12.0, streak=1))
    assert capped.volume_km == 13.2


def test_a_lighter_week_follows_three_full_ones_cut_from_the_last_full_week(ctx):
    lighter = week_target(ctx, 4, VolumeProgress(last_full_km=37.5, streak=3))
    assert lighter.is_recovery
    assert lighter.volume_km == floor_tenth(37.5 * (1 - 0.22))
    assert not week_target(ctx, 3, VolumeProgress(last_full_km=34.7, streak=2)).is_recovery


def test_no_lighter_week_just_before_the_taper(ctx):
    assert not week_target(ctx, 15, VolumeProgress(last_full_km=60.0, streak=3)).is_recovery


def test_race_week_days_fall_to_the_final_share_of_the_peak(ctx):
    """The race is on Sunday of week 17: Monday to Saturday are the last seven days, each at
    55 % (the 60 % cap less its margin) of a seventh of the peak week."""
    race_week = week_target(ctx, 17, VolumeProgress(last_full_km=60.0, peak_built_km=61.0))
    assert race_week.volume_km == floor_tenth(6 * 61.0 * 0.55 / 7)


def test_a_taper_day_never_holds_more_than_its_weeks_own_target(ctx):
    """Week 16's days fall to their taper share of the peak; when the weeks before collapsed
    below that peak, each day keeps the week's own (smaller) target instead."""
    assert tapered(ctx, 16, 40.0, 61.0) < 40.0
    assert tapered(ctx, 16, 20.0, 61.0) == pytest.approx(20.0)


def test_progress_counts_full_weeks_and_keeps_the_last_full_one(ctx):
    progress = starting_progress(ctx)
    full = week_target(ctx, 1, progress)
    after_full = progress_after(progress, full, training_km=31.8, long_km=8.9)
    assert after_full == VolumeProgress(31.8, 31.8, 1, 8.9)
    lighter = week_target(ctx, 4, VolumeProgress(last_full_km=37.5, streak=3))
    after_lighter = progress_after(after_full, lighter, training_km=29.0, long_km=8.1)
    assert after_lighter == VolumeProgress(31.8, 31.8, 0, 8.9)
    taper = week_target(ctx, 16, VolumeProgress(last_full_km=60.0, peak_built_km=61.0))
    after_taper = progress_after(after_full, taper, training_km=44.0, long_km=12.0)
    assert after_taper.peak_built_km == 31.8 and after_taper.peak_long_km == 12.0


def test_a_runner_running_almost_nothing_starts_from_the_beginner_minimum():
    """Week 1 is measured against the 8 km minimum, not the 1 km run now: it starts at 8 km
    rather than at the 1.1 km a 10 % rise on 1 km would allow."""
    ctx = plan_context(runner(running={"current_volume": 1.0}), AS_OF, reference())
    assert starting_progress(ctx).last_full_km == 8.0
    assert week_target(ctx, 1, starting_progress(ctx)).volume_km == 8.0


def test_a_taper_week_rises_no_faster_than_a_full_week():
    """A 5K on Friday of week 4: the Monday of week 3 is not yet in the taper, so it keeps the
    week's own target, which the weekly rise holds like any other week's."""
    ctx = plan_context(
        runner(
            running={"current_volume": 0.0, "experience_level": "advanced", "runs_per_week": 6},
            goals={"race_distance": 5.0, "race_date": dt.date(2026, 12, 11)},
            schedule={"preferred_days": [], "blocked_days": ["friday"]},
        ),
        AS_OF,
        reference(),
    )
    assert ctx.peak_km / ctx.start_km > 1.5  # growth far above 10 % a week
    progress = VolumeProgress(last_full_km=8.8, peak_built_km=8.8, streak=2)
    taper_week = week_target(ctx, 3, progress)
    assert taper_week.phase.name == "Taper"
    assert taper_week.volume_km <= 8.8 * 1.1


@given(last_full=st.floats(10.0, 60.0), streak=st.integers(0, 2), week=st.integers(2, 11))
def test_a_full_week_before_the_peak_rises_at_most_ten_percent(last_full, streak, week):
    ctx = plan_context(runner(), AS_OF, reference())
    target = week_target(ctx, week, VolumeProgress(last_full_km=last_full, streak=streak))
    assert not target.is_recovery
    assert target.volume_km <= last_full * 1.10 + 1e-9
