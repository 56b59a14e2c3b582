import polars as pl
import pytest

from transforms.physiology import heart_rate_zones
from transforms.session_load import classify_sessions, easy_pace_limit, training_loads


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


ZONES = pl.DataFrame([{"runner_id": "ana", **z} for z in heart_rate_zones(190, 50)])
"""Rest 50, max 190: zone 2 from 134 bpm, zone 3 (tempo) from 148 bpm."""


def classify(*rows):
    frame = pl.DataFrame(
        list(rows),
        schema_overrides={"laps": pl.List(LAP), "threshold_pace_sec_per_km": pl.Float64},
    )
    return classify_sessions(frame, ZONES)["session_type"].to_list()


def test_the_easy_pace_of_a_threshold_pace_is_daniels_table():
    # Daniels' table, VDOT 50: T 255 s/km, E 296-334 s/km; VDOT 30: T 384, E from 447
    assert round(easy_pace_limit(255)) == 296
    assert round(easy_pace_limit(384)) == 447


def test_an_easy_paced_run_is_easy_though_its_heart_rate_drifted():
    """Threshold 270 s/km puts the easy pace from 314 s/km. A 45 min run at 340 s/km with
    heart rate 160 (zone 3; 79 % of reserve) is easy; the old rule (75 % of reserve) called
    it tempo. A run at 281 s/km with 150 bpm (zone 3 by heart rate, 71 % of reserve, below
    the old 75 %) is tempo."""
    assert round(easy_pace_limit(270)) == 314
    drifted = act("Warm afternoon", minutes=45, km=45 * 60 / 340, hr=160.0)
    steady = act("Steady", minutes=45, km=45 * 60 / 281, hr=150.0)
    assert (160 - 50) / 140 >= 0.75 > (150 - 50) / 140  # the old rule: the other way round
    assert classify(drifted, steady) == ["easy", "tempo"]


def test_without_known_paces_the_runners_usual_pace_stands_for_easy():
    """No threshold pace: five runs at 340 s/km (the median) put easy from 319 s/km
    (340 x 0.94); a run at 300 s/km with the same heart rate is the one tempo."""
    unknown = {"threshold_pace_sec_per_km": None}
    usual = {**act(minutes=45, km=45 * 60 / 340, hr=160.0), **unknown}
    faster = {**act(minutes=45, km=45 * 60 / 300, hr=160.0), **unknown}
    assert classify(*[usual] * 5, faster) == ["easy"] * 5 + ["tempo"]


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


@pytest.mark.parametrize(
    "name",
    [
        "Porto Half",
        "HM Lisbon",
        "County XC",
        "Cross-country champs",
        "5k time trial",
        "Track TT",
        "Park Run",
        "Sunday parkrun",
        "Berlin Marathon",
        "Turkey trot 8k",
        "Race day",
    ],
)
def test_races_are_known_by_their_names(name):
    assert classify(act(name)) == ["race"]


@pytest.mark.parametrize("name", ["Halfway hill loop", "Trackside easy", "Morning Run", "XCountry"])
def test_other_names_are_not_races(name):
    assert classify(act(name)) != ["race"]


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
