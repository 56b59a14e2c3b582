"""Sessions of a week: which days, which templates, how long, at what pace.

Days are numbered 0 (Monday) to 6 (Sunday) and treated as a circle, because the pattern of one
week repeats into the next: a Sunday long run and a Monday interval session are consecutive.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from transforms import plan_text as text
from transforms.physiology import TrainingPaces
from warehouse.vocabulary import HARD_SESSION_TYPES

SPACED_TYPES = (*HARD_SESSION_TYPES, "long")
"""Sessions that need an easier day on either side (quality work and the long run)."""
EASY_TYPES = ("easy", "recovery", "strides", "long")
ZONE_HR = {"E": 2, "M": 3, "T": 4, "I": 5, "R": 5}
ZONE_PACE_HALF_WIDTH = {"M": 5.0, "T": 3.0, "I": 3.0, "R": 3.0}
RECOVERY_RUN_SLOWER = 20.0
"""Recovery runs sit at the slow end of the easy range and up to this much slower (s/km)."""
MIN_EASY_RUN_KM = 3.0


def circular_gap(a: int, b: int) -> int:
    d = abs(a - b) % 7
    return min(d, 7 - d)


def spread_days(candidates: Iterable[int], fixed: Iterable[int], count: int) -> list[int]:
    """Add `count` days from `candidates`, each as far as possible from the days chosen so far
    (ties go to the earlier weekday): the maximin spread a coach would draw by hand."""
    chosen = list(fixed)
    pool = [d for d in candidates if d not in chosen]
    added = []
    for _ in range(min(count, len(pool))):
        best = max(pool, key=lambda d: (min((circular_gap(d, c) for c in chosen), default=7), -d))
        pool.remove(best)
        chosen.append(best)
        added.append(best)
    return added


def longest_consecutive_run(days: Iterable[int]) -> int:
    """The longest stretch of consecutive days in a weekly (circular) pattern."""
    marked = set(days)
    if len(marked) == 7:
        return 7
    longest = 0
    for start in marked:
        if (start - 1) % 7 in marked:
            continue
        length = 0
        while (start + length) % 7 in marked:
            length += 1
        longest = max(longest, length)
    return longest


def min_easy_days_between(days: Iterable[int]) -> int | None:
    """Fewest non-quality days between two quality days (None with fewer than two)."""
    ordered = sorted(set(days))
    if len(ordered) < 2:
        return None
    gaps = [b - a - 1 for a, b in itertools.pairwise(ordered)]
    gaps.append(ordered[0] + 7 - ordered[-1] - 1)
    return min(gaps)


@dataclass(frozen=True)
class ZoneTargets:
    """Pace ranges (fast, slow s/km) and HR ranges (bpm) by Daniels zone."""

    paces: Mapping[str, tuple[float, float]]
    heart_rates: Mapping[int, tuple[float, float]]

    @classmethod
    def build(cls, paces: TrainingPaces, hr_zones: Iterable[Mapping[str, Any]]) -> ZoneTargets:
        centre = {"M": paces.marathon, "T": paces.threshold, "I": paces.interval}
        centre["R"] = paces.repetition
        ranges = {
            z: (c - ZONE_PACE_HALF_WIDTH[z], c + ZONE_PACE_HALF_WIDTH[z]) for z, c in centre.items()
        }
        ranges["E"] = (paces.easy_fast, paces.easy_slow)
        ranges["recovery"] = (paces.easy_slow, paces.easy_slow + RECOVERY_RUN_SLOWER)
        heart = {int(z["zone"]): (float(z["min_bpm"]), float(z["max_bpm"])) for z in hr_zones}
        return cls(ranges, heart)

    def mid_pace(self, zone: str) -> float:
        fast, slow = self.paces[zone]
        return (fast + slow) / 2


def _segment_km(segment: Mapping[str, Any], targets: ZoneTargets, *, work_only: bool) -> float:
    """Kilometres a segment covers (time-based parts at the middle of their pace range)."""
    zone = segment.get("intensity_zone") or "E"
    pace = targets.mid_pace(zone)
    if segment.get("distance_km") is not None:
        part = segment["distance_km"]
    else:
        part = (segment.get("duration_seconds") or 0) / pace
    if segment["segment_type"] != "repeat":
        return part
    reps = segment.get("repetitions") or 1
    if work_only:
        return reps * part
    recovery = segment.get("recovery_distance_km")
    if recovery is None:
        recovery = (segment.get("recovery_duration_seconds") or 0) / targets.mid_pace("recovery")
    return reps * (part + recovery)


def _segment_seconds(segment: Mapping[str, Any], targets: ZoneTargets) -> float:
    zone = segment.get("intensity_zone") or "E"
    if segment.get("duration_seconds") is not None:
        part = segment["duration_seconds"]
    else:
        part = (segment.get("distance_km") or 0) * targets.mid_pace(zone)
    if segment["segment_type"] != "repeat":
        return part
    recovery = segment.get("recovery_duration_seconds")
    if recovery is None:
        recovery = (segment.get("recovery_distance_km") or 0) * targets.mid_pace("recovery")
    return (segment.get("repetitions") or 1) * (part + recovery)


def session_km(segments: Iterable[Mapping[str, Any]], targets: ZoneTargets) -> float:
    return sum(_segment_km(s, targets, work_only=False) for s in segments)


def session_seconds(segments: Iterable[Mapping[str, Any]], targets: ZoneTargets) -> float:
    return sum(_segment_seconds(s, targets) for s in segments)


def zone_km(segments: Iterable[Mapping[str, Any]], targets: ZoneTargets) -> dict[str, float]:
    """Kilometres of work per Daniels zone (repeat recoveries count as easy)."""
    totals: dict[str, float] = {}
    for s in segments:
        zone = s.get("intensity_zone") or "E"
        work = _segment_km(s, targets, work_only=True)
        totals[zone] = totals.get(zone, 0.0) + work
        rest = _segment_km(s, targets, work_only=False) - work
        if rest:
            totals["E"] = totals.get("E", 0.0) + rest
    return totals


def _main_segment(segments: list[dict[str, Any]]) -> dict[str, Any] | None:
    return next((s for s in segments if s["segment_type"] in ("work", "repeat")), None)


def _set_main_work_km(main: dict[str, Any], km: float, targets: ZoneTargets) -> None:
    """Resize the main segment so its work covers about `km` (whole reps, whole minutes)."""
    zone = main.get("intensity_zone") or "E"
    if main["segment_type"] == "repeat":
        per_rep = _segment_km({**main, "segment_type": "work"}, targets, work_only=True)
        main["repetitions"] = max(1, math.floor(km / per_rep + 1e-9))
    elif main.get("distance_km") is not None:
        main["distance_km"] = max(0.1, math.floor(km * 10 + 1e-9) / 10)
    else:
        minutes = math.floor(km * targets.mid_pace(zone) / 60 + 1e-9)
        main["duration_seconds"] = float(max(1, minutes) * 60)


def main_work_km(segments: list[dict[str, Any]], targets: ZoneTargets) -> float:
    main = _main_segment(segments)
    return _segment_km(main, targets, work_only=True) if main else 0.0


def cap_main_work(segments: list[dict[str, Any]], km: float, targets: ZoneTargets) -> None:
    main = _main_segment(segments)
    if main is not None and _segment_km(main, targets, work_only=True) > km + 1e-9:
        _set_main_work_km(main, km, targets)


def instantiate(
    template: Mapping[str, Any],
    targets: ZoneTargets,
    *,
    progress: float,
    steady_km: float | None = None,
    race_km: float | None = None,
    race_pace: float | None = None,
    race_zone: str | None = None,
    hr_targets: bool = False,
) -> list[dict[str, Any]]:
    """The template's segments with the main segment grown by `progress` (0-1) toward the
    template's longest version, the open steady part set to `steady_km`, and targets filled."""
    segments = [dict(s) for s in template["structure_segments"]]
    main = _main_segment(segments)
    for s in segments:
        if s["segment_type"] == "steady" and s.get("distance_km") is None:
            s["distance_km"] = round(steady_km or 0.0, 1)
    if race_km is not None and main is not None:
        main["distance_km"] = race_km
        main["intensity_zone"] = race_zone
    elif main is not None and main["segment_type"] in ("work", "repeat"):
        fixed_km = session_km([s for s in segments if s is not main], targets)
        fixed_s = session_seconds([s for s in segments if s is not main], targets)
        room_km = template["max_distance_km"] - fixed_km
        room_s = template["max_duration_seconds"] - fixed_s
        zone = main.get("intensity_zone") or "E"
        if main["segment_type"] == "repeat":
            per_rep_km = _segment_km({**main, "repetitions": 1}, targets, work_only=False)
            per_rep_s = _segment_seconds({**main, "repetitions": 1}, targets)
            most = max(
                main["repetitions"], math.floor(min(room_km / per_rep_km, room_s / per_rep_s))
            )
            main["repetitions"] = main["repetitions"] + round(
                progress * (most - main["repetitions"])
            )
        elif main.get("distance_km") is not None:
            most = max(main["distance_km"], min(room_km, room_s / targets.mid_pace(zone)))
            grown = main["distance_km"] + progress * (most - main["distance_km"])
            main["distance_km"] = math.floor(grown * 10) / 10
        else:
            most = max(main["duration_seconds"], min(room_s, room_km * targets.mid_pace(zone)))
            grown = main["duration_seconds"] + progress * (most - main["duration_seconds"])
            main["duration_seconds"] = float(math.floor(grown / 60) * 60)
    for s in segments:
        _fill_targets(
            s,
            targets,
            hr_targets=hr_targets and s is main,
            race_pace=race_pace if s is main else None,
        )
    return segments


