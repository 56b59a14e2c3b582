"""The seven days before the race, held to the final-volume safeguard once every week is
built (those days can span two calendar weeks, so no single week's build can hold them)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from transforms.plan_context import PlanContext, floor_tenth
from transforms.plan_sessions import MIN_EASY_RUN_KM, DayPlan, session_km
from transforms.plan_week_sessions import BuiltWeek
from transforms.plan_week_settle import EASY_RUN_TYPES, settle_week
from transforms.race_window import FINAL_VOLUME_FIELD


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
    week (`peak_km`): the easy running in them is shortened, longest run first (a run left
    shorter than an easy run is worth is dropped), and the weeks holding those days are
    settled again (their quality shares are measured on a smaller week). Plans without room
    for a taper have no peak to measure against and come back unchanged."""
    race = ctx.race
    if race is None or not race.leaves_room_to_taper(ctx.start):
        return list(weeks)
    first, last = race.final_days()

    def in_window(week: BuiltWeek, plan: DayPlan) -> bool:
        return first <= ctx.date_of(week.target.week, plan.day) <= last

    touched = {w.target.week for w in weeks if any(in_window(w, p) for p in w.days.values())}
    held = [
        BuiltWeek(w.target, copied_days(w.days)) if w.target.week in touched else w for w in weeks
    ]
    window = [(w.days, p) for w in held for p in w.days.values() if in_window(w, p)]
    held_km = sum(session_km(p.segments, ctx.targets) for _, p in window)
    check = ctx.engine.check(
        FINAL_VOLUME_FIELD,
        100 * held_km / peak_km if peak_km else None,
        week_number=ctx.weeks,
        week={"race_distance_km": race.race_km},
        subject=held_km,
        convert=lambda percent: peak_km * percent / 100,
    )
    excess = held_km - check.value
    easy = sorted(
        ((days, p) for days, p in window if p.session_type in EASY_RUN_TYPES),
        key=lambda pair: -session_km(pair[1].segments, ctx.targets),
    )
    for days, plan in easy:
        if excess <= 0:
            break
        km = session_km(plan.segments, ctx.targets)
        kept = floor_tenth(km - excess - 0.05)
        if kept < MIN_EASY_RUN_KM:
            del days[plan.day]
            excess -= km
            continue
        steady = next(s for s in plan.segments if s["segment_type"] == "steady")
        steady["distance_km"] = floor_tenth(steady["distance_km"] - (km - kept))
        plan.safeguard_ids += [r.safeguard_id for r in check.applied_rules]
        excess -= km - kept
    for week in held:
        if week.target.week in touched:
            settle_week(ctx, week.target.week, week.days, first=False)
    return held
