"""Sports-science formulas (../shared/reference/SPORTS_SCIENCE.md), as pure functions.

Scalars for single values (plan generation, tests against published tables) and Polars
expressions/frames where they are applied to many rows.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import polars as pl

# Daniels-Gilbert (1979) oxygen cost and sustainable fraction; v in m/min, t in minutes.
VO2_INTERCEPT, VO2_LINEAR, VO2_QUADRATIC = -4.60, 0.182258, 0.000104
FRACTION_BASE = 0.8
FRACTION_TERMS = ((0.1894393, -0.012778), (0.2989558, -0.1932605))

# Fractions of VDOT whose running speed gives each Daniels pace (reference 1.2, computed
# relations): T reproduces the table within 0.5 s/km, I within 2.5 s/km.
THRESHOLD_FRACTION = 0.88
INTERVAL_FRACTION = 0.975
REPETITION_SPEED_OVER_INTERVAL = 1.08
EASY_FAST_FRACTION = 0.74
EASY_SLOW_FRACTION = 0.635

MARATHON_METERS = 42195.0
RACE_METERS = {
    "five_k": 5000.0,
    "ten_k": 10000.0,
    "half_marathon": 21097.5,
    "marathon": MARATHON_METERS,
}
"""The standard race distances, by the names the seed gives personal bests and race labels."""


def oxygen_cost(meters_per_minute: float) -> float:
    v = meters_per_minute
    return VO2_INTERCEPT + VO2_LINEAR * v + VO2_QUADRATIC * v * v


def sustainable_fraction(minutes: float) -> float:
    return FRACTION_BASE + sum(a * math.exp(b * minutes) for a, b in FRACTION_TERMS)


def vdot(distance_meters: float, seconds: float) -> float:
    """VDOT of a performance (Daniels-Gilbert)."""
    if distance_meters <= 0 or seconds <= 0:
        raise ValueError("distance and time must be positive")
    minutes = seconds / 60
    return oxygen_cost(distance_meters / minutes) / sustainable_fraction(minutes)


def race_seconds(target_vdot: float, distance_meters: float) -> float:
    """Equivalent race time for a VDOT, by Newton-Raphson on VDOT(d, t) = target."""
    v_max = 29.54 + 5.000663 * target_vdot - 0.007546 * target_vdot**2
    minutes = distance_meters / (0.9 * v_max)
    for _ in range(50):
        error = vdot(distance_meters, minutes * 60) - target_vdot
        step = 1e-4
        slope = (
            vdot(distance_meters, (minutes + step) * 60) - vdot(distance_meters, minutes * 60)
        ) / step
        next_minutes = minutes - error / slope
        if abs(next_minutes - minutes) < 1e-7:
            return next_minutes * 60
        minutes = next_minutes
    return minutes * 60


def speed_for_oxygen(vo2: float) -> float:
    """Running speed (m/min) whose oxygen cost is `vo2` (positive root of the quadratic)."""
    a, b, c = VO2_QUADRATIC, VO2_LINEAR, VO2_INTERCEPT - vo2
    return (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a)


def pace_for_fraction(target_vdot: float, fraction: float) -> float:
    """Seconds per km at the speed costing `fraction` of VDOT."""
    return 60_000 / speed_for_oxygen(fraction * target_vdot)


@dataclass(frozen=True)
class TrainingPaces:
    """Daniels training paces in seconds per km (E is a range: fast end, slow end)."""

    vdot: float
    easy_fast: float
    easy_slow: float
    marathon: float
    threshold: float
    interval: float
    repetition: float


# Daniels' Running Formula table rows (reference 1.2), s/km: E fast, E slow, M, T, I, R.
# I and R per km are 2.5 x the 400 m times where the table gives no per-km value.
PUBLISHED_PACES = {
    30: (447, 494, 423, 384, 355.0, 335.0),
    40: (356, 398, 329, 306, 282.0, 260.0),
    45: (323, 363, 297, 278, 256.0, 235.0),
    50: (296, 334, 271, 255, 235.0, 217.5),
    60: (255, 289, 232, 220, 203.0, 187.5),
    70: (224, 255, 204, 194, 179.0, 162.5),
    80: (201, 229, 181, 174, 161.0, 145.0),
}


def _formula_paces(target_vdot: float) -> tuple[float, ...]:
    interval = pace_for_fraction(target_vdot, INTERVAL_FRACTION)
    return (
        pace_for_fraction(target_vdot, EASY_FAST_FRACTION),
        pace_for_fraction(target_vdot, EASY_SLOW_FRACTION),
        race_seconds(target_vdot, MARATHON_METERS) / (MARATHON_METERS / 1000),
        pace_for_fraction(target_vdot, THRESHOLD_FRACTION),
        interval,
        interval / REPETITION_SPEED_OVER_INTERVAL,
    )


def _table_correction(target_vdot: float) -> tuple[float, ...]:
    """Published minus formula pace, interpolated between the table's rows (clamped)."""
    rows = sorted(PUBLISHED_PACES)
    low = max((r for r in rows if r <= target_vdot), default=rows[0])
    high = min((r for r in rows if r >= target_vdot), default=rows[-1])

    def correction(row: int) -> tuple[float, ...]:
        return tuple(p - f for p, f in zip(PUBLISHED_PACES[row], _formula_paces(row), strict=True))

    if low == high:
        return correction(low)
    weight = (target_vdot - low) / (high - low)
    return tuple(
        a + (b - a) * weight for a, b in zip(correction(low), correction(high), strict=True)
    )


