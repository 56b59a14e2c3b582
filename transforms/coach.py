"""Build the coach layer from terra frames: runner state, inferred profile, weeks, states."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from transforms.activity_metrics import best_efforts, codes_for, primary_streams
from transforms.runner_state import current_states
from transforms.running_profile import infer_running_profile
from transforms.training_states import evaluate_states
from warehouse.vocabulary import RUNNING_TYPES

QUALITY = ("tempo", "interval", "race")


@dataclass(frozen=True)
class CoachFrames:
    runner_updates: dict[str, dict]
    """runner_id -> {"current_state": {...}, "running": {...}, "physical": {...}} (PATH 2)."""
    weekly_summaries: pl.DataFrame
    runner_states: pl.DataFrame


def weekly_summaries(
    activities: pl.DataFrame, daily: pl.DataFrame, transitions: pl.DataFrame
) -> pl.DataFrame:
    """One row per runner per ISO week (Monday start, local days) with any running."""
    runs = activities.filter(pl.col("activity_type").is_in(RUNNING_TYPES)).with_columns(
        pl.col("local_date").dt.truncate("1w").alias("week_start_date"),
        (pl.col("distance_meters").fill_null(0) / 1000).alias("_km"),
    )

    def km(*kinds: str) -> pl.Expr:
        return pl.col("_km").filter(pl.col("session_type").is_in(kinds)).sum()

    weeks = runs.group_by("runner_id", "week_start_date").agg(
        pl.col("_km").sum().alias("actual_volume_km"),
        pl.len().cast(pl.Int64).alias("run_count"),
        km("easy").alias("easy_km"),
        km(*QUALITY).alias("quality_km"),
        pl.col("_km").max().alias("long_run_km"),
        km("recovery").alias("recovery_km"),
        pl.col("duration_seconds").sum().alias("total_duration_seconds"),
        (
            pl.col("moving_time_seconds").fill_null(pl.col("duration_seconds")).sum()
            / pl.col("_km").sum()
        ).alias("avg_pace_seconds_per_km"),
        pl.col("avg_pace_seconds_per_km")
        .filter(pl.col("session_type") == "tempo")
        .median()
        .alias("threshold_pace_estimate_seconds_per_km"),
        (7 - pl.col("local_date").n_unique()).cast(pl.Int64).alias("rest_days"),
    )
    loads = daily.with_columns(pl.col("date").dt.truncate("1w").alias("week_start_date"))
    week_end = (
        loads.sort("date")
        .group_by("runner_id", "week_start_date")
        .agg(
            pl.col("training_load").sum(),
            pl.col("ctl").last().alias("ending_ctl"),
            pl.col("atl").last().alias("ending_atl"),
            pl.col("tsb").last().alias("ending_tsb"),
        )
    )
    weeks = weeks.join(week_end, on=["runner_id", "week_start_date"], how="left")
    if transitions.height:
        states = transitions.select(
            "runner_id", pl.col("effective_date").alias("_at"), pl.col("to_state")
        ).sort("runner_id", "_at")
        weeks = (
            weeks.with_columns((pl.col("week_start_date") + dt.timedelta(days=6)).alias("_end"))
            .sort("runner_id", "_end")
            .join_asof(
                states,
                left_on="_end",
                right_on="_at",
                by="runner_id",
                strategy="backward",
                check_sortedness=False,
            )
            .with_columns(pl.col("to_state").fill_null("Stable").alias("ending_state"))
            .drop("_end", "_at", "to_state")
        )
    else:
        weeks = weeks.with_columns(pl.lit("Stable").alias("ending_state"))
    return weeks.with_columns(
        pl.concat_str(
            pl.col("runner_id"), pl.lit(":"), pl.col("week_start_date").cast(pl.String)
        ).alias("weekly_summary_id"),
        pl.col("week_start_date").dt.iso_year().cast(pl.Int64).alias("iso_year"),
        pl.col("week_start_date").dt.week().cast(pl.Int64).alias("iso_week"),
        pl.lit([], pl.List(pl.String)).alias("health_issues"),
        pl.col("avg_pace_seconds_per_km").clip(120, 1200),
    ).sort("runner_id", "week_start_date")


def activity_efforts(activities: pl.DataFrame, samples: pl.DataFrame) -> pl.DataFrame:
    """Best efforts of every run, from each run's primary stream, with the run's local day."""
    runs = activities.filter(pl.col("activity_type").is_in(RUNNING_TYPES))
    # samples of anything but a run become null codes and are dropped: no join needed
    streams = primary_streams(
        samples.select(
            pl.col("activity_id").cast(codes_for(runs["activity_id"]), strict=False),
            "source",
            "timestamp",
            "distance_meters",
            "heart_rate_bpm",
        ),
        ["timestamp", "distance_meters"],
    )
    return (
        best_efforts(streams)
        .with_columns(pl.col("activity_id").cast(pl.String))
        .join(runs.select("activity_id", "local_date"), on="activity_id")
    )


def daily_weights(body: pl.DataFrame) -> pl.DataFrame:
    """runner_id, date, weight_kg: each local day's last weigh-in (terra.body_measurements
    rows without a body mass, such as a blood pressure, are left out)."""
    return (
        body.drop_nulls("weight_kg")
        .sort("measured_at")
        .group_by("runner_id", pl.col("local_date").alias("date"))
        .agg(pl.col("weight_kg").last())
    )


def wearable_vo2max(daily: pl.DataFrame) -> dict[str, dict]:
    """runner_id -> the `running` fields of the latest VO2max a wearable estimated (Apple
    Health VO2Max records, one value per day in the daily summaries)."""
    latest = (
        daily.drop_nulls("vo2max_ml_per_kg_min")
        .sort("date")
        .group_by("runner_id")
        .agg(pl.col("vo2max_ml_per_kg_min").last())
    )
    return {
        row["runner_id"]: {"vo2_max": row["vo2max_ml_per_kg_min"], "vo2_max_source": "healthkit"}
        for row in latest.iter_rows(named=True)
    }


def build_coach(
    activities: pl.DataFrame,
    daily: pl.DataFrame,
    efforts: pl.DataFrame,
    body: pl.DataFrame,
    runners: pl.DataFrame,
    calculated_at: dt.datetime,
) -> CoachFrames:
    """body: terra.body_measurements (runner_id, measured_at, local_date, weight_kg).
    runners: runner_id, age, rest_hr_bpm, max_hr_bpm, personal_bests, has_injury_history,
    current_pain_severity, race_date (the PATH-1 facts the rules need)."""
    race_dates = {
        r["runner_id"]: r["race_date"]
        for r in runners.iter_rows(named=True)
        if r["race_date"] is not None
    }
    states_input = daily.select(
        "runner_id", "date", "run_distance_meters", "training_load", "run_count", "tsb"
    )
    transitions, momentum = evaluate_states(states_input, race_dates)
    current = current_states(
        daily.select(
            "runner_id",
            "date",
            "training_load",
            "run_count",
            "run_distance_meters",
            "resting_heart_rate_bpm",
            "hrv_sdnn_ms",
            "sleep_duration_seconds",
            "sleep_score",
        ).join(daily_weights(body), on=["runner_id", "date"], how="left"),
        runners.select("runner_id", "has_injury_history", "current_pain_severity"),
        calculated_at,
    )
    if momentum.height:
        current = current.join(momentum, on="runner_id", how="left")
    updates: dict[str, dict] = {}
    vo2max = wearable_vo2max(daily)
    runs = activities.filter(pl.col("activity_type").is_in(RUNNING_TYPES))
    for runner in runners.iter_rows(named=True):
        runner_id = runner["runner_id"]
        state = current.filter(pl.col("runner_id") == runner_id)
        as_of = daily.filter(pl.col("runner_id") == runner_id).select(pl.col("date").max()).item()
        if as_of is None:
            continue
        inferred = infer_running_profile(
            runs.filter(pl.col("runner_id") == runner_id),
            efforts.join(runs.select("activity_id"), on="activity_id").filter(
                pl.col("activity_id").str.starts_with(f"{runner_id}:")
            ),
            {
                "age": runner["age"],
                "rest_hr": runner["rest_hr_bpm"],
                "max_hr": runner["max_hr_bpm"],
                "personal_bests": runner["personal_bests"],
            },
            as_of,
        )
        updates[runner_id] = {
            **inferred,
            "running": inferred["running"] | vo2max.get(runner_id, {}),
            "current_state": state.drop("runner_id", "as_of").to_dicts()[0] if state.height else {},
        }
    return CoachFrames(
        updates,
        weekly_summaries(activities, daily, transitions),
        transitions,
    )
