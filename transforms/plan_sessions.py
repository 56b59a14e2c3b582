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
ZONE_HR = {"E": 2, "M": 3, "T": 4, "I": 5, "R": 5, "recovery": 1}
"""The HR zone each pace zone names (recovery runs sit below easy running)."""
ZONE_PACE_HALF_WIDTH = {"M": 5.0, "T": 3.0, "I": 3.0, "R": 3.0}
RECOVERY_RUN_SLOWER = 20.0
"""Recovery runs sit at the slow end of the easy range and up to this much slower (s/km)."""
MIN_EASY_RUN_KM = 3.0
RACE_PACE_HALF_WIDTH = 2.0
"""The race's pace target: goal pace (target time / distance) plus or minus this (s/km)."""
HR_TARGET_MIN_SECONDS = 600.0
"""Heart rate lags a change of pace by 30-60 s, so it is a target only on steady efforts of
at least ten minutes; shorter efforts (every rep under three minutes among them) and races
are run by pace."""


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

    def hr_zone_of(self, low: float | None, high: float | None) -> int | None:
        """The HR zone whose bpm range a target is (None for no target or no such zone)."""
        if low is None or high is None:
            return None
        return next(
            (
                zone
                for zone, (z_low, z_high) in self.heart_rates.items()
                if abs(z_low - low) < 0.5 and abs(z_high - high) < 0.5
            ),
            None,
        )


def segment_pace(segment: Mapping[str, Any], targets: ZoneTargets) -> float:
    """The pace a segment is timed at (s/km): the middle of its own pace target, or of its
    zone's range before targets are set."""
    fast, slow = segment.get("pace_min_sec_per_km"), segment.get("pace_max_sec_per_km")
    if fast is not None and slow is not None:
        return (fast + slow) / 2
    return targets.mid_pace(segment.get("intensity_zone") or "E")


def _segment_km(segment: Mapping[str, Any], targets: ZoneTargets, *, work_only: bool) -> float:
    """Kilometres a segment covers (time-based parts at the middle of their pace target)."""
    if segment.get("distance_km") is not None:
        part = segment["distance_km"]
    else:
        part = (segment.get("duration_seconds") or 0) / segment_pace(segment, targets)
    if segment["segment_type"] != "repeat":
        return part
    reps = segment.get("repetitions") or 1
    if work_only:
        return reps * part
    recovery = segment.get("recovery_distance_km")
    if recovery is None:
        recovery = (segment.get("recovery_duration_seconds") or 0) / targets.mid_pace("recovery")
    return reps * (part + recovery)


def _effort_seconds(segment: Mapping[str, Any], targets: ZoneTargets) -> float:
    """Seconds of one continuous effort: the segment, or one repetition of a repeat."""
    if segment.get("duration_seconds") is not None:
        return segment["duration_seconds"]
    return (segment.get("distance_km") or 0) * segment_pace(segment, targets)


def _segment_seconds(segment: Mapping[str, Any], targets: ZoneTargets) -> float:
    """Seconds a segment takes (distance-based parts at the middle of their pace target)."""
    part = _effort_seconds(segment, targets)
    if segment["segment_type"] != "repeat":
        return part
    recovery = segment.get("recovery_duration_seconds")
    if recovery is None:
        recovery = (segment.get("recovery_distance_km") or 0) * targets.mid_pace("recovery")
    return (segment.get("repetitions") or 1) * (part + recovery)


def session_km(segments: Iterable[Mapping[str, Any]], targets: ZoneTargets) -> float:
    return sum(_segment_km(s, targets, work_only=False) for s in segments)


def session_seconds(segments: Iterable[Mapping[str, Any]], targets: ZoneTargets) -> float:
    """A session's duration, from its own segments' pace targets (the one place it is
    computed: the race at race pace, a recovery run at recovery pace)."""
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
    if main["segment_type"] == "repeat":
        per_rep = _segment_km({**main, "segment_type": "work"}, targets, work_only=True)
        main["repetitions"] = max(1, math.floor(km / per_rep + 1e-9))
    elif main.get("distance_km") is not None:
        main["distance_km"] = max(0.1, math.floor(km * 10 + 1e-9) / 10)
    else:
        minutes = math.floor(km * segment_pace(main, targets) / 60 + 1e-9)
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
) -> list[dict[str, Any]]:
    """The template's segments with the main segment grown by `progress` (0-1) toward the
    template's longest version, the open steady part set to `steady_km`, and targets filled
    (`watch_target`). For the race, the main segment is `race_km` at `race_pace` (target time
    / distance, s/km) and `race_zone` is the Daniels zone it counts toward."""
    segments = [dict(s) for s in template["structure_segments"]]
    main = _main_segment(segments)
    for s in segments:
        if s["segment_type"] == "steady" and s.get("distance_km") is None:
            s["distance_km"] = round(steady_km or 0.0, 1)
    if race_km is not None:
        if main is None or race_pace is None:
            raise ValueError("a race needs a main segment and a race pace")
        main["distance_km"] = race_km
        main["intensity_zone"] = race_zone or main.get("intensity_zone")
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
    kind = template["session_type"]
    for s in segments:
        _apply(s, watch_target(s, targets, kind=kind, race_pace=race_pace))
    return segments


