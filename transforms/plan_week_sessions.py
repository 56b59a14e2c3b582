"""The sessions of one week, from its target: which days run, the long run, the quality
sessions and their spacing, the templates, then each run's size (`plan_week_sizing`) and the
week settled within its shares (`plan_week_settle`).

`build_week` is a pure function of the plan context and the week's target: the `DayPlan`s
it changes are its own, made inside it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from transforms.plan_calendar import Phase
from transforms.plan_context import MIN_RUNS_FOR_LONG_RUN, PlanContext
from transforms.plan_sessions import (
    DayPlan,
    longest_consecutive_run,
    min_easy_days_between,
    spread_days,
    week_measures,
)
from transforms.plan_volumes import WeekTarget
from transforms.plan_week_settle import (
    SETTLE_ATTEMPTS,
    keep_long_run_longest,
    nearest_spaced_gap,
    settle_by_cuts,
    settle_week,
    top_up,
)
from transforms.plan_week_sizing import label_easy_days, size_week

# kb_polarized_80_20 / kb_periodization: quality sessions a week by phase.
HARD_SESSIONS = {"Base": 1, "Build": 2, "Peak": 2, "Taper": 1, "Maintenance": 1, "Recovery": 0}
PEAK_HARD_SESSIONS_STRONG = 3
QUALITY_MENU = {
    "Base": ("hills",),
    "Build": ("threshold", "interval"),
    "Taper": ("threshold",),
    "Maintenance": ("fartlek",),
    "Recovery": (),
}
PEAK_MENU = {  # by race length: short (<= 10 km and speed), half, long
    "short": ("interval", "repetition", "threshold"),
    "half": ("threshold", "interval", "threshold"),
    "long": ("threshold", "threshold", "interval"),
}
KIND_TYPES = {
    "threshold": ("tempo", "threshold"),
    "interval": ("interval",),
    "repetition": ("repetition",),
    "hills": ("hills",),
    "fartlek": ("fartlek",),
}
MARATHON_FINISH_FROM_KM = 21.0
"""Peak long runs for races this long or longer finish at marathon pace."""


@dataclass(frozen=True)
class BuiltWeek:
    """A week's target and the running days built for it (rest days are absent)."""

    target: WeekTarget
    days: dict[int, DayPlan]


def build_week(ctx: PlanContext, target: WeekTarget) -> BuiltWeek:
    """The week's running days built to `target.volume_km`."""
    week, phase = target.week, target.phase
    dates = ctx.week_dates(week)
    race = ctx.race
    race_day = next((d for d in range(7) if race and dates[d] == race.race_date), None)
    if race_day is not None:
        # the day before the race is a rest day, and nothing follows the race
        open_days = [d for d in ctx.inputs.allowed_days if d < race_day - 1]
    else:
        open_days = list(ctx.inputs.allowed_days)
    long_day = _long_run_day(ctx, open_days, dates) if race_day is None else None
    fixed = [d for d in (race_day, long_day) if d is not None]
    context: dict[str, Any] = {"planned_volume_km": target.volume_km}
    runs = int(
        ctx.engine.check(
            "running_days_per_week",
            float(ctx.inputs.runs_per_week),
            week_number=week,
            week=context,
        ).value
    )
    run_days = [*fixed, *spread_days(open_days, fixed, runs - len(fixed))]
    if len(run_days) < MIN_RUNS_FOR_LONG_RUN:
        long_day = None
    days = {d: DayPlan(d, "easy") for d in run_days}
    if race_day is not None:
        days[race_day].session_type = "race"
    if long_day is not None:
        days[long_day].session_type = "long"
    context["runs_per_week"] = len(days)
    key_days = [
        d
        for d in run_days
        if d not in fixed and (race is None or race.allows_key_session(dates[d]))
    ]
    kinds = _quality_kinds(ctx, phase)
    quality = _quality_count(ctx, target, runs, racing=race_day is not None, context=context)
    for slot, day in enumerate(spread_days(key_days, fixed, quality)):
        days[day].session_type = kinds[slot]
    _enforce_spacing(ctx, week, days, context)
    _choose_templates(ctx, target, days)
    size_week(ctx, target, days, context)
    label_easy_days(ctx, phase, long_day, days)
    for _attempt in range(SETTLE_ATTEMPTS):
        settled = settle_week(ctx, week, days, first=False)
        shortened = keep_long_run_longest(ctx, days)
        if not (top_up(ctx, target, days) or settled or shortened):
            break
    # whatever the last top-up added, the week ends within its shares: cuts only now
    settle_by_cuts(ctx, week, days)
    measures = week_measures(days.values(), ctx.targets, reference_km=None)
    ctx.engine.check(
        "easy_session_share_percent",
        measures["easy_session_share_percent"],
        week_number=week,
        week=context,
    )
    return BuiltWeek(target, days)