def _fill_targets(
    segment: dict[str, Any], targets: ZoneTargets, *, hr_targets: bool, race_pace: float | None
) -> None:
    zone = segment.get("intensity_zone") or "E"
    hr_low, hr_high = targets.heart_rates[ZONE_HR[zone]]
    segment["hr_min_bpm"], segment["hr_max_bpm"] = hr_low, hr_high
    if hr_targets:
        segment["pace_min_sec_per_km"] = segment["pace_max_sec_per_km"] = None
        return
    fast, slow = (race_pace - 2, race_pace + 2) if race_pace else targets.paces[zone]
    segment["pace_min_sec_per_km"], segment["pace_max_sec_per_km"] = round(fast), round(slow)


def recovery_targets(segments: list[dict[str, Any]], targets: ZoneTargets) -> None:
    """Slow a recovery run's steady running to the recovery range."""
    fast, slow = targets.paces["recovery"]
    for s in segments:
        if s["segment_type"] == "steady":
            s["pace_min_sec_per_km"], s["pace_max_sec_per_km"] = round(fast), round(slow)


@dataclass
class DayPlan:
    """One running day while the week is being built."""

    day: int
    session_type: str
    template: Mapping[str, Any] | None = None
    segments: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    safeguard_ids: list[str] = field(default_factory=list)

    @property
    def is_spaced(self) -> bool:
        return self.session_type in SPACED_TYPES

    @property
    def is_hard(self) -> bool:
        return self.session_type in HARD_SESSION_TYPES


