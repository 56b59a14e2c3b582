"""Plans for 1,000 runners with 16-week goals: generated, validated week by week and checked
against the plans contracts, without Claude. Target: under 30 s on this 2-core machine."""

from __future__ import annotations

import datetime as dt
import random
import time
from typing import Any

import polars as pl

from benchmarks.harness import Result, median_seconds
from transforms.plan_validation import validate_plan
from transforms.plans import PlanReference, generate_plan
from warehouse.contracts import contract
from warehouse.reference import reference_frames
from warehouse.vocabulary import EXPERIENCE_LEVELS, WEEKDAYS

SUITE = "plans"
RUNNERS = 1000
AS_OF = dt.date(2026, 11, 16)
NOW = dt.datetime(2026, 11, 16, 5, tzinfo=dt.UTC)
RACE_KM = (5.0, 10.0, 21.0975, 42.195)


def runners(count: int = RUNNERS, seed: int = 11) -> list[dict[str, Any]]:
    """Varied runners whose race is 16 weeks away (the plan's 16th week holds it)."""
    rng = random.Random(seed)
    made = []
    for i in range(count):
        days = sorted(rng.sample(range(7), rng.randint(3, 7)))
        level = rng.choice(EXPERIENCE_LEVELS)
        made.append(
            {
                "runner_id": f"runner-{i:04d}",
                "physical": {"age": rng.randint(18, 70), "resting_hr_bpm": rng.uniform(42, 70)},
                "running": {
                    "experience_level": level,
                    "current_volume": rng.uniform(10, 90),
                    "runs_per_week": len(days),
                    "vdot": rng.uniform(30, 65),
                },
                "goals": {
                    "goal_type": "race",
                    "race_distance": rng.choice(RACE_KM),
                    "race_date": AS_OF + dt.timedelta(weeks=15, days=6),
                    "target_time": None,
                },
                "schedule": {
                    "preferred_days": [WEEKDAYS[d] for d in days],
                    "long_run_day": WEEKDAYS[days[-1]],
                    "max_session_minutes": rng.choice((None, 90.0, 150.0)),
                },
                "health": {"past_injuries": ["shin_splints"] if rng.random() < 0.3 else []},
                "current_state": {"acute_chronic_workload_ratio": rng.uniform(0.6, 1.7)},
            }
        )
    return made


def _reference() -> PlanReference:
    frames = reference_frames()
    return PlanReference.from_frames(*frames.values())


def plans_for(profiles: list[dict[str, Any]], reference: PlanReference) -> tuple[int, int]:
    plans, sessions = [], []
    for runner in profiles:
        made = generate_plan(runner, AS_OF, reference, NOW)
        checked = validate_plan(made.plan, made.sessions, reference.rules, runner, now=NOW)
        plans.append(checked.plan)
        sessions.extend(checked.sessions)
    for name, rows in (("plans.training_plans", plans), ("plans.planned_sessions", sessions)):
        table = contract(name)
        table.validate(table.conform(pl.from_dicts(rows, schema=table.polars_schema)))
    return len(plans), len(sessions)


def run() -> list[Result]:
    reference = _reference()
    profiles = runners()
    started = time.perf_counter()
    for runner in profiles:
        generate_plan(runner, AS_OF, reference, NOW)
    generate_only = time.perf_counter() - started
    counts: list[tuple[int, int]] = []
    seconds = median_seconds(lambda: counts.append(plans_for(profiles, reference)), runs=3)
    plans, sessions = counts[-1]
    return [
        Result(SUITE, f"generate {RUNNERS} plans", generate_only, "s", 1, "16-week race goals"),
        Result(
            SUITE,
            f"generate + validate + contracts, {RUNNERS} runners",
            seconds,
            "s",
            3,
            f"{plans} plans, {sessions:,} sessions; target < 30 s",
        ),
    ]
