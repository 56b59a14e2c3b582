"""API activities as terra candidates, and one candidate per Strava activity id."""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipelines.strava_api.rows import activity_tables
from tests.pipelines.strava_stub import activity, laps_of, streams_of
from transforms.strava_api_activities import (
    strava_api_candidates,
    strava_api_samples,
    with_api_candidates,
    with_api_samples,
)

START = dt.datetime(2026, 11, 20, 7, 0, tzinfo=dt.UTC)
SYNCED = dt.datetime(2026, 11, 30, tzinfo=dt.UTC)


def _raw(*details: dict) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    tables = [
        activity_tables("ana", d, laps_of(d), streams_of(d, points=10), SYNCED) for d in details
    ]
    return tuple(  # type: ignore[return-value]
        pl.concat([pl.from_arrow(t[name]) for t in tables])
        for name in ("activities", "laps", "samples")
    )


def test_a_strava_race_is_a_race_and_run_cadence_is_in_steps() -> None:
    race = activity(1, START, athlete_id=7, workout_type=1, sport_type="TrailRun")
    ride = activity(2, START + dt.timedelta(days=1), athlete_id=7, sport_type="Ride")
    activities, laps, samples = _raw(race, ride)
    candidates = strava_api_candidates(activities, laps).sort("external_id")
    assert candidates["activity_type"].to_list() == ["trail_running", "cycling"]
    assert candidates["is_race"].to_list() == [True, False]
    assert candidates["avg_cadence_spm"].to_list() == [170.0, 85.0]  # 85 rpm: strides on foot
    assert candidates["duration_seconds"].to_list() == [3000.0, 3000.0]
    assert candidates["end_time"][0] == START + dt.timedelta(seconds=3000)
    assert candidates["laps"][0].to_list()[1]["lap_index"] == 2
    streams = strava_api_samples(samples, activities)
    assert streams.filter(pl.col("external_id") == 1)["cadence_spm"].head(3).to_list() == [
        168.0,
        170.0,
        172.0,
    ]
    assert streams.height == 20


def test_the_same_id_from_export_and_api_is_one_candidate() -> None:
    shared = activity(5, START, athlete_id=7, workout_type=1, name="Lisbon 10k")
    new = activity(6, START + dt.timedelta(days=2), athlete_id=7)
    activities, laps, samples = _raw(shared, new)
    api = strava_api_candidates(activities, laps)
    exported = api.filter(pl.col("external_id") == "5").with_columns(
        pl.lit(9_999.0).alias("distance_meters"),  # the export's own (decoded file) figure
        pl.lit(None, pl.String).alias("name"),
        pl.lit(False).alias("is_race"),
        pl.lit("export.zip:activities/5.fit").alias("source_file"),
    )
    merged = with_api_candidates(exported, api).sort("external_id")
    assert merged["external_id"].to_list() == ["5", "6"]
    row = merged.row(0, named=True)
    assert (row["distance_meters"], row["source_file"]) == (9_999.0, "export.zip:activities/5.fit")
    assert (row["name"], row["is_race"]) == ("Lisbon 10k", True)
    # naive concatenation would have counted the run twice
    assert pl.concat([exported, api], how="diagonal_relaxed").height == 3

    api_samples = strava_api_samples(samples, activities)
    exported_samples = api_samples.filter(pl.col("external_id") == 5)
    both = with_api_samples(exported_samples, api_samples)
    assert both is not None and both.height == 20  # activity 5's once, activity 6's once
