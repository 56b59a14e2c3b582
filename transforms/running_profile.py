"""The inferred running profile (Runner Object `running.*` inferred fields, PATH 2).

- actual weekly volume: running km over the last 28 days / 4
- actual easy pace: median pace of runs averaging under 70 % of heart-rate reserve (last 8
  weeks); without heart rate, runs classified easy
- long-run distance: longest run in the last 6 weeks
- consistency: share of the last 12 weeks with 2+ runs (score 0-1, five levels)
- VDOT: the best Daniels-Gilbert VDOT over the last 180 days from races and from the fastest
  5K/10K/half/marathon efforts found in the samples, with its source and date
- pace zones from VDOT; HR zones from max and resting heart rate (max observed when the data
  holds a plausible one, else Tanaka's 208 - 0.7 x age; the source recorded)
- personal bests: fastest effort per distance ever found
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from transforms.physiology import heart_rate_zones, max_hr_for_age, training_paces, vdot

VDOT_DAYS = 180
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
    runner: age, rest_hr, max_hr (physical facts the runner gave, may be None).
    """
    recent = runs.filter(pl.col("local_date") > as_of - dt.timedelta(days=28))
    weekly = recent["distance_meters"].sum() / 1000 / 4
    rest = runner.get("rest_hr")
    observed = runs["max_heart_rate_bpm"].max()
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
    long_run = six_weeks["distance_meters"].max()
    weeks = [
        runs.filter(
            (pl.col("local_date") > as_of - dt.timedelta(days=7 * (w + 1)))
            & (pl.col("local_date") <= as_of - dt.timedelta(days=7 * w))
        ).height
        for w in range(12)
    ]
    consistency = sum(1 for n in weeks if n >= 2) / 12
    best = _best_vdot(runs, efforts, as_of)
    profile: dict = {
        "actual_weekly_volume_km": round(weekly, 1),
        "actual_easy_pace_sec_per_km": easy_pace,
        "long_run_distance_km": None if long_run is None else round(long_run / 1000, 2),
        "training_consistency": _level(consistency),
        "consistency_score": round(consistency, 3),
        "personal_bests": _personal_bests(efforts),
    }
    if best is not None:
        score, source, date = best
        paces = training_paces(score)
        profile |= {
            "vdot": round(score, 1),
            "vdot_source": source,
            "vdot_date": date,
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


def _best_vdot(runs: pl.DataFrame, efforts: pl.DataFrame, as_of: dt.date):
    since = as_of - dt.timedelta(days=VDOT_DAYS)
    candidates = []
    for row in efforts.filter(pl.col("local_date") > since).iter_rows(named=True):
        candidates.append(
            (
                vdot(row["distance_meters"], row["seconds"]),
                f"best {row['effort']} effort in {row['activity_id']}",
                row["local_date"],
            )
        )
    races = runs.filter(
        (pl.col("local_date") > since)
        & pl.col("is_race").fill_null(False)
        & (pl.col("distance_meters") >= 3000)
    )
    for row in races.iter_rows(named=True):
        candidates.append(
            (
                vdot(row["distance_meters"], row["duration_seconds"]),
                f"race {row['activity_id']}",
                row["local_date"],
            )
        )
    plausible = [c for c in candidates if 20 <= c[0] <= 85]
    return max(plausible, default=None, key=lambda c: c[0])


def _personal_bests(efforts: pl.DataFrame) -> dict:
    bests = {}
    for row in efforts.sort("seconds").unique("effort", keep="first").iter_rows(named=True):
        bests[row["effort"]] = {
            "time": row["seconds"],
            "date": row["local_date"],
            "source": "inferred",
            "activity_id": row["activity_id"],
        }
    return bests
