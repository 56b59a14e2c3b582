"""What a plan is made from, settled once before any week is built: the runner's inputs, the
reference tables, the dates, the goal and its race window, the phases, paces and the volumes
the season starts from, aims at and cannot exceed.

Every later step (weekly volumes, the sessions of a week, the final days before the race, the
rows, the season view) reads a `PlanContext` and never changes it. Its one mutable member is
the safeguard engine's log: each step's checks are appended to it in the order the steps run,
and it becomes the plan's `safeguard_applications`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import polars as pl

from transforms.feasibility import Feasibility, goal_feasibility
from transforms.physiology import TrainingPaces, race_seconds, training_paces
from transforms.plan_calendar import (
    Phase,
    effective_goal,
    peak_volume,
    phase_layout,
    plan_start,
    post_race_recovery_weeks,
    recovery_cut,
    recovery_every,
    taper_weeks,
    total_weeks,
)
from transforms.plan_inputs import PlanInputs, plan_inputs
from transforms.plan_sessions import ZoneTargets
from transforms.race_window import RaceWindow
from transforms.safeguards import Rule, SafeguardEngine, rules_from_rows

PACE_FIELDS = [f for f in dataclasses.fields(TrainingPaces) if f.name != "vdot"]
NO_RUN_LIMIT_MINUTES = 24 * 60
"""A run's length when neither a safeguard nor the runner bounds it."""
MIN_RUNS_FOR_LONG_RUN = 2
"""A long run is long next to the week's other runs: a week of one run has none."""
CAPACITY_SEARCH_STEPS = 30


def floor_tenth(km: float) -> float:
    """Kilometres rounded down to 0.1 (never below 0): sizes that never overshoot a cap."""
    return math.floor(max(km, 0.0) * 10 + 1e-9) / 10


@dataclass(frozen=True)
class PlanReference:
    """The reference tables the generator reads, as plain rows."""

    knowledge: Mapping[str, Mapping[str, Any]]
    rules: tuple[Rule, ...]
    templates: tuple[Mapping[str, Any], ...]

    @classmethod
    def from_frames(
        cls, knowledge: pl.DataFrame, safeguards: pl.DataFrame, templates: pl.DataFrame
    ) -> PlanReference:
        return cls(
            knowledge={r["knowledge_id"]: r for r in knowledge.to_dicts() if r["is_active"]},
            rules=rules_from_rows(safeguards.to_dicts()),
            templates=tuple(sorted(templates.to_dicts(), key=lambda t: t["template_id"])),
        )

    def pick(
        self,
        session_types: tuple[str, ...],
        phase: str,
        experience: str,
        week: int,
        variant: int,
        zone: str | None = None,
    ) -> Mapping[str, Any] | None:
        fitting = [
            t
            for t in self.templates
            if t["session_type"] in session_types
            and phase in t["usable_phases"]
            and experience in t["experience_levels"]
            and t["min_week"] <= week <= t["max_week"]
            and zone in (None, t["intensity_zone"])
        ]
        return fitting[variant % len(fitting)] if fitting else None

    def template_for(self, session_type: str) -> Mapping[str, Any]:
        """The plain template of a session type (never a marathon-pace variant)."""
        return next(
            t
            for t in self.templates
            if t["session_type"] == session_type and t["intensity_zone"] != "M"
        )


@dataclass(frozen=True)
class PlanContext:
    """One runner's plan inputs, settled (see `plan_context`)."""

    reference: PlanReference
    inputs: PlanInputs
    engine: SafeguardEngine
    start: dt.date
    """The plan's first Monday."""
    goal: str
    """The goal the plan trains for (`plan_calendar.effective_goal`)."""
    weeks: int
    race_km: float | None
    race: RaceWindow | None
    taper: int
    """Calendar weeks of taper."""
    phases: tuple[Phase, ...]
    paces: TrainingPaces
    targets: ZoneTargets
    plan_id: str
    capacity_km: float
    """The most the runner's schedule holds: every run at the longest a run may last, and no
    more than the long run's share lets its runs hold (`share_capacity_km`)."""
    start_km: float
    peak_km: float
    recovery_every: int
    recovery_cut: float

    def phase_of(self, week: int) -> Phase:
        return next(p for p in self.phases if p.start_week <= week <= p.end_week)

    def date_of(self, week: int, day: int) -> dt.date:
        return self.start + dt.timedelta(weeks=week - 1, days=day)

    def week_dates(self, week: int) -> list[dt.date]:
        return [self.date_of(week, day) for day in range(7)]

    @property
    def longest_run_seconds(self) -> float:
        return longest_run_seconds(self.engine, self.inputs)

    def template_for(self, session_type: str) -> Mapping[str, Any]:
        return self.reference.template_for(session_type)

    def feasibility(self) -> Feasibility:
        return goal_feasibility(
            self.inputs.goal_type,
            self.goal,
            self.race_km,
            self.inputs.target_time_seconds,
            self.weeks,
            self.taper,
            self.inputs.vdot,
        )

    def race_pace(self, race_km: float) -> float:
        """The race's pace (s/km): goal pace when the goal is within reach (never slower than
        easy pace), else the pace current fitness predicts."""
        judged = self.feasibility()
        if self.inputs.target_time_seconds and not judged.unrealistic:
            seconds = min(self.inputs.target_time_seconds, self.paces.easy_slow * race_km)
        else:
            seconds = judged.predicted_seconds or race_seconds(self.inputs.vdot, race_km * 1000)
        return seconds / race_km