def week_measures(
    days: Iterable[DayPlan],
    targets: ZoneTargets,
    *,
    reference_km: float | None,
    race_km: float = 0.0,
) -> dict[str, float | None]:
    """Every quantity the safeguards test, measured on a finished week."""
    days = list(days)
    distances = {d.day: session_km(d.segments, targets) for d in days}
    volume = sum(distances.values())
    training = volume - race_km
    zones = [zone_km(d.segments, targets) for d in days]
    long_km = max((distances[d.day] for d in days if d.session_type == "long"), default=None)
    longest_easy = max(
        (session_seconds(d.segments, targets) / 60 for d in days if d.session_type in EASY_TYPES),
        default=None,
    )
    hard_days = [d.day for d in days if d.is_hard]
    runs = len(days)
    easy_runs = sum(1 for d in days if d.session_type in EASY_TYPES)

    def share(km: float) -> float | None:
        return 100 * km / training if training > 0 else None

    return {
        "weekly_volume_increase_percent": 100 * (training / reference_km - 1)
        if reference_km
        else None,
        "long_run_share_percent": share(long_km) if long_km is not None else None,
        "easy_run_minutes": longest_easy,
        "running_days_per_week": float(runs),
        "hard_sessions_per_week": float(
            sum(1 for d in days if d.is_hard and d.session_type != "race")
        ),
        "consecutive_hard_days": float(longest_consecutive_run(d.day for d in days if d.is_spaced)),
        "min_easy_days_between_hard": _optional_float(min_easy_days_between(hard_days)),
        "threshold_session_share_percent": max(
            (
                share(z.get("T", 0.0)) or 0.0
                for z, d in zip(zones, days, strict=True)
                if d.session_type != "race"
            ),
            default=None,
        ),
        "interval_share_percent": share(_zone_total(zones, days, "I")),
        "interval_km_per_week": _zone_total(zones, days, "I"),
        "repetition_share_percent": share(_zone_total(zones, days, "R")),
        "marathon_pace_share_percent": max(
            (
                share(z.get("M", 0.0)) or 0.0
                for z, d in zip(zones, days, strict=True)
                if d.session_type != "race"
            ),
            default=None,
        ),
        "easy_session_share_percent": 100 * easy_runs / runs if runs else None,
    }


