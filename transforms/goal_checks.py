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
