"""What a measurement can possibly be: one table of bounds, read by both export readers
(values outside are quarantined where they are read, with file and line) and by the terra
contracts (whose ranges are these). Imports nothing of ours.

A bound rejects what cannot be true (a 400 bpm heart rate, a zero body mass, negative
steps), not what is merely unusual: a 230 bpm reading or a 2:50 km pace still loads.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Bounds:
    low: float
    high: float
    unit: str

    def admits(self, value: float) -> bool:
        return self.low <= value <= self.high

    def __str__(self) -> str:
        if self.high == float("inf"):
            return f"at least {self.low:g} {self.unit}".rstrip()
        return f"{self.low:g}-{self.high:g} {self.unit}"


HEART_RATE = Bounds(20, 250, "bpm")
PACE = Bounds(60, 3600, "s/km")
"""A pace faster than 1:00/km is not running; slower than 60:00/km is standing still."""
ACTIVITY_SPEED = Bounds(0, 30, "m/s")
"""Average speed over a whole activity (30 m/s = 108 km/h: nothing human-powered is faster)."""
SAMPLE_SPEED = Bounds(0, 50, "m/s")
CADENCE = Bounds(0, 300, "steps/min")
POWER = Bounds(0, 3000, "W")
ALTITUDE = Bounds(-500, 9000, "m")
TEMPERATURE = Bounds(-60, 60, "°C")
ACTIVITY_ENERGY = Bounds(0, 20000, "kcal")
PERCEIVED_EXERTION = Bounds(1, 10, "RPE")
BODY_MASS = Bounds(20, 300, "kg")
LEAN_BODY_MASS = Bounds(10, 200, "kg")
HEIGHT = Bounds(50, 250, "cm")
BMI = Bounds(8, 80, "kg/m²")
HRV_SDNN = Bounds(0, 500, "ms")
RESPIRATORY_RATE = Bounds(2, 80, "breaths/min")
VO2MAX = Bounds(10, 95, "mL/kg/min")
SYSTOLIC_BP = Bounds(50, 260, "mmHg")
DIASTOLIC_BP = Bounds(30, 180, "mmHg")
NOT_NEGATIVE = Bounds(0, float("inf"), "")
"""Steps, floors, distances and energies: never negative."""


def drop_implausible(
    values: dict[str, Any], bounds: Mapping[str, Bounds]
) -> list[tuple[str, float, Bounds]]:
    """Leave out (set to None) each number of `values` outside its bounds; (name, value,
    bounds) of each left out, for the reader to say where."""
    dropped = []
    for name, limits in bounds.items():
        value = values.get(name)
        if isinstance(value, int | float) and not limits.admits(value):
            values[name] = None
            dropped.append((name, value, limits))
    return dropped


def faster_than_possible(
    what: str, distance_meters: float | None, seconds: float | None
) -> str | None:
    """Why `what` covering the distance in the time cannot be true (an average speed above
    `ACTIVITY_SPEED`: a 500 km run in ten minutes), or None."""
    if not distance_meters or not seconds or seconds <= 0:
        return None
    speed = distance_meters / seconds
    if speed <= ACTIVITY_SPEED.high:
        return None
    return (
        f"{what} covers {distance_meters / 1000:g} km in {seconds / 60:g} min ({speed:.0f} m/s), "
        f"which cannot be true (plausible average speed: {ACTIVITY_SPEED})"
    )


SAMPLES = {
    "heart_rate_bpm": HEART_RATE,
    "speed_mps": SAMPLE_SPEED,
    "cadence_spm": CADENCE,
    "power_watts": POWER,
    "latitude": Bounds(-90, 90, "°"),
    "longitude": Bounds(-180, 180, "°"),
    "altitude_meters": ALTITUDE,
    "distance_meters": NOT_NEGATIVE,
    "temperature_celsius": TEMPERATURE,
}
"""Each value of an activity file's per-second samples, by raw sample column."""

SUMMARY = {
    "avg_heart_rate_bpm": HEART_RATE,
    "max_heart_rate_bpm": HEART_RATE,
    "avg_speed_mps": ACTIVITY_SPEED,
    "max_speed_mps": SAMPLE_SPEED,
    "avg_cadence_spm": CADENCE,
    "max_cadence_spm": CADENCE,
    "avg_power_watts": POWER,
    "max_power_watts": POWER,
    "calories_kcal": ACTIVITY_ENERGY,
}
"""Each value of an activity file's summary (session or lap), by raw column."""

MASS_TO_KG = {"kg": 1.0, "g": 0.001, "lb": 0.45359237, "oz": 0.028349523, "st": 6.35029318}
LENGTH_TO_CM = {"cm": 1.0, "m": 100.0, "mm": 0.1, "in": 2.54, "ft": 30.48}
_PER_MINUTE = {"count/min": 1.0}
_SAME = None  # the record's value is compared as written, whatever its unit

_HK = "HKQuantityTypeIdentifier"
HEALTHKIT_RECORDS: dict[str, tuple[Bounds, dict[str, float] | None]] = {
    f"{_HK}{name}": bounds
    for name, bounds in {
        "HeartRate": (HEART_RATE, _PER_MINUTE),
        "RestingHeartRate": (HEART_RATE, _PER_MINUTE),
        "WalkingHeartRateAverage": (HEART_RATE, _PER_MINUTE),
        "HeartRateVariabilitySDNN": (HRV_SDNN, {"ms": 1.0}),
        "RespiratoryRate": (RESPIRATORY_RATE, _PER_MINUTE),
        "VO2Max": (VO2MAX, {"mL/min·kg": 1.0, "mL/(kg·min)": 1.0}),
        "BodyMass": (BODY_MASS, MASS_TO_KG),
        "LeanBodyMass": (LEAN_BODY_MASS, MASS_TO_KG),
        "Height": (HEIGHT, LENGTH_TO_CM),
        "BodyMassIndex": (BMI, _SAME),
        "BloodPressureSystolic": (SYSTOLIC_BP, {"mmHg": 1.0}),
        "BloodPressureDiastolic": (DIASTOLIC_BP, {"mmHg": 1.0}),
        "StepCount": (NOT_NEGATIVE, _SAME),
        "FlightsClimbed": (NOT_NEGATIVE, _SAME),
        "DistanceWalkingRunning": (NOT_NEGATIVE, _SAME),
        "DistanceCycling": (NOT_NEGATIVE, _SAME),
        "ActiveEnergyBurned": (NOT_NEGATIVE, _SAME),
        "BasalEnergyBurned": (NOT_NEGATIVE, _SAME),
        "AppleExerciseTime": (NOT_NEGATIVE, _SAME),
    }.items()
}
"""Apple Health record type -> (bounds, factor from the record's unit to the bounds' unit;
None: compared as written). A unit missing from the factors is not checked (it cannot be
converted here, and the derivations ignore it too)."""
