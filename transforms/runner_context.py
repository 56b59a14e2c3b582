"""The few Runner Object facts the derivations need, flattened from coach.runners."""

from __future__ import annotations

import polars as pl

from transforms.terra import RunnerContext


def _field(section: str, *path: str) -> pl.Expr:
    expr = pl.col(section)
    for part in path:
        expr = expr.struct.field(part)
    return expr


def runner_facts(runners: pl.DataFrame) -> pl.DataFrame:
    """runner_id with timezone, age, sex, resting/max HR, threshold pace, personal bests,
    injury history, current pain, and race date (only for race goals)."""
    threshold = _field("running", "pace_zones", "threshold")
    return runners.select(
        "runner_id",
        _field("identity", "timezone").alias("timezone"),
        _field("physical", "age").alias("age"),
        _field("physical", "biological_sex").alias("biological_sex"),
        _field("physical", "resting_hr_bpm").alias("rest_hr_bpm"),
        _field("physical", "max_hr_bpm").alias("max_hr_bpm"),
        (
            (threshold.struct.field("min_sec_per_km") + threshold.struct.field("max_sec_per_km"))
            / 2
        ).alias("threshold_pace_sec_per_km"),
        _field("running", "personal_bests").alias("personal_bests"),
        (_field("health", "past_injuries").list.len().fill_null(0) > 0).alias("has_injury_history"),
        _field("health", "current_pain", "severity").alias("current_pain_severity"),
        pl.when(_field("goals", "goal_type") == "race")
        .then(_field("goals", "race_date"))
        .alias("race_date"),
    )


def runner_context(runners: pl.DataFrame) -> RunnerContext:
    custom = (
        runners.select(
            "runner_id",
            _field("connections", "source_precedence", "custom_priority").alias("p"),
        )
        .explode("p")
        .drop_nulls("p")
        .select(
            "runner_id", pl.col("p").struct.field("source"), pl.col("p").struct.field("priority")
        )
    )
    return RunnerContext(runner_facts(runners), custom)
