import datetime as dt

import polars as pl
import pytest
from pandera.errors import SchemaErrors

from transforms.activity_metrics import (
    best_efforts,
    codes_for,
    km_splits,
    primary_streams,
    stream_summary,
    zone_seconds,
)
from transforms.physiology import heart_rate_zones
from warehouse.tables.terra import ACTIVITIES

T0 = dt.datetime(2026, 5, 3, 7, tzinfo=dt.UTC)


def run(seconds: int, pace_s_per_km: float, hr: float = 150.0, activity="a1", alt=None):
    speed = 1000 / pace_s_per_km
    return pl.DataFrame(
        {
            "activity_id": [activity] * seconds,
            "runner_id": ["ana"] * seconds,
            "timestamp": [T0 + dt.timedelta(seconds=i) for i in range(seconds)],
            "heart_rate_bpm": [hr] * seconds,
            "speed_meters_per_second": [speed] * seconds,
            "distance_meters": [i * speed for i in range(seconds)],
            "altitude_meters": alt or [100.0] * seconds,
            "lat_deg": [38.7 + i * 1e-5 for i in range(seconds)],
            "lon_deg": [-9.1] * seconds,
        }
    )


def zones():
    return pl.DataFrame([{"runner_id": "ana", **z} for z in heart_rate_zones(190, 50)])


def test_zone_seconds_put_every_second_in_its_zone():
    samples = pl.concat([run(600, 300, hr=140), run(600, 300, hr=170, activity="a2")])
    result = {
        r["activity_id"]: r["hr_zone_seconds"] for r in zone_seconds(samples, zones()).to_dicts()
    }
    assert [(z["zone"], z["duration_seconds"]) for z in result["a1"]] == [(2, 600)]
    assert [(z["zone"], z["duration_seconds"]) for z in result["a2"]] == [(4, 600)]


def test_km_splits_even_pace():
    splits = km_splits(run(1600, 300)).row(0, named=True)["splits_km"]
    assert [s["km"] for s in splits] == [1, 2, 3, 4, 5, 6]
    assert splits[0]["pace_seconds_per_km"] == pytest.approx(300, abs=1)
    assert splits[-1]["distance_meters"] < 1000


def test_mile_splits_for_a_runner_who_reads_miles():
    """5.33 km at 5:00/km: three whole miles of 482.8 s (8:03/mi) and a partial fourth."""
    splits = km_splits(run(1600, 300), split_meters=1609.344).row(0, named=True)["splits_km"]
    assert [s["km"] for s in splits] == [1, 2, 3, 4]
    assert splits[0]["distance_meters"] == 1609.344
    assert splits[0]["duration_seconds"] == pytest.approx(482.8, abs=1.5)
    assert splits[0]["pace_seconds_per_km"] == pytest.approx(300, abs=1)
    assert splits[-1]["distance_meters"] < 1609.344


def test_a_few_metres_after_the_last_kilometre_get_no_pace_and_pass_the_contract():
    """1 km at 5:00/km, then 4 m more over the 450 s the runner takes to stop the watch:
    as a pace that last split would be 112,500 s/km, which the contract rejects."""
    distance = [i * 1000 / 300 for i in range(301)] + [1000 + 4 * k / 450 for k in range(1, 451)]
    samples = run(len(distance), 300).with_columns(pl.Series("distance_meters", distance))
    splits = km_splits(samples).row(0, named=True)["splits_km"]
    assert [(s["km"], round(s["distance_meters"])) for s in splits] == [(1, 1000), (2, 4)]
    assert splits[0]["pace_seconds_per_km"] == pytest.approx(300, abs=1)
    assert splits[1]["duration_seconds"] == pytest.approx(450, abs=1)
    assert splits[1]["pace_seconds_per_km"] is None
    ACTIVITIES.validate(activity_with(splits))
    naive = [
        {**s, "pace_seconds_per_km": s["duration_seconds"] / s["distance_meters"] * 1000}
        for s in splits
    ]
    with pytest.raises(SchemaErrors):
        ACTIVITIES.validate(activity_with(naive))


def activity_with(splits: list[dict]) -> pl.DataFrame:
    return ACTIVITIES.conform(
        pl.DataFrame(
            {"activity_id": ["a1"], "runner_id": ["ana"], "start_time": [T0], "splits_km": [splits]}
        )
    )


def test_a_split_long_enough_keeps_its_pace():
    splits = km_splits(run(1200, 300)).row(0, named=True)["splits_km"]
    assert splits[-1]["distance_meters"] >= 100
    assert splits[-1]["pace_seconds_per_km"] == pytest.approx(300, abs=2)


def test_climbing_ignores_noise_and_counts_real_hills():
    altitudes = [100.0 + (0.5 if i % 2 else 0.0) for i in range(300)]
    altitudes += [100.0 + i * 0.1 for i in range(300)]  # +30 m
    summary = stream_summary(run(600, 300, alt=altitudes)).row(0, named=True)
    assert summary["elevation_gain_meters"] == pytest.approx(29.9, abs=2.1)
    assert summary["elevation_loss_meters"] < 2.1
    assert summary["moving_time_seconds"] == pytest.approx(600, abs=1)
    assert summary["has_gps"] and summary["has_heart_rate"]


def test_best_effort_finds_the_fast_middle():
    slow, fast = run(1200, 360), run(1500, 240)
    fast = fast.with_columns(
        pl.col("timestamp") + dt.timedelta(seconds=1200),
        pl.col("distance_meters") + slow["distance_meters"][-1] + 1000 / 360,
    )
    efforts = best_efforts(pl.concat([slow, fast]))
    five = efforts.filter(pl.col("effort") == "five_k").row(0, named=True)
    assert five["seconds"] == pytest.approx(1200, abs=3)
    assert "ten_k" not in efforts["effort"].to_list()


def test_primary_stream_is_the_richest_source_in_time_order():
    gps = run(5, 300).with_columns(pl.lit("strava").alias("source"))
    heart_only = run(8, 300, hr=151.0).with_columns(
        pl.lit("healthkit").alias("source"), pl.lit(None, pl.Float64).alias("distance_meters")
    )
    other = run(3, 360, activity="a0").with_columns(pl.lit("healthkit").alias("source"))
    samples = pl.concat([heart_only, gps, other]).sample(fraction=1.0, shuffle=True, seed=1)
    codes = codes_for(samples["activity_id"])
    streams = primary_streams(
        samples.with_columns(pl.col("activity_id").cast(codes)),
        ["timestamp", "heart_rate_bpm"],
    )
    assert streams.columns == ["activity_id", "timestamp", "heart_rate_bpm"]
    assert streams["activity_id"].cast(pl.String).to_list() == ["a0"] * 3 + ["a1"] * 5
    assert streams["heart_rate_bpm"].to_list() == [150.0] * 8  # a1 from strava: it has distance
    assert streams.filter(pl.col("activity_id") == "a1")["timestamp"].is_sorted()
    assert streams.filter(pl.col("activity_id") == "a0")["timestamp"].is_sorted()
