"""Raw rows to Terra-shaped candidates, one adapter per source (frames in, frames out).

Every candidate carries the terra.activities column names, so merging across sources is a
field-by-field choice (transforms.activities).
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from transforms.activities import label_samples
from transforms.activity_types import HEALTHKIT, STRAVA, canonical, fit_activity_type
from transforms.intervals import sort_order, within_intervals
from transforms.units import EARTH_RADIUS_METERS

UTC = pl.Datetime("us", "UTC")


SOURCE_ONLY_FIELDS = (
    # only Strava candidates carry these
    "avg_cadence_spm",
    "avg_power_watts",
    "avg_speed_meters_per_second",
    "avg_temperature_celsius",
    "calories_kcal",
    "description",
    "elevation_gain_meters",
    "elevation_loss_meters",
    "gear_name",
    "is_commute",
    "is_manual",
    "is_race",
    "laps",
    "max_cadence_spm",
    "max_elevation_meters",
    "max_power_watts",
    "max_speed_meters_per_second",
    "min_elevation_meters",
    "moving_time_seconds",
    "name",
    "normalized_power_watts",
    "perceived_exertion",
    "relative_effort",
    # only Apple Health candidates carry these
    "active_calories_kcal",
    "device_software_version",
    "has_gps",
    "is_indoor",
    "min_heart_rate_bpm",
    "timezone",
)
"""Candidate fields one source has and the other lacks: a runner with only one of the two
sources still gets every field (empty), so nothing downstream depends on which arrived."""


SESSION_ID_DIGITS = 3
"""A file's later sessions are told apart by their number in the file, appended to Strava's
activity id in this many digits (`session_external_id`)."""
SESSION = "session_index"
FILE_KEYS = ("runner_id", "activity_id", SESSION)


def _seconds(column: str) -> pl.Expr:
    return pl.duration(microseconds=(pl.col(column) * 1e6).cast(pl.Int64))


def session_external_id(activity_id: pl.Expr, session: pl.Expr) -> pl.Expr:
    """The id of one session of an activity file: the activities.csv row's own id for the
    file's first session, and for each later one that id with the session's number appended
    (activity 11603216458, session 2: 11603216458002). Stable across re-runs, and never
    another Strava activity's id (those are ten or eleven digits, these fourteen)."""
    session = session.cast(pl.Int64).fill_null(0)
    return (
        pl.when(session > 0)
        .then(activity_id * 10**SESSION_ID_DIGITS + session)
        .otherwise(activity_id)
    )


def _with_sessions(frame: pl.DataFrame) -> pl.DataFrame:
    """`session_index` 0 where the rows have none (loaded before sessions were told apart)."""
    if SESSION not in frame.columns:
        return frame.with_columns(pl.lit(0, pl.Int32).alias(SESSION))
    return frame.with_columns(pl.col(SESSION).fill_null(0))


def strava_laps(laps: pl.DataFrame) -> pl.DataFrame:
    """raw_strava.laps grouped per activity session into the terra `laps` list, numbered
    from 1 within the session."""
    return (
        _with_sessions(laps)
        .sort("runner_id", "activity_id", "lap_index")
        .with_columns((pl.int_range(pl.len()).over(FILE_KEYS) + 1).alias("lap_index"))
        .group_by(FILE_KEYS, maintain_order=True)
        .agg(
            pl.struct(
                pl.col("lap_index").cast(pl.Int64),
                pl.col("start_time").cast(UTC),
                pl.col("end_time").cast(UTC),
                pl.col("total_elapsed_time_seconds").alias("duration_seconds"),
                pl.col("total_timer_time_seconds").alias("moving_time_seconds"),
                "distance_meters",
                pl.col("avg_speed_mps").alias("avg_speed_meters_per_second"),
                "avg_heart_rate_bpm",
                "max_heart_rate_bpm",
                "avg_cadence_spm",
                "avg_power_watts",
                "calories_kcal",
                pl.col("trigger").alias("trigger_method"),
            ).alias("laps")
        )
    )


