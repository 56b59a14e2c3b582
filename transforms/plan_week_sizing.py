"""Sizing a week's sessions once their days and kinds are chosen: quality sessions grown with
the phase, the race at race pace, the long run at its share, easy runs sharing the rest, and
the easy days labelled (a recovery run after a hard long run, strides on the freest day).

Like `plan_week_settle`, these functions change the `DayPlan`s of the one week
`plan_week_sessions.build_week` is building.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from transforms.plan_calendar import Phase
from transforms.plan_context import PlanContext, floor_tenth
from transforms.plan_sessions import (
    MIN_EASY_RUN_KM,
    DayPlan,
    cap_main_work,
    instantiate,
    main_work_km,
    recovery_targets,
    segment_pace,
    session_km,
    session_seconds,
)
from transforms.plan_volumes import WeekTarget
from transforms.plan_week_settle import (
    long_run_of,
    nearest_spaced_gap,
    settle_week,
    tapered_run_km,
)

# kb_long_run_share: proposed long-run share by phase (the safeguards cap it).
LONG_RUN_SHARE = {"Base": 0.28, "Build": 0.3, "Peak": 0.33, "Taper": 0.25}
LONG_RUN_SHARE_DEFAULT = 0.28
STRIDE_PHASES = ("Base", "Build", "Recovery", "Maintenance", "Taper")
MARATHON_FINISH_MAX_KM = 12.0
MARATHON_FINISH_MIN_KM = 3.0
RACE_ZONES = ((10.5, "I"), (21.5, "T"), (250.0, "M"))
"""The Daniels zone a race runs closest to, by distance (5K-10K near VO2max, half near
threshold, longer near marathon pace): the intensity bucket the race counts toward."""
MIN_RUN_KM = 2.0
"""The smallest run a week holds (kb_minimum_start_volume): a 15-20 minute run/walk. A week
whose volume is smaller still holds one run of this size rather than none."""
QUALITY_MAX_SHARE = 0.5
"""Quality sessions (warm-up and cool-down included) take at most half the week's volume:
the rest stays easy (kb_polarized_80_20)."""


def size_week(
    ctx: PlanContext, target: WeekTarget, days: dict[int, DayPlan], context: dict[str, Any]
) -> None:
    """Quality sessions at the phase's progress (within the runner's longest session), the
    race at race pace, the long run at its share, and the rest shared by the easy runs
    (an easy run too short to be worth running is dropped)."""
    week, volume = target.week, target.volume_km
    progress = target.phase.progress(week)
    max_minutes = ctx.inputs.max_session_minutes
    quality = [d for d in days.values() if d.is_hard and d.session_type != "race"]
    for plan in quality:
        template = plan.template or ctx.template_for(plan.session_type)
        plan.segments = instantiate(template, ctx.targets, progress=progress)
        if max_minutes and session_seconds(plan.segments, ctx.targets) > max_minutes * 60:
            _fit_time(ctx, plan, max_minutes)
    settle_week(ctx, week, days, first=True, volume=volume)
    race = next((d for d in days.values() if d.session_type == "race"), None)
    if race is not None and ctx.race_km is not None:
        race.template = ctx.template_for("race")
        race.segments = instantiate(
            race.template,
            ctx.targets,
            progress=0,
            race_km=ctx.race_km,
            race_pace=ctx.race_pace(ctx.race_km),
            race_zone=next(z for km, z in RACE_ZONES if ctx.race_km <= km),
        )
    quality = [d for d in quality if d.is_hard]
    while quality and _km(ctx, quality) > QUALITY_MAX_SHARE * volume:
        dropped = quality.pop()
        dropped.session_type, dropped.template, dropped.segments = "easy", None, []
        dropped.notes.append("the week is too small for this quality session")
    quality_km = _km(ctx, quality)
    long_day = long_run_of(days)
    easy_days = [d for d in days.values() if d.session_type == "easy"]
    long_km = 0.0
    if long_day is not None:
        long_km = _long_run_km(ctx, target, quality_km, len(easy_days), context, long_day)
    easy_days = [d for d in days.values() if d.session_type == "easy"]
    remaining = volume - quality_km - long_km
    # too little for every easy run: fewer, longer ones, but never a week without a run
    fewest = 1 if len(easy_days) == len(days) else 0
    while len(easy_days) > fewest and remaining / len(easy_days) < MIN_EASY_RUN_KM:
        dropped = min(easy_days, key=lambda d: (nearest_spaced_gap(d, days), d.day))
        easy_days.remove(dropped)
        del days[dropped.day]
    each = max(remaining / len(easy_days), MIN_RUN_KM) if easy_days else 0.0
    for plan in easy_days:
        km = _cap_easy_km(ctx, target, each, plan, context)
        plan.template = ctx.template_for("easy")
        plan.segments = instantiate(plan.template, ctx.targets, progress=0, steady_km=km)


def _km(ctx: PlanContext, plans: list[DayPlan]) -> float:
    return sum(session_km(d.segments, ctx.targets) for d in plans)


def _fit_time(ctx: PlanContext, plan: DayPlan, max_minutes: float) -> None:
    """Shorten the main work until the session fits the runner's longest session."""
    spare = max_minutes * 60 - session_seconds(
        [s for s in plan.segments if s["segment_type"] not in ("work", "repeat")], ctx.targets
    )
    work_km = main_work_km(plan.segments, ctx.targets)
    total_work_s = session_seconds(
        [s for s in plan.segments if s["segment_type"] in ("work", "repeat")], ctx.targets
    )
    if spare <= 0 or total_work_s <= 0:
        plan.session_type, plan.template, plan.segments = "easy", None, []
        plan.notes.append("too long for the runner's longest session; easy run instead")
        return
    cap_main_work(plan.segments, work_km * spare / total_work_s, ctx.targets)


