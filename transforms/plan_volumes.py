"""Weekly volumes: what each week of the season aims to hold, before its sessions are built.

A week's target follows from the weeks built before it (`VolumeProgress`): it grows from the
last full week toward the peak (within the weekly-rise safeguard), a lighter week every few
weeks is cut below the last full week (kb_recovery_weeks), week 1 starts from the runner's
volume (within the ACWR safeguard), and the days of the taper fall to their share of the peak
week (`race_window.RaceWindow.taper_share`).
"""

from __future__ import annotations

from dataclasses import dataclass

from transforms.plan_calendar import Phase, growth_rate
from transforms.plan_context import PlanContext, floor_tenth

POST_RACE_FIRST_SHARE = 0.6
"""kb_post_race_recovery: the first week after an A race at about half to two thirds of the
volume before it."""
POST_RACE_STEP = 0.2
"""kb_post_race_recovery: each later Recovery week builds back by this share of that volume
(never above it)."""


def post_race_share(week: int) -> float:
    """The share of the runner's pre-race volume the `week`-th week of a race plan that opens
    in a Recovery phase after an A race holds."""
    return min(1.0, POST_RACE_FIRST_SHARE + POST_RACE_STEP * (week - 1))


@dataclass(frozen=True)
class VolumeProgress:
    """What the weeks built so far tell the next one."""

    last_full_km: float
    """Running (the race aside) of the last full week: neither lighter nor taper. Before
    week 1, the runner's volume raised to the beginner minimum (`PlanInputs.volume_before_km`)."""
    peak_built_km: float = 0.0
    """The most running a week before the taper held."""
    streak: int = 0
    """Full weeks since the last lighter week."""
    peak_long_km: float = 0.0
    """The longest long run so far: taper runs are cut from it."""


@dataclass(frozen=True)
class WeekTarget:
    """One week as the season lays it out: its phase, whether it is lighter, its volume."""

    week: int
    phase: Phase
    is_recovery: bool
    volume_km: float
    peak_long_km: float
    """The longest long run of the weeks before (see `VolumeProgress.peak_long_km`)."""
    after_race: bool = False
    """In the Recovery phase after an A race: not a full week, so the volume before the race
    stays the reference the weeks after it return to."""


def starting_progress(ctx: PlanContext) -> VolumeProgress:
    return VolumeProgress(last_full_km=ctx.inputs.volume_before_km)


def growth_weeks(ctx: PlanContext) -> int:
    """Full weeks in which volume grows: those before the peak phase (or the taper), less
    the lighter weeks among them."""
    peak = next((p for p in ctx.phases if p.name == "Peak"), None)
    until = peak.start_week if peak else ctx.weeks - ctx.taper
    return max(1, round((until - 1) * (1 - 1 / ctx.recovery_every)))


def is_lighter_week(ctx: PlanContext, week: int, progress: VolumeProgress) -> bool:
    """A lighter week comes after `recovery_every - 1` full weeks (never in week 1, the taper,
    a Recovery phase, the plan's last week or the week before the taper), or when the
    weeks-since-recovery safeguard says one is due."""
    phase = ctx.phase_of(week)
    next_phase = ctx.phase_of(week + 1).name if week < ctx.weeks else None
    wanted = (
        phase.name not in ("Taper", "Recovery")
        and week > 1
        and progress.streak >= ctx.recovery_every - 1
        and next_phase != "Taper"
        and week < ctx.weeks
    )
    gap = ctx.engine.check(
        "weeks_since_recovery",
        0 if wanted or phase.name == "Taper" else progress.streak + 1,
        week_number=week,
    )
    return wanted or gap.blocked


def after_race(ctx: PlanContext, week: int) -> bool:
    """Whether the week is in the Recovery phase a race plan opens with after an A race."""
    return ctx.goal == "race" and 1 <= week <= ctx.weeks and ctx.phase_of(week).name == "Recovery"


def week_target(ctx: PlanContext, week: int, progress: VolumeProgress) -> WeekTarget:
    """The week's phase, kind and volume (km, floored to 0.1)."""
    phase = ctx.phase_of(week)
    is_recovery = is_lighter_week(ctx, week, progress)
    last_full = progress.last_full_km
    reference = last_full or ctx.start_km  # a last full week of 0 km grows from the start
    if after_race(ctx, week):
        # the runner's volume before the race stays the last full week (kb_post_race_recovery)
        target = reference * post_race_share(week)
    elif after_race(ctx, week - 1):
        target = reference  # back to the volume before the race, growth resumes next week
    elif is_recovery:
        target = reference * (1 - ctx.recovery_cut)
    elif week == 1:
        target = ctx.start_km
    elif phase.name == "Recovery":
        target = reference
    else:
        growth = growth_rate(ctx.start_km, ctx.peak_km, growth_weeks(ctx))
        target = min(reference * (1 + growth), max(ctx.peak_km, reference))
    # a taper week too: its days before the taper keep the week's own (risen) target
    if last_full and not is_recovery:
        target = ctx.engine.check(
            "weekly_volume_increase_percent",
            100 * (target / last_full - 1),
            week_number=week,
            subject=target,
            convert=lambda percent: last_full * (1 + percent / 100),
        ).value
    if week == 1:
        target = ctx.engine.check(
            "acute_chronic_workload_ratio", ctx.inputs.acwr, week_number=1, subject=target
        ).value
    if ctx.race is not None:
        target = tapered(ctx, week, target, progress.peak_built_km or target)
    return WeekTarget(
        week,
        phase,
        is_recovery,
        floor_tenth(target),
        progress.peak_long_km,
        after_race(ctx, week),
    )


def tapered(ctx: PlanContext, week: int, target: float, peak_km: float) -> float:
    """A week's volume with each of its days before the race at the taper's share of the
    peak week, never above the week's own target (days before the taper keep that target;
    the race day and the days after it hold nothing but the race)."""
    race = ctx.race
    if race is None:
        return target
    days = [d for d in ctx.week_dates(week) if d < race.race_date]
    if not any(race.in_taper(d) for d in days):
        return target
    return sum(
        min(peak_km * race.taper_share(d), target) / 7 if race.in_taper(d) else target / 7
        for d in days
    )


def progress_after(
    progress: VolumeProgress, target: WeekTarget, training_km: float, long_km: float
) -> VolumeProgress:
    """The progress once `target`'s week is built with `training_km` of running besides the
    race and a long run of `long_km` (0 without one)."""
    is_taper = target.phase.name == "Taper"
    full = not (target.is_recovery or is_taper or target.after_race)
    return VolumeProgress(
        last_full_km=training_km if full else progress.last_full_km,
        peak_built_km=progress.peak_built_km
        if is_taper
        else max(progress.peak_built_km, training_km),
        streak=progress.streak + 1 if full else 0,
        peak_long_km=max(progress.peak_long_km, long_km),
    )
