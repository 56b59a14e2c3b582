"""Settling a sized week: the shares the safeguards bound, the long run kept longest, and the
kilometres cuts took away given back to the runs that have room.

These functions change the `DayPlan`s of one week under construction (they are the local
state of `plan_week_sessions.build_week`); nothing outside that week is touched.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from transforms.plan_context import PlanContext, floor_tenth
from transforms.plan_sessions import (
    DayPlan,
    cap_main_work,
    circular_gap,
    instantiate,
    main_work_km,
    segment_pace,
    session_km,
    session_seconds,
    zone_km,
)
from transforms.plan_volumes import WeekTarget

EASY_RUN_TYPES = ("easy", "recovery", "strides")
SETTLE_ATTEMPTS = 20
"""Rounds of settling (and topping up) a week; each round only cuts or only grows, so a few
suffice and the bound only guards against a cycle."""
SESSION_SHARES = (
    ("T", "threshold_session_share_percent"),
    ("M", "marathon_pace_share_percent"),
)
"""Zone work bounded per session, as a share of the week."""
WEEK_ZONE_LIMITS = (
    ("I", "interval_share_percent"),
    ("I", "interval_km_per_week"),
    ("R", "repetition_share_percent"),
)
"""Zone work bounded over the week (a share when the field ends in percent, else km)."""


def running_km(ctx: PlanContext, days: dict[int, DayPlan]) -> float:
    """Kilometres of the week's running besides the race."""
    return sum(
        session_km(d.segments, ctx.targets) for d in days.values() if d.session_type != "race"
    )


def stored_running_km(ctx: PlanContext, days: dict[int, DayPlan]) -> float:
    """`running_km` in the sessions' stored distances (to 0.01 km), as the validator measures
    a week: the weekly rise of the next week is measured on it."""
    return sum(
        round(session_km(d.segments, ctx.targets), 2)
        for d in days.values()
        if d.session_type != "race"
    )


def long_run_of(days: dict[int, DayPlan]) -> DayPlan | None:
    return next((d for d in days.values() if d.session_type == "long"), None)


def nearest_spaced_gap(day: DayPlan, days: Mapping[int, DayPlan]) -> int:
    """Days from `day` to the nearest other session that needs easier days around it."""
    gaps = [circular_gap(day.day, o.day) for o in days.values() if o.is_spaced and o is not day]
    return min(gaps, default=7)


def tapered_run_km(ctx: PlanContext, target: WeekTarget, day: int) -> float:
    """The longest run a taper day holds: the peak's long run at the day's taper share, so
    the taper's lower volume comes with shorter runs, not the same runs fewer."""
    date = ctx.date_of(target.week, day)
    if ctx.race is None or not ctx.race.in_taper(date) or not target.peak_long_km:
        return math.inf
    return target.peak_long_km * ctx.race.taper_share(date)


def make_easy(ctx: PlanContext, plan: DayPlan, why: str) -> None:
    """Turn a session into an easy run of the same distance (the week keeps its size)."""
    km = floor_tenth(session_km(plan.segments, ctx.targets))
    plan.session_type, plan.template = "easy", ctx.template_for("easy")
    plan.segments = instantiate(plan.template, ctx.targets, progress=0, steady_km=km)
    plan.notes.append(f"easy run instead: {why}")


