"""Build every terra table from the raw tables (frames in, frames out)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import polars as pl

from transforms.activities import label_samples, match_activities, merge_activities
from transforms.activity_metrics import (
    codes_for,
    km_splits,
    primary_streams,
    stream_summary,
    zone_seconds,
)
from transforms.activity_types import terra_code
from transforms.daily import body_measurements, daily_summaries, local_date
from transforms.device_dedup import device_class
from transforms.intervals import within_intervals
from transforms.physiology import heart_rate_zones, max_hr_for_age
from transforms.session_load import classify_sessions, training_loads
from transforms.sleep import HEALTHKIT_STAGES, sleep_sessions
from transforms.strava_api_activities import (
    strava_api_candidates,
    strava_api_samples,
    with_api_candidates,
    with_api_samples,
)
from transforms.terra_sources import (
    SOURCE_ONLY_FIELDS,
    healthkit_candidates,
    healthkit_samples,
    strava_candidates,
    strava_samples,
)
from warehouse.plausibility import ACTIVITY_SPEED, PACE, Bounds
from warehouse.vocabulary import RUNNING_TYPES

PACED_TYPES = (*RUNNING_TYPES, "walking", "hiking")
MIN_PACED_METERS = 200.0
STREAM_COLUMNS = (
    "runner_id",
    "timestamp",
    "heart_rate_bpm",
    "cadence_spm",
    "power_watts",
    "speed_meters_per_second",
    "altitude_meters",
    "distance_meters",
    "lat_deg",
    "lon_deg",
)
"""What the stream metrics read of each sample."""
STREAM_FIRST = ("moving_time_seconds",)
"""Fields the activity's stream tells better than any source's summary: moving time by one
rule for every file format (`activity_metrics.moving_seconds`), where a source's own is a
GPX/TCX elapsed time or a FIT timer that ran through every stop. The other stream fields
only fill what the sources leave empty (a watch's session average heart rate is taken
over every beat, the stream only over the recorded samples)."""
WHOLE_STREAM = 0.9
"""Share of an activity's duration its stream must span to tell a `STREAM_FIRST` field: a
recording cut short (a truncated file beside activities.csv's whole run) tells only its
part, and the source's own figure stays."""


@dataclass(frozen=True)
class RawFrames:
    strava_activities: pl.DataFrame
    strava_files: pl.DataFrame
    strava_laps: pl.DataFrame
    strava_samples: pl.DataFrame
    hk_records: pl.DataFrame
    hk_record_metadata: pl.DataFrame
    hk_workouts: pl.DataFrame
    hk_statistics: pl.DataFrame
    hk_route_points: pl.DataFrame
    hk_activity_summaries: pl.DataFrame
    strava_api_activities: pl.DataFrame = field(default_factory=pl.DataFrame)
    strava_api_laps: pl.DataFrame = field(default_factory=pl.DataFrame)
    strava_api_samples: pl.DataFrame = field(default_factory=pl.DataFrame)

    @property
    def has_strava(self) -> bool:
        return self.strava_activities.width > 0 and self.strava_files.width > 0

    @property
    def has_strava_api(self) -> bool:
        return self.strava_api_activities.width > 0

    @property
    def has_healthkit(self) -> bool:
        return self.hk_records.width > 0

    @property
    def has_healthkit_workouts(self) -> bool:
        return self.hk_workouts.width > 0 and self.has_healthkit


@dataclass(frozen=True)
class RunnerContext:
    """Per runner (runner_id, timezone, age, biological_sex, rest_hr_bpm, max_hr_bpm,
    threshold_pace_sec_per_km, custom priorities as runner_id/source/priority)."""

    runners: pl.DataFrame
    priorities: pl.DataFrame


@dataclass(frozen=True)
class TerraFrames:
    activities: pl.DataFrame
    activity_samples: pl.DataFrame
    sleep_sessions: pl.DataFrame
    body_measurements: pl.DataFrame
    daily_summaries: pl.DataFrame


def _offset_for(timezone: str | None, instant: dt.datetime) -> int | None:
    if not timezone or instant is None:
        return None
    try:
        offset = instant.astimezone(ZoneInfo(timezone)).utcoffset()
    except (KeyError, ValueError):
        return None
    return int(offset.total_seconds()) if offset is not None else None


def _fill_offsets(frame: pl.DataFrame, runners: pl.DataFrame) -> pl.DataFrame:
    """Where a source gave no UTC offset, use the runner's home timezone at that instant."""
    joined = frame.join(
        runners.select("runner_id", pl.col("timezone").alias("_home")), on="runner_id", how="left"
    )
    missing = joined.filter(pl.col("utc_offset_seconds").is_null())
    if missing.height:
        fills = [
            _offset_for(tz or home, start)
            for tz, home, start in missing.select(
                pl.col("timezone") if "timezone" in missing.columns else pl.lit(None),
                "_home",
                "start_time",
            ).iter_rows()
        ]
        missing = missing.with_columns(pl.Series("utc_offset_seconds", fills, dtype=pl.Int64))
        joined = pl.concat([joined.filter(pl.col("utc_offset_seconds").is_not_null()), missing])
    return joined.drop("_home")


def local_day(instant: str = "start_time", offset: str = "utc_offset_seconds") -> pl.Expr:
    """The runner's calendar day at an instant: shift by the offset it was recorded with."""
    return local_date(instant, offset).alias("local_date")


def runner_zones(context: RunnerContext, activities: pl.DataFrame) -> pl.DataFrame:
    """HR zones per runner: profile max HR, else highest seen, else Tanaka by age."""
    observed = activities.group_by("runner_id").agg(
        pl.col("max_heart_rate_bpm").max().alias("_seen")
    )
    rows = []
    for runner in context.runners.join(observed, on="runner_id", how="left").iter_rows(named=True):
        max_hr = (
            runner["max_hr_bpm"]
            or runner["_seen"]
            or (max_hr_for_age(runner["age"]) if runner["age"] else None)
        )
        if max_hr:
            rows += [
                {"runner_id": runner["runner_id"], **z}
                for z in heart_rate_zones(max_hr, runner["rest_hr_bpm"])
            ]
    schema = {
        "runner_id": pl.String,
        "zone": pl.Int64,
        "name": pl.String,
        "min_bpm": pl.Float64,
        "max_bpm": pl.Float64,
    }
    return pl.DataFrame(rows, schema=schema)


def build_activities(raw: RawFrames, context: RunnerContext) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(terra activities, terra activity_samples)."""
    parts, streams_parts = [], []
    if raw.has_strava:
        parts.append(strava_candidates(raw.strava_activities, raw.strava_files, raw.strava_laps))
        if raw.strava_samples.width:  # manual entries only: no samples table
            streams_parts.append(("strava", strava_samples(raw.strava_samples)))
    if raw.has_strava_api:  # Strava's API: the same activity id as the export's is one row
        exported = parts.pop() if parts else None
        exported_samples = streams_parts.pop()[1] if streams_parts else None
        api = raw.strava_api_activities
        parts.append(with_api_candidates(exported, strava_api_candidates(api, raw.strava_api_laps)))
        api_samples = None
        if raw.strava_api_samples.width:
            api_samples = strava_api_samples(raw.strava_api_samples, api)
        samples = with_api_samples(exported_samples, api_samples)
        if samples is not None:
            streams_parts.append(("strava", samples))
    if raw.has_healthkit_workouts:
        parts.append(healthkit_candidates(raw.hk_workouts, raw.hk_statistics))
        streams_parts.append(
            (
                "healthkit",
                healthkit_samples(
                    raw.hk_workouts, raw.hk_route_points, raw.hk_records, raw.hk_record_metadata
                ),
            )
        )
    if not parts:
        return pl.DataFrame(), pl.DataFrame()
    candidates = pl.concat(parts, how="diagonal_relaxed")
    candidates = candidates.with_columns(
        pl.lit(None).alias(name) for name in SOURCE_ONLY_FIELDS if name not in candidates.columns
    )
    matched = match_activities(candidates)
    merged = merge_activities(matched, runner_priorities=context.priorities)
    ids = matched.select(
        "runner_id",
        "source",
        "external_id",
        "activity_id",
        pl.col("activity_id").cast(codes_for(matched["activity_id"])).alias("_activity"),
        pl.col("runner_id").cast(codes_for(matched["runner_id"])).alias("_runner"),
    )
    # each sample takes its recording's source and activity (and their codes)
    samples = pl.concat(
        [
            label_samples(
                part,
                ids.filter(pl.col("source") == source).with_columns(
                    pl.col("external_id").cast(part.schema["external_id"])
                ),
            ).drop("external_id")
            for source, part in streams_parts
        ],
        how="diagonal_relaxed",
    )
    # two recordings from one source can only share an activity when both matched the same
    # other-source recording: deduplicate those few activities' samples, not every sample
    shared = ids.group_by("activity_id", "source").len().filter(pl.col("len") > 1)
    if shared.height:
        overlapping = pl.col("activity_id").is_in(shared["activity_id"].implode())
        samples = pl.concat(
            [
                samples.filter(overlapping.not_()),
                samples.filter(overlapping).unique(
                    ["activity_id", "timestamp", "source"], keep="first"
                ),
            ]
        )
    # an Apple Health route has no cadence or power
    samples = samples.with_columns(
        pl.lit(None, pl.Float64).alias(c) for c in STREAM_COLUMNS if c not in samples.columns
    )
    streams = primary_streams(
        samples.drop("activity_id", "runner_id").rename(
            {"_activity": "activity_id", "_runner": "runner_id"}
        ),
        STREAM_COLUMNS,
    )
    samples = samples.select(
        "runner_id", "source", pl.exclude("runner_id", "source", "_activity", "_runner")
    )
    zones = runner_zones(context, merged)

    def by_activity_id(metrics: pl.DataFrame) -> pl.DataFrame:
        return metrics.with_columns(pl.col("activity_id").cast(pl.String))

    # a stream that never moved (a swim's watch on the wrist) says 0 s: unknown, not 0
    summary = by_activity_id(stream_summary(streams)).with_columns(
        pl.when(pl.col("moving_time_seconds") > 0)
        .then(pl.col("moving_time_seconds"))
        .alias("moving_time_seconds")
    )
    whole_stream = (
        pl.col("recorded_seconds") >= WHOLE_STREAM * pl.col("duration_seconds")
    ).fill_null(True)
    merged = (
        merged.join(summary, on="activity_id", how="left", suffix="_stream")
        .with_columns(
            (
                pl.coalesce(pl.when(whole_stream).then(f"{c}_stream"), c)
                if c in STREAM_FIRST
                else pl.coalesce(c, f"{c}_stream")
            ).alias(c)
            for c in summary.columns
            if c != "activity_id" and c in merged.columns
        )
        .with_columns(
            pl.coalesce(c, f"{c}_stream").alias(c)
            for c in summary.columns
            if c != "activity_id" and c not in merged.columns and f"{c}_stream" in merged.columns
        )
    )
    merged = merged.rename(
        {
            f"{c}_stream": c
            for c in summary.columns
            if f"{c}_stream" in merged.columns and c not in merged.columns
        }
    )
    merged = merged.drop(pl.selectors.ends_with("_stream"), "recorded_seconds")
    merged = merged.join(
        by_activity_id(zone_seconds(streams, zones)), on="activity_id", how="left"
    ).join(by_activity_id(km_splits(streams)), on="activity_id", how="left")
    merged = _fill_offsets(merged, context.runners)
    merged = merged.join(
        context.runners.select(
            "runner_id", "rest_hr_bpm", "max_hr_bpm", "biological_sex", "threshold_pace_sec_per_km"
        ),
        on="runner_id",
        how="left",
    )
    observed_max = merged.group_by("runner_id").agg(
        pl.col("max_heart_rate_bpm").max().alias("_seen_max")
    )
    merged = (
        merged.join(observed_max, on="runner_id", how="left")
        .with_columns(
            pl.coalesce("max_hr_bpm", "_seen_max").alias("max_hr_bpm"),
            pl.coalesce("rest_hr_bpm", pl.lit(60.0)).alias("rest_hr_bpm"),
        )
        .drop("_seen_max")
    )
    paced = pl.col("activity_type").is_in(PACED_TYPES) & (
        pl.col("distance_meters") >= MIN_PACED_METERS
    )
    moving = pl.coalesce("moving_time_seconds", "duration_seconds")
    # derived from fields of different sources (a route's moving time beside a workout's
    # distance): a speed or pace that cannot be true is left out, never clipped into range
    merged = merged.with_columns(
        _plausible(
            pl.when(pl.col("distance_meters") > 0).then(
                pl.coalesce("avg_speed_meters_per_second", pl.col("distance_meters") / moving)
            ),
            ACTIVITY_SPEED,
        ).alias("avg_speed_meters_per_second"),
        _plausible(pl.when(paced).then(moving / (pl.col("distance_meters") / 1000)), PACE).alias(
            "avg_pace_seconds_per_km"
        ),
        _plausible(
            pl.when(paced & (pl.col("max_speed_meters_per_second") > 0.3)).then(
                1000 / pl.col("max_speed_meters_per_second")
            ),
            PACE,
        ).alias("best_pace_seconds_per_km"),
        (pl.col("start_time") + pl.duration(seconds=pl.col("utc_offset_seconds").fill_null(0)))
        .dt.date()
        .alias("local_date"),
    )
    merged = training_loads(
        classify_sessions(merged.with_columns(pl.col("laps").fill_null([])), zones)
    )
    merged = (
        merged.with_columns(
            terra_code(pl.col("activity_type")).alias("terra_activity_type"),
            pl.when(pl.col("is_manual").fill_null(False))
            .then(pl.lit("manual"))
            .otherwise(pl.lit("automatic"))
            .alias("upload_type"),
            pl.col("laps").list.len().gt(0).and_(pl.col("laps").is_not_null()).alias("_has_laps"),
        )
        .with_columns(pl.when(pl.col("_has_laps")).then(pl.col("laps")).alias("laps"))
        .drop(
            "_has_laps",
            "rest_hr_bpm",
            "max_hr_bpm",
            "biological_sex",
            "threshold_pace_sec_per_km",
            strict=False,
        )
    )
    return merged, samples


def _plausible(value: pl.Expr, bounds: Bounds) -> pl.Expr:
    return pl.when(value.is_between(bounds.low, bounds.high)).then(value)


def build_sleep(raw: RawFrames) -> pl.DataFrame:
    if not raw.has_healthkit:
        return pl.DataFrame()
    stages = (
        raw.hk_records.lazy()
        .filter(
            (pl.col("type") == "HKCategoryTypeIdentifierSleepAnalysis")
            & pl.col("value_text").is_in(list(HEALTHKIT_STAGES))
        )
        .select(
            "runner_id",
            device_class(pl.col("source_name"), pl.col("device_hardware")).alias("device"),
            pl.col("value_text").replace_strict(HEALTHKIT_STAGES).alias("stage"),
            "start_time",
            "end_time",
            "end_utc_offset_seconds",
            "source_name",
            "device_name",
        )
        .collect()
    )
    if stages.is_empty():
        return pl.DataFrame()
    sessions = sleep_sessions(stages)
    # a session's offset and device are those of the record that ends it
    offsets = stages.select(
        "runner_id", pl.col("end_time").alias("_end"), "end_utc_offset_seconds", "device_name"
    ).sort("runner_id", "_end")
    sessions = (
        sessions.sort("runner_id", "end_time")
        .join_asof(
            offsets,
            left_on="end_time",
            right_on="_end",
            by="runner_id",
            strategy="backward",
            check_sortedness=False,
        )
        .drop("_end")
    )
    vitals = _session_vitals(raw.hk_records, sessions)
    return (
        sessions.join(vitals, on="sleep_session_id", how="left")
        .with_columns(
            pl.col("end_utc_offset_seconds").cast(pl.Int64).alias("utc_offset_seconds"),
            (
                pl.col("end_time")
                + pl.duration(seconds=pl.col("end_utc_offset_seconds").fill_null(0))
            )
            .dt.date()
            .alias("local_date"),
            pl.lit("healthkit").alias("source"),
            pl.lit(["healthkit"]).alias("sources"),
            pl.lit("automatic").alias("upload_type"),
        )
        .drop("end_utc_offset_seconds")
    )


def _session_vitals(records: pl.DataFrame, sessions: pl.DataFrame) -> pl.DataFrame:
    kinds = {
        "HKQuantityTypeIdentifierHeartRate": "hr",
        "HKQuantityTypeIdentifierHeartRateVariabilitySDNN": "hrv",
        "HKQuantityTypeIdentifierRespiratoryRate": "breaths",
        "HKQuantityTypeIdentifierOxygenSaturation": "spo2",
    }
    vitals = (
        records.lazy()
        .filter(pl.col("type").is_in(list(kinds)))
        .select(
            "runner_id",
            pl.col("start_time").alias("t"),
            pl.col("type")
            .replace_strict(kinds, return_dtype=pl.Enum(kinds.values()))
            .alias("kind"),
            "value",
        )
        .collect()
    )
    spans = sessions.select("runner_id", "sleep_session_id", "start_time", "end_time")
    inside = within_intervals(vitals, "t", spans, "start_time", "end_time")

    def of(kind: str) -> pl.Expr:
        return pl.col("value").filter(pl.col("kind") == kind)

    spo2 = of("spo2") * pl.when(of("spo2") <= 1).then(100).otherwise(1)
    return inside.group_by("sleep_session_id").agg(
        of("hr").mean().alias("avg_heart_rate_bpm"),
        of("hr").min().alias("min_heart_rate_bpm"),
        of("hr").max().alias("max_heart_rate_bpm"),
        of("hrv").mean().alias("avg_hrv_sdnn_ms"),
        of("breaths").mean().alias("avg_breaths_per_min"),
        of("breaths").min().alias("min_breaths_per_min"),
        of("breaths").max().alias("max_breaths_per_min"),
        spo2.mean().alias("avg_spo2_percentage"),
        spo2.min().alias("min_spo2_percentage"),
    )


def sleep_score() -> pl.Expr:
    """A simple score: duration against 8 h (60 pts), efficiency (25), deep+REM share (15)."""
    asleep = pl.col("duration_asleep_seconds")
    restorative = pl.col("duration_deep_sleep_seconds") + pl.col("duration_rem_sleep_seconds")
    return (
        (asleep / (8 * 3600)).clip(0, 1) * 60
        + (pl.col("sleep_efficiency") / 100).clip(0, 1) * 25
        + (restorative / asleep / 0.4).clip(0, 1).fill_nan(0) * 15
    ).round(0)


def build_terra(raw: RawFrames, context: RunnerContext) -> TerraFrames:
    """Every terra table; a source that has not been loaded yet contributes nothing."""
    activities, samples = build_activities(raw, context)
    sleep = build_sleep(raw)
    if sleep.height:
        sleep = sleep.with_columns(sleep_score().alias("sleep_score"))
    run_flags = (
        activities.select(
            "runner_id",
            "local_date",
            "activity_type",
            "distance_meters",
            "duration_seconds",
            "training_load",
            pl.col("activity_type").is_in(RUNNING_TYPES).alias("is_run"),
            "merged_from",
        )
        if activities.width
        else None
    )
    daily = daily_summaries(
        raw.hk_records if raw.has_healthkit else None,
        raw.hk_activity_summaries if raw.hk_activity_summaries.width else None,
        run_flags,
        sleep if sleep.height else None,
    )
    body = body_measurements(raw.hk_records) if raw.has_healthkit else pl.DataFrame()
    return TerraFrames(activities, samples, sleep, body, daily)
