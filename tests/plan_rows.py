"""Hand-built, contract-valid plan, session and daily-summary rows for tests of what reads
plans (analytics views, charts, reports, `cadence plan show`).

Every column starts from `valid_value` (so the rows pass the contracts) and the fields the
readers look at are then set to readable values.
"""

import datetime as dt
from typing import Any

import duckdb
import polars as pl

from tests.contract_values import valid_value
from warehouse.connection import upsert
from warehouse.contract import TableContract
from warehouse.contracts import contract
from warehouse.vocabulary import WEEKDAYS

TRAINING_PLANS = contract("plans.training_plans")
PLANNED_SESSIONS = contract("plans.planned_sessions")
DAILY_SUMMARIES = contract("terra.daily_summaries")

PLAN_START = dt.date(2026, 9, 7)
"""A Monday."""

WEEKS = (
    # week, phase, recovery, km, hard %
    (1, "Base", False, 30.0, 10.0),
    (2, "Build", False, 33.0, 20.0),
    (3, "Build", True, 25.0, 15.0),
    (4, "Taper", False, 20.0, 12.0),
)
RACE_DATE = PLAN_START + dt.timedelta(days=7 * len(WEEKS) - 1)

WEEK_DAYS = (
    # weekday offset, session type, display type, km, key
    (1, "easy", "Easy Run", 6.0, False),
    (3, "tempo", "Tempo Run", 8.0, True),
    (6, "long", "Long Run", 12.0, True),
)
"""Running days of every week; the other days are rest days."""


def structure_segment(index: int, segment_type: str, **values: Any) -> dict[str, Any]:
    """One item of planned_sessions.structure_segments: every field, unset ones None."""
    return {
        **dict.fromkeys(PLANNED_SESSIONS.columns["structure_segments"].item.children),
        "segment_index": index,
        "segment_type": segment_type,
        **values,
    }


def _defaults(table: TableContract, seed: int) -> dict[str, Any]:
    return {name: valid_value(f, seed) for name, f in table.columns.items()}


def _axis(score: float | None, uncertain: bool, basis: str) -> dict[str, Any]:
    return {"score": score, "uncertain": uncertain, "basis": basis}


def plan_row(
    runner_id: str = "ana",
    plan_id: str = "plan-ana",
    *,
    status: str = "active",
    generated_at: dt.datetime = dt.datetime(2026, 9, 1, 6, 0, tzinfo=dt.UTC),
) -> dict[str, Any]:
    """A four-week 10 km plan starting on PLAN_START and ending on race day."""
    row = _defaults(TRAINING_PLANS, 0)
    weekly_plan = [
        {
            **valid_value(TRAINING_PLANS.columns["weekly_plan"].item, week),
            "week_number": week,
            "start_date": PLAN_START + dt.timedelta(weeks=week - 1),
            "end_date": PLAN_START + dt.timedelta(weeks=week - 1, days=6),
            "phase": phase,
            "is_recovery_week": recovery,
            "planned_volume_km": km,
            "volume_change_percent": 10.0 if week > 1 else 0.0,
            "long_run_km": 12.0,
            "session_count": len(WEEK_DAYS),
            "key_sessions": ["Tempo Run", "Long Run"],
            "intensity_distribution": {
                "easy_percentage": 100 - hard - 5,
                "moderate_percentage": 5.0,
                "hard_percentage": hard,
            },
            "focus": f"{phase} focus of week {week}",
            "notes": f"Notes for week {week}",
            "warning_signals": ["Heavy legs three days running"],
            "safeguard_adjustments": ["Long run shortened to 30 % of the week."],
        }
        for week, phase, recovery, km, hard in WEEKS
    ]
    row.update(
        plan_id=plan_id,
        runner_id=runner_id,
        name=f"10K plan for {runner_id}",
        status=status,
        goal_type="race",
        race_distance_km=10.0,
        race_date=RACE_DATE,
        target_time_seconds=3000.0,
        predicted_time_seconds=3120.0,
        goal_feasibility="ambitious",
        goal_feasibility_reason="Needs a 4% gain in four weeks",
        start_date=PLAN_START,
        end_date=RACE_DATE,
        total_weeks=len(WEEKS),
        current_week=2,
        weekly_plan=weekly_plan,
        generated_at=generated_at,
        runner_snapshot={
            **valid_value(TRAINING_PLANS.columns["runner_snapshot"]),
            "endurance": _axis(62.0, False, "CTL 41 and 30 km weeks"),
            "speed": _axis(55.0, True, "VDOT estimated from training runs"),
            "recovery": _axis(70.0, False, "Resting HR and HRV trend"),
            "consistency": _axis(80.0, False, "4 runs a week for 8 weeks"),
            "injury_risk": _axis(35.0, False, "ACWR 1.1, past plantar fasciitis"),
            "race_ready": _axis(48.0, True, "No race in the last year"),
        },
        phases=[
            {
                **valid_value(TRAINING_PLANS.columns["phases"].item, index),
                "name": name,
                "start_week": start,
                "end_week": end,
                "focus": f"{name} focus",
                "intensity_distribution": {
                    "easy_percentage": 95.0 - hard,
                    "moderate_percentage": 5.0,
                    "hard_percentage": hard,
                },
                "justification": f"Why {name}",
            }
            for index, (name, start, end, hard) in enumerate(
                (("Base", 1, 1, 10.0), ("Build", 2, 3, 20.0), ("Taper", 4, 4, 12.0))
            )
        ],
        target_paces={
            "vdot": 40.0,
            "easy_min_sec_per_km": 340.0,
            "easy_max_sec_per_km": 375.0,
            "marathon_sec_per_km": 318.0,
            "threshold_sec_per_km": 296.0,
            "interval_sec_per_km": 272.0,
            "repetition_sec_per_km": 255.0,
        },
    )
    return row


