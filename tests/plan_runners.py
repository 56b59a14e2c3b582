"""Runner Objects for plan tests: one readable default and hypothesis strategies over the
profiles the generator must handle.

- `runner_profiles()`: anything a stored runner may hold (every goal, level, schedule,
  injury, pain and age, volumes from none to absurd, races on any weekday, blocked or not);
  plans must stay safe and well-formed for all of them.
- `coherent_runner_profiles()` / `race_runner_profiles()`: runners whose facts fit together
  (enough days and time for their volume, a volume below what their level peaks at), so a
  coach's rules about volume, taper and the long run can be held to the letter.
"""

import copy
import datetime as dt
from functools import cache
from typing import Any

from hypothesis import strategies as st

from transforms.plans import PlanReference
from warehouse.reference import reference_frames
from warehouse.vocabulary import EXPERIENCE_LEVELS, GOAL_TYPES, PLANNED_AS, WEEKDAYS

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

RACE_KM = (5.0, 10.0, 15.0, 21.0975, 42.195)
"""Standard distances and an odd one (15 km sits between the 10K and half taper bands)."""
ODD_RACE_KM = (3.0, 8.0, 12.0, 25.0, 30.0, 50.0)
INJURIES = ("shin_splints", "itbs", "plantar_fasciitis", "achilles_tendinopathy")
PAIN_LOCATIONS = ("knee", "shin", "achilles", "hip", "foot")
VOLUME_CAP_BY_LEVEL = {"beginner": 20.0, "casual": 25.0, "intermediate": 36.0}
VOLUME_CAP_BY_LEVEL |= {"advanced": 52.0, "elite": 80.0}
"""Coherent runners run at most ~80 % of the lowest peak their level trains for (the 5K
column of kb_peak_volume_by_distance), so a plan has room to build."""
KM_PER_RUN_CAP = 10.0
"""Coherent runners' weekly volume fits their runs at no more than 10 km a run."""


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


def _race_date(draw: st.DrawFn, min_weeks: int, max_weeks: int) -> dt.date:
    """A race `min_weeks`-`max_weeks` weeks after AS_OF, on any weekday."""
    weeks = draw(st.integers(min_value=min_weeks, max_value=max_weeks))
    return AS_OF + dt.timedelta(weeks=weeks, days=draw(st.integers(0, 6)))


def _inferred_vdot(draw: st.DrawFn, low: float = 25, high: float = 80) -> dict[str, Any]:
    """No personal bests: VDOT inferred from an all-out effort in the runner's data."""
    effort = draw(st.sampled_from(["5 km", "10 km", "3 km", "half marathon"]))
    when = AS_OF - dt.timedelta(days=draw(st.integers(3, 120)))
    return {
        "vdot": draw(st.floats(min_value=low, max_value=high)),
        "vdot_source": f"all-out effort ({effort} on {when.isoformat()})",
        "vdot_date": when,
        "personal_bests": None,
    }


def _pain(draw: st.DrawFn, severity: float | None) -> dict[str, Any] | None:
    if severity is None:
        return None
    return {
        "has_pain": True,
        "severity": severity,
        "location": draw(st.sampled_from(PAIN_LOCATIONS)),
    }