def settle_week(
    ctx: PlanContext,
    week: int,
    days: dict[int, DayPlan],
    *,
    first: bool,
    volume: float | None = None,
) -> bool:
    """Check the shares the safeguards bound (zone work per session and per week, the long
    run) against `volume`, or the week as built, cutting what breaks them; True if anything
    changed. Cuts shrink the week, so the caller tops it up and repeats. `first` records
    the checks that change nothing too (only on a week's first settling)."""
    sessions = [d for d in days.values() if d.session_type != "race"]
    if volume is None:
        volume = sum(session_km(d.segments, ctx.targets) for d in sessions)
    if volume <= 0:
        return False
    context = {"planned_volume_km": volume}
    changed = False
    for plan in (d for d in sessions if d.is_hard or d.session_type == "long"):
        for zone, field_name in SESSION_SHARES:
            km = zone_km(plan.segments, ctx.targets).get(zone, 0.0)
            if km:
                changed |= _cap_zone(
                    ctx,
                    week,
                    [plan],
                    zone,
                    field_name,
                    100 * km / volume,
                    volume,
                    context,
                    share=True,
                    first=first,
                )
    for zone, field_name in WEEK_ZONE_LIMITS:
        holders = [p for p in sessions if zone_km(p.segments, ctx.targets).get(zone, 0.0)]
        if holders:
            total = sum(zone_km(p.segments, ctx.targets)[zone] for p in holders)
            share = field_name.endswith("percent")
            changed |= _cap_zone(
                ctx,
                week,
                holders,
                zone,
                field_name,
                100 * total / volume if share else total,
                volume,
                context,
                share=share,
                first=first,
            )
    long_day = long_run_of(days)
    if long_day is not None and long_day.segments:
        changed |= _settle_long_share(ctx, week, days, long_day, first=first)
    return changed


def _cap_zone(
    ctx: PlanContext,
    week: int,
    holders: list[DayPlan],
    zone: str,
    field_name: str,
    value: float,
    volume: float,
    context: dict,
    *,
    share: bool,
    first: bool,
) -> bool:
    """Cut the main work of `holders` evenly until their `zone` work passes `field_name`'s
    safeguards (a session that cannot hold even one repetition becomes an easy run)."""
    check = ctx.engine.check(
        field_name, value, week_number=week, week=context, record_unapplied=first
    )
    if check.value >= value - 1e-9:
        return False
    allowed_km = check.value * volume / 100 if share else check.value
    per_holder = allowed_km / len(holders)
    for plan in holders:
        others = sum(
            zone_km([s], ctx.targets).get(zone, 0.0)
            for s in plan.segments
            if s["segment_type"] not in ("work", "repeat")
        )
        allowed = max(per_holder - others, 0.0)
        cap_main_work(plan.segments, allowed, ctx.targets)
        plan.safeguard_ids += [r.safeguard_id for r in check.applied_rules]
        if main_work_km(plan.segments, ctx.targets) > allowed + 1e-9:
            make_easy(ctx, plan, f"even one repetition breaks {check.applied_rules[0].name}")
    return True


def _settle_long_share(
    ctx: PlanContext, week: int, days: dict[int, DayPlan], long_day: DayPlan, *, first: bool
) -> bool:
    """The long run was capped against the week's target; the sized week can come out
    smaller (easy runs round down or drop), so the share is checked on the real week, in the
    sessions' stored distances (to 0.01 km) as the validator measures it: a week at 63.996 km
    is a 64 km week to the rules that start at 64."""
    long_km = round(session_km(long_day.segments, ctx.targets), 2)
    others = sum(
        round(session_km(d.segments, ctx.targets), 2)
        for d in days.values()
        if d is not long_day and d.session_type != "race"
    )
    total = others + long_km
    check = ctx.engine.check(
        "long_run_share_percent",
        100 * long_km / total if total else None,
        week_number=week,
        week={"planned_volume_km": total, "runs_per_week": len(days)},
        subject=long_km,
        convert=lambda percent: percent / 100 * others / (1 - percent / 100),
        record_unapplied=first,
    )
    if check.value >= long_km:
        return False
    steady = next(s for s in long_day.segments if s["segment_type"] == "steady")
    steady["distance_km"] = floor_tenth(steady["distance_km"] - (long_km - check.value))
    long_day.safeguard_ids += [r.safeguard_id for r in check.applied_rules]
    return True


