"""Long-term goals and the roadmap across them (seed 004 tables 3-5).

A runner lists races up to 24 months out (or gives one race goal). The roadmap runs from the
plan date to the last of them in consecutive phases: each goal day closes a phase - a full
taper by distance for an A race, a mini-taper for a B race, none for a C race (trained
through) - and a Recovery phase follows each A race. Between races the weeks split into Base,
Build and Peak as a single plan's season does, and each phase's target weekly volume grows
no faster than the weekly-increase safeguard allows. Every phase carries milestones (a long
run, a weekly volume, a time trial, tune-up or goal race timed from VDOT) that the runner's
own activities mark achieved.

The active training plan is the roadmap's current block: the runner's goals with the race
fields set to the next goal's (`runner_for_block`), so the plan generator is unchanged and a
plan is regenerated when that block ends or any goal changes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from transforms.feasibility import expected_vdot_gain, goal_feasibility
from transforms.goal_checks import goal_distance_km, race_distance_km
from transforms.physiology import race_seconds, training_paces
from transforms.plan_calendar import (
    PHASE_FOCUS,
    peak_volume,
    phase_layout,
    plan_start,
    recovery_every,
)
from transforms.plan_context import longest_run_seconds
from transforms.plan_inputs import PlanInputs, plan_inputs
from transforms.race_window import FINAL_SHARE_MARGIN, RaceWindow, taper_days
from transforms.safeguards import Rule, SafeguardEngine
from transforms.units import clock
from warehouse.vocabulary import GOAL_RACE_PRIORITIES, RUNNING_TYPES

A_RACE, B_RACE, C_RACE = 1, 2, 3

MINI_TAPER_DAYS = (4, 7)
"""A B race's mini-taper: half its distance's full taper, held to 4-7 days (issue 16; Mujika
& Padilla 2003 find tapers from 4 days helpful)."""
MINI_TAPER_SHARE = 0.75
"""A mini-taper's week holds this share of the peak: a lighter week, not a full taper's
40-60 % cut (kb_taper)."""
MILES_PER_KM = 1 / 1.609344
MIN_RECOVERY_DAYS = 7
"""After an A race: one easy day per mile raced (the practitioners' rule of thumb), at least
a week."""
RECOVERY_SHARE = 0.5
"""The Recovery phase's weekly volume against the peak before the race (beginners' recovery
weeks run 50-60 % of a hard week, kb_recovery_weeks)."""
PHASE_SHARE_OF_PEAK = {"Base": 0.6, "Build": 0.9, "Peak": 1.0}
"""How far from the volume a block starts at to its peak each training phase aims to end."""
DEFAULT_INCREASE_PERCENT = 10.0
"""Weekly increase when no safeguard caps it (the 10 % rule's figure)."""
DEFAULT_LONG_RUN_SHARE_PERCENT = 30.0
LONG_RUN_STEP_KM = 0.5
TIME_TRIAL_KM = 5.0
TUNE_UP_KM_FROM_GOAL = ((42.0, 21.0975), (21.0, 10.0), (0.0, 5.0))
"""The Peak phase's tune-up race: a half before a marathon, a 10K before a half, else a 5K."""
REACHED_SHARE = 0.99
"""A run or week counts when it reaches 99 % of the target (GPS distances run short)."""

ROADMAP_FOCUS = {
    **PHASE_FOCUS,
    "Mini-taper": "A few lighter days, intensity kept: race the B race without losing the build",
    "Recovery": "Easy running only after the A race, while legs and tendons recover",
}
TRAINED_THROUGH = "; the C race is run as a hard session, trained through without a taper"


@dataclass(frozen=True)
class LongTermGoal:
    goal_id: str
    distance: str
    distance_km: float
    target_date: dt.date
    target_time_seconds: float | None
    priority: int
    race_name: str | None

    @property
    def letter(self) -> str:
        return GOAL_RACE_PRIORITIES.get(self.priority, "C")

    def describe(self) -> str:
        name = self.race_name or distance_name(self.distance_km)
        return f"{name} ({self.letter} race, {self.target_date})"


@dataclass(frozen=True)
class RoadmapPhase:
    phase_number: int
    phase_name: str
    start_date: dt.date
    end_date: dt.date
    goal: LongTermGoal
    target_volume_km: float
    focus: str

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1


@dataclass(frozen=True)
class Roadmap:
    roadmap_id: str
    runner_id: str
    phases: tuple[RoadmapPhase, ...]


def long_term_goals(runner: Mapping[str, Any]) -> list[LongTermGoal]:
    """The runner's goals by date: `goals.long_term_goals`, or else their single race goal as
    one A race. Two goals on the same day over the same distance are one (the first listed)."""
    runner_id, goals = runner["runner_id"], runner.get("goals") or {}
    listed = list(goals.get("long_term_goals") or [])
    if not listed and goals.get("goal_type") == "race":
        km = race_distance_km(goals)
        listed = [
            {
                "distance": goals.get("race_distance_label") or (f"{km:g}" if km else None),
                "distance_km": km,
                "target_date": goals.get("race_date"),
                "target_time": goals.get("target_time"),
                "priority": A_RACE,
                "race_name": goals.get("race_name"),
            }
        ]
    found: dict[str, LongTermGoal] = {}
    for given in listed:
        km = given.get("distance_km") or goal_distance_km(given.get("distance"))
        day, target = given.get("target_date"), given.get("target_time")
        if km is None or day is None:
            continue
        goal_id = f"{runner_id}:{day}:{km:g}"
        found.setdefault(
            goal_id,
            LongTermGoal(
                goal_id=goal_id,
                distance=str(given.get("distance")),
                distance_km=km,
                target_date=day,
                target_time_seconds=None if target is None else float(target),
                priority=int(given.get("priority") or A_RACE),
                race_name=given.get("race_name"),
            ),
        )
    return sorted(found.values(), key=lambda g: (g.target_date, g.priority, g.distance_km))


def goals_key(runner_id: str, goals: Sequence[LongTermGoal]) -> str:
    """The roadmap's id: the runner and a hash of what the goals say, so editing any goal
    (its date, distance, time or priority) makes a new roadmap."""
    payload = [
        (g.distance_km, g.target_date.isoformat(), g.target_time_seconds, g.priority) for g in goals
    ]
    digest = hashlib.sha256(json.dumps(payload).encode()).hexdigest()[:12]
    return f"{runner_id}:{digest}"


def goal_rows(
    runner: Mapping[str, Any],
    goals: Sequence[LongTermGoal],
    inputs: PlanInputs,
    as_of: dt.date,
    now: dt.datetime,
) -> list[dict[str, Any]]:
    """coach.long_term_goals rows, each goal's feasibility judged against today's fitness."""
    start = plan_start(as_of)
    rows = []
    for goal in goals:
        row: dict[str, Any] = {
            "long_term_goal_id": goal.goal_id,
            "runner_id": runner["runner_id"],
            "user_id": runner.get("user_id"),
            "distance": goal.distance,
            "distance_km": goal.distance_km,
            "target_date": goal.target_date,
            "target_time_seconds": goal.target_time_seconds,
            "priority": goal.priority,
            "race_name": goal.race_name,
            "goal_status": "past" if goal.target_date < as_of else "current",
            "checked_on": as_of,
            "created_at": now,
            "updated_at": now,
        }
        if goal.target_date >= as_of:
            weeks = (goal.target_date - start).days // 7 + 1
            taper = -(-closing_taper_days(goal) // 7)
            judged = goal_feasibility(
                "race",
                "race",
                goal.distance_km,
                goal.target_time_seconds,
                weeks,
                taper,
                inputs.vdot,
            )
            row |= {
                "feasibility": judged.verdict,
                "feasibility_reason": judged.reason,
                "predicted_time_seconds": judged.predicted_seconds,
            }
        rows.append(row)
    return rows


def closing_taper_days(goal: LongTermGoal) -> int:
    """Days before the race its taper takes: the full taper by distance for an A race, a
    mini-taper for a B race, none for a C race."""
    if goal.priority == A_RACE:
        return taper_days(goal.distance_km)
    if goal.priority == B_RACE:
        low, high = MINI_TAPER_DAYS
        return max(low, min(high, taper_days(goal.distance_km) // 2))
    return 0


def recovery_days(goal: LongTermGoal) -> int:
    return max(MIN_RECOVERY_DAYS, round(goal.distance_km * MILES_PER_KM))


@dataclass(frozen=True)
class _Span:
    name: str
    days: int
    goal: LongTermGoal


def _block_spans(goal: LongTermGoal, days: int, previous: LongTermGoal | None) -> list[_Span]:
    """A block's phases (names and lengths in days) from its first day to its race day: a
    Recovery phase (belonging to the A race just run) first when there was one."""
    after_a_race = previous is not None and previous.priority == A_RACE
    recovery = recovery_days(previous) if previous is not None and after_a_race else 0
    taper = min(closing_taper_days(goal) + 1, days) if goal.priority != C_RACE else 0
    recovery = min(recovery, days - taper)
    training = days - taper - recovery
    spans = [_Span("Recovery", recovery, previous)] if previous and recovery else []
    weeks, extra = divmod(training, 7)
    if weeks == 0:
        layout = [("Build", training)] if training else []
    else:
        laid = phase_layout("race", weeks + 1, 1, restart=False)
        layout = [(p.name, p.weeks * 7) for p in laid if p.name != "Taper"]
        layout[0] = (layout[0][0], layout[0][1] + extra)
    if previous is not None and not after_a_race and len(layout) > 1 and layout[0][0] == "Base":
        # fitness carries over a B or C race: the next block builds on, with no second base
        layout = [("Build", layout[0][1] + layout[1][1]), *layout[2:]]
    spans += [_Span(name, length, goal) for name, length in layout if length > 0]
    if taper:
        spans.append(_Span("Taper" if goal.priority == A_RACE else "Mini-taper", taper, goal))
    return spans


def weekly_increase_percent(engine: SafeguardEngine) -> float:
    """The weekly-volume increase the safeguards allow this runner (the tightest cap)."""
    return engine.limit("weekly_volume_increase_percent") or DEFAULT_INCREASE_PERCENT


def build_roadmap(
    runner_id: str,
    goals: Sequence[LongTermGoal],
    inputs: PlanInputs,
    engine: SafeguardEngine,
    as_of: dt.date,
) -> Roadmap | None:
    """The roadmap from the plan week's Monday to the last goal still ahead (and the recovery
    after it when it is an A race), or None when no goal is ahead."""
    start = plan_start(as_of)
    ahead = [g for g in goals if g.target_date >= as_of]
    if not ahead:
        return None
    spans: list[_Span] = []
    cursor, previous = start, None
    for goal in ahead:
        spans += _block_spans(goal, (goal.target_date - cursor).days + 1, previous)
        cursor, previous = goal.target_date + dt.timedelta(days=1), goal
    last = ahead[-1]
    if last.priority == A_RACE:
        spans.append(_Span("Recovery", recovery_days(last), last))
    return Roadmap(
        goals_key(runner_id, goals), runner_id, _dated_phases(spans, start, inputs, engine)
    )


def _dated_phases(
    spans: Sequence[_Span], start: dt.date, inputs: PlanInputs, engine: SafeguardEngine
) -> tuple[RoadmapPhase, ...]:
    """The spans laid end to end from `start`, each with the weekly volume it ends on."""
    rise = 1 + weekly_increase_percent(engine) / 100
    every = recovery_every(inputs)
    volume = block_from = inputs.volume_before_km
    peak_reached = volume
    phases: list[RoadmapPhase] = []
    day = start
    for number, span in enumerate(spans, start=1):
        goal = span.goal
        peak = peak_volume(
            dataclasses.replace(inputs, race_distance_km=goal.distance_km), "race", block_from
        )
        weeks = span.days / 7
        if span.name in PHASE_SHARE_OF_PEAK:
            # a lighter week every `every` weeks does not grow the volume
            growth_weeks = weeks - int(weeks // every)
            wanted = block_from + (peak - block_from) * PHASE_SHARE_OF_PEAK[span.name]
            volume = min(wanted, volume * rise**growth_weeks)
            peak_reached = max(peak_reached, volume)
        elif span.name == "Taper":
            window = RaceWindow.for_race(goal.target_date, goal.distance_km, engine)
            volume = peak_reached * (window.final_share - FINAL_SHARE_MARGIN)
        elif span.name == "Mini-taper":
            volume = peak_reached * MINI_TAPER_SHARE
        else:  # Recovery, after the A race
            volume = peak_reached * RECOVERY_SHARE
            block_from = peak_reached = volume
        focus = ROADMAP_FOCUS[span.name]
        end = day + dt.timedelta(days=span.days - 1)
        if goal.priority == C_RACE and end == goal.target_date:
            focus += TRAINED_THROUGH
        phases.append(RoadmapPhase(number, span.name, day, end, goal, round(volume, 1), focus))
        day = end + dt.timedelta(days=1)
    return tuple(phases)


def phase_rows(roadmap: Roadmap, user_id: str | None, now: dt.datetime) -> list[dict[str, Any]]:
    """plans.roadmaps rows: one per phase."""
    return [
        {
            "roadmap_phase_id": f"{roadmap.roadmap_id}:{p.phase_number}",
            "roadmap_id": roadmap.roadmap_id,
            "runner_id": roadmap.runner_id,
            "user_id": user_id,
            "goal_id": p.goal.goal_id,
            "phase_number": p.phase_number,
            "phase_name": p.phase_name,
            "start_date": p.start_date,
            "end_date": p.end_date,
            "target_volume_km": p.target_volume_km,
            "focus": p.focus,
            "created_at": now,
            "updated_at": now,
        }
        for p in roadmap.phases
    ]


def distance_name(km: float) -> str:
    """Half marathon, marathon, else the km (10 km)."""
    named = {21.0975: "Half marathon", 42.195: "Marathon"}
    return next((n for d, n in named.items() if abs(d - km) < 0.01), f"{km:g} km")


def tune_up_km(goal_km: float) -> float:
    return next(km for above, km in TUNE_UP_KM_FROM_GOAL if goal_km > above)


def _round_down(km: float, step: float = LONG_RUN_STEP_KM) -> float:
    return step * int(km / step + 1e-9)


def long_run_target_km(volume_km: float, inputs: PlanInputs, engine: SafeguardEngine) -> float:
    """The long run a week of `volume_km` may hold: the long-run share safeguard for the
    runner's runs a week, and no longer than the longest run allowed at easy pace."""
    week = {"planned_volume_km": volume_km, "runs_per_week": inputs.runs_per_week}
    share = engine.limit("long_run_share_percent", week) or DEFAULT_LONG_RUN_SHARE_PERCENT
    paces = training_paces(inputs.vdot)
    easy_pace = (paces.easy_fast + paces.easy_slow) / 2
    longest = longest_run_seconds(engine, inputs) / easy_pace
    return _round_down(min(volume_km * share / 100, longest))


def _timed(
    base: dict[str, Any], metric: str, name: str, km: float, seconds: float
) -> dict[str, Any]:
    return base | {
        "milestone_name": f"{name} in {clock(seconds)}",
        "target_metric": metric,
        "target_value": round(seconds),
        "distance_km": km,
    }


def milestone_rows(
    roadmap: Roadmap,
    user_id: str | None,
    inputs: PlanInputs,
    engine: SafeguardEngine,
    now: dt.datetime,
) -> list[dict[str, Any]]:
    """plans.milestones rows, not yet achieved: each training phase's long run and weekly
    volume (Build adds a time trial, Peak a tune-up race, timed from the VDOT the weeks so far
    should bring), each goal's race on its day, and the volume a Recovery phase returns to."""
    start = roadmap.phases[0].start_date
    rows: list[dict[str, Any]] = []
    for phase in roadmap.phases:
        base = {
            "roadmap_id": roadmap.roadmap_id,
            "runner_id": roadmap.runner_id,
            "user_id": user_id,
            "phase_number": phase.phase_number,
            "goal_id": phase.goal.goal_id,
            "target_date": phase.end_date,
            "achieved": False,
            "created_at": now,
            "updated_at": now,
        }
        weeks_in = (phase.end_date - start).days // 7
        fitness = inputs.vdot + expected_vdot_gain(weeks_in, inputs.vdot)
        found: list[dict[str, Any]] = []
        if phase.phase_name in PHASE_SHARE_OF_PEAK:
            long_km = long_run_target_km(phase.target_volume_km, inputs, engine)
            found.append(
                base
                | {
                    "milestone_name": f"{long_km:g} km long run",
                    "target_metric": "long_run_km",
                    "target_value": long_km,
                }
            )
        if phase.phase_name in PHASE_SHARE_OF_PEAK or phase.phase_name == "Recovery":
            volume = _round_down(phase.target_volume_km, 1.0)
            found.append(
                base
                | {
                    "milestone_name": f"{volume:g} km week",
                    "target_metric": "weekly_volume_km",
                    "target_value": volume,
                }
            )
        if phase.phase_name == "Build":
            seconds = race_seconds(fitness, TIME_TRIAL_KM * 1000)
            found.append(
                _timed(
                    base,
                    "time_trial_seconds",
                    f"{TIME_TRIAL_KM:g} km time trial",
                    TIME_TRIAL_KM,
                    seconds,
                )
            )
        closes_c_race = phase.goal.priority == C_RACE and phase.end_date == phase.goal.target_date
        if phase.phase_name == "Peak" and not closes_c_race:  # the C race is its tune-up
            km = tune_up_km(phase.goal.distance_km)
            seconds = race_seconds(fitness, km * 1000)
            name = f"{distance_name(km)} tune-up race"
            found.append(_timed(base, "time_trial_seconds", name, km, seconds))
        if phase.end_date == phase.goal.target_date:
            goal = phase.goal
            seconds = goal.target_time_seconds or race_seconds(fitness, goal.distance_km * 1000)
            kind = {A_RACE: "goal race", B_RACE: "B race"}.get(goal.priority, "C race")
            found.append(
                _timed(
                    base,
                    "race_seconds",
                    f"{goal.race_name or distance_name(goal.distance_km)} {kind}",
                    goal.distance_km,
                    seconds,
                )
            )
        rows += [
            row
            | {"milestone_id": f"{roadmap.roadmap_id}:{phase.phase_number}:{row['target_metric']}"}
            for row in found
        ]
    return rows


def _runs(activities: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    return (
        activities.filter(
            pl.col("activity_type").is_in(RUNNING_TYPES)
            & pl.col("local_date").is_not_null()
            & (pl.col("local_date") <= today)
            & (pl.col("distance_meters") > 0)
        )
        .select(
            "activity_id",
            pl.col("local_date").alias("day"),
            (pl.col("distance_meters") / 1000).alias("km"),
            pl.coalesce("moving_time_seconds", "duration_seconds").alias("seconds"),
            pl.col("start_time"),
        )
        .sort("day", "start_time", "activity_id")
    )


def _reached(milestone: Mapping[str, Any], runs: Iterable[Mapping[str, Any]]) -> Any:
    """The first run (in time) that reaches the milestone, or None."""
    metric, target = milestone["target_metric"], milestone["target_value"]
    if metric == "weekly_volume_km":
        week_km: dict[dt.date, float] = {}
        for run in runs:
            monday = plan_start(run["day"])
            week_km[monday] = week_km.get(monday, 0.0) + run["km"]
            if week_km[monday] >= target * REACHED_SHARE:
                return run
        return None
    if metric == "long_run_km":
        return next((run for run in runs if run["km"] >= target * REACHED_SHARE), None)
    # a time trial or race: the distance run at least that fast (a longer run at the pace)
    distance = milestone["distance_km"]
    return next(
        (
            run
            for run in runs
            if run["seconds"]
            and run["km"] >= distance * REACHED_SHARE
            and run["seconds"] * min(1.0, distance / run["km"]) <= target
        ),
        None,
    )


def mark_achieved(
    milestones: Sequence[Mapping[str, Any]],
    phases: Sequence[Mapping[str, Any]],
    activities: pl.DataFrame,
    today: dt.date,
) -> list[dict[str, Any]]:
    """The milestones with `achieved` and the day of the first run, from the phase's first
    day up to today, that reached each (late still counts: the date says when)."""
    phase_start = {(p["roadmap_id"], p["phase_number"]): p["start_date"] for p in phases}
    runs = _runs(activities, today).to_dicts()
    marked = []
    for milestone in milestones:
        since = phase_start[(milestone["roadmap_id"], milestone["phase_number"])]
        run = _reached(milestone, (r for r in runs if r["day"] >= since))
        marked.append(
            dict(milestone)
            | {
                "achieved": run is not None,
                "achieved_date": run["day"] if run else None,
                "achieved_activity_id": run["activity_id"] if run else None,
            }
        )
    return marked


def current_block_goal(goals: Sequence[LongTermGoal], as_of: dt.date) -> LongTermGoal | None:
    """The goal the roadmap's current block leads to: the next A or B race on or after
    `as_of` (a C race is trained through, inside the block), else the next race."""
    ahead = [g for g in goals if g.target_date >= as_of]
    return next((g for g in ahead if g.priority != C_RACE), ahead[0] if ahead else None)


def recovery_until(goals: Sequence[LongTermGoal], as_of: dt.date) -> dt.date | None:
    """The last day of the Recovery phase after the last race before `as_of` when that race
    was an A race (the plan's block opens with what is left of it), else None. It is the
    same every day of the block, so the plan's key does not change when the phase ends."""
    previous = next((g for g in reversed(goals) if g.target_date < as_of), None)
    if previous is None or previous.priority != A_RACE:
        return None
    return previous.target_date + dt.timedelta(days=recovery_days(previous))


def runner_for_block(runner: Mapping[str, Any], as_of: dt.date) -> Mapping[str, Any]:
    """The runner as the plan generator sees them: with a list of goals, their race fields
    are the current block's race (the list stays, so editing any goal changes the plan's key
    and regenerates it), and `recovery_until` the end of the Recovery phase after an A race
    just run, so the plan opens with what is left of it; a runner without a list is
    unchanged."""
    goals = runner.get("goals") or {}
    if not goals.get("long_term_goals"):
        return runner
    listed = long_term_goals(runner)
    block = current_block_goal(listed, as_of)
    if block is None:
        return runner
    race = {
        "goal_type": "race",
        "race_distance": block.distance_km,
        "race_distance_label": None,
        "race_date": block.target_date,
        "target_time": block.target_time_seconds,
        "race_name": block.race_name,
        "recovery_until": recovery_until(listed, as_of),
        "race_taper_days": closing_taper_days(block) or None,
    }
    return {**runner, "goals": {**goals, **race}}


@dataclass(frozen=True)
class RunnerRoadmap:
    """One runner's rows of coach.long_term_goals, plans.roadmaps and plans.milestones."""

    goals: list[dict[str, Any]]
    phases: list[dict[str, Any]]
    milestones: list[dict[str, Any]]


def runner_roadmap(
    runner: Mapping[str, Any],
    rules: Iterable[Rule],
    stored_phases: Sequence[Mapping[str, Any]],
    stored_milestones: Sequence[Mapping[str, Any]],
    activities: pl.DataFrame,
    as_of: dt.date,
    now: dt.datetime,
) -> RunnerRoadmap:
    """A run's rows for one runner: the goals with feasibility judged today; the stored
    roadmap while the goals are those it was built for (its phases and targets stay put as
    the weeks go by), else a new one from this plan week; its milestones marked from the
    activities up to `as_of`."""
    inputs = plan_inputs(dict(runner))
    engine = SafeguardEngine(rules, inputs.context)
    goals = long_term_goals(runner)
    roadmap_id = goals_key(runner["runner_id"], goals)
    phases = [dict(p) for p in stored_phases if p["roadmap_id"] == roadmap_id]
    milestones = [dict(m) for m in stored_milestones if m["roadmap_id"] == roadmap_id]
    if not phases:
        roadmap = build_roadmap(runner["runner_id"], goals, inputs, engine, as_of)
        if roadmap is not None:
            user_id = runner.get("user_id")
            phases = phase_rows(roadmap, user_id, now)
            milestones = milestone_rows(roadmap, user_id, inputs, engine, now)
    return RunnerRoadmap(
        goal_rows(runner, goals, inputs, as_of, now),
        phases,
        mark_achieved(milestones, phases, activities, as_of),
    )
