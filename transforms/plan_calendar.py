"""The season's shape: how long the plan is, its phases, taper, recovery weeks and peak volume.

Figures are the knowledge base's (entry ids beside each constant); the safeguards, not these
constants, bound what a week may hold.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from transforms.plan_inputs import PlanInputs
from transforms.race_window import RaceWindow

DEFAULT_WEEKS = {"speed": 12, "base_building": 12, "return_to_fitness": 8, "general_health": 8}
MAX_WEEKS = 52

TAPER_WEEK_MIN_DAYS = 4
"""A calendar week is a taper week when it holds the race or at least this many taper days."""

# kb_recovery_weeks: a lighter week every 3-4 weeks, 20-30 % below the week before.
RECOVERY_EVERY = 4
RECOVERY_EVERY_CAUTIOUS = 3
RECOVERY_CUT = 0.22
RECOVERY_CUT_BEGINNER = 0.27

# kb_peak_volume_by_distance: peak weekly km by race distance and experience.
PEAK_KM = {
    5.0: {"beginner": 25, "casual": 32, "intermediate": 45, "advanced": 65, "elite": 100},
    10.0: {"beginner": 30, "casual": 38, "intermediate": 52, "advanced": 75, "elite": 110},
    21.1: {"beginner": 36, "casual": 46, "intermediate": 62, "advanced": 85, "elite": 130},
    42.2: {"beginner": 45, "casual": 56, "intermediate": 75, "advanced": 100, "elite": 160},
}

# kb_periodization: share of the pre-taper weeks spent in Base and Build (Peak takes the rest).
RACE_PHASE_SHARES = (0.4, 0.35)

PHASE_FOCUS = {
    "Base": "Aerobic base: easy volume, strides and hills for economy",
    "Build": "Threshold and VO2max work added on top of the base",
    "Peak": "Race-specific work at the season's highest volume",
    "Taper": "Less volume, same intensity: arrive fresh",
    "Recovery": "Easy running only while the body adapts again",
    "Maintenance": "Steady, enjoyable running with a little variety",
}


@dataclass(frozen=True)
class Phase:
    name: str
    start_week: int
    end_week: int

    @property
    def weeks(self) -> int:
        return self.end_week - self.start_week + 1

    def progress(self, week_number: int) -> float:
        """0 in the phase's first week, 1 in its last."""
        if self.weeks == 1:
            return 1.0
        return (week_number - self.start_week) / (self.weeks - 1)


def plan_start(as_of: dt.date) -> dt.date:
    """Plans run Monday to Sunday; the first week is the one holding `as_of`."""
    return as_of - dt.timedelta(days=as_of.weekday())


def effective_goal(inputs: PlanInputs, start: dt.date) -> str:
    """A race goal whose race is past is trained as maintenance until a new race is set; one
    without a race date or distance as base building."""
    if inputs.goal_type != "race":
        return inputs.goal_type
    if inputs.race_date is not None and inputs.race_date < start:
        return "general_health"
    if inputs.race_date is None or inputs.race_distance_km is None:
        return "base_building"
    return "race"


def total_weeks(inputs: PlanInputs, start: dt.date, goal: str) -> int:
    if goal == "race" and inputs.race_date is not None:
        return min(MAX_WEEKS, (inputs.race_date - start).days // 7 + 1)
    return DEFAULT_WEEKS[goal]


def taper_weeks(race: RaceWindow, start: dt.date, weeks: int) -> int:
    """Calendar weeks, counted back from the race week, that belong to the taper."""
    tapering = 0
    for week in range(weeks, 0, -1):
        monday = start + dt.timedelta(weeks=week - 1)
        days = [monday + dt.timedelta(days=d) for d in range(7)]
        holds_race = race.race_date in days
        if not holds_race and sum(race.in_taper(d) for d in days) < TAPER_WEEK_MIN_DAYS:
            break
        tapering += 1
    return max(1, min(tapering, weeks - 1)) if weeks > 1 else 1


def post_race_recovery_weeks(inputs: PlanInputs, start: dt.date, goal: str) -> int:
    """Calendar weeks from `start` that still hold the Recovery phase after an A race run
    before this plan's race: a week counts when it holds at least TAPER_WEEK_MIN_DAYS of it."""
    until = inputs.recovery_until
    if goal != "race" or until is None or until < start:
        return 0
    return ((until - start).days + 1 + 7 - TAPER_WEEK_MIN_DAYS) // 7


def phase_layout(
    goal: str, weeks: int, taper: int, *, restart: bool, recovery: int = 0
) -> list[Phase]:
    """Consecutive phases covering weeks 1..`weeks` (kb_periodization, kb_return_to_fitness);
    a return to fitness opens with Recovery weeks only when the runner is restarting, a race
    plan with the `recovery` weeks left after an A race (kb_post_race_recovery), never
    leaving fewer than one week before the taper."""
    if goal == "general_health":
        lengths = [("Maintenance", weeks)]
    elif goal == "return_to_fitness":
        recovery = (2 if weeks >= 6 else 1 if weeks >= 3 else 0) if restart else 0
        lengths = [("Recovery", recovery), ("Base", weeks - recovery)]
    elif goal == "base_building":
        build = weeks // 3 if weeks >= 6 else 0
        lengths = [("Base", weeks - build), ("Build", build)]
    elif goal == "speed":
        base = max(1, round(weeks / 3)) if weeks >= 3 else 0
        build = max(1, round((weeks - base) / 2)) if weeks - base >= 2 else 0
        lengths = [("Base", base), ("Build", build), ("Peak", weeks - base - build)]
    else:
        after_race = max(0, min(recovery, weeks - taper - 1))
        before = weeks - taper - after_race
        base = round(before * RACE_PHASE_SHARES[0]) if before >= 6 else 0
        build = round(before * RACE_PHASE_SHARES[1]) if before >= 6 else max(0, before - 1)
        lengths = [("Recovery", after_race), ("Base", base), ("Build", build)]
        lengths += [("Peak", before - base - build), ("Taper", taper)]
    phases, start = [], 1
    for name, length in lengths:
        if length > 0:
            phases.append(Phase(name, start, start + length - 1))
            start += length
    return phases


def peak_volume(inputs: PlanInputs, goal: str, start_km: float) -> float:
    """The highest weekly volume the plan aims for (never below where the runner starts)."""
    distance = inputs.race_distance_km if goal == "race" else 10.0 if goal != "speed" else 5.0
    row = min(PEAK_KM, key=lambda km: abs(km - (distance or 10.0)))
    target = float(PEAK_KM[row].get(inputs.experience, PEAK_KM[row]["casual"]))
    if goal == "general_health":
        target = start_km * 1.1
    elif goal == "return_to_fitness":
        target = min(target, start_km * 1.5)
    elif goal == "base_building":
        target = min(target, start_km * 1.35) if start_km < target else start_km
    return max(target, start_km)


def recovery_every(inputs: PlanInputs) -> int:
    cautious = inputs.is_masters or inputs.has_injury_history or inputs.experience == "beginner"
    return RECOVERY_EVERY_CAUTIOUS if cautious else RECOVERY_EVERY


def recovery_cut(inputs: PlanInputs) -> float:
    return RECOVERY_CUT_BEGINNER if inputs.experience == "beginner" else RECOVERY_CUT


def growth_rate(start_km: float, peak_km: float, growth_weeks: int) -> float:
    """Weekly growth that reaches the peak after `growth_weeks` build weeks."""
    if peak_km <= start_km or growth_weeks <= 0:
        return 0.0
    return (peak_km / start_km) ** (1 / growth_weeks) - 1