def settle_by_cuts(ctx: PlanContext, week: int, days: dict[int, DayPlan]) -> None:
    """Cut until the week is within its shares and its long run is its longest run (each cut
    changes the week the other is measured on)."""
    for _attempt in range(SETTLE_ATTEMPTS):
        settled = settle_week(ctx, week, days, first=False)
        if not (keep_long_run_longest(ctx, days) or settled):
            break


def keep_long_run_longest(ctx: PlanContext, days: dict[int, DayPlan]) -> bool:
    """The long run is the longest run of its week (kb_long_run_share): any run longer is cut
    to its length (an easy run's steady running, a session's main work); True if any run
    changed."""
    long_day = long_run_of(days)
    if long_day is None:
        return False
    long_km = session_km(long_day.segments, ctx.targets)
    changed = False
    for plan in days.values():
        if plan is long_day or plan.session_type == "race":
            continue
        excess = session_km(plan.segments, ctx.targets) - long_km
        if excess <= 1e-9:
            continue
        changed = True
        if plan.is_hard:
            main = main_work_km(plan.segments, ctx.targets)
            cap_main_work(plan.segments, main - excess, ctx.targets)
            if session_km(plan.segments, ctx.targets) > long_km + 1e-9:
                make_easy(ctx, plan, "it would be longer than the long run")
        if not plan.is_hard:
            steady = next(s for s in plan.segments if s["segment_type"] == "steady")
            over = session_km(plan.segments, ctx.targets) - long_km
            steady["distance_km"] = floor_tenth(steady["distance_km"] - over - 1e-9)
    return changed


def top_up(ctx: PlanContext, target: WeekTarget, days: dict[int, DayPlan]) -> bool:
    """Give the km the week is short of (cut from quality work or the long run, or never
    placed) to the easy runs, then to the quality sessions' cool-downs, then to the long run,
    each up to the longest a run may last: the others never past the long run, the long run
    never past its share of the week (so the runs after it can grow on the next call); True
    if any run grew."""
    deficit = target.volume_km - running_km(ctx, days)
    long_day = long_run_of(days)
    longest = session_km(long_day.segments, ctx.targets) if long_day else math.inf
    grown = False
    for growable in (
        [(d, "steady") for d in days.values() if d.session_type in EASY_RUN_TYPES],
        [(d, "cooldown") for d in days.values() if d.is_hard and d.session_type != "race"],
        [(long_day, "steady")] if long_day else [],
    ):
        for plan, part in growable:
            if deficit < 0.1:
                return grown
            segment = next((s for s in plan.segments if s["segment_type"] == part), None)
            if segment is None:
                continue
            pace = segment_pace(segment, ctx.targets)
            seconds = session_seconds(plan.segments, ctx.targets)
            km = session_km(plan.segments, ctx.targets)
            bound = _long_run_cap_km(ctx, target, days) if plan is long_day else longest
            room_km = min(
                (ctx.longest_run_seconds - seconds) / pace,
                bound - km,
                tapered_run_km(ctx, target, plan.day) - km,
                deficit / len(growable),
            )
            if room_km < 0.1:
                continue
            if segment.get("distance_km") is not None:
                add = floor_tenth(room_km)
                segment["distance_km"] = round(segment["distance_km"] + add, 1)
            else:
                minutes = math.floor(room_km * pace / 60 + 1e-9)
                segment["duration_seconds"] = float(segment["duration_seconds"] + minutes * 60)
                add = minutes * 60 / pace
            if add >= 0.1:
                deficit -= add
                grown = True
    return grown


def _long_run_cap_km(ctx: PlanContext, target: WeekTarget, days: dict[int, DayPlan]) -> float:
    """The longest long run the long-run-share safeguards allow in a week of the target's
    size."""
    week = {"planned_volume_km": target.volume_km, "runs_per_week": len(days)}
    share = ctx.engine.limit("long_run_share_percent", week)
    return math.inf if share is None else share / 100 * target.volume_km