def longest_run_seconds(engine: SafeguardEngine, inputs: PlanInputs) -> float:
    """The longest a run may last: the easy-run safeguard or the runner's own limit."""
    minutes = [m for m in (engine.limit("easy_run_minutes"), inputs.max_session_minutes) if m]
    return min(minutes, default=NO_RUN_LIMIT_MINUTES) * 60


def share_capacity_km(engine: SafeguardEngine, runs: int, up_to: float) -> float:
    """The largest weekly volume, up to `up_to`, that `runs` runs can hold with the long run
    the longest of them: it takes at least 1/`runs` of the week, so the long-run-share
    safeguard must allow that much (25 % from 64 km cannot be met on three runs)."""

    def holds(volume: float) -> bool:
        week = {"planned_volume_km": volume, "runs_per_week": runs}
        share = engine.limit("long_run_share_percent", week)
        return runs < MIN_RUNS_FOR_LONG_RUN or share is None or share * runs >= 100

    if holds(up_to):
        return up_to
    low, high = 0.0, up_to
    for _step in range(CAPACITY_SEARCH_STEPS):
        middle = (low + high) / 2
        low, high = (middle, high) if holds(middle) else (low, middle)
    return floor_tenth(low)


def whole_second_paces(vdot: float) -> TrainingPaces:
    """Daniels' paces in whole seconds, as stored in target_paces (the validator re-measures
    sessions with those)."""
    exact = training_paces(vdot)
    return dataclasses.replace(
        exact, **{f.name: float(round(getattr(exact, f.name))) for f in PACE_FIELDS}
    )


def plan_context(
    runner: Mapping[str, Any], as_of: dt.date, reference: PlanReference
) -> PlanContext:
    """Everything a runner's plan as of `as_of` is built from (it starts on that week's
    Monday)."""
    inputs = plan_inputs(dict(runner))
    start = plan_start(as_of)
    goal = effective_goal(inputs, start)
    weeks = total_weeks(inputs, start, goal)
    race_km = inputs.race_distance_km if goal == "race" else None
    paces = whole_second_paces(inputs.vdot)
    targets = ZoneTargets.build(paces, inputs.hr_zones)
    engine = SafeguardEngine(reference.rules, inputs.context)
    race = (
        RaceWindow.for_race(inputs.race_date, race_km, engine, inputs.race_taper_days)
        if race_km is not None and inputs.race_date is not None
        else None
    )
    taper = taper_weeks(race, start, weeks) if race else 0
    longest_run_km = longest_run_seconds(engine, inputs) / targets.mid_pace("E")
    capacity_km = share_capacity_km(
        engine, inputs.runs_per_week, floor_tenth(inputs.runs_per_week * longest_run_km)
    )
    start_km = min(inputs.volume_before_km, capacity_km)
    return PlanContext(
        reference=reference,
        inputs=inputs,
        engine=engine,
        start=start,
        goal=goal,
        weeks=weeks,
        race_km=race_km,
        race=race,
        taper=taper,
        phases=tuple(
            phase_layout(
                goal,
                weeks,
                taper,
                restart=inputs.is_restarting,
                recovery=post_race_recovery_weeks(inputs, start, goal),
            )
        ),
        paces=paces,
        targets=targets,
        plan_id=f"{inputs.runner_id}_{start:%Y%m%d}",
        capacity_km=capacity_km,
        start_km=start_km,
        peak_km=min(peak_volume(inputs, goal, start_km), capacity_km),
        recovery_every=recovery_every(inputs),
        recovery_cut=recovery_cut(inputs),
    )
