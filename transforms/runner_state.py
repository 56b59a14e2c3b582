"""Each runner's current state (Runner Object `current_state`, PATH 2) from daily summaries.

Rules, documented here because coaches read their output:
- Load trend: CTL now vs 14 days ago — up 5 %+ building, down 5 %+ declining, else
  maintaining; erratic when weekly loads of the last 4 weeks vary by more than 50 % (CV).
- Fitness, fatigue and form: CTL, ATL and TSB seeded with the mean daily load of the first
  28 days (`physiology.performance_management`), so a runner is not "fatigued" by the start
  of their data.
- ACWR: last 7 days' load / (last 28 days' load / 4), the coupled rolling average of Hulin
  et al. 2016; 0.8-1.3 is the "sweet spot", 1.5+ the danger zone (Gabbett 2016). None
  before 28 days of history, so the first weeks raise no ACWR risk.
- Weekly loads (trend) are the whole weeks of history, up to the last 4.
- Injury risk: very_high at ACWR >= 2.0 or current pain >= 5/10; high at ACWR >= 1.5 or a
  week-over-week volume jump over 30 % with an injury history; moderate at ACWR >= 1.3,
  any jump over 30 %, or current pain; low otherwise. Every reason is listed as a factor.
- Overtraining risk: high when TSB < -30, or TSB < -20 with HRV suppressed and resting HR
  up; moderate when TSB < -20 or both recovery markers are off; low otherwise.
- Readiness (0-100): 70, plus HRV vs the runner's 28-day baseline (+-15 at 1.5 SD), minus
  resting HR vs baseline (+-10 at 5 bpm), plus last night's sleep vs 7.5 h (+-10 at 1.5 h),
  plus form (TSB > 5: +5; TSB < -20: -10), clipped to 0-100.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from transforms.physiology import acute_chronic_workload_ratio, performance_management

TREND_DAYS = 14
BASELINE_DAYS = 28
SLEEP_TARGET_SECONDS = 7.5 * 3600


def _window(days: int, as_of: pl.Expr) -> pl.Expr:
    return (pl.col("date") > as_of - pl.duration(days=days)) & (pl.col("date") <= as_of)


def current_states(
    daily: pl.DataFrame,
    runners: pl.DataFrame,
    calculated_at: dt.datetime,
) -> pl.DataFrame:
    """One row per runner with the `current_state` fields (and `readiness_factors`).

    daily: runner_id, date, training_load, run_count, run_distance_meters,
    resting_heart_rate_bpm, hrv_sdnn_ms, sleep_duration_seconds, sleep_score, weight_kg.
    runners: runner_id, has_injury_history (bool), current_pain_severity (0-10 or null).
    """
    pmc = performance_management(daily.select("runner_id", "date", "training_load"))
    # one row per calendar day, sorted: what the rolling ratio needs
    pmc = pmc.with_columns(
        acute_chronic_workload_ratio(pl.col("training_load")).over("runner_id").alias("_acwr")
    )
    days = pmc.join(daily.drop("training_load"), on=["runner_id", "date"], how="left")
    as_of = pl.col("date").max().over("runner_id")
    history_days = (as_of - pl.col("date").min().over("runner_id")).dt.total_days() + 1
    last = pl.col("date") == as_of
    load = pl.col("training_load")
    week_km = pl.col("run_distance_meters").filter(_window(7, as_of)).sum() / 1000
    prior_week_km = (
        pl.col("run_distance_meters").filter(_window(14, as_of) & _window(7, as_of).not_()).sum()
        / 1000
    )
    weekly_loads = [
        pl.when(history_days.first() >= 7 * (w + 1)).then(
            load.filter(_window(7 * (w + 1), as_of) & _window(7 * w, as_of).not_()).sum()
        )
        for w in range(4)
    ]
    hrv_base = pl.col("hrv_sdnn_ms").filter(_window(BASELINE_DAYS, as_of))
    rhr_base = pl.col("resting_heart_rate_bpm").filter(_window(BASELINE_DAYS, as_of))
    per_runner = days.group_by("runner_id").agg(
        pl.col("date").max().alias("as_of"),
        pl.col("atl").filter(last).first().alias("acute_training_load"),
        pl.col("ctl").filter(last).first().alias("chronic_training_load"),
        pl.col("tsb").filter(last).first().alias("training_stress_balance"),
        pl.col("ctl")
        .filter(pl.col("date") == as_of - pl.duration(days=TREND_DAYS))
        .first()
        .alias("_ctl_before"),
        pl.concat_list(weekly_loads).list.drop_nulls().alias("_weekly_loads"),
        week_km.alias("last_7_days_volume_km"),
        prior_week_km.alias("_prior_week_km"),
        (pl.col("run_distance_meters").filter(_window(28, as_of)).sum() / 1000).alias(
            "last_28_days_volume_km"
        ),
        pl.col("run_count")
        .filter(_window(7, as_of))
        .sum()
        .cast(pl.Int64)
        .alias("last_7_days_run_count"),
        pl.col("run_count")
        .filter(_window(28, as_of))
        .sum()
        .cast(pl.Int64)
        .alias("last_28_days_run_count"),
        pl.col("_acwr").filter(last).first().alias("acute_chronic_workload_ratio"),
        pl.col("resting_heart_rate_bpm").drop_nulls().last().alias("latest_resting_hr_bpm"),
        pl.col("hrv_sdnn_ms").drop_nulls().last().alias("latest_hrv_ms"),
        pl.col("weight_kg").drop_nulls().last().alias("latest_weight_kg"),
        pl.col("sleep_score").drop_nulls().last().alias("latest_sleep_score"),
        pl.col("sleep_duration_seconds").drop_nulls().last().alias("_last_sleep"),
        hrv_base.mean().alias("_hrv_mean"),
        hrv_base.std().alias("_hrv_sd"),
        rhr_base.mean().alias("_rhr_mean"),
    )
    state = per_runner.join(runners, on="runner_id", how="left")
    return (
        _risks(_readiness(_trend(state)))
        .with_columns(
            pl.lit(calculated_at).cast(pl.Datetime("us", "UTC")).alias("last_calculated_at")
        )
        .drop("has_injury_history", "current_pain_severity")
    )


def _trend(state: pl.DataFrame) -> pl.DataFrame:
    loads = pl.col("_weekly_loads")
    variation = loads.list.std() / loads.list.mean()
    change = pl.col("chronic_training_load") / pl.col("_ctl_before") - 1
    return state.with_columns(
        pl.when(variation > 0.5)
        .then(pl.lit("erratic"))
        .when(change >= 0.05)
        .then(pl.lit("building"))
        .when(change <= -0.05)
        .then(pl.lit("declining"))
        .otherwise(pl.lit("maintaining"))
        .alias("training_load_trend")
    )


def _readiness(state: pl.DataFrame) -> pl.DataFrame:
    hrv_z = (pl.col("latest_hrv_ms") - pl.col("_hrv_mean")) / pl.col("_hrv_sd")
    hrv_points = (hrv_z.clip(-1.5, 1.5) * 10).fill_nan(0).fill_null(0)
    rhr_points = -(pl.col("latest_resting_hr_bpm") - pl.col("_rhr_mean")).clip(-5, 5) * 2
    rhr_points = rhr_points.fill_null(0)
    sleep_points = (
        ((pl.col("_last_sleep") - SLEEP_TARGET_SECONDS) / 5400).clip(-1, 1) * 10
    ).fill_null(0)
    form_points = (
        pl.when(pl.col("training_stress_balance") > 5)
        .then(5.0)
        .when(pl.col("training_stress_balance") < -20)
        .then(-10.0)
        .otherwise(0.0)
    )

    def factor(name: str, value: pl.Expr, baseline: pl.Expr, impact: pl.Expr) -> pl.Expr:
        return pl.struct(
            pl.lit(name).alias("factor"),
            value.cast(pl.Float64).alias("value"),
            baseline.cast(pl.Float64).alias("baseline"),
            impact.cast(pl.Float64).alias("impact"),
        )

    return state.with_columns(
        (70 + hrv_points + rhr_points + sleep_points + form_points)
        .clip(0, 100)
        .round(0)
        .alias("readiness_score"),
        pl.concat_list(
            factor("hrv", pl.col("latest_hrv_ms"), pl.col("_hrv_mean"), hrv_points),
            factor("resting_hr", pl.col("latest_resting_hr_bpm"), pl.col("_rhr_mean"), rhr_points),
            factor(
                "sleep",
                pl.col("_last_sleep") / 3600,
                pl.lit(SLEEP_TARGET_SECONDS / 3600),
                sleep_points,
            ),
            factor("tsb", pl.col("training_stress_balance"), pl.lit(0.0), form_points),
        ).alias("readiness_factors"),
    )


def _risks(state: pl.DataFrame) -> pl.DataFrame:
    acwr = pl.col("acute_chronic_workload_ratio").fill_null(0)
    jump = (pl.col("last_7_days_volume_km") / pl.col("_prior_week_km") - 1).fill_nan(0).fill_null(0)
    jumped = (pl.col("_prior_week_km") > 0) & (jump > 0.30)
    history = pl.col("has_injury_history").fill_null(False)
    pain = pl.col("current_pain_severity").fill_null(0)
    tsb = pl.col("training_stress_balance").fill_null(0)
    hrv_low = (pl.col("latest_hrv_ms") < pl.col("_hrv_mean") - pl.col("_hrv_sd")).fill_null(False)
    rhr_high = (pl.col("latest_resting_hr_bpm") > pl.col("_rhr_mean") + 3).fill_null(False)

    def when_then(condition: pl.Expr, text: str) -> pl.Expr:
        return pl.when(condition).then(pl.lit(text))

    factors = pl.concat_list(
        when_then(acwr >= 1.5, "acute:chronic workload ratio at or above 1.5"),
        when_then((acwr >= 1.3) & (acwr < 1.5), "acute:chronic workload ratio above 1.3"),
        when_then(jumped, "weekly volume up more than 30 %"),
        when_then(history, "injury history"),
        when_then(pain > 0, "current pain reported"),
    ).list.drop_nulls()
    return state.with_columns(
        pl.when((acwr >= 2.0) | (pain >= 5))
        .then(pl.lit("very_high"))
        .when((acwr >= 1.5) | (jumped & history))
        .then(pl.lit("high"))
        .when((acwr >= 1.3) | jumped | (pain > 0))
        .then(pl.lit("moderate"))
        .otherwise(pl.lit("low"))
        .alias("injury_risk_level"),
        factors.alias("injury_risk_factors"),
        pl.when((tsb < -30) | ((tsb < -20) & hrv_low & rhr_high))
        .then(pl.lit("high"))
        .when((tsb < -20) | (hrv_low & rhr_high))
        .then(pl.lit("moderate"))
        .otherwise(pl.lit("low"))
        .alias("overtraining_risk"),
    ).drop(pl.selectors.starts_with("_"))
