"""Unit conversions shared by the readers and the derivations (one table per quantity), and
how distances and paces read in a runner's preferred units (coaching.units).

The warehouse keeps metres, kilometres and seconds per kilometre; only what a person reads
(the terminal plan, watch workout names, narratives) is converted, here and nowhere else.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

DISTANCE_TO_M = {
    "m": 1.0,
    "km": 1000.0,
    "mi": 1609.344,
    "yd": 0.9144,
    "ft": 0.3048,
    "cm": 0.01,
    "in": 0.0254,
}
ENERGY_TO_KCAL = {"kcal": 1.0, "Cal": 1.0, "kJ": 1 / 4.184, "cal": 0.001, "J": 1 / 4184.0}
EARTH_RADIUS_METERS = 6_371_008.8
"""Mean Earth radius, for great-circle (haversine) distances."""

DISTANCE_UNIT = {"metric": "km", "imperial": "mi"}
"""The distance unit of each unit system (warehouse.vocabulary.UNIT_SYSTEMS)."""
ELEVATION_UNIT = {"metric": "m", "imperial": "ft"}
"""The climb unit of each unit system: feet for imperial, as Strava shows its imperial users."""
DEFAULT_UNITS = "metric"
"""A runner who has not said which units they prefer reads kilometres, as the plan is made."""

# "12.5 km", "12 km/week", and paces "4:55/km" or "4:55-5:05/km" in a template text.
_PACE_IN_TEXT = re.compile(r"(\d+:\d{2})(?:-(\d+:\d{2}))?/km\b")
_DISTANCE_IN_TEXT = re.compile(r"(?<![\d.:])(\d+(?:\.\d+)?) km\b")


def runner_units(runner: Mapping[str, Any]) -> str | None:
    """The unit system a runner prefers (the Runner Object's coaching.units), None if unsaid."""
    return (runner.get("coaching") or {}).get("units")


def distance_unit(units: str | None) -> str:
    """`km` or `mi` for a unit system; metric when unset. Raises ValueError for another."""
    return DISTANCE_UNIT[_system(units)]


def _system(units: str | None) -> str:
    system = units or DEFAULT_UNITS
    if system not in DISTANCE_UNIT:
        raise ValueError(f"units {units!r} is not one of {', '.join(DISTANCE_UNIT)}")
    return system


def distance_in(km: float, units: str | None) -> float:
    """A distance in km, in the units' distance unit (unrounded)."""
    return km * 1000 / DISTANCE_TO_M[distance_unit(units)]


def pace_in(sec_per_km: float, units: str | None) -> float:
    """A pace in s/km as seconds per km or per mile (unrounded)."""
    return sec_per_km * DISTANCE_TO_M[distance_unit(units)] / 1000


def elevation_unit(units: str | None) -> str:
    """`m` or `ft` for a unit system; metric when unset."""
    return ELEVATION_UNIT[_system(units)]


def elevation_in(meters: float, units: str | None) -> float:
    """A climb in metres, in the units' elevation unit (unrounded)."""
    return meters / DISTANCE_TO_M[elevation_unit(units)]


def distance_text(km: float, units: str | None, whole_without_decimal: bool = False) -> str:
    """`12.4 km` or `7.7 mi` (1 decimal); `whole_without_decimal` writes 6.0 as `6`."""
    value = round(distance_in(km, units), 1)
    shown = f"{value:g}" if whole_without_decimal else f"{value:.1f}"
    return f"{shown} {distance_unit(units)}"


def clock(seconds: float) -> str:
    """`4:05` or `1:02:30`: a duration or a pace as a runner reads it."""
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def pace_clock(sec_per_km: float, units: str | None) -> str:
    """A pace in s/km as minutes per km or per mile, without the unit (`8:03`)."""
    return clock(pace_in(sec_per_km, units))


def pace_text(sec_per_km: float, units: str | None) -> str:
    """`5:00/km` or `8:03/mi`."""
    return f"{pace_clock(sec_per_km, units)}/{distance_unit(units)}"


def pace_range_text(fast: float | None, slow: float | None, units: str | None) -> str | None:
    """`4:55-5:05/km` (fast end first); None without both ends."""
    if fast is None or slow is None:
        return None
    return f"{pace_clock(fast, units)}-{pace_clock(slow, units)}/{distance_unit(units)}"


def text_in_units(text: str, units: str | None) -> str:
    """A template text with its kilometre distances and per-km paces in the runner's units
    (`Start at 20.0 km/week` -> `Start at 12.4 mi/week`). Metres (track reps) stay metres."""
    if distance_unit(units) == "km":
        return text

    def pace(match: re.Match[str]) -> str:
        ends = [pace_clock(_seconds(end), units) for end in match.groups() if end]
        return "-".join(ends) + "/mi"

    converted = _PACE_IN_TEXT.sub(pace, text)
    return _DISTANCE_IN_TEXT.sub(
        lambda match: distance_text(float(match[1]), units, "." not in match[1]), converted
    )


def _seconds(clock_text: str) -> int:
    minutes, seconds = clock_text.split(":")
    return int(minutes) * 60 + int(seconds)
