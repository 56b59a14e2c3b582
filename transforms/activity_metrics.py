"""What an activity's per-second samples tell: zone time, splits, climbing, best efforts.

Samples: activity_id, runner_id, timestamp, heart_rate_bpm, speed_meters_per_second,
altitude_meters, distance_meters, lat_deg, lon_deg (any may be null).

The metric functions take one stream per activity sorted by activity_id and timestamp, as
`primary_streams` returns it: millions of samples are sorted once, not once per metric, and
"the previous sample" is the previous row whenever it belongs to the same activity.
"""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from transforms.intervals import sort_order
from transforms.physiology import RACE_METERS
from warehouse.plausibility import PACE

MOVING_SPEED = 1609.344 / 1800
"""m/s (0.89): Strava's running threshold, "anything faster than a 30-minute mile pace"
(Strava Training Glossary for Running, "Moving Time"). Slower is standing or GPS drift: on
the real files a lower 0.5 m/s counts a runner waiting at lights as moving (+2 % to +11 %)."""
PAUSE_SECONDS = 60.0
"""A gap between two samples longer than this is a pause (the watch was stopped or lost its
fix): it is neither moving time nor effort. Garmin's smart recording writes a sample every
1-30 s while running (gaps up to 28 s in the real files): a shorter limit drops real running
(a 10 s limit counted 1,489 of a 2,818 s run as moving)."""
MIN_SPLIT_METERS = 100.0
"""A partial last split shorter than this gets no pace (see `split_pace`)."""
AVERAGED_STREAMS = {
    "heart_rate_bpm": "avg_heart_rate_bpm",
    "cadence_spm": "avg_cadence_spm",
    "power_watts": "avg_power_watts",
}
"""Streams whose activity average `stream_summary` gives (those the samples have)."""
ELEVATION_NOISE = 2.0
"""Metres of altitude change ignored as barometer/GPS noise (hysteresis)."""


def codes_for(values: pl.Series) -> pl.Enum:
    """The distinct values (activity or runner ids) as an Enum in text order: grouping,
    joining and sorting millions of samples on its integer codes is several times faster
    than on the text, and keeps the same order."""
    return pl.Enum(values.unique().drop_nulls().sort())


def primary_streams(samples: pl.DataFrame, columns: Sequence[str]) -> pl.DataFrame:
    """One stream per activity for metrics: the richest source (most distance, then most HR
    samples; ties by source name), so two recordings are never mixed on one time axis.

    `samples` carry activity_id as an Enum (see `codes_for`; null for samples to leave out),
    source, timestamp, distance_meters and heart_rate_bpm. Returns activity_id and
    `columns`, sorted by activity and time."""
    codes = samples.schema["activity_id"]
    if not isinstance(codes, pl.Enum):
        raise TypeError(f"activity_id must be an Enum (codes_for), not {codes}")
    richest = (
        samples.lazy()
        .drop_nulls("activity_id")
        .group_by("activity_id", "source")
        .agg(
            pl.col("distance_meters").count().alias("_d"),
            pl.col("heart_rate_bpm").count().alias("_h"),
        )
        .sort("activity_id", "_d", "_h", "source", descending=[False, True, True, False])
        .unique("activity_id", keep="first")
        .collect()
    )
    # the richest source of every activity, looked up by the activity's code
    source_of = pl.Series("_primary", [None] * len(codes.categories), pl.String).scatter(
        richest["activity_id"].to_physical(), richest["source"]
    )
    chosen = (
        samples.lazy()
        .with_row_index("_row")
        .filter(pl.col("source") == pl.lit(source_of).gather(pl.col("activity_id").to_physical()))
        .select("_row", "activity_id", "timestamp")
        .collect()
    )
    # the chosen rows are found and ordered on three narrow columns, then gathered once
    order = chosen["_row"].gather(sort_order(chosen, "activity_id", "timestamp"))
    # flagged sorted, group-bys take each activity as one slice of rows
    return samples.select("activity_id", *columns)[order].with_columns(
        pl.col("activity_id").set_sorted()
    )


def _previous(expr: pl.Expr, rows: int = 1, activity: str = "activity_id") -> pl.Expr:
    """`expr` `rows` rows earlier (negative: later) within the same activity, else null: the
    same as `expr.shift(rows).over(activity)` on frames sorted by activity, without a window."""
    return pl.when(pl.col(activity).shift(rows) == pl.col(activity)).then(expr.shift(rows))


