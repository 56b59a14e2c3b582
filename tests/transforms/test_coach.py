import datetime as dt

import polars as pl

from transforms.coach import daily_weights, wearable_vo2max
from transforms.runner_state import current_states

DAY = dt.date(2026, 11, 1)


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC)


def test_the_latest_weigh_in_reaches_the_current_state():
    body = pl.DataFrame(
        {
            "runner_id": ["ana"] * 4,
            "measured_at": [at(DAY, 7), at(DAY, 6), at(DAY + dt.timedelta(days=3), 8), at(DAY, 9)],
            "local_date": [DAY, DAY, DAY + dt.timedelta(days=3), DAY],
            # the last row is a blood-pressure reading: no body mass
            "weight_kg": [61.2, 61.6, 60.8, None],
        }
    )
    weights = daily_weights(body).sort("date")
    assert weights.to_dicts() == [
        {"runner_id": "ana", "date": DAY, "weight_kg": 61.2},
        {"runner_id": "ana", "date": DAY + dt.timedelta(days=3), "weight_kg": 60.8},
    ]
    days = [DAY + dt.timedelta(days=i) for i in range(6)]
    daily = pl.DataFrame(
        {
            "runner_id": ["ana"] * 6,
            "date": days,
            "training_load": [50.0] * 6,
            "run_count": [1] * 6,
            "run_distance_meters": [5000.0] * 6,
            "resting_heart_rate_bpm": [50.0] * 6,
            "hrv_sdnn_ms": [60.0] * 6,
            "sleep_duration_seconds": [27000.0] * 6,
            "sleep_score": [80.0] * 6,
        }
    ).join(weights, on=["runner_id", "date"], how="left")
    runners = pl.DataFrame(
        {"runner_id": ["ana"], "has_injury_history": [False], "current_pain_severity": [None]},
        schema_overrides={"current_pain_severity": pl.Float64},
    )
    state = current_states(daily, runners, at(DAY, 12)).row(0, named=True)
    # weighed on days 1 and 4 of 6: the latest weigh-in, not the last day's (null) value
    assert state["latest_weight_kg"] == 60.8


def test_the_latest_wearable_vo2max_reaches_the_running_profile():
    daily = pl.DataFrame(
        {
            "runner_id": ["ana", "ana", "ana", "ben"],
            "date": [DAY, DAY + dt.timedelta(days=5), DAY + dt.timedelta(days=9), DAY],
            "vo2max_ml_per_kg_min": [44.1, 44.8, None, None],
        }
    )
    assert wearable_vo2max(daily) == {"ana": {"vo2_max": 44.8, "vo2_max_source": "healthkit"}}
