"""What kind of session each run was, and how much load it carried.

Session type rules, first match wins (confidence in brackets):
1. race — marked as a race (0.95), or named like one: race, parkrun, 5k/10k/21k, marathon (0.7)
2. interval — 4+ laps whose speeds vary by 15 % or more (0.75), or named interval/reps/NxM (0.7)
3. long — 90 min or more, or at least 1.5x the runner's median run and 12 km+ (0.8)
4. tempo — 20 min+ with average heart rate in the runner's zone 3 (`TEMPO_ZONE`) or above,
   unless run at the runner's easy pace (0.7), or named tempo/threshold (0.65)
5. recovery — 40 min or less with average heart rate below the runner's zone 2 (0.6)
6. easy — everything else (0.6 with heart rate, 0.45 without)

Heart rate is read against the runner's own zones (`transforms.physiology.heart_rate_zones`,
the zones of `hr_zone_seconds`), and a run slower than the fast end of the runner's easy pace
(`easy_pace_limit`) is easy whatever its heart rate: heart rate drifts up over a warm or long
easy run (cardiac drift), pace does not.

Load, best method available (recorded in `training_load_method`):
- trimp_banister — Banister TRIMP from average heart rate over moving time
- rtss_pace — hours x (speed / threshold speed)^2 x 100 when a threshold pace is known
- duration — minutes x 1.0, the load of an easy minute
"""

from __future__ import annotations

import polars as pl

from transforms.physiology import (
    THRESHOLD_FRACTION,
    TRIMP_FACTORS,
    TRIMP_UNKNOWN,
    oxygen_cost,
    training_paces,
)
from warehouse.vocabulary import RUNNING_TYPES

RACE_NAME = (
    r"(?i)(\brace\b|park\s?run|marathon|\bhalf\b|\bhm\b|\bxc\b|cross[\s-]?country"
    r"|\b(5|8|10|12|15|16|21|42)\s?k\b|time[\s-]?trial|\btt\b|competition)"
)
"""Names runners give races: a standard distance in km, parkrun, a half, cross country (XC),
a time trial (TT)."""
INTERVAL_NAME = r"(?i)(interval|repeats|\breps\b|\b\d+\s?x\s?\d+|fartlek)"
TEMPO_NAME = r"(?i)(tempo|threshold|cruise)"
DURATION_LOAD_PER_MINUTE = 1.0
TEMPO_ZONE = 3
"""The runner's heart-rate zone from which a steady run is tempo ("Tempo", 70-80 % of
heart-rate reserve); below `AEROBIC_ZONE` a short run is recovery."""
AEROBIC_ZONE = 2
_MIDDLE_PACES = training_paces(50.0)
USUAL_TO_EASY_FAST = _MIDDLE_PACES.easy_fast / (
    (_MIDDLE_PACES.easy_fast + _MIDDLE_PACES.easy_slow) / 2
)
"""The fast end of Daniels' easy range over its middle (296 over 315 s/km at VDOT 50, the
same within about 1 % across the table): where a runner's paces are not known, the median pace of
their runs stands for the middle of their easy range, as most runs are easy (80/20, Seiler
2010)."""


def easy_pace_limit(threshold_pace_sec_per_km: float) -> float:
    """The fast end of Daniels' easy pace (s/km) of a runner with this threshold pace: the
    VDOT whose 88 % the threshold speed costs (Daniels-Gilbert), and its E pace."""
    return training_paces(
        oxygen_cost(60_000 / threshold_pace_sec_per_km) / THRESHOLD_FRACTION
    ).easy_fast


def heart_rate_reserve(hr: pl.Expr, rest: pl.Expr, maximum: pl.Expr) -> pl.Expr:
    return ((hr - rest) / (maximum - rest)).clip(0.0, 1.0)


def _lap_speed_variation(laps: pl.Expr) -> pl.Expr:
    speeds = laps.list.eval(pl.element().struct.field("avg_speed_meters_per_second"))
    return speeds.list.std() / speeds.list.mean()


def _zone_floor(zones: pl.DataFrame, zone: int, name: str) -> pl.DataFrame:
    return zones.filter(pl.col("zone") == zone).select("runner_id", pl.col("min_bpm").alias(name))


def _easy_pace(thresholds: pl.Series, running: pl.Expr) -> pl.Expr:
    """The fast end of the runner's easy pace: from their threshold pace where known (each
    of the few distinct ones worked out once), else from the median pace of their runs
    (`USUAL_TO_EASY_FAST`)."""
    known = thresholds.drop_nulls().unique().to_list()
    pace = 1000 / pl.col("avg_speed_meters_per_second")
    usual = pace.filter(running & (pace > 0)).median().over("runner_id") * USUAL_TO_EASY_FAST
    return pl.coalesce(
        pl.col(thresholds.name).replace_strict(
            known, [easy_pace_limit(t) for t in known], default=None, return_dtype=pl.Float64
        ),
        usual,
    )


