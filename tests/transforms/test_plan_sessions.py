"""A session's duration, targets and texts all come from its own segments: the race at race
pace, a recovery run at recovery pace, heart rate only where a watch can follow it, and the
words saying what the segments (and so the watch file) hold."""

import re
from functools import cache
from typing import Any

import pytest

from transforms import plan_text as text
from transforms.plan_sessions import (
    HR_TARGET_MIN_SECONDS,
    ZoneTargets,
    instantiate,
    recovery_targets,
    session_fields,
    session_seconds,
    watch_target,
)
from warehouse.reference import reference_frames

TARGETS = ZoneTargets(
    paces={
        "E": (330.0, 370.0),
        "recovery": (370.0, 390.0),
        "M": (305.0, 315.0),
        "T": (287.0, 293.0),
        "I": (262.0, 268.0),
        "R": (242.0, 248.0),
    },
    heart_rates={1: (100.0, 120.0), 2: (120.0, 140.0), 3: (140.0, 155.0), 4: (155.0, 170.0)}
    | {5: (170.0, 185.0)},
)


@cache
def _templates() -> dict[str, dict[str, Any]]:
    rows = reference_frames()["reference.workout_templates"].to_dicts()
    return {t["template_id"]: t for t in rows}


def template(template_id: str) -> dict[str, Any]:
    return _templates()[template_id]


def race_10k(target_seconds: float = 3900.0) -> list[dict[str, Any]]:
    return instantiate(
        template("tpl_race"),
        TARGETS,
        progress=0,
        race_km=10.0,
        race_pace=target_seconds / 10.0,
        race_zone="I",
    )


def test_the_race_is_timed_at_race_pace_not_at_its_zones_pace():
    segments = race_10k()
    race = segments[1]
    assert (race["pace_min_sec_per_km"], race["pace_max_sec_per_km"]) == (388.0, 392.0)
    assert session_seconds([race], TARGETS) == 3900.0
    assert session_seconds([race], TARGETS) != 10.0 * 265.0  # interval pace, the old timing
    fields = session_fields("race", segments, TARGETS)
    assert fields["duration_seconds"] == 600 + 3900 + 300  # warm-up, race, cool-down
    assert fields["pace_display"] == "6:28-6:32/km"


def test_a_half_marathon_race_takes_its_target_time_to_the_second():
    segments = instantiate(
        template("tpl_race"),
        TARGETS,
        progress=0,
        race_km=21.0975,
        race_pace=6600.0 / 21.0975,
        race_zone="T",
    )
    assert round(session_seconds([segments[1]], TARGETS)) == 6600


def test_a_race_without_a_race_pace_is_refused():
    with pytest.raises(ValueError, match="race pace"):
        instantiate(template("tpl_race"), TARGETS, progress=0, race_km=10.0, race_zone="I")


def test_a_recovery_run_is_timed_at_its_own_recovery_pace_with_zone_1_heart_rate():
    segments = instantiate(template("tpl_recovery_run"), TARGETS, progress=0, steady_km=6.0)
    recovery_targets(segments, TARGETS)
    steady = segments[0]
    assert (steady["pace_min_sec_per_km"], steady["pace_max_sec_per_km"]) == (370.0, 390.0)
    assert (steady["hr_min_bpm"], steady["hr_max_bpm"]) == (100.0, 120.0)
    fields = session_fields("recovery", segments, TARGETS)
    assert fields["duration_seconds"] == 6 * 380.0
    assert fields["duration_seconds"] != 6 * 350.0  # easy pace, the old timing
    assert (fields["hr_zone"], fields["hr_min_bpm"], fields["hr_max_bpm"]) == (1, 100.0, 120.0)
    assert fields["description"] == "Recovery Run of about 6.0 km: 6 km very easy."


def test_time_based_segments_cover_the_distance_of_their_own_pace():
    segments = instantiate(template("tpl_tempo_run"), TARGETS, progress=0)
    fields = session_fields("tempo", segments, TARGETS)
    assert fields["duration_seconds"] == 600 + 900 + 600
    assert fields["distance_km"] == round(600 / 350 + 900 / 290 + 600 / 350, 2)


EASY_HR, THRESHOLD_HR, RECOVERY_HR = (120.0, 140.0), (155.0, 170.0), (100.0, 120.0)