def _interval() -> pl.Expr:
    """The time each sample stands for: seconds to the next sample of its activity (1 s for
    the last one), none across a pause (`PAUSE_SECONDS`). Samples come at irregular
    intervals (smart recording writes more often when pace or heart rate changes), so every
    total or average over time weighs a sample by this."""
    gap = (
        (_previous(pl.col("timestamp"), -1) - pl.col("timestamp"))
        .dt.total_seconds(fractional=True)
        .fill_null(1.0)
    )
    return pl.when(gap <= PAUSE_SECONDS).then(gap.clip(lower_bound=0.0)).otherwise(0.0).alias("_dt")


def time_weighted_mean(column: str) -> pl.Expr:
    """The mean of a stream over time, in an aggregation over frames with `_interval`'s
    `_dt`: each value weighs the time it stood for. A plain mean of smart-recorded samples
    over-weighs the moments when values change fast (the real Garmin GPX of 2017-10-08:
    134.1 bpm plain, 129.8 bpm over time, the watch's own session says 130)."""
    value, weight = pl.col(column), pl.col("_dt")
    total = weight.filter(value.is_not_null()).sum()
    return pl.when(total > 0).then((value * weight).sum() / total).otherwise(value.mean())


def moving_seconds() -> pl.Expr:
    """Time in motion, in an aggregation over frames with `_interval`'s `_dt`: the
    intervals over which the runner covered ground at `MOVING_SPEED` or faster (distance to
    the next sample over the time to it; the sample's own speed where a distance is
    missing). One rule for every file format: a GPX or TCX file knows no moving time (its
    "timer" is the elapsed time) and a FIT timer without auto-pause counts every stop."""
    covered = _previous(pl.col("distance_meters"), -1) - pl.col("distance_meters")
    speed = pl.coalesce(
        pl.when(pl.col("_dt") > 0).then(covered / pl.col("_dt")),
        pl.col("speed_meters_per_second"),
    )
    return pl.col("_dt").filter(speed >= MOVING_SPEED).sum()


def zone_seconds(samples: pl.DataFrame, zones: pl.DataFrame) -> pl.DataFrame:
    """Seconds in each of the runner's HR zones per activity.

    `zones`: runner_id, zone, name, min_bpm, max_bpm. Heart rates below zone 1 are not
    counted; above zone 5 count as zone 5. The samples' runner_id may be coded (`codes_for`).
    """
    zones = zones.with_columns(pl.col("runner_id").cast(samples.schema["runner_id"], strict=False))
    # one row per runner holding every zone's lower bound, so each sample is placed by a
    # few comparisons instead of being joined with every zone
    bounds = zones.pivot("zone", index="runner_id", values="min_bpm").rename(
        lambda c: c if c == "runner_id" else f"_from_{c}"
    )
    numbers = sorted(zones["zone"].unique().to_list(), reverse=True)
    zone = pl.lit(None, pl.Int64)
    for number in reversed(numbers):
        zone = (
            pl.when(pl.col("heart_rate_bpm") >= pl.col(f"_from_{number}"))
            .then(pl.lit(number, pl.Int64))
            .otherwise(zone)
        )
    totals = (
        samples.lazy()
        .select("activity_id", "runner_id", "heart_rate_bpm", _interval())
        .filter(pl.col("heart_rate_bpm").is_not_null())
        .join(bounds.lazy(), on="runner_id")
        .with_columns(zone.alias("zone"))
        .drop_nulls("zone")
        .group_by("activity_id", "runner_id", "zone")
        .agg(pl.col("_dt").sum().alias("duration_seconds"))
        .collect()
    )
    return (
        totals.join(zones, on=["runner_id", "zone"])
        .select("activity_id", "zone", "name", "min_bpm", "max_bpm", "duration_seconds")
        .sort("activity_id", "zone")
        .group_by("activity_id", maintain_order=True)
        .agg(
            pl.struct("zone", "name", "min_bpm", "max_bpm", "duration_seconds").alias(
                "hr_zone_seconds"
            )
        )
    )


def split_pace() -> pl.Expr:
    """A split's pace, or none where it would not mean anything: a split shorter than
    `MIN_SPLIT_METERS` (the few metres after the last whole kilometre, walked while
    stopping the watch, would give a pace of hours per km) or a pace outside `PACE` (the
    runner stood still for most of it). The split keeps its distance and time."""
    pace = pl.col("duration_seconds") / (pl.col("distance_meters") / 1000)
    return (
        pl.when(
            (pl.col("distance_meters") >= MIN_SPLIT_METERS) & pace.is_between(PACE.low, PACE.high)
        )
        .then(pace)
        .otherwise(None)
    )


