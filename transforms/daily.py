"""Daily summaries and body measurements from Apple Health records, in the runner's local days.

A record's day is the calendar day of its start in the UTC offset it was recorded with
(a runner who travels changes offset mid-export); nothing is bucketed in UTC.
"""

from __future__ import annotations

import polars as pl

from transforms.device_dedup import deduplicated_values, device_class
from transforms.physiology import acute_chronic_workload_ratio, performance_management
from transforms.units import DISTANCE_TO_M, ENERGY_TO_KCAL
from warehouse.plausibility import LENGTH_TO_CM, MASS_TO_KG

HK = "HKQuantityTypeIdentifier"
DEDUPLICATED = (
    f"{HK}StepCount",
    f"{HK}DistanceWalkingRunning",
    f"{HK}FlightsClimbed",
    f"{HK}ActiveEnergyBurned",
    f"{HK}BasalEnergyBurned",
)
VITALS = tuple(
    f"{HK}{kind}"
    for kind in (
        "HeartRate",
        "RestingHeartRate",
        "HeartRateVariabilitySDNN",
        "OxygenSaturation",
        "VO2Max",
        "RespiratoryRate",
    )
)

TO_ML = {"mL": 1.0, "L": 1000.0, "fl_oz_us": 29.5735, "cup_us": 236.588}


def local_date(instant: str = "start_time", offset: str = "start_utc_offset_seconds") -> pl.Expr:
    return (pl.col(instant) + pl.duration(seconds=pl.col(offset).fill_null(0))).dt.date()


def _converted(table: dict[str, float]) -> pl.Expr:
    factor = pl.col("unit").replace_strict(table, default=None, return_dtype=pl.Float64)
    return pl.col("value") * factor


def _percent() -> pl.Expr:
    """Apple writes percentages as fractions with unit '%' (0.97)."""
    return pl.when(pl.col("value") <= 1.0).then(pl.col("value") * 100).otherwise(pl.col("value"))


def _celsius() -> pl.Expr:
    return (
        pl.when(pl.col("unit") == "degF")
        .then((pl.col("value") - 32) / 1.8)
        .otherwise(pl.col("value"))
    )


def _glucose() -> pl.Expr:
    mmol = pl.col("unit").str.contains("mmol")
    return pl.when(mmol).then(pl.col("value") * 18.0156).otherwise(pl.col("value"))


def deduplicated_daily(records: pl.DataFrame) -> pl.DataFrame:
    """Per runner and local day: steps, distance, floors, active/basal energy, each counted
    once across devices."""
    quantities = (
        records.lazy()
        .filter(pl.col("type").is_in(DEDUPLICATED))
        .select(
            # coded: the interval arithmetic below groups by one integer, not two texts
            pl.col("runner_id").cast(pl.Categorical),
            pl.col("type").cast(pl.Enum(DEDUPLICATED)),
            "start_time",
            "end_time",
            device_class(pl.col("source_name"), pl.col("device_hardware")).alias("device"),
            pl.when(pl.col("type") == f"{HK}DistanceWalkingRunning")
            .then(_converted(DISTANCE_TO_M))
            .when(pl.col("type").str.contains("Energy"))
            .then(_converted(ENERGY_TO_KCAL))
            .otherwise(pl.col("value"))
            .alias("value"),
            local_date().alias("date"),
        )
        .with_columns(
            (
                pl.col("runner_id").to_physical().cast(pl.Int64) * len(DEDUPLICATED)
                + pl.col("type").to_physical()
            ).alias("_quantity")
        )
        .collect()
    )
    counted = deduplicated_values(quantities, ["_quantity"])
    wide = (
        counted.group_by("runner_id", "date", "type")
        .agg(pl.col("counted_value").sum())
        .with_columns(pl.col("runner_id").cast(pl.String), pl.col("type").cast(pl.String))
    )
    names = {
        f"{HK}StepCount": "steps",
        f"{HK}DistanceWalkingRunning": "distance_meters",
        f"{HK}FlightsClimbed": "floors_climbed",
        f"{HK}ActiveEnergyBurned": "active_calories_kcal",
        f"{HK}BasalEnergyBurned": "basal_calories_kcal",
    }
    pivot = wide.with_columns(pl.col("type").replace_strict(names)).pivot(
        "type", index=["runner_id", "date"], values="counted_value"
    )
    for column in names.values():
        if column not in pivot.columns:
            pivot = pivot.with_columns(pl.lit(None, pl.Float64).alias(column))
    return pivot.with_columns(
        pl.col("steps").round().cast(pl.Int64),
        pl.col("floors_climbed").round().cast(pl.Int64),
    )


