"""Unit conversions shared by the readers and the derivations (one table per quantity)."""

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