def training_paces(target_vdot: float) -> TrainingPaces:
    """Daniels paces: the Daniels-Gilbert speeds, calibrated to the published table (exact at
    its rows, interpolated between them) because the book's E and M paces at low VDOT are
    slower than any single formula gives."""
    paces = [
        f + c
        for f, c in zip(_formula_paces(target_vdot), _table_correction(target_vdot), strict=True)
    ]
    return TrainingPaces(target_vdot, *paces)


# --- training load -------------------------------------------------------------------------

ATL_DAYS = 7
CTL_DAYS = 42
SEED_DAYS = 28
"""Days whose mean daily load is the starting CTL and ATL (see `performance_management`)."""
ACWR_ACUTE_DAYS = 7
ACWR_CHRONIC_DAYS = 28
MIN_CHRONIC_LOAD = 1e-6
"""Load units/day: a 28-day rolling sum below this is float dust from adding and
subtracting, not training, and gives no ratio."""


def decay(days: int) -> float:
    """GoldenCheetah's exponential-decay weight: X_d = X_{d-1}·e^(-1/N) + L_d·(1 - e^(-1/N))."""
    return math.exp(-1 / days)


def performance_management(
    daily: pl.DataFrame,
    *,
    key: str = "runner_id",
    day: str = "date",
    load: str = "training_load",
    atl_days: int = ATL_DAYS,
    ctl_days: int = CTL_DAYS,
    seed_days: int = SEED_DAYS,
) -> pl.DataFrame:
    """ATL, CTL and TSB per key and calendar day.

    Both start, the day before the first, at the mean daily load of the first `seed_days`
    calendar days (all of them when there are fewer; `seed_days=0` starts at zero). The
    runner trained before the data began: started at zero, a steady runner's ATL outruns
    CTL and TSB sits below -20 for one to two months, which reads as overreaching.
    TrainingPeaks' "Estimate Starting Fitness" likewise gives CTL and ATL one starting value.

    Missing days count as zero load. TSB on a day is yesterday's CTL minus yesterday's ATL
    (TrainingPeaks' and GoldenCheetah's convention).
    """
    if daily.is_empty():
        return daily.select(key, day, load).with_columns(
            pl.lit(None, pl.Float64).alias(n) for n in ("atl", "ctl", "tsb")
        )
    spans = daily.group_by(key).agg(
        pl.col(day).min().alias("first"), pl.col(day).max().alias("last")
    )
    calendar = spans.select(key, pl.date_ranges("first", "last", interval="1d").alias(day)).explode(
        day
    )
    loads = daily.group_by(key, day).agg(pl.col(load).fill_null(0).sum())
    frame = (
        calendar.join(loads, on=[key, day], how="left")
        .with_columns(pl.col(load).fill_null(0.0))
        .sort(key, day)
    )
    atl_keep, ctl_keep = decay(atl_days), decay(ctl_days)
    frame = frame.with_columns(
        pl.col(load).ewm_mean(alpha=1 - atl_keep, adjust=False).over(key).alias("_atl"),
        pl.col(load).ewm_mean(alpha=1 - ctl_keep, adjust=False).over(key).alias("_ctl"),
        pl.int_range(pl.len()).over(key).alias("_n"),
    )
    # ewm_mean starts from the first day's load; starting from the seed the day before
    # instead differs by exactly keep^(n+1) times (first load - seed).
    first = pl.col(load).first().over(key)
    seed = pl.col(load).filter(pl.col("_n") < seed_days).mean().over(key).fill_null(0.0)
    frame = frame.with_columns(
        (pl.col("_atl") - atl_keep ** (pl.col("_n") + 1) * (first - seed)).alias("atl"),
        (pl.col("_ctl") - ctl_keep ** (pl.col("_n") + 1) * (first - seed)).alias("ctl"),
    )
    return frame.with_columns(
        (pl.col("ctl") - pl.col("atl")).shift(1).over(key).fill_null(0.0).alias("tsb")
    ).drop("_atl", "_ctl", "_n")