def _zone_total(zones: list[dict[str, float]], days: list[DayPlan], zone: str) -> float:
    return sum(
        z.get(zone, 0.0) for z, d in zip(zones, days, strict=True) if d.session_type != "race"
    )


def _optional_float(value: int | None) -> float | None:
    return None if value is None else float(value)


def session_fields(
    kind: str, segments: list[dict[str, Any]], targets: ZoneTargets
) -> dict[str, Any]:
    """The planned-session columns that follow from its kind and structure alone: size, pace,
    heart rate, effort and the texts drawn from them (the generator writes them, and the
    validator rewrites them after a repair)."""
    main = next((s for s in segments if s["segment_type"] in ("work", "repeat")), None)
    steady = next((s for s in segments if s["segment_type"] == "steady"), None)
    # an easy run with strides is run at easy pace; the strides are its garnish
    shown = (steady if kind in EASY_TYPES else None) or main or steady
    fast = shown.get("pace_min_sec_per_km") if shown else None
    slow = shown.get("pace_max_sec_per_km") if shown else None
    hr_zone = ZONE_HR[shown.get("intensity_zone") or "E"] if shown else None
    if kind == "recovery":
        hr_zone = 1
    low, high = targets.heart_rates[hr_zone] if hr_zone else (None, None)
    effort = text.EFFORT[kind]
    distance = round(session_km(segments, targets), 2) if segments else 0.0
    structure = text.structure_display(segments) if segments else "Rest"
    return {
        "duration_seconds": float(round(session_seconds(segments, targets))) if segments else 0.0,
        "distance_km": distance,
        "effort_level": effort,
        "effort_display": f"{effort}/10" if effort else None,
        "pace_min_sec_per_km": fast,
        "pace_max_sec_per_km": slow,
        "pace_display": text.pace_display(fast, slow),
        "hr_zone": hr_zone,
        "hr_min_bpm": low,
        "hr_max_bpm": high,
        "description": text.session_description(kind, distance, structure),
        "structure_display": structure,
        "physiological_target": text.TARGET[kind],
        "key_points": list(text.KEY_POINTS[kind]),
        "alternatives": [{"session_type": t, "description": d} for t, d in text.ALTERNATIVES[kind]],
    }
