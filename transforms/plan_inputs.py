"""What the plan generator needs from a Runner Object, with every gap filled and labelled.

A value the runner told us (PATH 1) wins over one inferred from data (PATH 2); where both are
missing the generator uses a conservative default for the runner's level and marks it
uncertain, so the plan and its snapshot say which figures are estimates.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from transforms.completeness import value_at
from transforms.goal_checks import race_distance_km
from transforms.physiology import RACE_METERS, heart_rate_zones, max_hr_for_age, vdot
from warehouse.vocabulary import PLANNED_AS, WEEKDAYS

DEFAULT_VDOT = {"beginner": 30.0, "casual": 36.0, "intermediate": 42.0, "advanced": 50.0}
DEFAULT_VDOT_ELITE = 62.0
DEFAULT_WEEKLY_KM = {"beginner": 12.0, "casual": 20.0, "intermediate": 35.0, "advanced": 55.0}
DEFAULT_WEEKLY_KM_ELITE = 90.0
DEFAULT_RUNS = {"beginner": 3, "casual": 4, "intermediate": 5, "advanced": 6, "elite": 6}
MINIMUM_START_KM = 8.0
"""kb_minimum_start_volume: the smallest week a plan starts from (a few runs or run/walks of
at least 2-3 km), whatever less the runner runs now."""
RESTART_SHARE = 0.5
"""Running less than half of what the runner declares reads as a break."""


def _get(section: dict[str, Any] | None, *path: str) -> Any:
    return value_at(section or {}, ".".join(path))


@dataclass(frozen=True)
class PlanInputs:
    runner_id: str
    user_id: str | None
    name: str
    coaching_voice: str
    goal_type: str
    race_distance_km: float | None
    race_date: dt.date | None
    target_time_seconds: float | None
    race_name: str | None
    recovery_until: dt.date | None
    """The last day of the Recovery phase after an A race run before this plan's race
    (`goals.recovery_until`, set by `roadmaps.runner_for_block`), or None."""
    race_taper_days: int | None
    """Days the race's taper takes when its roadmap sizes it by priority (a B race's
    mini-taper: `goals.race_taper_days`, set by `roadmaps.runner_for_block`); None: the full
    taper by distance."""
    experience: str
    age: int | None
    vdot: float
    vdot_source: str
    vdot_uncertain: bool
    weekly_volume_km: float
    volume_source: str
    volume_uncertain: bool
    measured_volume_km: float | None
    declared_volume_km: float | None
    long_run_km: float | None
    runs_per_week: int
    allowed_days: tuple[int, ...]
    long_run_day: int
    max_session_minutes: float | None
    past_injuries: tuple[str, ...]
    pain_severity: float | None
    pain_location: str | None
    max_hr: float
    rest_hr: float | None
    hr_zones: tuple[dict[str, Any], ...]
    hr_zones_source: str
    ctl: float | None
    atl: float | None
    tsb: float | None
    acwr: float | None
    readiness: float | None
    consistency: float | None
    injury_risk_level: str | None
    training_state: str | None
    resting_hr_latest: float | None
    hrv_latest: float | None
    context: dict[str, Any]
    """The runner's sections, for the safeguards' `applicable_when` conditions."""

    @property
    def volume_before_km(self) -> float:
        """The week before week 1: what the runner runs, raised to the beginner minimum
        (MINIMUM_START_KM, kb_minimum_start_volume). Week 1's rise and change are measured
        against it, so a runner running 1 km a week starts at the minimum, not at 1.1 km."""
        return max(self.weekly_volume_km, MINIMUM_START_KM)

    @property
    def has_injury_history(self) -> bool:
        return bool(self.past_injuries)

    @property
    def is_masters(self) -> bool:
        return self.age is not None and self.age >= 50

    @property
    def is_restarting(self) -> bool:
        """No recent running in the data, or far less than the runner says they run, or
        pain now: a return to fitness then opens with recovery weeks (kb_return_to_fitness).
        """
        if self.pain_severity or self.measured_volume_km is None:
            return True
        declared = self.declared_volume_km
        return declared is not None and self.measured_volume_km < RESTART_SHARE * declared


def _best_pb_vdot(running: dict[str, Any] | None) -> tuple[float, str] | None:
    best = None
    for key, meters in RACE_METERS.items():
        seconds = _get(running, "personal_bests", key, "time")
        if seconds:
            value = vdot(meters, float(seconds))
            if best is None or value > best[0]:
                best = (value, f"personal best ({key.replace('_', ' ')})")
    return best


def _starting_volume(
    measured: float | None, declared: float | None, *, in_pain: bool, experience: str
) -> tuple[float, str, bool]:
    """The weekly volume the plan starts from (kb_start_from_current_volume): what the data
    shows; what the runner declares only without data; the lower of the two while injured."""
    if measured is not None and declared is not None and in_pain and declared < measured:
        return declared, "reported by the runner (lower than measured, while in pain)", False
    if measured is not None:
        return measured, "measured over the last 4 weeks", False
    if declared is not None:
        return declared, "reported by the runner", False
    guess = DEFAULT_WEEKLY_KM.get(experience, DEFAULT_WEEKLY_KM_ELITE)
    return guess, f"default for a {experience} runner", True


def _weekday(field: str, day: str) -> int:
    """Monday 0 ... Sunday 6. A stored runner written around the API may hold anything."""
    if day not in WEEKDAYS:
        raise ValueError(f"schedule.{field} holds {day!r}, which is not a weekday")
    return WEEKDAYS.index(day)


def _schedule_days(schedule: dict[str, Any] | None) -> tuple[tuple[int, ...], int]:
    preferred = [_weekday("preferred_days", d) for d in _get(schedule, "preferred_days") or []]
    blocked = {_weekday("blocked_days", d) for d in _get(schedule, "blocked_days") or []}
    allowed = [d for d in (preferred or range(7)) if d not in blocked]
    if not allowed:
        allowed = [d for d in range(7) if d not in blocked] or list(range(7))
    wanted = _get(schedule, "long_run_day")
    if wanted is not None and _weekday("long_run_day", wanted) in allowed:
        long_day = WEEKDAYS.index(wanted)
    else:
        weekend_first = [6, 5, 4, 3, 2, 1, 0]
        long_day = next(d for d in weekend_first if d in allowed)
    return tuple(sorted(allowed)), long_day


def plan_inputs(runner: dict[str, Any]) -> PlanInputs:
    """Read a coach.runners row (as a dict of its sections) into the generator's inputs."""
    identity, physical, running = runner.get("identity"), runner.get("physical"), runner["running"]
    goals, schedule, health = runner.get("goals"), runner.get("schedule"), runner.get("health")
    state = runner.get("current_state")
    level = _get(running, "experience_level")
    experience = PLANNED_AS.get(level, level) if level else "casual"

    inferred_vdot = _get(running, "vdot")
    pb = _best_pb_vdot(running)
    if inferred_vdot:
        runner_vdot = (float(inferred_vdot), _get(running, "vdot_source") or "inferred", False)
    elif pb:
        runner_vdot = (pb[0], pb[1], False)
    else:
        guess = DEFAULT_VDOT.get(experience, DEFAULT_VDOT_ELITE)
        runner_vdot = (guess, f"default for a {experience} runner", True)

    measured = _get(running, "actual_weekly_volume_km")
    reported = _get(running, "current_volume")
    in_pain = bool(_get(health, "current_pain", "has_pain"))
    volume = _starting_volume(
        None if measured is None else float(measured),
        None if reported is None else float(reported),
        in_pain=in_pain,
        experience=experience,
    )

    age = _get(physical, "age")
    rest_hr = _get(physical, "resting_hr_bpm") or _get(state, "latest_resting_hr_bpm")
    max_hr = _get(physical, "max_hr_bpm") or _get(physical, "observed_max_hr_bpm")
    zones = _get(running, "hr_zones")
    if zones:
        hr_zones, zones_source = tuple(zones), _get(running, "hr_zones_source") or "profile"
    else:
        max_hr = max_hr or max_hr_for_age(age if age is not None else 40)
        hr_zones = tuple(heart_rate_zones(max_hr, rest_hr))
        zones_source = "karvonen" if rest_hr is not None else "percent_max"
    max_hr = max_hr or max(z["max_bpm"] for z in hr_zones)
    allowed, long_day = _schedule_days(schedule)
    runs = (
        _get(running, "runs_per_week")
        or _get(schedule, "available_days")
        or DEFAULT_RUNS.get(experience, 4)
    )
    goal_type = _get(goals, "goal_type") or "general_health"
    return PlanInputs(
        runner_id=runner["runner_id"],
        user_id=runner.get("user_id"),
        name=_get(identity, "preferred_name") or _get(identity, "name") or runner["runner_id"],
        coaching_voice=_get(runner.get("coaching"), "coaching_voice") or "encouraging",
        goal_type=goal_type,
        race_distance_km=race_distance_km(goals or {}),
        race_date=_get(goals, "race_date"),
        target_time_seconds=_get(goals, "target_time"),
        race_name=_get(goals, "race_name"),
        recovery_until=_get(goals, "recovery_until"),
        race_taper_days=_get(goals, "race_taper_days"),
        experience=experience,
        age=age,
        vdot=runner_vdot[0],
        vdot_source=runner_vdot[1],
        vdot_uncertain=runner_vdot[2],
        weekly_volume_km=volume[0],
        volume_source=volume[1],
        volume_uncertain=volume[2],
        measured_volume_km=None if measured is None else float(measured),
        declared_volume_km=None if reported is None else float(reported),
        long_run_km=_get(running, "long_run_distance_km") or _get(running, "longest_recent_run_km"),
        runs_per_week=max(1, min(int(runs), len(allowed))),
        allowed_days=allowed,
        long_run_day=long_day,
        max_session_minutes=_get(schedule, "max_session_minutes"),
        past_injuries=tuple(_get(health, "past_injuries") or ()),
        pain_severity=_get(health, "current_pain", "severity")
        if _get(health, "current_pain", "has_pain")
        else None,
        pain_location=_get(health, "current_pain", "location"),
        max_hr=float(max_hr),
        rest_hr=rest_hr,
        hr_zones=hr_zones,
        hr_zones_source=zones_source,
        ctl=_get(state, "chronic_training_load"),
        atl=_get(state, "acute_training_load"),
        tsb=_get(state, "training_stress_balance"),
        acwr=_get(state, "acute_chronic_workload_ratio"),
        readiness=_get(state, "readiness_score"),
        consistency=_get(state, "momentum_consistency_score")
        if _get(state, "momentum_consistency_score") is not None
        else _get(running, "consistency_score"),
        injury_risk_level=_get(state, "injury_risk_level"),
        training_state=_get(state, "training_state"),
        resting_hr_latest=_get(state, "latest_resting_hr_bpm"),
        hrv_latest=_get(state, "latest_hrv_ms"),
        context={k: runner.get(k) for k in ("physical", "running", "goals", "schedule", "health")},
    )
