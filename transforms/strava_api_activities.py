"""Activities synced from Strava's API as terra candidates, and their union with the bulk
export's (frames in, frames out).

Both are Strava's own record of an activity under one id: the same id from the export and
the API is one candidate (the export's, whose decoded file is richer, completed by the API's
fields where it has none; a race flagged on either side is a race). Matching across sources
(Apple Health) then goes on by time, distance and duration as for every candidate.
"""

from __future__ import annotations

import polars as pl

from transforms.activity_types import STRAVA, canonical
from warehouse.plausibility import SAMPLES, SUMMARY, Bounds

UTC = pl.Datetime("us", "UTC")

STRAVA_API = {name.replace(" ", "").replace("-", ""): kind for name, kind in STRAVA.items()}
"""The API's `sport_type` (TrailRun, EBikeRide) to canonical types: the export's names
without spaces or hyphens."""
RACE_WORKOUT_TYPES = (1, 11)
"""Strava's `workout_type` of a race (1 for runs, 11 for rides)."""
STEP_TYPES = ("running", "trail_running", "treadmill_running", "walking", "hiking")
"""Types whose cadence Strava gives per foot (strides/min): doubled to steps/min."""
KEYS = ["runner_id", "external_id"]


def _plausible(column: str, bounds: Bounds) -> pl.Expr:
    value = pl.col(column)
    return pl.when(value.is_between(bounds.low, bounds.high)).then(value).alias(column)


def api_activity_type() -> pl.Expr:
    return canonical(pl.coalesce("sport_type", "type").cast(pl.String), STRAVA_API)


def _cadence_factor(activity_type: pl.Expr) -> pl.Expr:
    return pl.when(activity_type.is_in(STEP_TYPES)).then(2.0).otherwise(1.0)


def strava_api_laps(laps: pl.DataFrame, activities: pl.DataFrame) -> pl.DataFrame:
    """raw_strava_api.laps as the terra `laps` list, per activity."""
    kinds = activities.select(
        "runner_id", "activity_id", _cadence_factor(api_activity_type()).alias("_factor")
    )
    rows = laps.join(kinds, on=["runner_id", "activity_id"], how="left")
    start = pl.col("start_date").cast(UTC)
    return (
        rows.sort("runner_id", "activity_id", "lap_index")
        .group_by("runner_id", "activity_id", maintain_order=True)
        .agg(
            pl.struct(
                (pl.col("lap_index") + 1).cast(pl.Int64).alias("lap_index"),
                start.alias("start_time"),
                (
                    start
                    + pl.duration(
                        microseconds=(pl.col("elapsed_time_seconds") * 1e6).cast(pl.Int64)
                    )
                ).alias("end_time"),
                pl.col("elapsed_time_seconds").alias("duration_seconds"),
                "moving_time_seconds",
                "distance_meters",
                pl.col("average_speed_mps").alias("avg_speed_meters_per_second"),
                pl.col("average_heartrate_bpm").alias("avg_heart_rate_bpm"),
                pl.col("max_heartrate_bpm").alias("max_heart_rate_bpm"),
                (pl.col("average_cadence_rpm") * pl.col("_factor").fill_null(1.0)).alias(
                    "avg_cadence_spm"
                ),
                pl.col("average_watts").alias("avg_power_watts"),
                pl.lit(None, pl.Float64).alias("calories_kcal"),
                pl.lit(None, pl.String).alias("trigger_method"),
            ).alias("laps")
        )
    )