def _long_run_day(ctx: PlanContext, open_days: list[int], dates: list[dt.date]) -> int | None:
    """The runner's long-run day; in the days before a race that forbid a long run, the
    nearest earlier open day that allows one, else none (the week is a taper week)."""
    race = ctx.race
    wanted = ctx.inputs.long_run_day
    if race is None or race.allows_long_run(dates[wanted]):
        return wanted if wanted in open_days else None
    earlier = [d for d in open_days if d < wanted and race.allows_long_run(dates[d])]
    return max(earlier, default=None)


def _quality_kinds(ctx: PlanContext, phase: Phase) -> tuple[str, ...]:
    if phase.name != "Peak":
        return QUALITY_MENU[phase.name]
    distance = ctx.race_km or 5.0
    bucket = "short" if distance <= 10.5 else "half" if distance <= 21.5 else "long"
    return PEAK_MENU[bucket]


def _quality_count(
    ctx: PlanContext, target: WeekTarget, runs: int, *, racing: bool, context: dict[str, Any]
) -> int:
    """How many quality sessions the week holds: the phase's count (three in the peak of a
    strong runner's six-run weeks), at most one in a lighter or race week, none in the first
    half of Base, within the hard-sessions safeguard (the race counting as one)."""
    phase = target.phase
    strong = ctx.inputs.experience in ("advanced", "elite") and runs >= 6
    per_phase = (
        PEAK_HARD_SESSIONS_STRONG if phase.name == "Peak" and strong else HARD_SESSIONS[phase.name]
    )
    wanted = min(per_phase, max(0, runs - 2) if not racing else 1, len(_quality_kinds(ctx, phase)))
    if target.is_recovery:
        wanted = min(wanted, 1)
    if phase.name == "Base" and phase.progress(target.week) < 0.5:
        wanted = 0
    # the race is the race week's hard session: quality work comes on top only where the
    # runner may hold two hard sessions a week
    allowed = ctx.engine.check(
        "hard_sessions_per_week", float(wanted + racing), week_number=target.week, week=context
    ).value
    return int(allowed) - racing


def _enforce_spacing(
    ctx: PlanContext, week: int, days: dict[int, DayPlan], context: dict[str, Any]
) -> None:
    """Downgrade hard days the spacing safeguards block, latest first, until none fire."""
    spacing = {
        "consecutive_hard_days": lambda: float(
            longest_consecutive_run(d.day for d in days.values() if d.is_spaced)
        ),
        "min_easy_days_between_hard": lambda: min_easy_days_between(
            d.day for d in days.values() if d.is_hard
        ),
    }
    for field_name, measure in spacing.items():
        while True:
            check = ctx.engine.check(field_name, measure(), week_number=week, week=context)
            if not check.blocked:
                break
            hard = sorted(
                (d for d in days.values() if d.is_hard and d.session_type != "race"),
                key=lambda d: -d.day,
            )
            if not hard:
                break
            crowded = max(hard, key=lambda d: -nearest_spaced_gap(d, days))
            crowded.session_type = "easy"
            crowded.safeguard_ids += [r.safeguard_id for r in check.applied_rules]


def _choose_templates(ctx: PlanContext, target: WeekTarget, days: dict[int, DayPlan]) -> None:
    week, phase = target.week, target.phase
    experience = ctx.inputs.experience
    for slot, plan in enumerate(sorted(days.values(), key=lambda d: d.day)):
        kind = plan.session_type
        if kind in KIND_TYPES:
            template = ctx.reference.pick(
                KIND_TYPES[kind], phase.name, experience, week, week + slot
            )
            if template is None:
                plan.session_type = "easy"
                plan.notes.append(f"no {kind} template suits week {week}; easy run instead")
                continue
            plan.session_type = template["session_type"]
            plan.template = template
        elif kind == "long":
            marathon_finish = (
                phase.name == "Peak"
                and not target.is_recovery
                and (ctx.race_km or 0) >= MARATHON_FINISH_FROM_KM
            )
            finish = (
                ctx.reference.pick(("long",), phase.name, experience, week, 0, zone="M")
                if marathon_finish
                else None
            )
            plan.template = finish or ctx.template_for("long")
        else:
            plan.template = ctx.template_for(kind)