def strava_candidates(
    activities: pl.DataFrame, files: pl.DataFrame, laps: pl.DataFrame
) -> pl.DataFrame:
    """One candidate per activities.csv row, completed from its decoded file where present;
    one per session for a file that holds several activities apart (a TCX file's
    <Activity> elements, `raw_strava.activity_files.session_index`).

    Such a file's first session keeps the row's id and its words (name, description, gear,
    flags, RPE); each later one gets an id of its own (`session_external_id`) and the row's
    name with its place ("Morning Run (2/4)"). The row's figures (totals, averages, type,
    relative effort) are the whole upload's, no one session's: its sessions take their
    own file's only."""
    f = _with_sessions(files)
    f = f.rename({c: f"file_{c}" for c in f.columns if c not in FILE_KEYS})
    rows = (
        activities.join(f, on=["runner_id", "activity_id"], how="left")
        .with_columns(pl.col(SESSION).fill_null(0))
        .with_columns((pl.len().over("runner_id", "activity_id") > 1).alias("_split"))
    )
    if laps.width:  # no file had laps (GPX files, a truncated FIT): no laps table at all
        rows = rows.join(strava_laps(laps), on=FILE_KEYS, how="left")
    else:
        rows = rows.with_columns(pl.lit(None).alias("laps"))
    csv_type = canonical(pl.col("activity_type").cast(pl.String), STRAVA)
    file_type = fit_activity_type(pl.col("file_sport"), pl.col("file_sub_sport"))
    duration = _total(
        "file_total_elapsed_time_seconds",
        pl.coalesce(
            _csv("elapsed_time_seconds_precise"),
            _csv("elapsed_time_seconds").cast(pl.Float64),
        ),
    )
    start = pl.coalesce(pl.col("file_start_time").cast(UTC), _csv("activity_date").cast(UTC))
    later = pl.col(SESSION) > 0
    return rows.select(
        "runner_id",
        pl.lit("strava").alias("source"),
        session_external_id(pl.col("activity_id"), pl.col(SESSION))
        .cast(pl.String)
        .alias("external_id"),
        pl.coalesce("file_source_file", "source_file").alias("source_file"),
        pl.when(later)
        .then(
            pl.format(
                "{} ({}/{})",
                "activity_name",
                pl.col(SESSION) + 1,
                pl.len().over("runner_id", "activity_id"),
            )
        )
        .otherwise(pl.col("activity_name"))
        .alias("name"),
        _words("activity_description").alias("description"),
        pl.when(pl.col("file_sport").is_not_null() & ((file_type != "other") | pl.col("_split")))
        .then(file_type)
        .otherwise(csv_type)
        .alias("activity_type"),
        pl.when(pl.col("_split"))
        .then(pl.col("file_sport"))
        .otherwise(pl.col("activity_type").cast(pl.String))
        .alias("source_activity_type"),
        start.alias("start_time"),
        (start + pl.duration(microseconds=(duration * 1e6).cast(pl.Int64))).alias("end_time"),
        pl.col("file_utc_offset_seconds").cast(pl.Int64).alias("utc_offset_seconds"),
        duration.alias("duration_seconds"),
        _total("file_total_timer_time_seconds", _csv("moving_time").cast(pl.Float64)).alias(
            "moving_time_seconds"
        ),
        _total("file_distance_meters", _csv("distance_meters")).alias("distance_meters"),
        _total("file_avg_speed_mps", _csv("average_speed")).alias("avg_speed_meters_per_second"),
        pl.coalesce("file_max_speed_mps", _csv("max_speed")).alias("max_speed_meters_per_second"),
        _file_average("cadence_spm").alias("avg_cadence_spm"),
        pl.col("file_max_cadence_spm").alias("max_cadence_spm"),
        _file_average("heart_rate_bpm", "average_heart_rate").alias("avg_heart_rate_bpm"),
        pl.coalesce(
            "file_max_heart_rate_bpm", _csv("max_heart_rate_bpm"), _csv("max_heart_rate_bpm_stats")
        ).alias("max_heart_rate_bpm"),
        _file_average("power_watts", "average_watts").alias("avg_power_watts"),
        pl.coalesce("file_max_power_watts", _csv("max_watts")).alias("max_power_watts"),
        _csv("weighted_average_power").alias("normalized_power_watts"),
        pl.coalesce("file_calories_kcal", _csv("calories")).alias("calories_kcal"),
        pl.coalesce("file_total_ascent_meters", _csv("elevation_gain")).alias(
            "elevation_gain_meters"
        ),
        pl.coalesce("file_total_descent_meters", _csv("elevation_loss")).alias(
            "elevation_loss_meters"
        ),
        _csv("elevation_low").alias("min_elevation_meters"),
        _csv("elevation_high").alias("max_elevation_meters"),
        _csv("average_temperature").alias("avg_temperature_celsius"),
        pl.col("file_device_product").alias("device_name"),
        pl.col("file_device_manufacturer").alias("device_manufacturer"),
        pl.coalesce("file_max_heart_rate_bpm", _csv("average_heart_rate"))
        .is_not_null()
        .alias("has_heart_rate"),
        pl.col("filename").is_null().alias("is_manual"),
        pl.when(later.not_()).then(_flag("competition")).alias("is_race"),
        pl.when(later.not_())
        .then(pl.coalesce(_flag("commute"), _flag("commute_flag")))
        .alias("is_commute"),
        _words("activity_gear").alias("gear_name"),
        _words("perceived_exertion").cast(pl.Float64).alias("perceived_exertion"),
        pl.coalesce(
            _csv("relative_effort_precise"), _csv("relative_effort").cast(pl.Float64)
        ).alias("relative_effort"),
        pl.col("laps"),
    )


