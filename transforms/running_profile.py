"""The inferred running profile (Runner Object `running.*` inferred fields, PATH 2).

- actual weekly volume: running km over the last 28 days / 4
- actual easy pace: median pace of runs averaging under 70 % of heart-rate reserve (last 8
  weeks); without heart rate, runs classified easy
- long-run distance: longest run in the last 6 weeks
- consistency: share of the last 12 weeks with 2+ runs (score 0-1, five levels)
- VDOT: the best Daniels-Gilbert VDOT, on the actual distance and time, of the maximal
  performances of the last 52 weeks (`maximal_performances`): dated personal bests the
  runner told us, races (flagged, or named like one: session_type race), and all-out runs
  (average heart rate at 92 %+ of max) of 1.5 km or more, each whole and its fastest
  5K/10K/half/marathon stretch. A fast stretch of any other run never counts: a long run's
  fast finish is not an all-out effort. Performances of the last 12 weeks count in full;
  older ones lose 0.5 % of their VDOT per week beyond the 12th (fitness fades, and an old
  result says less about today). Recorded with its source, date and activity.
- pace zones from VDOT; HR zones from max and resting heart rate (max observed when the data
  holds a plausible one, else Tanaka's 208 - 0.7 x age; the source recorded)
- personal bests: fastest effort per distance ever found, for the distances the runner gave
  no personal best; a told personal best is linked only to its own activity (a run that day
  whose best effort at the distance is within 2 % of the told time), never to another
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from transforms.physiology import (
    RACE_METERS,
    heart_rate_zones,
    max_hr_for_age,
    training_paces,
    vdot,
)
from transforms.units import clock

VDOT_WEEKS = 52
FULL_WEIGHT_WEEKS = 12
FADE_PER_WEEK = 0.005
"""Share of its VDOT a performance loses per week beyond `FULL_WEIGHT_WEEKS`: a 6-month-old
race counts 7 % less, a year-old one 20 % less. Our choice, not a published rate: an old result
says less about today, but a runner who still trains keeps most of it."""
ALL_OUT_HEART_RATE_SHARE = 0.92
"""Average heart rate, as a share of max, of a whole run that was all-out. 5K-10K races are
run at about 0.92-0.97 of max, Daniels' threshold at 0.88-0.92 (a threshold run that gets
in understates VDOT, as a 20-minute run at a one-hour pace); on the demo squad the races
averaged 0.93-0.95 and every other run, long runs of a runner whose easy running sits high
in her range included, under 0.91."""
MIN_EFFORT_METERS = 1500.0
PLAUSIBLE_VDOT = (20.0, 85.0)
PB_MATCH_SHARE = 0.02
"""How close (share of the told time) an activity's best effort must be to a told personal
best for the activity to be the one that set it."""
EASY_RESERVE = 0.70
CONSISTENCY_LEVELS = ((0.85, "very_high"), (0.7, "high"), (0.5, "moderate"), (0.25, "low"))
OBSERVED_MAX_PLAUSIBLE = (140, 225)


def _level(score: float) -> str:
    return next((name for bound, name in CONSISTENCY_LEVELS if score >= bound), "very_low")


def infer_running_profile(
    runs: pl.DataFrame,
    efforts: pl.DataFrame,
    runner: dict,
    as_of: dt.date,
) -> dict:
    """Inferred `running` and `physical` fields for one runner.

    runs: local_date, distance_meters, duration_seconds, avg_heart_rate_bpm,
    max_heart_rate_bpm, session_type, is_race, activity_id.
    efforts: activity_id, local_date, effort, distance_meters, seconds.
    runner: age, rest_hr, max_hr, personal_bests (the facts the runner gave, may be None;
    personal bests as the Runner Object holds them, by distance name).
    """
    recent = runs.filter(pl.col("local_date") > as_of - dt.timedelta(days=28))
    weekly = recent.select(pl.col("distance_meters").sum()).item() / 1000 / 4
    rest = runner.get("rest_hr")
    observed = runs.select(pl.col("max_heart_rate_bpm").max()).item()
    low, high = OBSERVED_MAX_PLAUSIBLE
    if runner.get("max_hr"):
        max_hr, max_source = float(runner["max_hr"]), "user"
    elif observed is not None and low <= observed <= high:
        max_hr, max_source = float(observed), "observed"
    elif runner.get("age"):
        max_hr, max_source = max_hr_for_age(runner["age"]), "tanaka"
    else:
        max_hr, max_source = None, None
    eight_weeks = runs.filter(pl.col("local_date") > as_of - dt.timedelta(days=56))
    pace = pl.col("duration_seconds") / (pl.col("distance_meters") / 1000)
    if max_hr and rest:
        reserve = (pl.col("avg_heart_rate_bpm") - rest) / (max_hr - rest)
        easy = eight_weeks.filter(reserve < EASY_RESERVE)
    else:
        easy = eight_weeks.filter(pl.col("session_type") == "easy")
    easy_pace = easy.filter(pl.col("distance_meters") > 0).select(pace.median()).item()
    six_weeks = runs.filter(pl.col("local_date") > as_of - dt.timedelta(days=42))
    long_run = six_weeks.select(pl.col("distance_meters").max()).item()
    weeks = [
        runs.filter(
            (pl.col("local_date") > as_of - dt.timedelta(days=7 * (w + 1)))
            & (pl.col("local_date") <= as_of - dt.timedelta(days=7 * w))
        ).height
        for w in range(12)
    ]
    consistency = sum(1 for n in weeks if n >= 2) / 12
    told = told_personal_bests(runner.get("personal_bests"))
    best = best_vdot(maximal_performances(runs, efforts, told, max_hr), as_of)
    profile: dict = {
        "actual_weekly_volume_km": round(weekly, 1),
        "actual_easy_pace_sec_per_km": easy_pace,
        "long_run_distance_km": None if long_run is None else round(long_run / 1000, 2),
        "training_consistency": _level(consistency),
        "consistency_score": round(consistency, 3),
        "personal_bests": _personal_bests(efforts, told),
    }
    if best is not None:
        paces = training_paces(best["vdot"])
        profile |= {
            "vdot": round(best["vdot"], 1),
            "vdot_source": best["source"],
            "vdot_date": best["local_date"],
            "vdot_activity_id": best["activity_id"],
            "pace_zones": {
                "easy": {"min_sec_per_km": paces.easy_fast, "max_sec_per_km": paces.easy_slow},
                "marathon": _around(paces.marathon, 5),
                "threshold": _around(paces.threshold, 4),
                "interval": _around(paces.interval, 4),
                "repetition": _around(paces.repetition, 4),
            },
        }
    physical = {}
    if max_hr:
        profile["hr_zones"] = heart_rate_zones(max_hr, rest)
        profile["hr_zones_source"] = "karvonen" if rest else "percent_max"
        physical = {"max_hr_bpm": max_hr, "max_hr_source": max_source}
    if observed is not None:
        physical["observed_max_hr_bpm"] = float(observed)
    return {"running": profile, "physical": physical}


def _around(pace: float, seconds: float) -> dict:
    return {"min_sec_per_km": pace - seconds, "max_sec_per_km": pace + seconds}


PERFORMANCE_SCHEMA = pl.Schema(
    {
        "activity_id": pl.String,
        "local_date": pl.Date,
        "distance_meters": pl.Float64,
        "seconds": pl.Float64,
        "kind": pl.String,
    }
)


def told_personal_bests(personal_bests: dict | None) -> pl.DataFrame:
    """The personal bests the runner gave (not those inferred earlier): effort, distance_meters,
    seconds, local_date (may be null), source."""
    rows = [
        {
            "effort": effort,
            "distance_meters": RACE_METERS[effort],
            "seconds": float(best["time"]),
            "local_date": best.get("date"),
            "source": best.get("source"),
        }
        for effort, best in (personal_bests or {}).items()
        if best and best.get("time") and best.get("source") != "inferred"
    ]
    return pl.DataFrame(
        rows,
        schema={
            "effort": pl.String,
            "distance_meters": pl.Float64,
            "seconds": pl.Float64,
            "local_date": pl.Date,
            "source": pl.String,
        },
    )


def maximal_performances(
    runs: pl.DataFrame, efforts: pl.DataFrame, told: pl.DataFrame, max_hr: float | None
) -> pl.DataFrame:
    """The performances that were all-out, so that their VDOT measures fitness: activity_id
    (null for a told personal best), local_date, distance_meters, seconds, kind.

    - dated personal bests the runner told us;
    - whole runs of 1.5 km or more that were races (flagged, or named like one: session_type
      race) or all-out (average heart rate at `ALL_OUT_HEART_RATE_SHARE` of max or more);
    - the fastest standard-distance stretch of those runs (a race with its warm-up in the
      same recording).
    The fastest stretch of any other run does not count.
    """
    race = pl.col("is_race").fill_null(False) | (pl.col("session_type") == "race").fill_null(False)
    hard = (
        (pl.col("avg_heart_rate_bpm") >= ALL_OUT_HEART_RATE_SHARE * max_hr).fill_null(False)
        if max_hr
        else pl.lit(False)
    )
    all_out = (
        runs.filter((race | hard) & (pl.col("distance_meters") >= MIN_EFFORT_METERS))
        .filter(pl.col("duration_seconds") > 0)
        .select(
            "activity_id",
            "local_date",
            "distance_meters",
            pl.col("duration_seconds").alias("seconds"),
            pl.when(race).then(pl.lit("race")).otherwise(pl.lit("all-out run")).alias("kind"),
        )
    )
    stretches = efforts.join(all_out.select("activity_id", "kind"), on="activity_id").select(
        "activity_id",
        "local_date",
        "distance_meters",
        "seconds",
        ("fastest stretch of " + pl.col("kind")).alias("kind"),
    )
    personal_bests = told.drop_nulls("local_date").select(
        pl.lit(None, pl.String).alias("activity_id"),
        "local_date",
        "distance_meters",
        "seconds",
        pl.lit("personal best").alias("kind"),
    )
    return pl.concat(
        [frame.cast(PERFORMANCE_SCHEMA) for frame in (personal_bests, all_out, stretches)]
    )


def recency_weight(age_days: int) -> float:
    """1 for the last `FULL_WEIGHT_WEEKS` weeks, then `FADE_PER_WEEK` less per week."""
    weeks_beyond = max(age_days / 7 - FULL_WEIGHT_WEEKS, 0.0)
    return 1.0 - FADE_PER_WEEK * weeks_beyond


def best_vdot(performances: pl.DataFrame, as_of: dt.date) -> dict | None:
    """The performance of the last `VDOT_WEEKS` weeks with the highest recency-weighted VDOT:
    vdot (weighted), source (what and how fast), local_date, activity_id; None without one."""
    since = as_of - dt.timedelta(weeks=VDOT_WEEKS)
    low, high = PLAUSIBLE_VDOT
    best = None
    recent = performances.filter(pl.col("local_date").is_between(since, as_of, closed="right"))
    for row in recent.iter_rows(named=True):
        raw = vdot(row["distance_meters"], row["seconds"])
        if not low <= raw <= high:
            continue
        weighted = raw * recency_weight((as_of - row["local_date"]).days)
        if best is None or weighted > best["vdot"]:
            best = {
                "vdot": weighted,
                "source": f"{row['kind']}: {row['distance_meters'] / 1000:.2f} km in "
                f"{clock(row['seconds'])}",
                "local_date": row["local_date"],
                "activity_id": row["activity_id"],
            }
    return best


def _personal_bests(efforts: pl.DataFrame, told: pl.DataFrame) -> dict:
    """Told personal bests with the activity that set them (when found), and the fastest
    effort ever for each other distance."""
    bests = {}
    for row in told.iter_rows(named=True):
        if row["local_date"] is None:
            same_day = efforts.clear()
        else:
            same_day = efforts.filter(
                (pl.col("effort") == row["effort"])
                & (pl.col("local_date") == row["local_date"])
                & ((pl.col("seconds") - row["seconds"]).abs() <= PB_MATCH_SHARE * row["seconds"])
            )
        closest = same_day.sort((pl.col("seconds") - row["seconds"]).abs()).head(1)
        bests[row["effort"]] = {
            "time": row["seconds"],
            "date": row["local_date"],
            "source": row["source"],
            "activity_id": closest["activity_id"].item() if closest.height else None,
        }
    fastest = efforts.filter(pl.col("effort").is_in(told["effort"].implode()).not_())
    for row in fastest.sort("seconds").unique("effort", keep="first").iter_rows(named=True):
        bests[row["effort"]] = {
            "time": row["seconds"],
            "date": row["local_date"],
            "source": "inferred",
            "activity_id": row["activity_id"],
        }
    return bests
