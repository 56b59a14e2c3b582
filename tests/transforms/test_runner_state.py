import datetime as dt

import polars as pl
import pytest

from transforms.physiology import performance_management
from transforms.runner_state import current_states

NOW = dt.datetime(2026, 11, 1, 5, tzinfo=dt.UTC)
START = dt.date(2026, 8, 1)
PMC_INPUT = ("runner_id", "date", "training_load")


def daily(loads, km=None, hrv=None, rhr=None, sleep=None, runner="ana"):
    n = len(loads)
    return pl.DataFrame(
        {
            "runner_id": [runner] * n,
            "date": [START + dt.timedelta(days=i) for i in range(n)],
            "training_load": [float(x) for x in loads],
            "run_count": [1 if x else 0 for x in loads],
            "run_distance_meters": [float(k) * 1000 for k in (km or [x / 10 for x in loads])],
            "resting_heart_rate_bpm": [float(x) for x in (rhr or [50] * n)],
            "hrv_sdnn_ms": [float(x) for x in (hrv or [60 + (i % 5) for i in range(n)])],
            "sleep_duration_seconds": [float(x) for x in (sleep or [7.5 * 3600] * n)],
            "sleep_score": [80.0] * n,
            "weight_kg": [60.0] * n,
        }
    )


def runners(history=False, pain=None, runner="ana"):
    return pl.DataFrame(
        {"runner_id": [runner], "has_injury_history": [history], "current_pain_severity": [pain]},
        schema_overrides={"current_pain_severity": pl.Float64},
    )


def state(frame, **kwargs):
    return current_states(frame, runners(**kwargs), NOW).row(0, named=True)


def test_steady_training_is_low_risk_and_maintaining():
    s = state(daily([60, 0, 60, 0, 60, 90, 0] * 30))
    assert s["training_load_trend"] == "maintaining"
    assert 0.8 <= s["acute_chronic_workload_ratio"] <= 1.3
    assert s["injury_risk_level"] == "low"
    assert s["last_7_days_run_count"] == 4
    assert s["last_7_days_volume_km"] == pytest.approx(27)
    assert s["last_calculated_at"] == NOW


def test_a_sudden_spike_raises_injury_risk_with_its_factors():
    s = state(daily([40, 0, 40, 0, 40, 0, 0] * 8 + [120] * 7), history=True)
    assert s["acute_chronic_workload_ratio"] >= 1.5
    assert s["injury_risk_level"] in ("high", "very_high")
    assert "injury history" in s["injury_risk_factors"]
    assert s["training_load_trend"] in ("building", "erratic")


def test_readiness_reflects_recovery_markers():
    n = 60
    good = state(daily([50] * n))
    bad = state(
        daily(
            [50] * n,
            hrv=[60] * (n - 1) + [40],
            rhr=[50] * (n - 1) + [58],
            sleep=[7.5 * 3600] * (n - 1) + [4 * 3600],
        )
    )
    assert good["readiness_score"] > bad["readiness_score"]
    factors = {f["factor"]: f for f in bad["readiness_factors"]}
    assert factors["hrv"]["impact"] < 0 and factors["resting_hr"]["impact"] < 0
    assert factors["sleep"]["impact"] == -10


def test_current_pain_is_very_high_risk():
    assert state(daily([50] * 30), pain=6.0)["injury_risk_level"] == "very_high"


def test_three_weeks_of_steady_data_are_no_risk():
    # 60 a day for 20 days. The old reading divided the 7 days (420) by the 20 days there
    # are over 4 (300): ACWR 1.4, "moderate" injury risk; and CTL/ATL started from zero put
    # TSB at -34.2, "moderate" overtraining risk.
    s = state(daily([60] * 20))
    assert s["acute_chronic_workload_ratio"] is None
    assert (s["injury_risk_level"], s["injury_risk_factors"]) == ("low", [])
    assert s["training_stress_balance"] == pytest.approx(0.0, abs=1e-9)
    assert s["overtraining_risk"] == "low"
    assert s["training_load_trend"] == "maintaining"
    from_zero = performance_management(daily([60] * 20).select(*PMC_INPUT), seed_days=0)
    assert from_zero["tsb"][-1] == pytest.approx(-34.19, abs=0.01)


def test_acwr_from_the_28th_day():
    s = state(daily([60] * 27 + [0] + [90] * 7))
    # the last 28 days: 20 x 60 + 0 + 7 x 90 = 1830; the last 7: 630
    assert s["acute_chronic_workload_ratio"] == pytest.approx(630 / (1830 / 4))
