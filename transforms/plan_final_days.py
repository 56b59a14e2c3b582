"""The taper's days held below the peak week once every week is built (they span calendar
weeks, so no single week's build can hold them): the seven days before the race within the
final-volume safeguard's share of the peak, and every seven days of the taper below the peak
(the volume falls from the peak over the taper's whole length)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

from transforms.plan_context import PlanContext, floor_tenth
from transforms.plan_sessions import (
    MIN_EASY_RUN_KM,
    DayPlan,
    cap_main_work,
    main_work_km,
    session_km,
)
from transforms.plan_week_sessions import BuiltWeek
from transforms.plan_week_settle import EASY_RUN_TYPES, make_easy, settle_by_cuts
from transforms.race_window import FINAL_DAYS, FINAL_SHARE_MARGIN, FINAL_VOLUME_FIELD

TAPER_SPAN_SHARE = 1 - FINAL_SHARE_MARGIN
"""Seven days of the taper hold at most this share of the peak week: below it, with the
margin the final days keep for rounding."""

Run = tuple[dict[int, DayPlan], DayPlan]
"""A planned run and the days of the week that holds it (to drop it from)."""


def copied_days(days: Mapping[int, DayPlan]) -> dict[int, DayPlan]:
    """The week's days, each with its own segments, notes and safeguard ids."""
    return {
        day: dataclasses.replace(
            plan,
            segments=[dict(s) for s in plan.segments],
            notes=list(plan.notes),
            safeguard_ids=list(plan.safeguard_ids),
        )
        for day, plan in days.items()
    }


def hold_final_days(
    ctx: PlanContext, weeks: Sequence[BuiltWeek], peak_km: float
) -> list[BuiltWeek]:
    """`weeks` with the seven days before the race at most the safeguard's share of the peak
    week (`peak_km`) and every seven days of the taper at most TAPER_SPAN_SHARE of it: the
    running in them is shortened (`shorten`), and the weeks holding taper days are settled
    again (their quality shares are measured on a smaller week). Plans without room for a
    taper have no peak to measure against and come back unchanged."""
    race = ctx.race
    if race is None or not race.leaves_room_to_taper(ctx.start):
        return list(weeks)
    first_taper_day = race.race_date - dt.timedelta(days=race.taper_days)

    def dated(week: BuiltWeek, plan: DayPlan) -> dt.date:
        return ctx.date_of(week.target.week, plan.day)

    touched = {
        w.target.week
        for w in weeks
        if any(first_taper_day <= dated(w, p) < race.race_date for p in w.days.values())
    }
    held = [
        BuiltWeek(w.target, copied_days(w.days)) if w.target.week in touched else w for w in weeks
    ]

    def runs_between(first: dt.date, last: dt.date) -> list[Run]:
        return [(w.days, p) for w in held for p in w.days.values() if first <= dated(w, p) <= last]

    taper_weeks_days = [w.days for w in held if w.target.phase.name == "Taper"]
    first, last = race.final_days()
    final = runs_between(first, last)
    final_km = _km(ctx, final)
    check = ctx.engine.check(
        FINAL_VOLUME_FIELD,
        100 * final_km / peak_km if peak_km else None,
        week_number=ctx.weeks,
        week={"race_distance_km": race.race_km},
        subject=final_km,
        convert=lambda percent: peak_km * percent / 100,
    )
    shorten(ctx, final, final_km - check.value, [r.safeguard_id for r in check.applied_rules])
    span_start = first_taper_day
    while span_start < first:
        span = runs_between(span_start, span_start + dt.timedelta(days=FINAL_DAYS - 1))
        # the weeks the peak is measured on keep their runs: the taper weeks give way
        tapering = [run for run in span if any(run[0] is days for days in taper_weeks_days)]
        shorten(ctx, tapering, _km(ctx, span) - TAPER_SPAN_SHARE * peak_km, [])
        span_start += dt.timedelta(days=1)
    for week in held:
        if week.target.week in touched:
            settle_by_cuts(ctx, week.target.week, week.days)
    return held


def _km(ctx: PlanContext, runs: Sequence[Run]) -> float:
    return sum(session_km(plan.segments, ctx.targets) for _, plan in runs)


def shorten(ctx: PlanContext, runs: Sequence[Run], excess: float, safeguard_ids: list[str]) -> None:
    """Take `excess` km off `runs`: the easy running first, longest run first (a run left
    shorter than an easy run is worth is dropped), then the quality sessions' main work (a
    session that cannot lose enough becomes an easy run, shortened or dropped in turn)."""
    if excess <= 0:
        return
    for days, plan in sorted(runs, key=lambda run: -session_km(run[1].segments, ctx.targets)):
        if excess > 0 and plan.session_type in EASY_RUN_TYPES:
            excess -= _shorten_easy(ctx, days, plan, excess, safeguard_ids)
    for days, plan in runs:
        if excess <= 0 or not plan.is_hard or plan.session_type == "race":
            continue
        before = session_km(plan.segments, ctx.targets)
        main = main_work_km(plan.segments, ctx.targets)
        cap_main_work(plan.segments, main - excess, ctx.targets)
        excess -= before - session_km(plan.segments, ctx.targets)
        plan.safeguard_ids += safeguard_ids
        if excess > 0:
            make_easy(ctx, plan, "the days before the race hold less")
            excess -= _shorten_easy(ctx, days, plan, excess, safeguard_ids)


def _shorten_easy(
    ctx: PlanContext, days: dict[int, DayPlan], plan: DayPlan, excess: float, ids: list[str]
) -> float:
    """Shorten an easy run's steady running by about `excess` km, or drop the run when too
    little would be left; the km taken off."""
    km = session_km(plan.segments, ctx.targets)
    kept = floor_tenth(km - excess - 0.05)
    if kept < MIN_EASY_RUN_KM:
        del days[plan.day]
        return km
    steady = next(s for s in plan.segments if s["segment_type"] == "steady")
    steady["distance_km"] = floor_tenth(steady["distance_km"] - (km - kept))
    plan.safeguard_ids += ids
    return km - session_km(plan.segments, ctx.targets)