def _csv(column: str) -> pl.Expr:
    """An activities.csv figure, for a row whose file is one activity (or that has no
    file): a file of several sessions has it for the whole upload, not for any session."""
    return pl.when(pl.col("_split").not_()).then(pl.col(column))


def _words(column: str) -> pl.Expr:
    """What the runner wrote or chose on the activities.csv row (description, gear, RPE),
    which goes to the first session of its file."""
    return pl.when(pl.col(SESSION) == 0).then(pl.col(column))


def _total(file_column: str, csv_value: pl.Expr) -> pl.Expr:
    """A whole-activity total: the decoded file's, unless the file only partly decoded
    (truncated, corrupt: `decode_problem` set) and activities.csv has it. A partial
    recording's totals cover only its part, while Strava's own summary covers the run
    (and is what the same run from other sources matches on); its samples still load."""
    partial = pl.col("file_decode_problem").is_not_null()
    return (
        pl.when(partial & csv_value.is_not_null())
        .then(csv_value)
        .otherwise(pl.coalesce(pl.col(file_column), csv_value))
    )


def _file_average(stream: str, csv_column: str | None = None) -> pl.Expr:
    """The file's own average of a stream (a FIT session's, a TCX lap's). Where the file has
    the stream but no average of it (a GPX track, a Fenix 2 session), none: terra then weighs
    the samples by time (`activity_metrics.time_weighted_mean`), a rule we can check, which
    Strava's CSV figure is not. activities.csv's only where the file lacks the stream (no
    file, or one recorded without the sensor)."""
    average = pl.col(f"file_avg_{stream}")
    if csv_column is None:
        return average
    return pl.coalesce(
        average, pl.when(pl.col(f"file_max_{stream}").is_null()).then(_csv(csv_column))
    )


def _flag(column: str) -> pl.Expr:
    value = pl.col(column)
    return value.cast(pl.String).str.to_lowercase().is_in(["true", "1", "1.0", "yes"])