def session_rows(
    plan: dict[str, Any], statuses: dict[dt.date, str] | None = None
) -> list[dict[str, Any]]:
    """One row per day of the plan (rest days included); `statuses` marks days as done,
    modified or skipped (a completed or modified day ran 90% of its planned km)."""
    statuses = statuses or {}
    running = {offset: rest for offset, *rest in WEEK_DAYS}
    rows = []
    for index in range(7 * plan["total_weeks"]):
        day = plan["start_date"] + dt.timedelta(days=index)
        offset, week = index % 7, index // 7 + 1
        session_type, display, km, key = running.get(offset, ("rest", "Rest", None, False))
        status = statuses.get(day, "planned")
        done = status in ("completed", "modified")
        row = _defaults(PLANNED_SESSIONS, index)
        row.update(
            session_id=f"{plan['plan_id']}-{day.isoformat()}",
            plan_id=plan["plan_id"],
            runner_id=plan["runner_id"],
            week_number=week,
            day_of_week=WEEKDAYS[day.weekday()],
            scheduled_date=day,
            session_type=session_type,
            display_type=display,
            is_key_session=key,
            is_rest_day=session_type == "rest",
            distance_km=km,
            duration_seconds=km * 360 if km else None,
            pace_display="5:40-6:15/km" if km else None,
            effort_display="4/10" if km else None,
            description=f"{display} on {day.isoformat()}",
            structure_display="10 min warm-up -> 30 min tempo -> 10 min cool-down",
            status=status,
            completed_activity_id=f"act-{day.isoformat()}" if done else None,
            adherence_score={"completed": 0.9, "modified": 0.6}.get(status),
            completed_share={"completed": 0.9, "modified": 0.9, "skipped": 0.0}.get(status),
            actual_distance_km=round(km * 0.9, 2) if done and km else None,
            actual_duration_seconds=km * 330 if done and km else None,
        )
        rows.append(row)
    return rows


def insert_plan(
    con: duckdb.DuckDBPyConnection, plan: dict[str, Any], sessions: list[dict[str, Any]]
) -> None:
    upsert(con, TRAINING_PLANS, pl.DataFrame([plan], schema=TRAINING_PLANS.polars_schema))
    upsert(con, PLANNED_SESSIONS, pl.DataFrame(sessions, schema=PLANNED_SESSIONS.polars_schema))


def daily_rows(runner_id: str, days: int, start: dt.date = dt.date(2026, 6, 1)) -> pl.DataFrame:
    """`days` local days of training load with a rising CTL/ATL and their TSB."""
    loads = [(60.0 + 40.0 * (i % 3)) if i % 7 != 0 else 0.0 for i in range(days)]
    ctl = atl = 0.0
    rows = []
    for index, load in enumerate(loads):
        tsb = ctl - atl
        ctl += (load - ctl) / 42
        atl += (load - atl) / 7
        date = start + dt.timedelta(days=index)
        rows.append(
            {
                "daily_summary_id": f"{runner_id}:{date.isoformat()}",
                "runner_id": runner_id,
                "date": date,
                "training_load": load,
                "ctl": ctl,
                "atl": atl,
                "tsb": tsb,
            }
        )
    return DAILY_SUMMARIES.conform(pl.DataFrame(rows))


def insert_daily(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame) -> None:
    upsert(con, DAILY_SUMMARIES, frame)
