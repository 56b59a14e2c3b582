import datetime as dt

import polars as pl
import pytest

from tests.plan_rows import PLAN_START, PLANNED_SESSIONS, plan_row, session_rows
from transforms.memory_summaries import reworded_problems, weekly_memory_summaries
from warehouse.contracts import contract

WEEKLY = contract("coach.weekly_summaries")
STATES = contract("coach.runner_states")
MEMORY = contract("coach.memory_summaries")
THURSDAY = PLAN_START + dt.timedelta(days=3)
SUNDAY = PLAN_START + dt.timedelta(days=6)


def _weekly(start: dt.date, **values) -> dict:
    row = {
        "weekly_summary_id": f"ana:{start}",
        "runner_id": "ana",
        "week_start_date": start,
        "actual_volume_km": 24.04,
        "planned_volume_km": 26.0,
        "compliance_percentage": 91.6,
        "run_count": 3,
        "long_run_km": 10.8,
        "training_load": 412.4,
        "ending_tsb": -0.4,
        "ending_state": "Stable",
        "health_issues": ["sore calf"],
    }
    return {**row, **values}


@pytest.fixture
def frames():
    weekly = WEEKLY.conform(
        pl.DataFrame(
            [_weekly(PLAN_START), _weekly(PLAN_START + dt.timedelta(days=7), health_issues=[])],
            schema_overrides={"health_issues": pl.List(pl.String)},
        )
    )
    sessions = pl.DataFrame(
        session_rows(plan_row(), {THURSDAY: "completed", SUNDAY: "skipped"}),
        schema=PLANNED_SESSIONS.polars_schema,
    )
    states = STATES.conform(
        pl.DataFrame(
            [
                {
                    "runner_state_id": "ana:x",
                    "runner_id": "ana",
                    "effective_date": PLAN_START + dt.timedelta(days=2),
                    "from_state": "Stable",
                    "to_state": "Probe",
                    "trigger_reason": "volume up",
                }
            ]
        )
    )
    runner = {
        "runner_id": "ana",
        "user_id": "u-ana",
        "running": {
            "personal_bests": {
                "ten_k": {"time": 2990.0, "date": PLAN_START + dt.timedelta(days=5)},
                "five_k": {"time": 1400.0, "date": dt.date(2020, 1, 1)},
            }
        },
    }
    return weekly, sessions, states, [runner]


def test_one_summary_per_complete_week_with_every_number_from_the_tables(frames):
    today = PLAN_START + dt.timedelta(days=13)  # the second week ends today: not complete
    rows = weekly_memory_summaries(*frames, today)
    assert len(rows) == 1
    row = rows[0]
    MEMORY.validate(pl.from_dicts(rows, schema=MEMORY.polars_schema, strict=False))
    assert row["memory_summary_id"] == f"ana:weekly_training:{PLAN_START}"
    assert row["source_date_range_end"] == SUNDAY and row["user_id"] == "u-ana"
    assert row["figures"]["key_sessions_planned"] == 2  # tempo Thursday, long Sunday
    assert row["figures"]["key_sessions_done"] == 1
    assert row["content"] == (
        f"Week of {PLAN_START}: ran 24.0 km in 3 run(s) against 26.0 km planned (92 % of the "
        "planned work done). Longest run 10.8 km. Key sessions: 1 of 2 done - Tempo Run "
        "completed (7.2 km); Long Run skipped. State moved from Stable to Probe on "
        f"{PLAN_START + dt.timedelta(days=2)} (volume up). Health: sore calf. Personal best "
        f"over 10 km: 49:50 on {PLAN_START + dt.timedelta(days=5)}. Load 412 load units; form "
        "(TSB) 0 at week end, state Stable."
    )
    later = weekly_memory_summaries(*frames, today + dt.timedelta(days=1))
    assert len(later) == 2 and "Health" not in later[1]["content"]
    assert "Personal best" not in later[1]["content"]


def test_a_reworded_summary_may_not_state_a_number_the_template_does_not(frames):
    [row] = weekly_memory_summaries(*frames, PLAN_START + dt.timedelta(days=13))
    template = row["template_content"]
    assert reworded_problems(template, "A solid week: 24.0 km of 26.0 km, long run 10.8 km.") == []
    assert reworded_problems(template, "You ran 25 km.") == [
        "states 25, which the week's figures do not"
    ]
    assert reworded_problems(template, "  ") == ["the text is empty"]