def healthkit_candidates(workouts: pl.DataFrame, statistics: pl.DataFrame) -> pl.DataFrame:
    """One candidate per Apple Health workout; heart rate from its WorkoutStatistics."""
    heart = (
        statistics.filter(pl.col("type") == "HKQuantityTypeIdentifierHeartRate")
        .group_by("runner_id", "workout_id")
        .agg(
            pl.col("average").first().alias("avg_heart_rate_bpm"),
            pl.col("minimum").first().alias("min_heart_rate_bpm"),
            pl.col("maximum").first().alias("max_heart_rate_bpm"),
        )
    )
    rows = workouts.join(heart, on=["runner_id", "workout_id"], how="left")
    return rows.select(
        "runner_id",
        pl.lit("healthkit").alias("source"),
        pl.col("workout_id").alias("external_id"),
        "source_file",
        canonical(pl.col("activity_type"), HEALTHKIT).alias("activity_type"),
        pl.col("activity_type").alias("source_activity_type"),
        pl.col("start_time").cast(UTC),
        pl.col("end_time").cast(UTC),
        pl.col("start_utc_offset_seconds").cast(pl.Int64).alias("utc_offset_seconds"),
        "timezone",
        pl.coalesce(
            "duration_seconds",
            (pl.col("end_time") - pl.col("start_time")).dt.total_seconds(fractional=True),
        ).alias("duration_seconds"),
        pl.col("total_distance_meters").alias("distance_meters"),
        pl.col("total_energy_burned_kcal").alias("active_calories_kcal"),
        "avg_heart_rate_bpm",
        "min_heart_rate_bpm",
        "max_heart_rate_bpm",
        pl.col("avg_heart_rate_bpm").is_not_null().alias("has_heart_rate"),
        pl.col("route_file").is_not_null().alias("has_gps"),
        pl.col("is_indoor"),
        pl.col("device_name"),
        pl.col("device_manufacturer"),
        pl.col("device_software").alias("device_software_version"),
    )


def strava_samples(samples: pl.DataFrame) -> pl.DataFrame:
    """The samples on terra names, by recording (runner_id, external_id): external_id stays
    Strava's activity id as loaded (a number; a later session of a file: its
    `session_external_id`), not turned into text for millions of rows only to find each
    one's recording. A recording without any distance (a GPX track) gets
    the great-circle distance along its positions, as Apple Health routes do."""
    recording = pl.col("activity_id")
    if SESSION in samples.columns and samples[SESSION].max():
        recording = session_external_id(recording, pl.col(SESSION))
    frame = samples.select(
        "runner_id",
        recording.alias("external_id"),
        pl.col("timestamp").cast(UTC),
        "elapsed_seconds",
        "heart_rate_bpm",
        pl.col("speed_mps").alias("speed_meters_per_second"),
        "cadence_spm",
        "power_watts",
        pl.col("latitude").alias("lat_deg"),
        pl.col("longitude").alias("lon_deg"),
        "altitude_meters",
        "distance_meters",
        "temperature_celsius",
    )
    if not frame["distance_meters"].null_count():
        return frame
    tracks = (
        frame.group_by("external_id")
        .agg(pl.col("distance_meters").is_null().all().alias("_none"))
        .filter("_none")["external_id"]
    )
    untracked = pl.col("external_id").is_in(tracks.implode())
    measured = (
        frame.filter(untracked)
        .sort("external_id", "timestamp")
        .with_columns(route_distance().over("external_id").alias("distance_meters"))
    )
    return pl.concat([frame.filter(untracked.not_()), measured])


NO_ROUTE = pl.Schema(
    {
        "runner_id": pl.String(),
        "workout_id": pl.String(),
        "time": UTC,
        **dict.fromkeys(("speed_mps", "latitude", "longitude", "altitude_meters"), pl.Float64()),
    }
)
AXIS_KEYS = ["_workout", "timestamp"]
MOTION_CONTEXT = "HKMetadataKeyHeartRateMotionContext"
ACTIVE_MOTION = "2"
"""HKHeartRateMotionContext.active: what the Watch writes on the heart rates it measures
during a workout (background readings say 1, sedentary, or 0, not set)."""


def one_sample_per_instant(
    samples: pl.DataFrame, keys: list[str], preferred: str | None = None
) -> pl.DataFrame:
    """Two samples of one stream at one instant become one sample. The rule: where some of
    them are marked by the boolean column ``preferred`` (the workout's own heart rate), each
    value is the mean of those; otherwise the mean of all of them (a value only one of them
    has is kept). Samples alone at their instant are left as they are. Hashes every row:
    give it the few repeated samples, not a whole stream."""
    repeated = samples.select(pl.struct(keys).is_duplicated()).to_series()
    if not repeated.any():
        return samples
    values = [c for c in samples.columns if c not in keys and c != preferred]
    chosen = pl.lit(True) if preferred is None else pl.col(preferred).fill_null(False)
    resolved = (
        samples.filter(repeated)
        .filter(chosen | chosen.any().over(keys).not_())
        .group_by(keys)
        .agg(
            *(pl.col(c).mean().cast(samples.schema[c]) for c in values),
            *([chosen.any().alias(preferred)] if preferred else []),
        )
    )
    return pl.concat([samples.filter(repeated.not_()), resolved.select(samples.columns)])


