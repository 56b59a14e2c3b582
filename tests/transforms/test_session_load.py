import polars as pl
import pytest

from transforms.session_load import classify_sessions, training_loads


def act(
    name="Run", minutes=45, km=8.0, hr=140.0, laps=None, race=False, kind="running", runner="ana"
):
    return {
        "runner_id": runner,
        "activity_type": kind,
        "name": name,
        "is_race": race,
        "duration_seconds": minutes * 60.0,
        "moving_time_seconds": minutes * 60.0,
        "distance_meters": km * 1000,
        "avg_heart_rate_bpm": hr,
        "avg_speed_meters_per_second": km * 1000 / (minutes * 60),
        "laps": laps or [],
        "rest_hr_bpm": 50.0,
        "max_hr_bpm": 190.0,
        "biological_sex": "male",
        "threshold_pace_sec_per_km": 270.0,
    }


LAP = pl.Struct({"avg_speed_meters_per_second": pl.Float64})


def classify(*rows):
    frame = pl.DataFrame(list(rows), schema_overrides={"laps": pl.List(LAP)})
    return classify_sessions(frame)["session_type"].to_list()


def test_rules_in_order():
    intervals = [{"avg_speed_meters_per_second": v} for v in (5.0, 2.5, 5.1, 2.4, 5.0, 2.6)]
    assert classify(
        act("Lisbon 10K", race=True),
        act("Sunday parkrun"),
        act("Track", laps=intervals),
        act("6x800"),
        act("Long one", minutes=100, km=18),
        act("Steady", minutes=30, hr=160),
        act("Shakeout", minutes=25, hr=110),
        act("Morning Run"),
        act("Ride", kind="cycling"),
    ) == ["race", "race", "interval", "interval", "long", "tempo", "recovery", "easy", None]


def test_long_is_relative_to_the_runner():
    rows = [act(km=6) for _ in range(5)] + [act("Saturday", minutes=80, km=13)]
    assert classify(*rows)[-1] == "long"


def test_load_methods_fall_back_in_order():
    rows = [act(), act(hr=None), {**act(hr=None), "threshold_pace_sec_per_km": None}]
    frame = training_loads(pl.DataFrame(rows, schema_overrides={"laps": pl.List(LAP)}))
    assert frame["training_load_method"].to_list() == ["trimp_banister", "rtss_pace", "duration"]
    trimp, rtss, duration = frame["training_load"].to_list()
    assert trimp == pytest.approx(45 * (90 / 140) * 0.64 * 2.718281828 ** (1.92 * 90 / 140))
    pace = 45 * 60 / 8
    assert rtss == pytest.approx(0.75 * (270 / pace) ** 2 * 100)
    assert duration == 45
