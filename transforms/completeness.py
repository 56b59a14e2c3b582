"""How complete a runner's profile is: which facts we still need to ask for.

Only what the runner tells us (PATH 1) counts; inferred sections do not. Race details
count only for race goals. An empty list is an answer ("no past injuries"); null is not.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

PROFILE_FIELDS = (
    "identity.name",
    "identity.email",
    "identity.timezone",
    "physical.age",
    "physical.biological_sex",
    "physical.height_cm",
    "physical.weight_kg",
    "physical.resting_hr_bpm",
    "physical.max_hr_bpm",
    "running.experience_level",
    "running.years_running",
    "running.current_volume",
    "running.runs_per_week",
    "running.personal_bests",
    "goals.goal_type",
    "schedule.available_days",
    "schedule.preferred_days",
    "schedule.blocked_days",
    "schedule.long_run_day",
    "schedule.max_session_minutes",
    "health.past_injuries",
    "health.current_injuries",
    "coaching.coaching_voice",
    "coaching.units",
)
RACE_FIELDS = ("goals.race_distance", "goals.race_date", "goals.target_time")


def value_at(record: Mapping[str, Any], path: str) -> Any:
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _filled(value: Any) -> bool:
    if isinstance(value, Mapping):
        return any(_filled(v) for v in value.values())
    return value is not None


def profile_completeness(runner: Mapping[str, Any]) -> tuple[float, list[str]]:
    """(percent of profile fields filled, dotted paths of the ones still missing)."""
    fields = list(PROFILE_FIELDS)
    if value_at(runner, "goals.goal_type") == "race":
        fields += RACE_FIELDS
    missing = [path for path in fields if not _filled(value_at(runner, path))]
    filled = len(fields) - len(missing)
    return round(100.0 * filled / len(fields), 1), missing
