"""The sessions of one week, built from its target alone."""

import pytest

from tests.plan_runners import AS_OF, reference, runner
from transforms.plan_context import plan_context
from transforms.plan_sessions import DayPlan, session_km
from transforms.plan_volumes import WeekTarget
from transforms.plan_week_sessions import build_week
from transforms.plan_week_settle import nearest_spaced_gap

TUESDAY, THURSDAY, SATURDAY, SUNDAY = 1, 3, 5, 6


@pytest.fixture
def ctx():
    """Ana: four runs on Tuesday, Thursday, Saturday and Sunday (long run), a half marathon
    on Sunday of week 17."""
    return plan_context(runner(), AS_OF, reference())


def _km(ctx, days):
    return {day: session_km(plan.segments, ctx.targets) for day, plan in days.items()}


def _week(ctx, week, volume, *, recovery=False, peak_long_km=0.0):
    return build_week(ctx, WeekTarget(week, ctx.phase_of(week), recovery, volume, peak_long_km))


def test_an_early_base_week_is_easy_running_with_the_long_run_on_sunday(ctx):
    built = _week(ctx, 1, 32.0)
    kinds = {day: plan.session_type for day, plan in built.days.items()}
    assert kinds == {TUESDAY: "easy", THURSDAY: "strides", SATURDAY: "easy", SUNDAY: "long"}
    km = _km(ctx, built.days)
    assert km[SUNDAY] == max(km.values())
    assert sum(km.values()) == pytest.approx(32.0, abs=0.5)


def test_a_build_week_holds_two_quality_sessions_with_easy_days_between(ctx):
    built = _week(ctx, 9, 51.7, peak_long_km=13.9)
    hard = sorted(day for day, plan in built.days.items() if plan.is_hard)
    assert len(hard) == 2 and hard[1] - hard[0] >= 2
    km = _km(ctx, built.days)
    assert km[SUNDAY] == max(km.values())
    assert sum(km.values()) == pytest.approx(51.7, abs=0.5)


def test_a_lighter_week_holds_at_most_one_quality_session(ctx):
    built = _week(ctx, 8, 37.1, recovery=True, peak_long_km=13.9)
    assert sum(plan.is_hard for plan in built.days.values()) <= 1


def test_race_week_runs_nothing_the_day_before_the_race_and_no_key_session_near_it(ctx):
    built = _week(ctx, 17, 28.7, peak_long_km=17.8)
    assert built.days[SUNDAY].session_type == "race"
    assert SATURDAY not in built.days
    race = next(s for s in built.days[SUNDAY].segments if s["segment_type"] == "work")
    assert race["distance_km"] == 21.0975
    assert race["pace_min_sec_per_km"] < ctx.race_pace(21.0975) < race["pace_max_sec_per_km"]
    race_date = ctx.week_dates(17)[SUNDAY]
    for day, plan in built.days.items():
        if plan.is_spaced and day != SUNDAY:
            assert (race_date - ctx.week_dates(17)[day]).days > 2


def test_a_taper_run_is_no_longer_than_the_peak_long_run_at_the_days_share(ctx):
    built = _week(ctx, 16, 44.3, peak_long_km=17.8)
    assert ctx.race is not None
    for day, km in _km(ctx, built.days).items():
        share = ctx.race.taper_share(ctx.week_dates(16)[day])
        assert km <= 17.8 * share + 0.05


def test_a_week_too_small_for_a_long_run_runs_easy_runs_instead(ctx):
    built = _week(ctx, 1, 9.0)
    assert all(plan.session_type in ("easy", "strides") for plan in built.days.values())
    assert any("too small for a long run" in note for p in built.days.values() for note in p.notes)


def test_a_week_of_one_run_has_no_long_run():
    """A long run is long next to other runs: alone, the run is an easy run of the week's
    volume (a long run held to its share of a one-run week would hold nothing)."""
    ctx = plan_context(
        runner(running={"runs_per_week": 1}, schedule={"preferred_days": ["sunday"]}),
        AS_OF,
        reference(),
    )
    built = _week(ctx, 1, 8.0)
    assert [(day, plan.session_type) for day, plan in built.days.items()] == [(SUNDAY, "easy")]
    assert session_km(built.days[SUNDAY].segments, ctx.targets) == pytest.approx(8.0, abs=0.1)


def test_a_week_reaches_its_volume_when_a_session_gives_way_to_the_long_run():
    """A fast runner's fartlek is longer than the long run of three runs in 18.5 km, so it
    becomes an easy run no longer than the long run; the km it gave up go to the long run
    (within its share) and then to the easy runs, and the week holds its 18.5 km."""
    ctx = plan_context(
        runner(
            running={
                "current_volume": 18.5,
                "runs_per_week": 3,
                "experience_level": "beginner",
                "personal_bests": {"ten_k": {"time": 1800.0}},
            },
            goals={"goal_type": "general_health"},
            schedule={
                "preferred_days": ["monday", "thursday", "sunday"],
                "blocked_days": [],
                "long_run_day": "monday",
            },
        ),
        AS_OF,
        reference(),
    )
    built = _week(ctx, 1, 18.5)
    km = _km(ctx, built.days)
    assert sum(km.values()) == pytest.approx(18.5, abs=0.3)
    assert built.days[0].session_type == "long" and km[0] == max(km.values())
    assert km[0] <= 0.4 * 18.5 + 0.05  # sg_long_run_share_40_three_runs


def test_the_nearest_spaced_gap_goes_round_the_week():
    days = {0: DayPlan(0, "easy"), 2: DayPlan(2, "interval"), 6: DayPlan(6, "long")}
    assert nearest_spaced_gap(days[0], days) == 1  # Sunday's long run, the day before
    assert nearest_spaced_gap(days[2], days) == 3
    assert nearest_spaced_gap(DayPlan(3, "easy"), {3: DayPlan(3, "easy")}) == 7
