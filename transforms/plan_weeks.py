"""The figures a plan week reports, measured from the sessions it holds.

One function serves the generator and the validator (which re-measures a week after a
repair), so a week's volume, change, long run and intensity split always describe its own
sessions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from transforms.plan_sessions import ZoneTargets, session_seconds

INTENSITY_BUCKETS = {"E": "easy", "M": "moderate", "T": "moderate", "I": "hard", "R": "hard"}
"""Three-zone intensity (Seiler): easy below the first threshold; moderate between the
thresholds (marathon and threshold pace); hard above the second (interval and repetition)."""


def intensity_split(
    segments: Iterable[Mapping[str, Any]], targets: ZoneTargets
) -> dict[str, float]:
    """Seconds per intensity bucket; the recoveries between repetitions count as easy."""
    seconds = {"easy": 0.0, "moderate": 0.0, "hard": 0.0}
    for segment in segments:
        bucket = INTENSITY_BUCKETS[segment.get("intensity_zone") or "E"]
        work = session_seconds(
            [{**segment, "recovery_duration_seconds": 0, "recovery_distance_km": 0}], targets
        )
        seconds[bucket] += work
        seconds["easy"] += session_seconds([segment], targets) - work
    return seconds


def week_figures(
    sessions: Sequence[Mapping[str, Any]], previous_km: float | None, targets: ZoneTargets
) -> dict[str, Any]:
    """Volume, its change on the week before (`previous_km`: the previous plan week, or the
    runner's current volume for week 1), the long run, the number of runs and the intensity
    split by time, all from the week's session rows."""
    volume = round(sum(s["distance_km"] or 0.0 for s in sessions), 1)
    runs = [s for s in sessions if not s["is_rest_day"]]
    seconds = {"easy": 0.0, "moderate": 0.0, "hard": 0.0}
    for session in runs:
        for bucket, value in intensity_split(session["structure_segments"], targets).items():
            seconds[bucket] += value
    total = sum(seconds.values())
    long_runs = [s["distance_km"] for s in runs if s["session_type"] == "long"]
    return {
        "planned_volume_km": volume,
        "volume_change_percent": round(100 * (volume / previous_km - 1), 1)
        if previous_km
        else None,
        "long_run_km": max(long_runs) if long_runs else None,
        "session_count": len(runs),
        "intensity_distribution": {
            f"{bucket}_percentage": round(100 * value / total, 1) if total else 0.0
            for bucket, value in seconds.items()
        },
    }