def _long_run_km(
    ctx: PlanContext,
    target: WeekTarget,
    quality_km: float,
    easy_runs: int,
    context: dict[str, Any],
    plan: DayPlan,
) -> float:
    """Size the long run: the phase's share of the week, at least an even share of the easy
    running, within the long-run-share and run-length safeguards, and at least the template's
    shortest long run where the week holds one; a week too small for it turns it into an
    easy run (0 km returned)."""
    week, phase, volume = target.week, target.phase, target.volume_km
    share = LONG_RUN_SHARE.get(phase.name, LONG_RUN_SHARE_DEFAULT)
    left = max(volume - quality_km, 0.0)
    # at least an even share of the easy running, so that it is the week's longest run
    proposed = min(max(volume * share, left / (easy_runs + 1)), left)
    checked = ctx.engine.check(
        "long_run_share_percent",
        100 * proposed / volume if volume else None,
        week_number=week,
        week=context,
        subject=proposed,
        convert=lambda percent: volume * percent / 100,
    )
    plan.safeguard_ids += [r.safeguard_id for r in checked.applied_rules]
    km = _cap_easy_km(ctx, target, checked.value, plan, context)
    template = plan.template or ctx.template_for("long")
    if km < template["min_distance_km"] and template["intensity_zone"] == "M":
        template = ctx.template_for("long")  # too short for a marathon-pace finish
    shortest = template["min_distance_km"]
    if km < shortest <= _long_run_room_km(ctx, target, left, context, plan.day):
        km = shortest  # the phase's share falls short, but the week holds a long run
    if km < shortest:
        plan.session_type, plan.template = "easy", None
        plan.notes.append("the week is too small for a long run")
        return 0.0
    km = floor_tenth(km)
    if template["intensity_zone"] == "M":
        plan.segments = _marathon_finish(ctx, template, km, phase.progress(week))
    else:
        plan.template = template
        plan.segments = instantiate(template, ctx.targets, progress=0, steady_km=km)
    return session_km(plan.segments, ctx.targets)