@dataclass(frozen=True)
class WatchTarget:
    """What a segment asks of the runner, in terms a watch can follow."""

    pace: tuple[float, float]
    """Fast and slow end (s/km). Every segment has one: it times the segment."""
    heart_rate: tuple[float, float] | None
    """The bpm range of the zone the pace names, on steady efforts long enough for heart rate
    to settle; None on the race and on short efforts, which are run by pace alone."""


def watch_target(
    segment: Mapping[str, Any],
    targets: ZoneTargets,
    *,
    kind: str,
    race_pace: float | None = None,
) -> WatchTarget:
    """The targets of one segment of a `kind` session (the one place this is decided).

    Pace: the race (a race's work segment) at `race_pace` (s/km; default its own pace) plus or
    minus RACE_PACE_HALF_WIDTH; a recovery run's steady running in the recovery range; every
    other segment in its Daniels zone's range.
    Heart rate: only on a steady effort (the segment, or one rep of a repeat) lasting
    HR_TARGET_MIN_SECONDS or more at that pace, never on the race: heart rate lags pace by
    30-60 s, so races and short reps are run by pace alone. The range is the zone the pace
    names (ZONE_HR; zone 1 for recovery running)."""
    race = kind == "race" and segment["segment_type"] == "work"
    recovery = kind == "recovery" and segment["segment_type"] == "steady"
    zone = "recovery" if recovery else (segment.get("intensity_zone") or "E")
    if race:
        goal = race_pace if race_pace is not None else segment_pace(segment, targets)
        pace: tuple[float, float] = (goal - RACE_PACE_HALF_WIDTH, goal + RACE_PACE_HALF_WIDTH)
    else:
        fast, slow = targets.paces[zone]
        # whole seconds, as floats: a segment list holds one type (the race's pace is exact)
        pace = (float(round(fast)), float(round(slow)))
    timed = {**segment, "pace_min_sec_per_km": pace[0], "pace_max_sec_per_km": pace[1]}
    steady = not race and _effort_seconds(timed, targets) >= HR_TARGET_MIN_SECONDS
    return WatchTarget(pace, targets.heart_rates[ZONE_HR[zone]] if steady else None)


def _apply(segment: dict[str, Any], target: WatchTarget) -> None:
    segment["pace_min_sec_per_km"], segment["pace_max_sec_per_km"] = target.pace
    segment["hr_min_bpm"], segment["hr_max_bpm"] = target.heart_rate or (None, None)


def recovery_targets(segments: list[dict[str, Any]], targets: ZoneTargets) -> None:
    """Slow a recovery run's steady running to the recovery range (heart-rate zone 1)."""
    for s in segments:
        if s["segment_type"] == "steady":
            _apply(s, watch_target(s, targets, kind="recovery"))


def settle_hr_targets(kind: str, segments: list[dict[str, Any]], targets: ZoneTargets) -> None:
    """Give each segment the heart-rate target `watch_target` allows at its final length
    (segments are resized after they are made: strides added to an easy run, cuts), keeping
    the pace it carries."""
    for s in segments:
        hr = watch_target(s, targets, kind=kind).heart_rate
        s["hr_min_bpm"], s["hr_max_bpm"] = hr or (None, None)


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
    # the race is the week's goal, not a training run: the easy share is of the training
    training_runs = sum(1 for d in days if d.session_type != "race")
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
        "easy_session_share_percent": (100 * easy_runs / training_runs if training_runs else None),
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
    validator rewrites them after a repair). The segments' heart-rate targets are settled to
    their final lengths first; the pace and heart rate shown are those the session's main
    segment carries (no heart rate on a race or on short reps)."""
    settle_hr_targets(kind, segments, targets)
    main = _main_segment(segments)
    steady = next((s for s in segments if s["segment_type"] == "steady"), None)
    # an easy run with strides is run at easy pace; the strides are its garnish
    shown = (steady if kind in EASY_TYPES else None) or main or steady or {}
    fast, slow = shown.get("pace_min_sec_per_km"), shown.get("pace_max_sec_per_km")
    low, high = shown.get("hr_min_bpm"), shown.get("hr_max_bpm")
    effort = text.EFFORT[kind]
    seconds = float(round(session_seconds(segments, targets))) if segments else 0.0
    distance = round(session_km(segments, targets), 2) if segments else 0.0
    structure = text.structure_display(segments, kind) if segments else "Rest"
    return {
        "duration_seconds": seconds,
        "distance_km": distance,
        "effort_level": effort,
        "effort_display": f"{effort}/10" if effort else None,
        "pace_min_sec_per_km": fast,
        "pace_max_sec_per_km": slow,
        "pace_display": text.pace_display(fast, slow),
        "hr_zone": targets.hr_zone_of(low, high),
        "hr_min_bpm": low,
        "hr_max_bpm": high,
        "description": text.session_description(kind, distance, structure),
        "structure_display": structure,
        "physiological_target": text.TARGET[kind],
        "key_points": list(text.KEY_POINTS[kind]),
        "alternatives": [
            {"session_type": t, "description": d}
            for t, d in text.alternatives(kind, segments, seconds)
        ],
    }