def healthkit_samples(
    workouts: pl.DataFrame,
    route_points: pl.DataFrame,
    records: pl.DataFrame,
    record_metadata: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Route points and the heart-rate records inside each workout, on one time axis, by
    recording (runner_id, external_id). Points or heart rates sharing an instant are one
    sample (`one_sample_per_instant`); of heart rates, those measured by the workout
    (`ACTIVE_MOTION`, from ``record_metadata``) win over background readings."""
    # each workout numbered in (runner, workout) order: the million-row join, sort and
    # distance below work on that one integer rather than on two text columns
    spans = (
        workouts.select(
            "runner_id",
            pl.col("workout_id").alias("external_id"),
            pl.col("start_time").cast(UTC).alias("w_start"),
            pl.col("end_time").cast(UTC).alias("w_end"),
        )
        .sort("runner_id", "external_id")
        .with_row_index("_workout")
    )
    if not route_points.width:  # no workout had a route: no route table at all
        route_points = pl.DataFrame(schema=NO_ROUTE)
    route = label_samples(
        route_points.select(
            "runner_id",
            pl.col("workout_id").alias("external_id"),
            pl.col("time").cast(UTC).alias("timestamp"),
            # Core Location writes a negative speed for "not known"
            pl.when(pl.col("speed_mps") >= 0)
            .then(pl.col("speed_mps"))
            .alias("speed_meters_per_second"),
            pl.col("latitude").alias("lat_deg"),
            pl.col("longitude").alias("lon_deg"),
            "altitude_meters",
        ),
        spans.select("runner_id", "external_id", "_workout"),
    ).drop("runner_id", "external_id")
    heart = (
        records.lazy()
        .filter(pl.col("type") == "HKQuantityTypeIdentifierHeartRate")
        .select(
            "runner_id",
            "record_id",
            pl.col("start_time").cast(UTC).alias("timestamp"),
            pl.col("value").alias("heart_rate_bpm"),
        )
        .collect()
    )
    # records by position (`_record`), not by their text ids: most are never looked up
    heart_in_workouts = within_intervals(
        heart.select(
            "runner_id",
            "timestamp",
            "heart_rate_bpm",
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("_record"),
        ),
        "timestamp",
        spans,
        "w_start",
        "w_end",
    ).select(*AXIS_KEYS, "heart_rate_bpm", "_record")

    def workouts_own(beats: pl.DataFrame) -> pl.DataFrame:
        ids = heart["record_id"].gather(beats["_record"])
        return _workouts_own_heart_rates(beats.with_columns(ids), record_metadata)

    merged = _on_one_time_axis(route, heart_in_workouts, workouts_own).with_columns(
        pl.col("_workout").set_sorted()
    )
    workout = merged["_workout"]
    return merged.select(
        spans["runner_id"].gather(workout),
        spans["external_id"].gather(workout),
        "timestamp",
        "speed_meters_per_second",
        "lat_deg",
        "lon_deg",
        "altitude_meters",
        "heart_rate_bpm",
        (pl.col("timestamp") - spans["w_start"].gather(workout))
        .dt.total_seconds(fractional=True)
        .alias("elapsed_seconds"),
        route_distance().over("_workout").alias("distance_meters"),
    )


def _workouts_own_heart_rates(
    beats: pl.DataFrame, record_metadata: pl.DataFrame | None
) -> pl.DataFrame:
    """Heart rates sharing workouts and instants, one per instant: the workout's own
    (`ACTIVE_MOTION`) where there is one."""
    if record_metadata is None or not record_metadata.width:
        active = pl.Series("record_id", [], pl.String)
    else:
        active = record_metadata.filter(
            (pl.col("key") == MOTION_CONTEXT)
            & (pl.col("value") == ACTIVE_MOTION)
            & pl.col("record_id").is_in(beats["record_id"].implode())
        )["record_id"]
    marked = beats.select(
        *AXIS_KEYS, "heart_rate_bpm", pl.col("record_id").is_in(active.implode()).alias("_active")
    )
    return one_sample_per_instant(marked, AXIS_KEYS, preferred="_active")


def _on_one_time_axis(
    route: pl.DataFrame,
    heart: pl.DataFrame,
    one_heart_rate: Callable[[pl.DataFrame], pl.DataFrame],
) -> pl.DataFrame:
    """Route points and heart rates (each keyed by `_workout` and `timestamp`) in one frame
    sorted by workout and time, a point and a heart rate at the same instant sharing a row:
    an outer join on workout and instant, after each side's samples sharing an instant
    became one (points by `one_sample_per_instant`, heart rates by ``one_heart_rate``).

    Only the keys are sorted together; a heart rate lands right after the point of its
    instant and moves onto it, and each output row then gathers its point and its heart
    rate: one sort of two narrow columns instead of a join of millions of rows and then a
    sort. The same sort shows a side repeating an instant (two rows of it side by side):
    only those few are resolved, and the axis is sorted again."""
    keys = AXIS_KEYS
    both = pl.concat([route.select(keys), heart.select(keys)])
    order = sort_order(both, *keys)
    points = route.height
    shares_next = (pl.col("_workout") == pl.col("_workout").shift(-1)) & (
        pl.col("timestamp") == pl.col("timestamp").shift(-1)
    )
    axis = (
        both[order]
        .with_columns(order.alias("_row"))
        .with_columns(
            (pl.col("_row") >= points).alias("_heart"), shares_next.fill_null(False).alias("_next")
        )
    )
    # the stable sort keeps a side's rows of one instant together, points before heart rates
    repeats = pl.col("_next") & (pl.col("_heart") == pl.col("_heart").shift(-1))
    repeated = axis.filter(repeats | repeats.shift(1).fill_null(False))
    if repeated.height:
        in_route = repeated.filter(pl.col("_heart").not_())["_row"]
        in_heart = repeated.filter(pl.col("_heart"))["_row"] - points
        route = _replaced(route, in_route, one_sample_per_instant(route[in_route], keys))
        heart = _replaced(heart, in_heart, one_heart_rate(heart[in_heart]))
        return _on_one_time_axis(route, heart, one_heart_rate)
    # a heart rate that moved onto the point before it leaves no row of its own
    rows = axis.select(
        *keys,
        pl.when(pl.col("_heart").not_()).then(pl.col("_row")).alias("_point"),
        pl.when(pl.col("_heart"))
        .then(pl.col("_row") - points)
        .when(pl.col("_next"))
        .then(pl.col("_row").shift(-1) - points)
        .alias("_beat"),
        (pl.col("_heart") & pl.col("_next").shift(1).fill_null(False)).alias("_moved"),
    ).filter(pl.col("_moved").not_())
    return rows.select(
        *keys,
        *(route[c].gather(rows["_point"]) for c in route.columns if c not in keys),
        heart["heart_rate_bpm"].gather(rows["_beat"]),
    )


def _replaced(frame: pl.DataFrame, rows: pl.Series, by: pl.DataFrame) -> pl.DataFrame:
    """``frame`` without the ``rows`` (positions), plus ``by`` (the columns both have)."""
    kept = pl.Series([True] * frame.height, dtype=pl.Boolean).scatter(rows, False)
    shared = [c for c in frame.columns if c in by.columns]
    return pl.concat([frame.filter(kept).select(shared), by.select(shared)])


def route_distance() -> pl.Expr:
    """Cumulative great-circle (haversine) distance along lat_deg/lon_deg, null where no fix."""
    lat, lon = pl.col("lat_deg").radians(), pl.col("lon_deg").radians()
    previous_lat = lat.forward_fill().shift(1)
    previous_lon = lon.forward_fill().shift(1)
    a = ((lat - previous_lat) / 2).sin().pow(2) + lat.cos() * previous_lat.cos() * (
        (lon - previous_lon) / 2
    ).sin().pow(2)
    step = (2 * EARTH_RADIUS_METERS * a.sqrt().arcsin()).fill_null(0.0)
    return pl.when(lat.is_not_null()).then(step.cum_sum())