def acute_chronic_workload_ratio(load: pl.Expr) -> pl.Expr:
    """The coupled rolling ACWR of Hulin et al. 2016: the last 7 days' load over the last
    28 days' weekly average, on rows that are one per calendar day (rest days zero).

    Null until 28 days of history exist: a shorter "chronic" window holds the same week as
    the acute one and reads 4.0 on days 1-7. Apply `.over(runner)` for many runners.
    """
    chronic = load.rolling_sum(ACWR_CHRONIC_DAYS, min_samples=ACWR_CHRONIC_DAYS) / (
        ACWR_CHRONIC_DAYS / ACWR_ACUTE_DAYS
    )
    return pl.when(chronic >= MIN_CHRONIC_LOAD).then(
        load.rolling_sum(ACWR_ACUTE_DAYS).clip(0) / chronic
    )


# --- heart rate ----------------------------------------------------------------------------

TRIMP_FACTORS = {"male": (0.64, 1.92), "female": (0.86, 1.67)}
TRIMP_UNKNOWN = (0.725215, 1.795)  # Runalyze's mean of the sexes, for unknown sex


def banister_trimp(
    minutes: float, avg_hr: float, rest_hr: float, max_hr: float, sex: str | None
) -> float:
    """Banister's exponential TRIMP for a session at average heart rate."""
    if max_hr <= rest_hr:
        raise ValueError("max heart rate must exceed resting heart rate")
    a, b = TRIMP_FACTORS.get(sex or "", TRIMP_UNKNOWN)
    reserve = min(max((avg_hr - rest_hr) / (max_hr - rest_hr), 0.0), 1.0)
    return minutes * reserve * a * math.exp(b * reserve)


def max_hr_for_age(age: float, formula: str = "tanaka") -> float:
    formulas = {"tanaka": 208 - 0.7 * age, "fox": 220 - age, "gellish": 206.9 - 0.67 * age}
    return formulas[formula]


ZONE_NAMES = ("Recovery", "Aerobic", "Tempo", "Threshold", "Anaerobic")
KARVONEN_BOUNDS = (0.50, 0.60, 0.70, 0.80, 0.90, 1.00)


def heart_rate_zones(
    max_hr: float, rest_hr: float | None = None
) -> list[dict[str, float | int | str]]:
    """Five zones: Karvonen (heart-rate reserve) when resting HR is known, else % of max."""
    base, span = (rest_hr, max_hr - rest_hr) if rest_hr is not None else (0.0, max_hr)
    return [
        {
            "zone": i + 1,
            "name": ZONE_NAMES[i],
            "min_bpm": round(base + low * span, 1),
            "max_bpm": round(base + high * span, 1),
        }
        for i, (low, high) in enumerate(itertools.pairwise(KARVONEN_BOUNDS))
    ]