def strava_api_candidates(activities: pl.DataFrame, laps: pl.DataFrame) -> pl.DataFrame:
    """One candidate per activity synced from the API, on terra.activities' names."""
    rows = activities
    if laps.width:
        rows = rows.join(
            strava_api_laps(laps, activities), on=["runner_id", "activity_id"], how="left"
        )
    else:
        rows = rows.with_columns(pl.lit(None).alias("laps"))
    kind = api_activity_type()
    start = pl.col("start_date").cast(UTC)
    elapsed = pl.col("elapsed_time_seconds")
    return rows.select(
        "runner_id",
        pl.lit("strava").alias("source"),
        pl.col("activity_id").cast(pl.String).alias("external_id"),
        pl.format("strava_api/activities/{}", "activity_id").alias("source_file"),
        "name",
        "description",
        kind.alias("activity_type"),
        pl.coalesce("sport_type", "type").alias("source_activity_type"),
        start.alias("start_time"),
        (start + pl.duration(microseconds=(elapsed * 1e6).cast(pl.Int64))).alias("end_time"),
        pl.col("utc_offset_seconds").cast(pl.Int64),
        elapsed.alias("duration_seconds"),
        "moving_time_seconds",
        "distance_meters",
        pl.col("average_speed_mps").alias("avg_speed_meters_per_second"),
        pl.col("max_speed_mps").alias("max_speed_meters_per_second"),
        (pl.col("average_cadence_rpm") * _cadence_factor(kind)).alias("avg_cadence_spm"),
        pl.lit(None, pl.Float64).alias("max_cadence_spm"),
        pl.col("average_heartrate_bpm").alias("avg_heart_rate_bpm"),
        pl.col("max_heartrate_bpm").alias("max_heart_rate_bpm"),
        pl.col("average_watts").alias("avg_power_watts"),
        pl.col("max_watts").alias("max_power_watts"),
        pl.col("weighted_average_watts").alias("normalized_power_watts"),
        "calories_kcal",
        pl.col("total_elevation_gain_meters").alias("elevation_gain_meters"),
        pl.lit(None, pl.Float64).alias("elevation_loss_meters"),
        pl.col("elev_low_meters").alias("min_elevation_meters"),
        pl.col("elev_high_meters").alias("max_elevation_meters"),
        pl.col("average_temp_celsius").alias("avg_temperature_celsius"),
        "device_name",
        pl.lit(None, pl.String).alias("device_manufacturer"),
        pl.coalesce("has_heartrate", pl.col("average_heartrate_bpm").is_not_null()).alias(
            "has_heart_rate"
        ),
        pl.col("manual").alias("is_manual"),
        pl.col("workout_type").is_in(RACE_WORKOUT_TYPES).fill_null(False).alias("is_race"),
        pl.col("commute").alias("is_commute"),
        "gear_name",
        "perceived_exertion",
        pl.col("suffer_score").alias("relative_effort"),
        "laps",
    ).with_columns(
        _plausible(name, SUMMARY[raw])
        for name, raw in (
            ("avg_heart_rate_bpm", "avg_heart_rate_bpm"),
            ("max_heart_rate_bpm", "max_heart_rate_bpm"),
            ("avg_cadence_spm", "avg_cadence_spm"),
            ("avg_power_watts", "avg_power_watts"),
            ("max_power_watts", "max_power_watts"),
            ("calories_kcal", "calories_kcal"),
        )
    )


def strava_api_samples(samples: pl.DataFrame, activities: pl.DataFrame) -> pl.DataFrame:
    """The streams on terra's sample names, by recording (runner_id, external_id = the
    activity id, a number as the export's samples carry it); cadence in steps/min; values
    that cannot be true left out (warehouse.plausibility.SAMPLES)."""
    kinds = activities.select(
        "runner_id", "activity_id", _cadence_factor(api_activity_type()).alias("_factor")
    )
    rows = samples.join(kinds, on=["runner_id", "activity_id"], how="left")
    return (
        rows.select(
            "runner_id",
            pl.col("activity_id").alias("external_id"),
            pl.col("timestamp").cast(UTC),
            "elapsed_seconds",
            "heart_rate_bpm",
            "speed_mps",
            (pl.col("cadence_rpm") * pl.col("_factor").fill_null(1.0)).alias("cadence_spm"),
            "power_watts",
            "latitude",
            "longitude",
            "altitude_meters",
            "distance_meters",
            pl.lit(None, pl.Float64).alias("temperature_celsius"),
        )
        .with_columns(_plausible(name, bounds) for name, bounds in SAMPLES.items())
        .rename(
            {
                "speed_mps": "speed_meters_per_second",
                "latitude": "lat_deg",
                "longitude": "lon_deg",
            }
        )
        .sort("runner_id", "external_id", "timestamp")
    )


def with_api_candidates(exported: pl.DataFrame | None, api: pl.DataFrame) -> pl.DataFrame:
    """The export's Strava candidates and the API's, one per activity id: where both have an
    id the export's row stays, each empty field filled from the API's, and it is a race when
    either says so."""
    if exported is None or exported.is_empty():
        return api
    api = api.with_columns(pl.col("external_id").cast(exported.schema["external_id"]))
    both = exported.join(api, on=KEYS, how="left", suffix="_api")
    shared = [c for c in exported.columns if c not in KEYS and f"{c}_api" in both.columns]
    merged = both.with_columns(
        (
            (pl.col("is_race").fill_null(False) | pl.col("is_race_api").fill_null(False))
            if c == "is_race"
            else pl.coalesce(c, f"{c}_api")
        ).alias(c)
        for c in shared
    ).select(exported.columns)
    only_api = api.join(exported.select(KEYS), on=KEYS, how="anti")
    return pl.concat([merged, only_api], how="diagonal_relaxed")


def api_samples_not_exported(exported: pl.DataFrame | None, api: pl.DataFrame) -> pl.DataFrame:
    """The API's samples of recordings the export has no samples of (the export's decoded
    file is the fuller record of the same activity)."""
    if exported is None or exported.is_empty():
        return api
    api = api.with_columns(pl.col("external_id").cast(exported.schema["external_id"]))
    have = exported.select(KEYS).unique()
    return api.join(have, on=KEYS, how="anti")


def with_api_samples(
    exported: pl.DataFrame | None, api: pl.DataFrame | None
) -> pl.DataFrame | None:
    """One frame of Strava samples: the export's, then the API's of other recordings."""
    if api is None:
        return exported
    if exported is None or exported.is_empty():
        return api
    return pl.concat([exported, api_samples_not_exported(exported, api)], how="diagonal_relaxed")