def km_splits(samples: pl.DataFrame, split_meters: float = 1000.0) -> pl.DataFrame:
    """Per-kilometre splits from cumulative distance (the last split may be partial, and
    then has a pace only when it is long enough: `split_pace`). `split_meters` of a mile
    (`units.DISTANCE_TO_M["mi"]`) gives mile splits: `km` is then the split's number and
    the pace stays per km."""
    timed = (
        samples.lazy()
        .select("activity_id", "timestamp", "distance_meters", "altitude_meters", "heart_rate_bpm")
        .filter(pl.col("distance_meters").is_not_null())
        .with_columns(
            (
                pl.col("distance_meters") - pl.col("distance_meters").first().over("activity_id")
            ).alias("_from_start"),
            (pl.col("altitude_meters") - _previous(pl.col("altitude_meters")))
            .clip(lower_bound=0)
            .alias("_up"),
            _interval(),
        )
        .with_columns((pl.col("_from_start") // split_meters).cast(pl.Int64).alias("_km"))
    )
    previous_t = _previous(pl.col("timestamp"))
    previous_d = _previous(pl.col("_from_start"))
    # the instant the kilometre boundary was crossed, interpolated between two samples
    crossing = previous_t + (
        (pl.col("timestamp") - previous_t)
        * ((pl.col("_km") * split_meters - previous_d) / (pl.col("_from_start") - previous_d))
    )
    splits = (
        timed.with_columns(
            pl.when(previous_d.is_null() | (pl.col("_from_start") == previous_d))
            .then(pl.col("timestamp"))
            .otherwise(crossing)
            .alias("_crossed")
        )
        .group_by("activity_id", "_km")
        .agg(
            # rows keep their (time) order within a group: the first is the earliest
            pl.col("_crossed").first().alias("_entered"),
            pl.col("timestamp").max().alias("_last"),
            time_weighted_mean("heart_rate_bpm").alias("avg_heart_rate_bpm"),
            pl.col("_up").sum().alias("elevation_gain_meters"),
            pl.col("_from_start").max().alias("_reach"),
        )
        .sort("activity_id", "_km")
        .with_columns(
            # a split lasts from entering its kilometre to entering the next one
            (
                pl.col("_entered").shift(-1).over("activity_id").fill_null(pl.col("_last"))
                - pl.col("_entered")
            )
            .dt.total_seconds(fractional=True)
            .alias("duration_seconds")
        )
    )
    return (
        splits.with_columns(
            (pl.col("_km") + 1).alias("km"),
            pl.when(pl.col("_km").shift(-1).over("activity_id").is_not_null())
            .then(split_meters)
            .otherwise(pl.col("_reach") - pl.col("_km") * split_meters)
            .alias("distance_meters"),
        )
        .filter(pl.col("distance_meters") > 0)
        .with_columns(split_pace().alias("pace_seconds_per_km"))
        .sort("activity_id", "km")
        .group_by("activity_id", maintain_order=True)
        .agg(
            pl.struct(
                "km",
                "distance_meters",
                "duration_seconds",
                "pace_seconds_per_km",
                "avg_heart_rate_bpm",
                "elevation_gain_meters",
            ).alias("splits_km")
        )
        .collect()
    )


def stream_summary(samples: pl.DataFrame) -> pl.DataFrame:
    """Moving time, the time the stream spans (`recorded_seconds`), climbing with a noise
    threshold, start/end position, time-weighted averages (`AVERAGED_STREAMS`), HR range
    and max speed."""
    positioned = pl.col("lat_deg").is_not_null() & pl.col("lon_deg").is_not_null()
    altitudes = pl.col("altitude_meters").drop_nulls()
    return (
        samples.lazy()
        .with_columns(_interval())
        .group_by("activity_id")
        .agg(
            moving_seconds().alias("moving_time_seconds"),
            (pl.col("timestamp").max() - pl.col("timestamp").min())
            .dt.total_seconds(fractional=True)
            .alias("recorded_seconds"),
            # a repeated altitude never moves the climbing anchor: the loop skips repeats
            altitudes.filter(altitudes.diff().fill_null(1.0) != 0).alias("_altitudes"),
            pl.col("lat_deg").filter(positioned).first().alias("start_lat_deg"),
            pl.col("lon_deg").filter(positioned).first().alias("start_lon_deg"),
            pl.col("lat_deg").filter(positioned).last().alias("end_lat_deg"),
            pl.col("lon_deg").filter(positioned).last().alias("end_lon_deg"),
            *(
                time_weighted_mean(stream).alias(average)
                for stream, average in AVERAGED_STREAMS.items()
                if stream in samples.columns
            ),
            pl.col("heart_rate_bpm").min().alias("min_heart_rate_bpm"),
            pl.col("heart_rate_bpm").max().alias("max_heart_rate_bpm"),
            pl.col("speed_meters_per_second").max().alias("max_speed_meters_per_second"),
            pl.col("altitude_meters").min().alias("min_elevation_meters"),
            pl.col("altitude_meters").max().alias("max_elevation_meters"),
            pl.col("altitude_meters").mean().alias("avg_elevation_meters"),
            positioned.any().alias("has_gps"),
            pl.col("heart_rate_bpm").is_not_null().any().alias("has_heart_rate"),
        )
        .collect()
        .with_columns(
            pl.col("_altitudes")
            .map_elements(_climb, return_dtype=pl.List(pl.Float64))
            .alias("_climb")
        )
        .with_columns(
            pl.col("_climb").list.get(0, null_on_oob=True).alias("elevation_gain_meters"),
            pl.col("_climb").list.get(1, null_on_oob=True).alias("elevation_loss_meters"),
        )
        .drop("_altitudes", "_climb")
    )


def _climb(altitudes: pl.Series) -> list[float]:
    """Total ascent and descent, counting a change only once it exceeds the noise band."""
    if altitudes.len() < 2:
        return [0.0, 0.0]
    gain = loss = 0.0
    anchor = altitudes[0]
    for altitude in altitudes.to_list()[1:]:
        if altitude - anchor >= ELEVATION_NOISE:
            gain += altitude - anchor
            anchor = altitude
        elif anchor - altitude >= ELEVATION_NOISE:
            loss += anchor - altitude
            anchor = altitude
    return [gain, loss]


def best_efforts(samples: pl.DataFrame) -> pl.DataFrame:
    """Fastest time over each standard distance within one activity.

    For every sample as the end of a window, an as-of join finds the last sample at least
    the target distance earlier; the window's time is scaled to the exact distance. Distance
    never decreases along a stream sorted by time (it is the running maximum), so the stream
    is already in the order the as-of join needs.
    """
    base = (
        samples.lazy()
        .filter(pl.col("distance_meters").is_not_null())
        .select(
            "activity_id",
            pl.col("timestamp").dt.epoch("us").cast(pl.Float64).truediv(1e6).alias("t"),
            pl.col("distance_meters").cum_max().over("activity_id").alias("d"),
        )
        .collect()
    )
    # an activity shorter than a distance has no window that long: it is skipped early, by
    # the same sum the as-of join would compare
    spans = base.group_by("activity_id").agg(
        pl.col("d").min().alias("_first"), pl.col("d").max().alias("_last")
    )
    efforts = []
    for name, target in RACE_METERS.items():
        long_enough = spans.filter(pl.col("_last") - target >= pl.col("_first"))["activity_id"]
        ends = (
            base
            if long_enough.len() == spans.height
            else base.filter(pl.col("activity_id").is_in(long_enough.implode()))
        )
        starts = ends.select(
            "activity_id",
            pl.col("d").alias("d_start"),
            pl.col("t").alias("t_start"),
            pl.col("d").alias("d_reached"),
        )
        found = ends.with_columns((pl.col("d") - target).alias("d_start")).join_asof(
            starts,
            on="d_start",
            by="activity_id",
            strategy="backward",
            check_sortedness=False,
        )
        efforts.append(
            found.drop_nulls("t_start")
            .with_columns(
                (
                    (pl.col("t") - pl.col("t_start")) * target / (pl.col("d") - pl.col("d_reached"))
                ).alias("seconds")
            )
            .filter(pl.col("seconds") > 0)
            .group_by("activity_id")
            .agg(pl.col("seconds").min())
            .with_columns(pl.lit(name).alias("effort"), pl.lit(target).alias("distance_meters"))
        )
    return (
        pl.concat(efforts)
        .select("activity_id", "effort", "distance_meters", "seconds")
        .sort("activity_id", "distance_meters")
    )
