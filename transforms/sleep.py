"""Sleep sessions from sleep-analysis records, counting every second once.

Records of one night overlap: the iPhone writes one long InBed interval and the Watch
writes stage intervals (core, deep, REM, awake) inside it. Cutting the night at every
record boundary gives elementary segments; each segment takes one level — a stage from
the highest-priority device beats in-bed — so stage totals add up exactly.
"""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from transforms.device_dedup import DEVICE_PRIORITY
from transforms.intervals import union_intervals, within_intervals

HEALTHKIT_STAGES = {
    "HKCategoryValueSleepAnalysisInBed": "in_bed",
    "HKCategoryValueSleepAnalysisAsleep": "unspecified",
    "HKCategoryValueSleepAnalysisAsleepUnspecified": "unspecified",
    "HKCategoryValueSleepAnalysisAsleepCore": "light",
    "HKCategoryValueSleepAnalysisAsleepDeep": "deep",
    "HKCategoryValueSleepAnalysisAsleepREM": "rem",
    "HKCategoryValueSleepAnalysisAwake": "awake",
}
STAGE_ORDER = {"deep": 1, "rem": 2, "light": 3, "unspecified": 4, "awake": 5, "in_bed": 9}
ASLEEP = ("deep", "rem", "light", "unspecified")
HYPNOGRAM_LEVEL = {
    "deep": "deep",
    "rem": "rem",
    "light": "light",
    "unspecified": "sleeping",
    "awake": "awake",
    "in_bed": "awake",
}
SESSION_GAP_SECONDS = 3600.0
"""Records less than an hour apart belong to one session."""
NAP_MAX_SECONDS = 3 * 3600
"""A session shorter than three hours in bed is a nap."""


def _seconds(expr: pl.Expr) -> pl.Expr:
    return expr.dt.total_seconds(fractional=True)


def sleep_segments(
    records: pl.DataFrame, device_priorities: Mapping[str, int] | None = None
) -> pl.DataFrame:
    """Elementary segments of each session with the level that wins each.

    `records`: runner_id, device, stage (see HEALTHKIT_STAGES values), start_time, end_time.
    """
    order = dict(DEVICE_PRIORITY | dict(device_priorities or {}))
    sessions = union_intervals(records, ["runner_id"], gap_seconds=SESSION_GAP_SECONDS)
    sessions = sessions.with_columns(
        pl.concat_str(
            pl.col("runner_id"), pl.lit(":"), pl.col("start_time").dt.strftime("%Y%m%dT%H%M%SZ")
        ).alias("sleep_session_id")
    ).rename({"start_time": "session_start", "end_time": "session_end"})
    tagged = within_intervals(records, "start_time", sessions, "session_start", "session_end")
    bounds = (
        pl.concat(
            [
                tagged.select("sleep_session_id", pl.col("start_time").alias("at")),
                tagged.select("sleep_session_id", pl.col("end_time").alias("at")),
            ]
        )
        .unique()
        .sort("sleep_session_id", "at")
        .with_columns(pl.col("at").shift(-1).over("sleep_session_id").alias("until"))
        .drop_nulls("until")
    )
    ranked = tagged.with_columns(
        pl.col("stage").replace_strict(STAGE_ORDER, return_dtype=pl.Int64).alias("_stage_rank"),
        pl.col("device")
        .replace_strict(order, default=max(order.values()) + 1, return_dtype=pl.Int64)
        .alias("_device_rank"),
    ).with_columns(
        # in-bed never beats a stage; among stages the better device, then the deeper stage
        (pl.col("stage") == "in_bed").cast(pl.Int64).alias("_is_bed")
    )
    covering = bounds.join(
        ranked.select(
            "sleep_session_id",
            "start_time",
            "end_time",
            "stage",
            "_is_bed",
            "_device_rank",
            "_stage_rank",
        ),
        on="sleep_session_id",
    ).filter((pl.col("start_time") <= pl.col("at")) & (pl.col("end_time") >= pl.col("until")))
    return (
        covering.sort("_is_bed", "_device_rank", "_stage_rank")
        .group_by("sleep_session_id", "at", "until")
        .agg(pl.col("stage").first())
        .join(sessions, on="sleep_session_id")
        .sort("sleep_session_id", "at")
        .with_columns(_seconds(pl.col("until") - pl.col("at")).alias("seconds"))
    )


def _runs(flag: pl.Expr) -> pl.Expr:
    """Number of maximal runs where `flag` is true, per session (segments in time order)."""
    started = flag & flag.shift(1).over("sleep_session_id").fill_null(False).not_()
    return started.sum()


def sleep_sessions(
    records: pl.DataFrame, device_priorities: Mapping[str, int] | None = None
) -> pl.DataFrame:
    """One row per session with stage totals (s), efficiency (%), latency, wake-ups."""
    segments = sleep_segments(records, device_priorities)
    asleep = pl.col("stage").is_in(ASLEEP)
    onset = pl.col("at").filter(asleep).min().over("sleep_session_id")
    final = pl.col("until").filter(asleep).max().over("sleep_session_id")
    segments = segments.with_columns(onset.alias("_onset"), final.alias("_final")).with_columns(
        ((pl.col("at") >= pl.col("_onset")) & (pl.col("until") <= pl.col("_final"))).alias(
            "_within"
        )
    )
    awake_within = pl.col("stage").is_in(["awake", "in_bed"]) & pl.col("_within")

    def total(*stages: str) -> pl.Expr:
        return pl.col("seconds").filter(pl.col("stage").is_in(stages)).sum()

    summary = segments.group_by("sleep_session_id").agg(
        pl.col("runner_id").first(),
        pl.col("session_start").first().alias("start_time"),
        pl.col("session_end").first().alias("end_time"),
        pl.col("seconds").sum().alias("duration_in_bed_seconds"),
        total(*ASLEEP).alias("duration_asleep_seconds"),
        total("light").alias("duration_light_sleep_seconds"),
        total("deep").alias("duration_deep_sleep_seconds"),
        total("rem").alias("duration_rem_sleep_seconds"),
        total("unspecified").alias("duration_unspecified_sleep_seconds"),
        pl.col("seconds").filter(awake_within).sum().alias("duration_awake_seconds"),
        _seconds(pl.col("_onset").first() - pl.col("session_start").first()).alias(
            "sleep_latency_seconds"
        ),
        _seconds(pl.col("session_end").first() - pl.col("_final").first()).alias(
            "wake_up_latency_seconds"
        ),
        _runs(awake_within).alias("num_wakeup_events"),
        _runs(pl.col("stage") == "rem").alias("num_rem_events"),
        pl.struct(
            pl.col("at").alias("start_time"),
            pl.col("until").alias("end_time"),
            pl.col("stage").replace_strict(HYPNOGRAM_LEVEL, return_dtype=pl.String).alias("level"),
        ).alias("hypnogram"),
    )
    return summary.with_columns(
        (100 * pl.col("duration_asleep_seconds") / pl.col("duration_in_bed_seconds"))
        .round(1)
        .alias("sleep_efficiency"),
        (pl.col("duration_in_bed_seconds") < NAP_MAX_SECONDS).alias("is_nap"),
        pl.col("num_wakeup_events").cast(pl.Int64),
        pl.col("num_rem_events").cast(pl.Int64),
    ).sort("runner_id", "start_time")
