"""Runner Objects for plan tests: one readable default and a hypothesis strategy over the
profiles the generator must handle (every goal, level, schedule, injury, pain and age)."""

import copy
import datetime as dt
from functools import cache
from typing import Any

from hypothesis import strategies as st

from transforms.plans import PlanReference
from warehouse.reference import reference_frames
from warehouse.vocabulary import EXPERIENCE_LEVELS, GOAL_TYPES, WEEKDAYS

AS_OF = dt.date(2026, 11, 18)
"""A Wednesday: plans start on Monday 2026-11-16."""
NOW = dt.datetime(2026, 11, 18, 6, 0, tzinfo=dt.UTC)

BASE_RUNNER: dict[str, Any] = {
    "runner_id": "ana",
    "user_id": "u-ana",
    "identity": {"name": "Ana Silva", "preferred_name": "Ana"},
    "physical": {"age": 41, "resting_hr_bpm": 52.0, "max_hr_bpm": 186.0},
    "running": {
        "experience_level": "intermediate",
        "current_volume": 32.0,
        "runs_per_week": 4,
        "personal_bests": {"ten_k": {"time": 3120.0}},
    },
    "goals": {
        "goal_type": "race",
        "race_distance": 21.0975,
        "race_date": dt.date(2027, 3, 14),
        "target_time": 6600.0,
        "race_name": "Lisbon Half",
    },
    "schedule": {
        "available_days": 4,
        "preferred_days": ["tuesday", "thursday", "saturday", "sunday"],
        "blocked_days": ["monday"],
        "long_run_day": "sunday",
        "max_session_minutes": 150.0,
    },
    "health": {"past_injuries": [], "current_pain": None},
    "coaching": {"coaching_voice": "encouraging"},
    "current_state": {"acute_chronic_workload_ratio": 1.1, "chronic_training_load": 40.0},
}


def runner(**sections: dict[str, Any]) -> dict[str, Any]:
    """The base runner with some sections' fields replaced."""
    made = copy.deepcopy(BASE_RUNNER)
    for section, fields in sections.items():
        if isinstance(fields, dict):
            made[section] = {**(made.get(section) or {}), **fields}
        else:
            made[section] = fields
    return made


@cache
def reference() -> PlanReference:
    frames = reference_frames()
    return PlanReference.from_frames(
        frames["reference.knowledge_base"],
        frames["reference.safeguards"],
        frames["reference.workout_templates"],
    )


@st.composite
def runner_profiles(draw: st.DrawFn) -> dict[str, Any]:
    goal = draw(st.sampled_from(GOAL_TYPES))
    days = draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True))
    blocked = [d for d in WEEKDAYS if d not in days and draw(st.booleans())]
    race_km = draw(st.sampled_from([5.0, 10.0, 21.0975, 42.195, 50.0]))
    weeks_to_race = draw(st.integers(min_value=0, max_value=30))
    pain = draw(st.one_of(st.none(), st.floats(min_value=0, max_value=10)))
    return runner(
        runner_id=draw(st.from_regex(r"[a-z]{3,8}", fullmatch=True)),
        physical={
            "age": draw(st.integers(min_value=16, max_value=80)),
            "resting_hr_bpm": draw(st.one_of(st.none(), st.floats(min_value=38, max_value=80))),
            "max_hr_bpm": draw(st.one_of(st.none(), st.floats(min_value=150, max_value=210))),
        },
        running={
            "experience_level": draw(st.sampled_from(EXPERIENCE_LEVELS)),
            "current_volume": draw(st.one_of(st.none(), st.floats(min_value=0, max_value=160))),
            "runs_per_week": draw(st.one_of(st.none(), st.integers(min_value=1, max_value=10))),
            "vdot": draw(st.one_of(st.none(), st.floats(min_value=25, max_value=80))),
            "personal_bests": None,
        },
        goals={
            "goal_type": goal,
            "race_distance": race_km,
            "race_date": AS_OF + dt.timedelta(weeks=weeks_to_race, days=draw(st.integers(0, 6))),
            "target_time": draw(st.one_of(st.none(), st.floats(min_value=900, max_value=30000))),
        },
        schedule={
            "available_days": len(days),
            "preferred_days": days,
            "blocked_days": blocked,
            "long_run_day": draw(st.sampled_from(WEEKDAYS)),
            "max_session_minutes": draw(
                st.one_of(st.none(), st.floats(min_value=30, max_value=300))
            ),
        },
        health={
            "past_injuries": draw(st.lists(st.sampled_from(["shin_splints", "itbs"]), max_size=2)),
            "current_pain": None
            if pain is None
            else {"has_pain": True, "severity": pain, "location": "knee"},
        },
        current_state={
            "acute_chronic_workload_ratio": draw(
                st.one_of(st.none(), st.floats(min_value=0.2, max_value=3.0))
            ),
            "chronic_training_load": draw(
                st.one_of(st.none(), st.floats(min_value=0, max_value=120))
            ),
        },
    )
