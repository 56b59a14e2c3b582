"""One canonical activity-type map, with a mapping per source (as running_page does).

Canonical names are `warehouse.vocabulary.ACTIVITY_TYPES`; anything unmapped is `other`.
"""

from __future__ import annotations

import polars as pl

STRAVA = {
    "Run": "running",
    "Trail Run": "trail_running",
    "Virtual Run": "treadmill_running",
    "Ride": "cycling",
    "Mountain Bike Ride": "cycling",
    "Gravel Ride": "cycling",
    "E-Bike Ride": "cycling",
    "Virtual Ride": "indoor_cycling",
    "Walk": "walking",
    "Hike": "hiking",
    "Swim": "swimming",
    "Weight Training": "strength_training",
    "Crossfit": "cross_training",
    "Workout": "workout",
    "HIIT": "workout",
    "Yoga": "yoga",
    "Rowing": "rowing",
    "Elliptical": "elliptical",
    "Nordic Ski": "skiing",
    "Alpine Ski": "skiing",
    "Backcountry Ski": "skiing",
    "Golf": "golf",
    # the legacy (<=2018) export writes Strava's numeric type codes
    "9": "running",
    "1": "cycling",
}

HEALTHKIT = {
    "HKWorkoutActivityTypeRunning": "running",
    "HKWorkoutActivityTypeWalking": "walking",
    "HKWorkoutActivityTypeHiking": "hiking",
    "HKWorkoutActivityTypeCycling": "cycling",
    "HKWorkoutActivityTypeSwimming": "swimming",
    "HKWorkoutActivityTypeTraditionalStrengthTraining": "strength_training",
    "HKWorkoutActivityTypeFunctionalStrengthTraining": "strength_training",
    "HKWorkoutActivityTypeCrossTraining": "cross_training",
    "HKWorkoutActivityTypeHighIntensityIntervalTraining": "workout",
    "HKWorkoutActivityTypeMixedCardio": "workout",
    "HKWorkoutActivityTypeYoga": "yoga",
    "HKWorkoutActivityTypeRowing": "rowing",
    "HKWorkoutActivityTypeElliptical": "elliptical",
    "HKWorkoutActivityTypeDownhillSkiing": "skiing",
    "HKWorkoutActivityTypeCrossCountrySkiing": "skiing",
    "HKWorkoutActivityTypeGolf": "golf",
}

FIT_SPORT = {
    "running": "running",
    "cycling": "cycling",
    "walking": "walking",
    "hiking": "hiking",
    "swimming": "swimming",
    "training": "strength_training",
    "fitness_equipment": "workout",
    "rowing": "rowing",
    "cross_country_skiing": "skiing",
    "alpine_skiing": "skiing",
    "golf": "golf",
}
FIT_SUB_SPORT = {
    "treadmill": "treadmill_running",
    "trail": "trail_running",
    "track": "track_running",
    "indoor_cycling": "indoor_cycling",
    "virtual_activity": "indoor_cycling",
    "strength_training": "strength_training",
    "elliptical": "elliptical",
    "yoga": "yoga",
}
GPX_TCX = {
    "running": "running",
    "run": "running",
    "biking": "cycling",
    "cycling": "cycling",
    "walking": "walking",
    "hiking": "hiking",
    "9": "running",
    "1": "cycling",
}

# Terra ActivityType codes (reference section 5) for the canonical types.
TERRA_CODES = {
    "running": 8,
    "trail_running": 149,
    "treadmill_running": 58,
    "track_running": 8,
    "walking": 7,
    "hiking": 35,
    "cycling": 1,
    "indoor_cycling": 1,
    "other": 108,
}


def canonical(source_type: pl.Expr, mapping: dict[str, str]) -> pl.Expr:
    return source_type.replace_strict(mapping, default="other", return_dtype=pl.String)


def fit_activity_type(sport: pl.Expr, sub_sport: pl.Expr) -> pl.Expr:
    """FIT sport/sub_sport to a canonical type; a telling sub_sport wins (treadmill, trail)."""
    by_sub = sub_sport.replace_strict(FIT_SUB_SPORT, default=None, return_dtype=pl.String)
    by_sport = sport.replace_strict(
        {**FIT_SPORT, **GPX_TCX}, default="other", return_dtype=pl.String
    )
    running_sub = by_sub.is_in(["treadmill_running", "trail_running", "track_running"])
    return (
        pl.when(by_sub.is_not_null() & (running_sub.not_() | (by_sport == "running")))
        .then(by_sub)
        .otherwise(by_sport)
    )


def terra_code(activity_type: pl.Expr) -> pl.Expr:
    return activity_type.replace_strict(TERRA_CODES, default=108, return_dtype=pl.Int64)