def vitals_daily(records: pl.DataFrame) -> pl.DataFrame:
    """Per runner and local day: heart rate, resting HR, HRV, SpO2, VO2max, respiration.

    Every local day with any record has a row, null where no vital was measured."""
    typed = records.lazy().select(
        "runner_id", "type", "value", "start_time", local_date().alias("date")
    )

    def of(kind: str) -> pl.Expr:
        return pl.col("value").filter(pl.col("type") == f"{HK}{kind}")

    # the aggregations read only vital records; the days come from all of them
    measured = (
        typed.filter(pl.col("type").is_in(VITALS))
        .group_by("runner_id", "date")
        .agg(
            of("HeartRate").mean().alias("avg_heart_rate_bpm"),
            of("HeartRate").min().alias("min_heart_rate_bpm"),
            of("HeartRate").max().alias("max_heart_rate_bpm"),
            of("RestingHeartRate")
            .sort_by(pl.col("start_time").filter(pl.col("type") == f"{HK}RestingHeartRate"))
            .last()
            .alias("resting_heart_rate_bpm"),
            of("HeartRateVariabilitySDNN").mean().alias("hrv_sdnn_ms"),
            (of("OxygenSaturation").mean() * 100).alias("_spo2"),
            of("VO2Max").max().alias("vo2max_ml_per_kg_min"),
            of("RespiratoryRate").mean().alias("respiratory_rate_breaths_per_min"),
        )
    )
    return (
        typed.select("runner_id", "date")
        .unique()
        .join(measured, on=["runner_id", "date"], how="left")
        .with_columns(
            # fractions (0.97) or percentages (97), as different exports write them
            pl.when(pl.col("_spo2") > 100)
            .then(pl.col("_spo2") / 100)
            .otherwise(pl.col("_spo2"))
            .alias("avg_spo2_percentage")
        )
        .drop("_spo2")
        .collect()
    )


def activities_daily(activities: pl.DataFrame) -> pl.DataFrame:
    """activities: runner_id, local_date, activity_type, distance_meters, duration_seconds,
    training_load, is_run, merged_from."""
    return activities.group_by("runner_id", pl.col("local_date").alias("date")).agg(
        pl.len().cast(pl.Int64).alias("activity_count"),
        pl.col("is_run").sum().cast(pl.Int64).alias("run_count"),
        pl.col("distance_meters").filter(pl.col("is_run")).sum().alias("run_distance_meters"),
        pl.col("duration_seconds").filter(pl.col("is_run")).sum().alias("run_duration_seconds"),
        pl.col("training_load").fill_null(0).sum().alias("training_load"),
        pl.col("merged_from")
        .list.eval(pl.element().struct.field("source"))
        .list.explode(keep_nulls=False, empty_as_null=False)
        .unique()
        .alias("_activity_sources"),
    )


def sleep_daily(sessions: pl.DataFrame) -> pl.DataFrame:
    """The night ending on each day (naps excluded)."""
    nights = sessions.filter(pl.col("is_nap").not_())
    return nights.group_by("runner_id", pl.col("local_date").alias("date")).agg(
        pl.col("duration_asleep_seconds").sum().alias("sleep_duration_seconds"),
        pl.col("duration_in_bed_seconds").sum().alias("sleep_in_bed_seconds"),
        pl.col("duration_deep_sleep_seconds").sum().alias("deep_sleep_seconds"),
        pl.col("duration_rem_sleep_seconds").sum().alias("rem_sleep_seconds"),
        (
            100 * pl.col("duration_asleep_seconds").sum() / pl.col("duration_in_bed_seconds").sum()
        ).alias("sleep_efficiency"),
        pl.col("sleep_score").mean().alias("sleep_score"),
    )


DAILY_PART_COLUMNS = pl.Schema(
    {
        "steps": pl.Int64(),
        "distance_meters": pl.Float64(),
        "floors_climbed": pl.Int64(),
        "active_calories_kcal": pl.Float64(),
        "basal_calories_kcal": pl.Float64(),
        "training_load": pl.Float64(),
        "activity_count": pl.Int64(),
        "run_count": pl.Int64(),
        "_activity_sources": pl.List(pl.String()),
    }
)