@pytest.mark.parametrize(
    ("kind", "segment", "heart_rate"),
    [
        pytest.param("race", dict(type="work", km=10.0, zone="I"), None, id="race"),
        pytest.param("hills", dict(type="repeat", s=60.0, zone="I"), None, id="1-min reps"),
        pytest.param("interval", dict(type="repeat", km=1.0, zone="I"), None, id="1-km reps"),
        pytest.param("tempo", dict(type="work", s=599.0, zone="T"), None, id="under 10 min"),
        pytest.param("tempo", dict(type="work", s=960.0, zone="T"), THRESHOLD_HR, id="tempo"),
        pytest.param("tempo", dict(type="warmup", s=600.0, zone="E"), EASY_HR, id="warm-up"),
        pytest.param("race", dict(type="cooldown", s=300.0, zone="E"), None, id="cool-down"),
        pytest.param("easy", dict(type="steady", km=2.0, zone="E"), EASY_HR, id="easy"),
        pytest.param("recovery", dict(type="steady", km=2.0, zone="E"), RECOVERY_HR, id="rec"),
        # a rep long enough to be a steady effort: 3.2 km at threshold is over 15 minutes
        pytest.param("threshold", dict(type="repeat", km=3.2, zone="T"), THRESHOLD_HR, id="2 mi"),
    ],
)
def test_heart_rate_is_a_target_only_on_steady_efforts_of_ten_minutes_or_more(
    kind, segment, heart_rate
):
    made = {
        "segment_type": segment["type"],
        "duration_seconds": segment.get("s"),
        "distance_km": segment.get("km"),
        "intensity_zone": segment["zone"],
        "repetitions": 4 if segment["type"] == "repeat" else None,
    }
    target = watch_target(made, TARGETS, kind=kind)
    assert target.heart_rate == heart_rate
    assert target.pace  # every segment keeps a pace: it times the segment


def test_the_ten_minute_threshold_is_measured_at_the_segments_own_pace():
    # 1.6 km takes 560 s at easy pace (350 s/km, the middle of E) and 608 s at recovery pace
    short = {"segment_type": "steady", "distance_km": 1.6, "intensity_zone": "E"}
    assert 1.6 * 350 < HR_TARGET_MIN_SECONDS < 1.6 * 380
    assert watch_target(short, TARGETS, kind="easy").heart_rate is None
    assert watch_target(short, TARGETS, kind="recovery").heart_rate == RECOVERY_HR


def test_hill_reps_carry_pace_only_and_their_text_says_what_the_watch_holds():
    segments = instantiate(template("tpl_hill_repeats"), TARGETS, progress=0)
    reps = segments[1]
    assert (reps["hr_min_bpm"], reps["hr_max_bpm"]) == (None, None)
    assert (reps["pace_min_sec_per_km"], reps["pace_max_sec_per_km"]) == (262.0, 268.0)
    fields = session_fields("hills", segments, TARGETS)
    assert fields["structure_display"] == (
        "10 min warm-up -> 6 x 1 min uphill at interval pace (90 s jog) -> 10 min cool-down"
    )
    assert "2 min" not in fields["description"]  # 90 s used to be rounded to "2 min"
    assert (fields["hr_zone"], fields["hr_min_bpm"]) == (None, None)
    assert fields["alternatives"] == [
        {
            "session_type": "fartlek",
            "description": "The same 6 x 1 min as hard pickups on flat ground",
        }
    ]


def test_every_number_in_the_texts_follows_the_segments():
    segments = instantiate(template("tpl_hill_repeats"), TARGETS, progress=0)
    segments[1].update(repetitions=8, duration_seconds=75.0, recovery_duration_seconds=150.0)
    fields = session_fields("hills", segments, TARGETS)
    assert "8 x 75 s uphill at interval pace (2 min 30 s jog)" in fields["structure_display"]
    assert fields["structure_display"] in fields["description"]
    assert fields["alternatives"][0]["description"].startswith("The same 8 x 75 s")
    assert fields["duration_seconds"] == 600 + 8 * (75 + 150) + 600


def test_a_segment_resized_after_it_was_made_gets_the_heart_rate_target_its_length_allows():
    # strides are added to an easy run sized afterwards: its steady part starts at 0 km
    segments = instantiate(template("tpl_easy_with_strides"), TARGETS, progress=0, steady_km=0)
    assert segments[0]["hr_min_bpm"] is None
    segments[0]["distance_km"] = 6.0
    fields = session_fields("strides", segments, TARGETS)
    assert (segments[0]["hr_min_bpm"], segments[0]["hr_max_bpm"]) == (120.0, 140.0)
    assert (segments[1]["hr_min_bpm"], segments[1]["hr_max_bpm"]) == (None, None)  # strides
    assert (fields["hr_zone"], fields["hr_min_bpm"], fields["hr_max_bpm"]) == (2, 120.0, 140.0)


def test_the_race_text_gives_its_pace():
    fields = session_fields("race", race_10k(), TARGETS)
    assert fields["structure_display"] == (
        "10 min warm-up -> 10 km race at 6:30/km -> 5 min cool-down"
    )
    assert (fields["hr_zone"], fields["hr_min_bpm"], fields["hr_max_bpm"]) == (None, None, None)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [(20, "20 s"), (60, "1 min"), (90, "90 s"), (150, "2 min 30 s"), (600, "10 min")],
)
def test_durations_are_written_as_the_watch_counts_them(seconds, words):
    assert text.duration_words(seconds) == words


def test_template_prose_carries_no_numbers():
    """Names and descriptions never repeat a number the segments hold (VO2max is a name)."""
    number = re.compile(r"\b(\d|one|two|three|four|five|six|eight|ten)", re.IGNORECASE)
    for t in _templates().values():
        prose = [t["name"], t["description"], *(s["description"] for s in t["structure_segments"])]
        assert not [p for p in prose if number.search(p)], t["template_id"]