def _long_run_room_km(
    ctx: PlanContext, target: WeekTarget, left: float, context: dict[str, Any], day: int
) -> float:
    """The longest long run the week can hold: within its easy running (`left`), the
    long-run-share safeguards, the longest a run may last and the day's taper length."""
    share = ctx.engine.limit("long_run_share_percent", context)
    return min(
        left,
        share / 100 * target.volume_km if share is not None else math.inf,
        ctx.longest_run_seconds / ctx.targets.mid_pace("E"),
        tapered_run_km(ctx, target, day),
    )


def _marathon_finish(
    ctx: PlanContext, template: Mapping[str, Any], km: float, progress: float
) -> list[dict[str, Any]]:
    """A long run of `km` ending at marathon pace, the finish growing with the phase to
    MARATHON_FINISH_MAX_KM (never more than half the run)."""
    marathon_km = min(
        MARATHON_FINISH_MAX_KM,
        MARATHON_FINISH_MIN_KM + progress * (MARATHON_FINISH_MAX_KM - MARATHON_FINISH_MIN_KM),
        km / 2,
    )
    segments = instantiate(
        template, ctx.targets, progress=0, steady_km=km - floor_tenth(marathon_km)
    )
    main = next(s for s in segments if s["segment_type"] == "work")
    main["distance_km"] = floor_tenth(marathon_km)
    steady = next(s for s in segments if s["segment_type"] == "steady")
    steady["distance_km"] = floor_tenth(km - main["distance_km"])
    return segments


def _cap_easy_km(
    ctx: PlanContext, target: WeekTarget, km: float, plan: DayPlan, context: dict[str, Any]
) -> float:
    """`km` within the easy-run safeguard, the day's taper length and the runner's longest
    session."""
    pace = ctx.targets.mid_pace("E")
    checked = ctx.engine.check(
        "easy_run_minutes",
        km * pace / 60,
        week_number=target.week,
        week=context,
        subject=km,
        convert=lambda minutes: minutes * 60 / pace,
    )
    plan.safeguard_ids += [r.safeguard_id for r in checked.applied_rules]
    km = min(checked.value, tapered_run_km(ctx, target, plan.day))
    if ctx.inputs.max_session_minutes:
        km = min(km, ctx.inputs.max_session_minutes * 60 / pace)
    return floor_tenth(km)


def label_easy_days(
    ctx: PlanContext, phase: Phase, long_day: int | None, days: dict[int, DayPlan]
) -> None:
    """The easy run after a Build or Peak long run becomes a recovery run; the easy run
    farthest from the hard days carries strides, where the phase has them."""
    is_race_week = any(d.session_type == "race" for d in days.values())
    after_long = days.get((long_day + 1) % 7) if long_day is not None else None
    if (
        phase.name in ("Build", "Peak")
        and after_long is not None
        and after_long.session_type == "easy"
    ):
        after_long.session_type = "recovery"
        recovery_targets(after_long.segments, ctx.targets)
        # slower running takes longer: keep the run within the longest a run may last
        steady = next(s for s in after_long.segments if s["segment_type"] == "steady")
        over = session_seconds(after_long.segments, ctx.targets) - ctx.longest_run_seconds
        if over > 0:
            pace = segment_pace(steady, ctx.targets)
            steady["distance_km"] = floor_tenth(steady["distance_km"] - over / pace - 0.05)
    easy = [d for d in days.values() if d.session_type == "easy"]
    if phase.name in STRIDE_PHASES and len(easy) >= 2 - is_race_week:
        strides_day = max(easy, key=lambda d: (nearest_spaced_gap(d, days), -d.day))
        km = session_km(strides_day.segments, ctx.targets)
        template = ctx.template_for("strides")
        segments = instantiate(template, ctx.targets, progress=0, steady_km=0)
        strides_km = session_km(segments, ctx.targets)
        if km - strides_km >= MIN_EASY_RUN_KM - 1:
            segments[0]["distance_km"] = floor_tenth(km - strides_km)
            strides_day.session_type, strides_day.template = "strides", template
            strides_day.segments = segments
