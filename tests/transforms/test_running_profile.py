import datetime as dt

import polars as pl
import pytest

from transforms.physiology import vdot
from transforms.running_profile import infer_running_profile

AS_OF = dt.date(2026, 11, 1)


def runs(n_weeks=12, per_week=4, km=8.0, pace=330.0, hr=130.0):
    rows = []
    for w in range(n_weeks):
        for r in range(per_week):
            day = AS_OF - dt.timedelta(days=7 * w + r * 2)
            rows.append(
                {
                    "activity_id": f"a{w}-{r}",
                    "local_date": day,
                    "distance_meters": km * 1000 * (1.6 if r == 0 else 1),
                    "duration_seconds": km * pace * (1.6 if r == 0 else 1),
                    "avg_heart_rate_bpm": hr,
                    "max_heart_rate_bpm": 178.0,
                    "session_type": "easy",
                    "is_race": False,
                }
            )
    return pl.DataFrame(rows)


EFFORTS = pl.DataFrame(
    [
        {
            "activity_id": "a1-0",
            "local_date": AS_OF - dt.timedelta(days=10),
            "effort": "five_k",
            "distance_meters": 5000.0,
            "seconds": 1320.0,
        },
        {
            "activity_id": "old",
            "local_date": AS_OF - dt.timedelta(days=400),
            "effort": "five_k",
            "distance_meters": 5000.0,
            "seconds": 1200.0,
        },
    ]
)


def test_profile_from_regular_training():
    inferred = infer_running_profile(runs(), EFFORTS, {"age": 41, "rest_hr": 50}, AS_OF)
    running, physical = inferred["running"], inferred["physical"]
    assert running["actual_weekly_volume_km"] == pytest.approx((8 * 1.6 + 24) * 4 / 4, abs=0.1)
    assert running["actual_easy_pace_sec_per_km"] == pytest.approx(330)
    assert running["long_run_distance_km"] == pytest.approx(12.8)
    assert running["training_consistency"] == "very_high"
    assert running["vdot"] == pytest.approx(vdot(5000, 1320), abs=0.05)  # old PB is too old
    assert (
        running["pace_zones"]["threshold"]["min_sec_per_km"]
        < running["pace_zones"]["easy"]["min_sec_per_km"]
    )
    assert running["personal_bests"]["five_k"]["time"] == 1200
    assert physical == {
        "max_hr_bpm": 178.0,
        "max_hr_source": "observed",
        "observed_max_hr_bpm": 178.0,
    }
    assert running["hr_zones_source"] == "karvonen"


def test_without_heart_rate_max_comes_from_age():
    data = runs().with_columns(
        pl.lit(None, pl.Float64).alias("max_heart_rate_bpm"),
        pl.lit(None, pl.Float64).alias("avg_heart_rate_bpm"),
    )
    inferred = infer_running_profile(data, EFFORTS.head(0), {"age": 40, "rest_hr": None}, AS_OF)
    assert inferred["physical"] == {"max_hr_bpm": 180.0, "max_hr_source": "tanaka"}
    told = infer_running_profile(data, EFFORTS.head(0), {"age": 40, "max_hr": 191}, AS_OF)
    assert told["physical"] == {"max_hr_bpm": 191.0, "max_hr_source": "user"}
    assert "vdot" not in inferred["running"]
    assert inferred["running"]["hr_zones_source"] == "percent_max"
