import pytest

from transforms.units import (
    DISTANCE_UNIT,
    ELEVATION_UNIT,
    distance_text,
    elevation_in,
    elevation_unit,
    pace_in,
    pace_range_text,
    pace_text,
    text_in_units,
)
from warehouse.vocabulary import UNIT_SYSTEMS


def test_every_unit_system_has_a_distance_unit():
    assert set(DISTANCE_UNIT) == set(UNIT_SYSTEMS)


def test_every_unit_system_has_an_elevation_unit():
    assert set(ELEVATION_UNIT) == set(UNIT_SYSTEMS)


def test_paces_and_climbs_convert_to_the_runners_units():
    assert pace_in(300, "metric") == 300
    assert pace_in(300, None) == 300
    assert pace_in(300, "imperial") == pytest.approx(482.8032)  # 300 x 1.609344
    assert (elevation_unit("metric"), elevation_in(100, "metric")) == ("m", 100)
    assert elevation_unit("imperial") == "ft"
    assert elevation_in(100, "imperial") == pytest.approx(328.084, abs=1e-3)  # 100 / 0.3048


def test_distances_read_with_one_decimal_in_the_runners_unit():
    assert distance_text(13.7, "metric") == "13.7 km"
    assert distance_text(13.7, None) == "13.7 km"  # unset: as the plan is made
    assert distance_text(13.7, "imperial") == "8.5 mi"
    assert distance_text(6.0, "metric") == "6.0 km"
    assert distance_text(6.0, "metric", whole_without_decimal=True) == "6 km"
    assert distance_text(16.0934, "imperial", whole_without_decimal=True) == "10 mi"


def test_paces_read_per_km_or_per_mile():
    assert pace_text(300, "metric") == "5:00/km"
    assert pace_text(300, "imperial") == "8:03/mi"  # 300 s/km x 1.609344
    assert pace_range_text(295, 305, "imperial") == "7:55-8:11/mi"
    assert pace_range_text(295, None, "imperial") is None


def test_template_texts_are_rewritten_in_miles_and_left_alone_in_km():
    text = "Start at 20.0 km/week; 5 x 800 m at 4:10/km, easy at 5:35-6:05/km before a 10 km race"
    assert text_in_units(text, "metric") == text
    assert text_in_units(text, "imperial") == (
        "Start at 12.4 mi/week; 5 x 800 m at 6:42/mi, easy at 8:59-9:47/mi before a 6.2 mi race"
    )


def test_an_unknown_unit_system_is_named():
    with pytest.raises(ValueError, match="'furlongs' is not one of metric, imperial"):
        distance_text(5.0, "furlongs")