def classify_sessions(activities: pl.DataFrame, zones: pl.DataFrame) -> pl.DataFrame:
    """Adds session_type, session_type_source and session_type_confidence to running rows.

    Needs: runner_id, activity_type, name, is_race, duration_seconds, distance_meters,
    avg_heart_rate_bpm, avg_speed_meters_per_second, laps, threshold_pace_sec_per_km (the
    runner's, may be null). `zones`: the runners' heart-rate zones (runner_id, zone,
    min_bpm), as `terra.runner_zones` gives them.
    """
    activities = activities.join(
        _zone_floor(zones, TEMPO_ZONE, "_tempo_bpm"), on="runner_id", how="left"
    ).join(_zone_floor(zones, AEROBIC_ZONE, "_aerobic_bpm"), on="runner_id", how="left")
    running = pl.col("activity_type").is_in(RUNNING_TYPES)
    median_run = pl.col("distance_meters").filter(running).median().over("runner_id")
    heart_rate = pl.col("avg_heart_rate_bpm")
    easy_pace = _easy_pace(activities["threshold_pace_sec_per_km"], running)
    easy_paced = (1000 / pl.col("avg_speed_meters_per_second") >= easy_pace).fill_null(False)
    minutes = pl.col("duration_seconds") / 60
    name = pl.col("name").fill_null("")
    lap_count = pl.col("laps").list.len().fill_null(0)
    laps_type = activities.schema["laps"]
    # laps come from Strava; a pass without Strava data has none to read
    uneven_laps = (
        (lap_count >= 4) & (_lap_speed_variation(pl.col("laps")) >= 0.15)
        if isinstance(laps_type, pl.List) and isinstance(laps_type.inner, pl.Struct)
        else pl.lit(False)
    )
    rules = [
        (pl.col("is_race").fill_null(False), "race", 0.95),
        (name.str.contains(RACE_NAME), "race", 0.7),
        (uneven_laps, "interval", 0.75),
        (name.str.contains(INTERVAL_NAME), "interval", 0.7),
        (
            (minutes >= 90)
            | (
                (pl.col("distance_meters") >= 1.5 * median_run)
                & (pl.col("distance_meters") >= 12000)
            ),
            "long",
            0.8,
        ),
        ((minutes >= 20) & (heart_rate >= pl.col("_tempo_bpm")) & easy_paced.not_(), "tempo", 0.7),
        (name.str.contains(TEMPO_NAME), "tempo", 0.65),
        ((minutes <= 40) & (heart_rate < pl.col("_aerobic_bpm")), "recovery", 0.6),
    ]
    # built from the last rule back, so that the first rule that matches names the session
    kind: pl.Expr = pl.lit("easy")
    confidence: pl.Expr = (
        pl.when(pl.col("avg_heart_rate_bpm").is_not_null()).then(0.6).otherwise(0.45)
    )
    for condition, label, score in reversed(rules):
        matched = condition.fill_null(False)
        kind = pl.when(matched).then(pl.lit(label)).otherwise(kind)
        confidence = pl.when(matched).then(pl.lit(score)).otherwise(confidence)
    kind = pl.when(running).then(kind)
    confidence = pl.when(running).then(confidence)
    return activities.with_columns(
        kind.alias("session_type"),
        pl.when(running).then(pl.lit("inferred")).alias("session_type_source"),
        confidence.alias("session_type_confidence"),
    ).drop("_tempo_bpm", "_aerobic_bpm")


def training_loads(activities: pl.DataFrame) -> pl.DataFrame:
    """Adds trimp, training_load and training_load_method.

    Needs: duration_seconds, moving_time_seconds, avg_heart_rate_bpm, avg_speed_meters_per_second,
    rest_hr_bpm, max_hr_bpm, biological_sex, threshold_pace_sec_per_km (runner's, may be null).
    """
    minutes = pl.coalesce("moving_time_seconds", "duration_seconds") / 60
    sex = pl.col("biological_sex").fill_null("")
    a = sex.replace_strict(
        {k: v[0] for k, v in TRIMP_FACTORS.items()},
        default=TRIMP_UNKNOWN[0],
        return_dtype=pl.Float64,
    )
    b = sex.replace_strict(
        {k: v[1] for k, v in TRIMP_FACTORS.items()},
        default=TRIMP_UNKNOWN[1],
        return_dtype=pl.Float64,
    )
    reserve = heart_rate_reserve(
        pl.col("avg_heart_rate_bpm"), pl.col("rest_hr_bpm"), pl.col("max_hr_bpm")
    )
    trimp = minutes * reserve * a * (b * reserve).exp()
    threshold_speed = 1000 / pl.col("threshold_pace_sec_per_km")
    intensity = pl.col("avg_speed_meters_per_second") / threshold_speed
    rtss = (minutes / 60) * intensity.pow(2) * 100
    duration_load = minutes * DURATION_LOAD_PER_MINUTE
    return activities.with_columns(
        trimp.alias("trimp"),
        pl.when(trimp.is_not_null())
        .then(pl.lit("trimp_banister"))
        .when(rtss.is_not_null())
        .then(pl.lit("rtss_pace"))
        .when(duration_load.is_not_null())
        .then(pl.lit("duration"))
        .alias("training_load_method"),
        pl.coalesce(trimp, rtss, duration_load).clip(0.0, 2000.0).alias("training_load"),
        intensity.alias("intensity_factor"),
    )