def daily_summaries(
    records: pl.DataFrame | None,
    activity_summaries: pl.DataFrame | None,
    activities: pl.DataFrame | None,
    sleep: pl.DataFrame | None,
) -> pl.DataFrame:
    """One row per runner per local day that has any data, with ATL/CTL/TSB over them.

    Any input may be None when its source has not been loaded.
    """
    keys = ["runner_id", "date"]
    health = [deduplicated_daily(records), vitals_daily(records)] if records is not None else []
    parts = list(health)
    if activity_summaries is not None:
        parts.append(
            activity_summaries.select(
                "runner_id",
                "date",
                pl.col("apple_exercise_time").alias("exercise_minutes"),
                pl.col("apple_stand_hours").round().cast(pl.Int64).alias("stand_hours"),
            )
        )
    if activities is not None:
        parts.append(activities_daily(activities))
    if sleep is not None:
        parts.append(sleep_daily(sleep))
    if not parts:
        return pl.DataFrame()
    days = pl.concat([p.select(keys) for p in parts]).unique()
    for part in parts:
        days = days.join(part, on=keys, how="left")
    for column, dtype in DAILY_PART_COLUMNS.items():
        if column not in days.columns:
            days = days.with_columns(pl.lit(None, dtype).alias(column))
    health_days = (
        pl.concat([p.select(keys) for p in health]).unique()
        if health
        else days.select(keys).clear()
    ).with_columns(pl.lit(True).alias("_health"))
    days = days.join(health_days, on=keys, how="left").with_columns(
        pl.col("training_load").fill_null(0.0),
        pl.col("activity_count").fill_null(0),
        pl.col("run_count").fill_null(0),
    )
    pmc = performance_management(days.select(*keys, "training_load"))
    days = pmc.join(days.drop("training_load"), on=keys, how="left")
    load = pl.col("training_load")
    return (
        days.sort(keys)
        .with_columns(
            (pl.col("active_calories_kcal") + pl.col("basal_calories_kcal")).alias(
                "total_calories_kcal"
            ),
            acute_chronic_workload_ratio(load)
            .over("runner_id")
            .alias("acute_chronic_workload_ratio"),
            pl.concat_list(
                pl.col("_activity_sources").fill_null([]),
                pl.when(pl.col("_health").fill_null(False))
                .then(pl.lit(["healthkit"]))
                .otherwise(pl.lit([], pl.List(pl.String))),
            )
            .list.unique()
            .list.sort()
            .alias("sources"),
            pl.concat_str(pl.col("runner_id"), pl.lit(":"), pl.col("date").cast(pl.String)).alias(
                "daily_summary_id"
            ),
            pl.col("activity_count").fill_null(0),
            pl.col("run_count").fill_null(0),
        )
        .drop("_activity_sources", "_health")
    )


BODY_TYPES = {
    f"{HK}BodyMass": ("weight_kg", MASS_TO_KG),
    f"{HK}LeanBodyMass": ("lean_mass_kg", MASS_TO_KG),
    f"{HK}Height": ("height_cm", LENGTH_TO_CM),
    f"{HK}WaistCircumference": ("waist_circumference_cm", LENGTH_TO_CM),
    f"{HK}DietaryWater": ("water_intake_ml", TO_ML),
}


def body_measurements(records: pl.DataFrame) -> pl.DataFrame:
    """One row per runner, instant and source with every body value measured then."""
    values = {
        **{t: _converted(table) for t, (_, table) in BODY_TYPES.items()},
        f"{HK}BodyMassIndex": pl.col("value"),
        f"{HK}BodyFatPercentage": _percent(),
        f"{HK}BloodPressureSystolic": pl.col("value"),
        f"{HK}BloodPressureDiastolic": pl.col("value"),
        f"{HK}BloodGlucose": _glucose(),
        f"{HK}BodyTemperature": _celsius(),
        f"{HK}BasalBodyTemperature": _celsius(),
        f"{HK}OxygenSaturation": _percent(),
    }
    names = {
        **{t: name for t, (name, _) in BODY_TYPES.items()},
        f"{HK}BodyMassIndex": "bmi",
        f"{HK}BodyFatPercentage": "body_fat_percentage",
        f"{HK}BloodPressureSystolic": "systolic_bp_mmhg",
        f"{HK}BloodPressureDiastolic": "diastolic_bp_mmhg",
        f"{HK}BloodGlucose": "blood_glucose_mg_per_dl",
        f"{HK}BodyTemperature": "body_temperature_celsius",
        f"{HK}BasalBodyTemperature": "basal_body_temperature_celsius",
        f"{HK}OxygenSaturation": "spo2_percentage",
    }
    keys = ["runner_id", "source_name", "start_time", "start_utc_offset_seconds"]
    body = (
        records.lazy()
        .filter(pl.col("type").is_in(list(values)))
        .select(*keys, "type", "unit", "value", "record_id", "device_name")
        .collect()
    )
    converted: pl.Expr = pl.lit(None)
    for record_type, expr in values.items():
        converted = pl.when(pl.col("type") == record_type).then(expr).otherwise(converted)
    rows = body.with_columns(
        converted.alias("value"),
        pl.col("type").replace_strict(names).alias("measure"),
    )
    wide = rows.pivot("measure", index=keys, values="value", aggregate_function="mean")
    for column in names.values():
        if column not in wide.columns:
            wide = wide.with_columns(pl.lit(None, pl.Float64).alias(column))
    ids = rows.group_by(keys).agg(
        pl.col("record_id").min().alias("external_id"), pl.col("device_name").first()
    )
    return wide.join(ids, on=keys, how="left").select(
        pl.concat_str(pl.col("runner_id"), pl.lit(":"), pl.col("external_id")).alias(
            "body_measurement_id"
        ),
        "runner_id",
        pl.lit("healthkit").alias("source"),
        "external_id",
        "source_name",
        pl.col("start_time").alias("measured_at"),
        local_date().alias("local_date"),
        pl.col("start_utc_offset_seconds").cast(pl.Int64).alias("utc_offset_seconds"),
        *names.values(),
        "device_name",
    )
