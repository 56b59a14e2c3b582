"""How complete a runner's profile is: which facts we still need to ask for, and whether a
plan can be made at all.

Only what the runner tells us (PATH 1) counts; inferred sections do not. Race details
count only for race goals. An empty list is an answer ("no past injuries"); null is not.
A missing fact leaves the plan to a labelled default; a rejected one the plan needs (or a
profile.yaml that does not parse) stops the plan until the runner fixes it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
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


PLAN_FIELDS = (
    "identity.name",
    "identity.timezone",
    "physical.age",
    "goals.goal_type",
    "goals.race_distance",
    "goals.race_date",
    "goals.target_time",
    "schedule.available_days",
    "schedule.preferred_days",
    "schedule.blocked_days",
    "schedule.long_run_day",
    "schedule.max_session_minutes",
)
"""Facts a plan is built from: when the runner gave one and it was rejected, a plan made from
a default in its place would contradict them (a session on a blocked day, the wrong race)."""
UNREADABLE_PROFILE = "profile.yaml"
"""What there is to confirm when the profile does not parse: all of it."""


def _without_index(path: str) -> str:
    return re.sub(r"\[\d*\]", "", path)


def fields_to_confirm(rejected: Iterable[str]) -> list[str]:
    """The rejected dotted fields the plan needs (a whole section when it was rejected)."""
    needed = set()
    for path in map(_without_index, rejected):
        if any(
            f == path or f.startswith(f"{path}.") or path.startswith(f"{f}.") for f in PLAN_FIELDS
        ):
            needed.add(path)
    return sorted(needed)


def not_ready_reason(conversation_state: Mapping[str, Any] | None) -> str | None:
    """Why no plan is made for the runner, as one sentence, or None when one can be."""
    state = conversation_state or {}
    if state.get("ready_for_plan") is not False:
        return None
    confirm = list(state.get("fields_to_confirm") or [])
    if UNREADABLE_PROFILE in confirm or not confirm:
        return "no plan until profile.yaml parses again (quarantine.rejected says where it breaks)"
    verb = "is" if len(confirm) == 1 else "are"
    return (
        f"no plan until {', '.join(confirm)} {verb} fixed: the value given was rejected "
        "(quarantine.rejected says why)"
    )
