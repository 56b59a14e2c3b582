"""One row per real-world activity: match recordings across sources, merge by precedence.

The same run arrives up to three times (watch -> Apple Health, watch -> Strava, phone ->
Strava). Candidates from different sources are the same activity when they overlap in
time for most of the shorter one and agree on duration and distance within tolerances;
provider ids are never compared. Matches are transitive (A~B, B~C => one activity).

Each merged field comes from the highest-priority source that has it (lower number wins;
ARCHITECTURE.md "Source precedence"), with per-field overrides: heart rate prefers a
recording that has heart-rate samples, distance and positions prefer one with GPS.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate

import polars as pl

DEFAULT_PRIORITY = {
    "manual": 0,
    "garmin": 1,
    "apple_watch": 1,
    "strava": 2,
    "healthkit": 2,
    "profile": 5,
    "inferred": 10,
}
UNKNOWN_PRIORITY = 9

HEART_RATE_FIELDS = ("avg_heart_rate_bpm", "min_heart_rate_bpm", "max_heart_rate_bpm")
GPS_FIELDS = (
    "distance_meters",
    "start_lat_deg",
    "start_lon_deg",
    "end_lat_deg",
    "end_lon_deg",
    "summary_polyline",
)
IDENTITY_COLUMNS = ("runner_id", "source", "external_id", "source_file", "start_time", "end_time")
NEIGHBOURS = 4
"""Candidates are compared with the next few by start time: copies of one activity start
within minutes of each other, so they are always close in that order."""


@dataclass(frozen=True)
class MatchTolerance:
    min_overlap_share: float = 0.6
    duration_seconds: float = 120.0
    duration_share: float = 0.15
    distance_meters: float = 250.0
    distance_share: float = 0.08


COMPATIBLE_FAMILIES = {
    "running": "run",
    "trail_running": "run",
    "treadmill_running": "run",
    "track_running": "run",
    "walking": "walk",
    "hiking": "walk",
    "cycling": "ride",
    "indoor_cycling": "ride",
}


def _family(activity_type: pl.Expr) -> pl.Expr:
    return activity_type.replace_strict(
        COMPATIBLE_FAMILIES, default=activity_type, return_dtype=pl.String
    )


def candidate_pairs(candidates: pl.DataFrame, tolerance: MatchTolerance) -> pl.DataFrame:
    """Pairs (left, right row numbers) of candidates that record the same activity."""
    base = (
        candidates.with_row_index("row")
        .select(
            "row",
            "runner_id",
            "source",
            "start_time",
            "end_time",
            pl.col("distance_meters"),
            _family(pl.col("activity_type")).alias("family"),
        )
        .sort("runner_id", "start_time")
    )
    pairs = []
    for step in range(1, NEIGHBOURS + 1):
        other = base.select(pl.all().shift(-step).name.suffix("_other"))
        pairs.append(pl.concat([base, other], how="horizontal"))
    both = pl.concat(pairs).filter(pl.col("runner_id") == pl.col("runner_id_other"))
    duration = (pl.col("end_time") - pl.col("start_time")).dt.total_seconds()
    duration_other = (pl.col("end_time_other") - pl.col("start_time_other")).dt.total_seconds()
    overlap = (
        pl.min_horizontal("end_time", "end_time_other")
        - pl.max_horizontal("start_time", "start_time_other")
    ).dt.total_seconds()
    longer = pl.max_horizontal(duration, duration_other)
    farther = pl.max_horizontal("distance_meters", "distance_meters_other")
    distance_gap = (pl.col("distance_meters") - pl.col("distance_meters_other")).abs()
    distance_ok = (
        pl.col("distance_meters").is_null()
        | pl.col("distance_meters_other").is_null()
        | (farther <= 0)
        | (
            distance_gap
            <= pl.max_horizontal(
                pl.lit(tolerance.distance_meters), farther * tolerance.distance_share
            )
        )
    )
    family_ok = (
        (pl.col("family") == pl.col("family_other"))
        | pl.col("family").is_in(["other", "workout"])
        | pl.col("family_other").is_in(["other", "workout"])
    )
    return both.filter(
        (pl.col("source") != pl.col("source_other"))
        & (overlap > 0)
        & (overlap >= tolerance.min_overlap_share * pl.min_horizontal(duration, duration_other))
        & (
            (duration - duration_other).abs()
            <= pl.max_horizontal(
                pl.lit(tolerance.duration_seconds), longer * tolerance.duration_share
            )
        )
        & distance_ok
        & family_ok
    ).select(pl.col("row").alias("left"), pl.col("row_other").alias("right"))


def _components(size: int, pairs: Sequence[tuple[int, int]]) -> list[int]:
    parent = list(range(size))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for left, right in pairs:
        a, b = root(left), root(right)
        if a != b:
            parent[max(a, b)] = min(a, b)
    return [root(i) for i in range(size)]


def match_activities(
    candidates: pl.DataFrame, tolerance: MatchTolerance | None = None
) -> pl.DataFrame:
    """Candidates with `activity_id`: the same id for every recording of one activity.

    The id is the runner, the earliest start in the group (to the second) and, only when
    two groups start in the same second, an ordinal — stable across re-runs whichever
    sources arrive.
    """
    pairs = candidate_pairs(candidates, tolerance or MatchTolerance())
    groups = _components(candidates.height, pairs.rows())
    matched = candidates.with_columns(pl.Series("_group", groups, dtype=pl.Int64))
    firsts = (
        matched.group_by("_group")
        .agg(pl.col("runner_id").first(), pl.col("start_time").min().alias("_first"))
        .sort("runner_id", "_first", "_group")
        .with_columns(pl.int_range(pl.len()).over("runner_id", "_first").alias("_ordinal"))
        .with_columns(
            pl.concat_str(
                pl.col("runner_id"),
                pl.lit(":"),
                pl.col("_first").dt.strftime("%Y%m%dT%H%M%SZ"),
                pl.when(pl.col("_ordinal") > 0)
                .then(pl.lit("-") + pl.col("_ordinal").cast(pl.String))
                .otherwise(pl.lit("")),
            ).alias("activity_id")
        )
        .select("_group", "activity_id")
    )
    return matched.join(firsts, on="_group").drop("_group")


def _priority(source: pl.Expr, priorities: Mapping[str, int]) -> pl.Expr:
    return source.replace_strict(dict(priorities), default=UNKNOWN_PRIORITY, return_dtype=pl.Int64)


def merge_activities(
    matched: pl.DataFrame,
    priorities: Mapping[str, int] | None = None,
    runner_priorities: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """One row per `activity_id`, each field from the best source that has it.

    `runner_priorities` (runner_id, source, priority) overrides the default for a runner
    (`connections.source_precedence.custom_priority`).
    """
    order = dict(DEFAULT_PRIORITY | dict(priorities or {}))
    # a source that cannot tell whether it has heart rate or GPS simply does not say so
    for flag in ("has_heart_rate", "has_gps"):
        if flag not in matched.columns:
            matched = matched.with_columns(pl.lit(None, pl.Boolean).alias(flag))
    ranked = matched.with_columns(_priority(pl.col("source"), order).alias("_priority"))
    if runner_priorities is not None and runner_priorities.height:
        ranked = (
            ranked.join(
                runner_priorities.select(
                    "runner_id", "source", pl.col("priority").alias("_custom")
                ),
                on=["runner_id", "source"],
                how="left",
            )
            .with_columns(pl.coalesce("_custom", "_priority").alias("_priority"))
            .drop("_custom")
        )
    has_hr = pl.col("has_heart_rate").fill_null(False)
    has_gps = pl.col("has_gps").fill_null(False)
    ranked = ranked.with_columns(
        (pl.col("_priority") * 10).alias("_rank"),
        (pl.col("_priority") * 10 - pl.when(has_hr).then(1000).otherwise(0)).alias("_hr_rank"),
        (pl.col("_priority") * 10 - pl.when(has_gps).then(1000).otherwise(0)).alias("_gps_rank"),
    )
    # Among equal priorities the earlier-listed source wins, so the result never depends on
    # row order.
    ranked = ranked.with_columns(
        pl.col(c) + pl.col("source").rank("dense").cast(pl.Int64)
        for c in ("_rank", "_hr_rank", "_gps_rank")
    )
    fields = [c for c in matched.columns if c not in (*IDENTITY_COLUMNS, "activity_id")]

    def best(column: str) -> pl.Expr:
        rank = (
            "_hr_rank"
            if column in HEART_RATE_FIELDS
            else "_gps_rank"
            if column in GPS_FIELDS
            else "_rank"
        )
        return pl.col(column).sort_by(rank).drop_nulls().first().alias(column)

    return (
        ranked.group_by("activity_id")
        .agg(
            pl.col("runner_id").first(),
            pl.col("source").sort_by("_rank").first(),
            pl.col("external_id").sort_by("_rank").first(),
            pl.col("start_time").sort_by("_rank").first(),
            pl.col("end_time").sort_by("_rank").first(),
            *(best(c) for c in fields),
            pl.struct("source", "external_id", "source_file").sort_by("_rank").alias("merged_from"),
        )
        .sort("runner_id", "start_time")
    )


def label_samples(samples: pl.DataFrame, recordings: pl.DataFrame) -> pl.DataFrame:
    """The samples of the recordings listed in `recordings` (runner_id, external_id and the
    columns to attach, such as activity_id), with those columns: an inner join on runner_id
    and external_id that keeps the samples' order.

    Samples come in long runs of one recording, so each run is looked up once: a few hundred
    lookups instead of millions, and no sample column is copied."""
    keys = ["runner_id", "external_id"]
    if recordings.select(keys).is_duplicated().any():
        return samples.join(recordings, on=keys)
    starts = samples.select(
        (
            pl.any_horizontal(pl.col(k).ne_missing(pl.col(k).shift()) for k in keys)
            | (pl.int_range(pl.len()) == 0)
        ).alias("_start")
    ).to_series()
    runs = (
        samples.select(keys)
        .filter(starts)
        .join(
            recordings.with_columns(pl.lit(True).alias("_found")),
            on=keys,
            how="left",
            maintain_order="left",
        )
        .drop(keys)
    )
    run = starts.cum_sum() - 1
    labelled = samples.with_columns(_cut_like(runs[c].gather(run), samples) for c in runs.columns)
    if labelled["_found"].null_count():
        labelled = labelled.filter(pl.col("_found").is_not_null())
    return labelled.drop("_found")


def _cut_like(column: pl.Series, frame: pl.DataFrame) -> pl.Series:
    """`column` cut into the chunks of `frame`: a frame whose columns are chunked alike is
    worked on in place, one with a column chunked otherwise is first copied whole."""
    lengths = frame.to_series(0).chunk_lengths()
    if len(lengths) < 2:
        return column
    starts = accumulate(lengths[:-1], initial=0)
    return pl.concat(
        [column.slice(s, n) for s, n in zip(starts, lengths, strict=True)], rechunk=False
    )
