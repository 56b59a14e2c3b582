"""Whether a runner's race goal can be true: the rules a single field's range cannot say.

A target time is judged against its race distance with Daniels' VDOT; a race date is judged
against the day plans are made. Pure functions over the `goals` section.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from transforms.physiology import RACE_METERS, vdot

RACE_DISTANCES_KM = {
    "5k": 5.0,
    "10k": 10.0,
    **{name: meters / 1000 for name, meters in RACE_METERS.items()},
}
"""The seed's race_distance_label values (and the personal-best keys) as kilometres."""

FASTEST_GOAL_VDOT = 85.0
"""Daniels' tables end at VDOT 85, about what the men's world records need (84.7-86.5 from
5 km to the marathon): a target needing more is faster than anyone has run."""


def race_distance_km(goals: Mapping[str, Any]) -> float | None:
    """The race distance as given, or else as its label names it (`half_marathon`)."""
    given = goals.get("race_distance")
    if given is not None:
        return float(given)
    return RACE_DISTANCES_KM.get(str(goals.get("race_distance_label") or "").lower())


def target_time_problem(goals: Mapping[str, Any]) -> str | None:
    """Why the target time cannot be run over the race distance, or None."""
    distance, target = race_distance_km(goals), goals.get("target_time")
    if not distance or not target:
        return None
    needed = vdot(distance * 1000, target)
    if needed <= FASTEST_GOAL_VDOT:
        return None
    return (
        f"{target:g} s for {distance:g} km needs VDOT {needed:.1f}, faster than the world "
        f"record (VDOT {FASTEST_GOAL_VDOT:g}); give the finish time in seconds"
    )


def goal_status(goals: Mapping[str, Any], plan_day: dt.date) -> str | None:
    """`past` once the race date is before the plan date, `current` while it is ahead."""
    race_date = goals.get("race_date")
    if race_date is None:
        return None
    return "past" if race_date < plan_day else "current"


def past_race_notice(goals: Mapping[str, Any], plan_day: dt.date) -> str | None:
    """The sentence telling the runner their race is behind them, or None."""
    if goal_status(goals, plan_day) != "past":
        return None
    return (
        f"the race date {goals['race_date']} is before the plan date {plan_day}: the goal is "
        "kept as past and the plan is a maintenance plan until a new race is set"
    )


LONG_TERM_GOAL_MONTHS = 24
"""Seed 004: long-term goals reach at most this many months past the plan date."""


def goal_distance_km(distance: Any) -> float | None:
    """A long-term goal's distance in km: a race name (5k, ten_k, half_marathon, ...), a
    number of km, or a number written as text; None when it is none of these."""
    if isinstance(distance, bool):
        return None
    if isinstance(distance, int | float):
        return float(distance) if distance > 0 else None
    text = str(distance or "").strip().lower()
    if text in RACE_DISTANCES_KM:
        return RACE_DISTANCES_KM[text]
    try:
        km = float(text.removesuffix("km").strip())
    except ValueError:
        return None
    return km if km > 0 else None


def months_after(day: dt.date, months: int) -> dt.date:
    """The same day of the month `months` later (the month's last day when it is shorter)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise ValueError(f"no day {months} months after {day}")


def long_term_goal_problem(goal: Mapping[str, Any], plan_day: dt.date) -> tuple[str, str] | None:
    """Why one listed goal cannot be planned for, as (its field, the reason), or None."""
    distance = goal.get("distance")
    km = goal_distance_km(distance)
    if km is None:
        known = ", ".join(RACE_DISTANCES_KM)
        return "distance", f"{distance!r} is not a race distance ({known} or a number of km)"
    if goal.get("target_date") is None:
        return "target_date", "is required: the race day the goal is for"
    horizon = months_after(plan_day, LONG_TERM_GOAL_MONTHS)
    if goal["target_date"] > horizon:
        return (
            "target_date",
            f"{goal['target_date']} is more than {LONG_TERM_GOAL_MONTHS} months after the plan "
            f"date {plan_day} (the latest is {horizon}); the goal was not loaded",
        )
    problem = target_time_problem({"race_distance": km, "target_time": goal.get("target_time")})
    if problem is not None:
        return "target_time", problem
    return None