@st.composite
def runner_profiles(draw: st.DrawFn) -> dict[str, Any]:
    """Anything a stored runner may hold: the generator must stay safe for all of it."""
    goal = draw(st.sampled_from(GOAL_TYPES))
    days = draw(st.lists(st.sampled_from(WEEKDAYS), min_size=1, max_size=7, unique=True))
    blocked = [d for d in WEEKDAYS if d not in days and draw(st.booleans())]
    race_km = draw(st.sampled_from([*RACE_KM, *ODD_RACE_KM]))
    race_date = AS_OF + dt.timedelta(
        weeks=draw(st.integers(min_value=0, max_value=30)), days=draw(st.integers(0, 6))
    )
    if draw(st.booleans()):  # the race may fall on a day the runner cannot train
        race_day = WEEKDAYS[race_date.weekday()]
        days = [d for d in days if d != race_day] or days
        blocked = sorted({*blocked, race_day} - set(days), key=WEEKDAYS.index)
    pain = draw(st.one_of(st.none(), st.floats(min_value=0, max_value=10)))
    vdot = draw(st.one_of(st.none(), st.floats(min_value=25, max_value=80)))
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
            "actual_weekly_volume_km": draw(
                st.one_of(st.none(), st.floats(min_value=0, max_value=160))
            ),
            "runs_per_week": draw(st.one_of(st.none(), st.integers(min_value=1, max_value=10))),
            "vdot": vdot,
            "vdot_source": None if vdot is None else "all-out effort (5 km)",
            "personal_bests": None,
        },
        goals={
            "goal_type": goal,
            "race_distance": race_km,
            "race_date": race_date,
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
            "past_injuries": draw(st.lists(st.sampled_from(INJURIES), max_size=2)),
            "current_pain": _pain(draw, pain),
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


@st.composite
def coherent_runner_profiles(
    draw: st.DrawFn, goal_types: tuple[str, ...] = GOAL_TYPES, race_km: float | None = None
) -> dict[str, Any]:
    """A runner whose facts fit together: 3-7 runs on enough allowed days, a weekly volume
    (measured, declared or both) the runs and their level can hold, sessions of at least
    90 minutes, a workload ratio without a spike. A race goal has a race 3-30 weeks out on
    any weekday (sometimes a blocked one), at any distance (standard or odd)."""
    goal = draw(st.sampled_from(goal_types))
    level = draw(st.sampled_from(EXPERIENCE_LEVELS))
    trained_as = PLANNED_AS.get(level, level)
    runs = draw(st.integers(min_value=3, max_value=7))
    distance = race_km or draw(st.sampled_from([*RACE_KM, *RACE_KM, *ODD_RACE_KM]))
    race_date = _race_date(draw, 3, 30)
    race_day = WEEKDAYS[race_date.weekday()]
    block_race_day = goal == "race" and draw(st.booleans())
    open_days = [d for d in WEEKDAYS if not (block_race_day and d == race_day)]
    days = draw(
        st.lists(
            st.sampled_from(open_days), min_size=min(runs, len(open_days)), max_size=7, unique=True
        )
    )
    blocked = [
        d
        for d in WEEKDAYS
        if d not in days and ((block_race_day and d == race_day) or draw(st.booleans()))
    ]
    cap = min(VOLUME_CAP_BY_LEVEL[trained_as], runs * KM_PER_RUN_CAP)
    volume = st.floats(min_value=0, max_value=cap)
    measured, declared = draw(
        st.sampled_from(["measured", "declared", "both"]).flatmap(
            lambda kind: st.tuples(
                volume if kind != "declared" else st.none(),
                volume if kind != "measured" else st.none(),
            )
        )
    )
    with_pbs = draw(st.booleans())
    running: dict[str, Any] = {
        "experience_level": level,
        "current_volume": declared,
        "actual_weekly_volume_km": measured,
        "runs_per_week": runs,
    }
    if with_pbs:
        ten_k = draw(st.floats(min_value=1800, max_value=4800))
        running |= {"vdot": None, "personal_bests": {"ten_k": {"time": ten_k}}}
    else:
        running |= _inferred_vdot(draw, 28, 70)
    pain = draw(st.one_of(st.none(), st.none(), st.floats(min_value=1, max_value=8)))
    goals: dict[str, Any] = {"goal_type": goal}
    if goal == "race":
        pace = draw(st.floats(min_value=200, max_value=420))
        goals |= {
            "race_distance": distance,
            "race_date": race_date,
            "target_time": draw(st.one_of(st.none(), st.just(round(distance * pace)))),
            "race_name": f"{distance:g} km on a {race_day}",
        }
    else:
        goals |= {"race_distance": None, "race_date": None, "target_time": None}
    return runner(
        runner_id=draw(st.from_regex(r"[a-z]{3,8}", fullmatch=True)),
        physical={
            "age": draw(st.integers(min_value=18, max_value=70)),
            "resting_hr_bpm": draw(st.one_of(st.none(), st.floats(min_value=40, max_value=70))),
            "max_hr_bpm": draw(st.one_of(st.none(), st.floats(min_value=160, max_value=205))),
        },
        running=running,
        goals=goals,
        schedule={
            "available_days": len(days),
            "preferred_days": days,
            "blocked_days": blocked,
            "long_run_day": draw(st.sampled_from(days)),
            "max_session_minutes": draw(
                st.one_of(st.none(), st.floats(min_value=90, max_value=300))
            ),
        },
        health={
            "past_injuries": draw(st.lists(st.sampled_from(INJURIES), max_size=2, unique=True)),
            "current_pain": _pain(draw, pain),
        },
        current_state={
            "acute_chronic_workload_ratio": draw(
                st.one_of(st.none(), st.floats(min_value=0.8, max_value=1.3))
            ),
            "chronic_training_load": draw(
                st.one_of(st.none(), st.floats(min_value=5, max_value=90))
            ),
        },
    )


def race_runner_profiles(race_km: float | None = None) -> st.SearchStrategy[dict[str, Any]]:
    """Coherent runners with a race goal (optionally at one distance)."""
    return coherent_runner_profiles(goal_types=("race",), race_km=race_km)
