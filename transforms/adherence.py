"""Did the runner do the plan? Completed runs matched to planned sessions, and each week's
planned volume and compliance for `coach.weekly_summaries`.

A run matches a session on the same local day, or one day either side (a moved session),
of a compatible kind; each run fulfils at most one session. The best pairs are taken first:
same day before moved, compatible before not, closest distance first.

Compliance is the share of the planned work done: each session counts the distance run over
the distance planned (time over time for a session planned by time), capped at its plan, so a
shortened ("modified") session counts at its share and a longer run does not make up for a
skipped one. Running well over a recovery week's volume is flagged: the week's point is to
absorb the training, and a coach wants to see when it was run as a normal week.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import polars as pl

from transforms.units import distance_text
from warehouse.vocabulary import RUNNING_TYPES

COMPATIBLE = {
    "easy": ("easy", "recovery", "long", "other"),
    "recovery": ("easy", "recovery", "other"),
    "strides": ("easy", "recovery", "other"),
    "long": ("long", "easy", "other"),
    "tempo": ("tempo", "interval", "race", "other"),
    "threshold": ("tempo", "interval", "race", "other"),
    "progression": ("tempo", "long", "other"),
    "fartlek": ("tempo", "interval", "easy", "other"),
    "interval": ("interval", "tempo", "race", "other"),
    "repetition": ("interval", "tempo", "race", "other"),
    "hills": ("interval", "tempo", "other"),
    "race": ("race", "tempo", "interval", "long", "other"),
    "cross_training": (),
}
"""Activity session types (terra.activities.session_type) that fulfil each planned type."""
DISTANCE_TOLERANCE = 0.25
MOVED_FACTOR = 0.9
INCOMPATIBLE_FACTOR = 0.6
MODIFIED_REST_SCORE = 0.5
RECOVERY_OVERRUN_MARGIN = 0.10
"""A recovery week is over-run beyond this share above its planned volume (GPS distances and
an easy run's extra minutes stay within it)."""

ADHERENCE_COLUMNS = (
    "status",
    "completed_activity_id",
    "adherence_score",
    "actual_distance_km",
    "actual_duration_seconds",
    "completed_share",
)


def _compatible_pairs() -> pl.DataFrame:
    return pl.DataFrame(
        [(planned, run, True) for planned, runs in COMPATIBLE.items() for run in runs],
        schema={"session_type": pl.String, "run_type": pl.String, "compatible": pl.Boolean},
        orient="row",
    )


def _runs(activities: pl.DataFrame) -> pl.DataFrame:
    return activities.filter(pl.col("activity_type").is_in(RUNNING_TYPES)).select(
        "runner_id",
        "activity_id",
        pl.col("local_date").alias("run_date"),
        (pl.col("distance_meters") / 1000).alias("run_km"),
        pl.coalesce("moving_time_seconds", "duration_seconds").alias("run_seconds"),
        pl.col("session_type").fill_null("other").alias("run_type"),
    )


def match_sessions(
    sessions: pl.DataFrame, activities: pl.DataFrame, as_of: dt.date
) -> pl.DataFrame:
    """The sessions with status, completed_activity_id, adherence_score and actual distance
    and duration set from the runs done up to `as_of` (later sessions stay `planned`)."""
    runs = _runs(activities)
    due = sessions.filter(~pl.col("is_rest_day") & (pl.col("scheduled_date") <= as_of))
    pairs = (
        due.select("session_id", "runner_id", "scheduled_date", "session_type", "distance_km")
        .join(runs, on="runner_id")
        .with_columns(
            (pl.col("run_date") - pl.col("scheduled_date")).dt.total_days().abs().alias("offset"),
        )
        .join(_compatible_pairs(), on=["session_type", "run_type"], how="left")
        .with_columns(pl.col("compatible").fill_null(False))
        .filter(pl.col("offset") <= 1)
        .with_columns(
            (pl.col("run_km") / pl.col("distance_km").clip(0.1)).alias("ratio"),
        )
        .sort(
            "offset",
            pl.col("compatible").not_(),
            (pl.col("ratio") - 1).abs(),
            "session_id",
            "activity_id",
        )
    )
    used_sessions: set[str] = set()
    used_runs: set[str] = set()
    matched = []
    for pair in pairs.iter_rows(named=True):
        if pair["session_id"] in used_sessions or pair["activity_id"] in used_runs:
            continue
        used_sessions.add(pair["session_id"])
        used_runs.add(pair["activity_id"])
        matched.append(pair)
    schema = {
        "session_id": pl.String,
        "activity_id": pl.String,
        "offset": pl.Int64,
        "compatible": pl.Boolean,
        "ratio": pl.Float64,
        "run_km": pl.Float64,
        "run_seconds": pl.Float64,
    }
    found = pl.DataFrame([{k: m[k] for k in schema} for m in matched], schema=schema, orient="row")
    rest_runs = _rest_day_runs(sessions, runs, used_runs, as_of)
    scored = (
        sessions.drop(ADHERENCE_COLUMNS, strict=False)
        .join(found, on="session_id", how="left")
        .join(rest_runs, on="session_id", how="left")
    )
    within = (pl.col("ratio") - 1).abs() <= DISTANCE_TOLERANCE
    past = pl.col("scheduled_date") < as_of
    score = (
        (1 - (pl.col("ratio") - 1).abs()).clip(0, 1)
        * pl.when(pl.col("compatible")).then(1.0).otherwise(INCOMPATIBLE_FACTOR)
        * pl.when(pl.col("offset") == 1).then(MOVED_FACTOR).otherwise(1.0)
    )
    return scored.with_columns(
        pl.when(pl.col("is_rest_day") & pl.col("rest_activity_id").is_not_null())
        .then(pl.lit("modified"))
        .when(pl.col("is_rest_day") & past)
        .then(pl.lit("completed"))
        .when(pl.col("activity_id").is_not_null() & pl.col("compatible") & within)
        .then(pl.lit("completed"))
        .when(pl.col("activity_id").is_not_null())
        .then(pl.lit("modified"))
        .when(past)
        .then(pl.lit("skipped"))
        .otherwise(pl.lit("planned"))
        .alias("status"),
        pl.coalesce("activity_id", "rest_activity_id").alias("completed_activity_id"),
        pl.when(pl.col("is_rest_day") & pl.col("rest_activity_id").is_not_null())
        .then(MODIFIED_REST_SCORE)
        .when(pl.col("is_rest_day") & past)
        .then(1.0)
        .when(pl.col("activity_id").is_not_null())
        .then(score.round(3))
        .when(past)
        .then(0.0)
        .alias("adherence_score"),
        pl.coalesce("run_km", "rest_km").round(2).alias("actual_distance_km"),
        pl.coalesce("run_seconds", "rest_seconds").alias("actual_duration_seconds"),
        pl.when(pl.col("is_rest_day"))
        .then(None)
        .when(pl.col("activity_id").is_not_null())
        .then(_share_done().round(3))
        .when(past)
        .then(0.0)
        .alias("completed_share"),
    ).select(sessions.columns)


def planned_by_time() -> pl.Expr:
    """Whether a session is planned by time: its steps have durations and none a distance."""
    steps = pl.col("structure_segments")
    any_distance = steps.list.eval(
        pl.element().struct.field("distance_km").is_not_null()
        | pl.element().struct.field("recovery_distance_km").is_not_null()
    ).list.any()
    return ((steps.list.len() > 0) & ~any_distance & (pl.col("duration_seconds") > 0)).fill_null(
        False
    )


def _share_done() -> pl.Expr:
    """Of a matched session: the run's distance (or time) over the planned one, at most 1."""
    by_time = pl.col("run_seconds") / pl.col("duration_seconds")
    by_distance = pl.col("run_km") / pl.col("distance_km")
    # a run without a distance (a treadmill) is measured by its time
    share = pl.when(planned_by_time()).then(by_time).otherwise(pl.coalesce(by_distance, by_time))
    # a session planned at nothing is done by any run
    return share.fill_nan(1.0).fill_null(1.0).clip(0, 1)


def _rest_day_runs(
    sessions: pl.DataFrame, runs: pl.DataFrame, used: set[str], as_of: dt.date
) -> pl.DataFrame:
    """Runs on a rest day that fulfilled no session (the first of them if several)."""
    return (
        sessions.filter(pl.col("is_rest_day") & (pl.col("scheduled_date") <= as_of))
        .select("session_id", "runner_id", "scheduled_date")
        .join(
            runs.filter(~pl.col("activity_id").is_in(list(used))),
            left_on=["runner_id", "scheduled_date"],
            right_on=["runner_id", "run_date"],
        )
        .sort("session_id", "activity_id")
        .group_by("session_id", maintain_order=True)
        .agg(
            pl.col("activity_id").first().alias("rest_activity_id"),
            pl.col("run_km").sum().alias("rest_km"),
            pl.col("run_seconds").sum().alias("rest_seconds"),
        )
    )


def weekly_compliance(
    weekly: pl.DataFrame, plans: pl.DataFrame, sessions: pl.DataFrame
) -> pl.DataFrame:
    """Weekly summaries with planned volume, compliance and the recovery-week over-run flag
    for the weeks a plan covers. A week counts against the plan of record: the
    latest-starting non-draft plan that had started by that week (a replan does not rewrite
    the weeks before it). Compliance weighs each due session's completed_share by its planned
    distance; it is null while no session of the week is due."""
    starts = plans.filter(pl.col("status") != "draft").select(
        "plan_id", pl.col("start_date").alias("_plan_start")
    )
    recovery_weeks = (
        plans.select("plan_id", "weekly_plan")
        .explode("weekly_plan")
        .filter(pl.col("weekly_plan").is_not_null())
        .select(
            "plan_id",
            pl.col("weekly_plan").struct.field("start_date").alias("week_start_date"),
            pl.col("weekly_plan").struct.field("is_recovery_week").alias("_recovery"),
        )
    )
    due = pl.col("completed_share").is_not_null()
    planned = (
        sessions.join(starts, on="plan_id")
        .with_columns(
            (
                pl.col("scheduled_date")
                - pl.duration(days=pl.col("scheduled_date").dt.weekday() - 1)
            ).alias("week_start_date")
        )
        .filter(pl.col("_plan_start") <= pl.col("week_start_date"))
        .filter(
            pl.col("_plan_start")
            == pl.col("_plan_start").max().over("runner_id", "week_start_date")
        )
        .group_by("runner_id", "week_start_date", "plan_id")
        .agg(
            pl.col("distance_km").sum().alias("_planned"),
            pl.col("distance_km").filter(due).sum().alias("_due"),
            (pl.col("distance_km") * pl.col("completed_share")).filter(due).sum().alias("_done"),
        )
        .join(recovery_weeks, on=["plan_id", "week_start_date"], how="left")
    )
    return (
        weekly.drop("planned_volume_km", "compliance_percentage", "recovery_week_overrun")
        .join(planned, on=["runner_id", "week_start_date"], how="left")
        .with_columns(
            pl.col("_planned").round(2).alias("planned_volume_km"),
            pl.when(pl.col("_due") > 0)
            .then((100 * pl.col("_done") / pl.col("_due")).clip(0, 100).round(1))
            .alias("compliance_percentage"),
            pl.when(pl.col("_planned").is_not_null())
            .then(
                pl.col("_recovery").fill_null(False)
                & (
                    pl.col("actual_volume_km").fill_null(0)
                    > pl.col("_planned") * (1 + RECOVERY_OVERRUN_MARGIN)
                )
            )
            .alias("recovery_week_overrun"),
        )
        .select(weekly.columns)
    )


def week_compliance_sentence(week: Mapping[str, Any], units: str | None) -> str | None:
    """One sentence on a week against its plan (a coach.weekly_summaries row), distances in
    the runner's units; None for a week no plan covered."""
    planned = week.get("planned_volume_km")
    if planned is None:
        return None
    ran = distance_text(week.get("actual_volume_km") or 0.0, units)
    sentence = f"Ran {ran} of the {distance_text(planned, units)} planned"
    if week.get("compliance_percentage") is not None:
        sentence += f"; {week['compliance_percentage']:.0f} % of the planned work done so far"
    if week.get("recovery_week_overrun"):
        sentence += (
            ". That is more than this recovery week holds: it is there so the training of the "
            "weeks before can sink in"
        )
    return sentence + "."
