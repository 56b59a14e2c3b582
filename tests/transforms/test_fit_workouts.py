"""FIT workout files decoded with Garmin's official SDK must say what the session's segments say."""

import datetime as dt
from typing import Any

import pytest
from garmin_fit_sdk import Decoder, Stream
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.contract_values import in_range
from tests.plan_rows import structure_segment
from transforms.fit_workouts import (
    DESCRIPTION_BYTES,
    NOTES_BYTES,
    WORKOUT_NAME_CHARS,
    UnencodableSessionError,
    encode_workout,
    has_workout,
    workout_name,
)
from warehouse.tables.plans import PLANNED_SESSIONS, STRUCTURE_SEGMENTS
from warehouse.vocabulary import PLANNED_SESSION_TYPES, SEGMENT_TYPES, UNIT_SYSTEMS

SEGMENT_FIELDS = STRUCTURE_SEGMENTS.item.children
DAY = dt.date(2026, 5, 6)
FIT_EPOCH = dt.datetime(1989, 12, 31, tzinfo=dt.UTC)


def session(segments: list[dict[str, Any]], **values: Any) -> dict[str, Any]:
    return {
        "session_id": "ana-plan-2026-05-06",
        "session_type": "interval",
        "display_type": "Intervals",
        "scheduled_date": DAY,
        "is_rest_day": False,
        "structure_segments": segments,
        **values,
    }


def decode(content: bytes) -> dict[str, list[dict[str, Any]]]:
    """Every message, after Garmin's SDK found the file well formed and decoded it cleanly."""
    checker = Decoder(Stream.from_byte_array(bytearray(content)))
    assert checker.is_fit()
    assert checker.check_integrity()
    messages, errors = Decoder(Stream.from_byte_array(bytearray(content))).read(
        convert_datetimes_to_dates=False
    )
    assert errors == []
    return messages


def raw_step(message: dict[str, Any]) -> dict[str, Any]:
    """A decoded workout_step reduced to its raw fields (the SDK also expands sub-fields)."""
    keys = (
        "duration_type",
        "duration_value",
        "target_type",
        "target_value",
        "custom_target_value_low",
        "custom_target_value_high",
        "intensity",
    )
    return {k: message[k] for k in keys if k in message}


def expected_duration(seconds: float | None, km: float | None) -> dict[str, Any]:
    if seconds is not None:
        return {"duration_type": "time", "duration_value": round(seconds * 1000)}
    if km is not None:
        return {"duration_type": "distance", "duration_value": round(km * 100_000)}
    return {"duration_type": "open"}


def expected_target(seg: dict[str, Any]) -> dict[str, Any]:
    paces = [seg[k] for k in ("pace_min_sec_per_km", "pace_max_sec_per_km") if seg[k] is not None]
    if paces:
        return {
            "target_type": "speed",
            "target_value": 0,
            "custom_target_value_low": round(1_000_000 / max(paces)),
            "custom_target_value_high": round(1_000_000 / min(paces)),
        }
    rates = [seg[k] for k in ("hr_min_bpm", "hr_max_bpm") if seg[k] is not None]
    if rates:
        return {
            "target_type": "heart_rate",
            "target_value": 0,
            "custom_target_value_low": round(min(rates)) + 100,
            "custom_target_value_high": round(max(rates)) + 100,
        }
    return {"target_type": "open"}


INTENSITY = {
    "warmup": "warmup",
    "work": "active",
    "steady": "active",
    "repeat": "active",
    "recovery": "recovery",
    "rest": "rest",
    "cooldown": "cooldown",
}


def expected_steps(segments: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The steps the segments describe (docs: /tmp/brief/segments.md, FIT section 6)."""
    steps: list[dict[str, Any]] = []
    for seg in segments:
        work_index = len(steps)
        steps.append(
            {
                **expected_duration(seg["duration_seconds"], seg["distance_km"]),
                **expected_target(seg),
                "intensity": INTENSITY[seg["segment_type"]],
            }
        )
        if seg["segment_type"] != "repeat":
            continue
        recovery = expected_duration(seg["recovery_duration_seconds"], seg["recovery_distance_km"])
        if recovery["duration_type"] != "open":
            steps.append({**recovery, "target_type": "open", "intensity": "recovery"})
        steps.append(
            {
                "duration_type": "repeat_until_steps_cmplt",
                "duration_value": work_index,
                "target_type": "open",
                "target_value": seg["repetitions"] or 1,
            }
        )
    return steps


def test_800m_repeats_decode_as_garmins_cookbook_lays_them_out():
    segments = [
        structure_segment(1, "warmup", distance_km=4.0, description="Easy jog"),
        structure_segment(
            2,
            "repeat",
            distance_km=0.8,
            repetitions=5,
            hr_min_bpm=160,
            hr_max_bpm=172,
            intensity_zone="I",
            recovery_distance_km=0.2,
            description="800 m hard",
        ),
        structure_segment(3, "cooldown", distance_km=1.0),
    ]
    messages = decode(encode_workout(session(segments)).content)
    steps = messages["workout_step_mesgs"]
    assert [raw_step(s) for s in steps] == [
        {
            "duration_type": "distance",
            "duration_value": 400000,
            "target_type": "open",
            "intensity": "warmup",
        },
        {
            "duration_type": "distance",
            "duration_value": 80000,
            "target_type": "heart_rate",
            "target_value": 0,
            "custom_target_value_low": 260,
            "custom_target_value_high": 272,
            "intensity": "active",
        },
        {
            "duration_type": "distance",
            "duration_value": 20000,
            "target_type": "open",
            "intensity": "recovery",
        },
        {
            "duration_type": "repeat_until_steps_cmplt",
            "duration_value": 1,
            "target_type": "open",
            "target_value": 5,
        },
        {
            "duration_type": "distance",
            "duration_value": 100000,
            "target_type": "open",
            "intensity": "cooldown",
        },
    ]
    assert [s["message_index"] for s in steps] == [0, 1, 2, 3, 4]
    assert steps[3]["repeat_steps"] == 5 and steps[3]["duration_step"] == 1
    assert [s.get("wkt_step_name") for s in steps] == [
        "Warm-up",
        "Interval",
        "Recovery",
        None,
        "Cool-down",
    ]
    assert steps[0]["notes"] == "Easy jog" and steps[1]["notes"] == "800 m hard"
    assert messages["workout_mesgs"] == [
        {
            "sport": "running",
            "num_valid_steps": 5,
            "wkt_name": "Intervals 5x800m",
            "wkt_description": "Intervals, Wed 6 May 2026.",
        }
    ]


def test_file_id_is_a_workout_made_by_a_development_tool_on_the_scheduled_day():
    workout = encode_workout(session([structure_segment(1, "steady", duration_seconds=1800)]))
    (file_id,) = decode(workout.content)["file_id_mesgs"]
    assert file_id["type"] == "workout"
    assert file_id["manufacturer"] == "development"
    assert file_id["product"] == 0
    assert 0 < file_id["serial_number"] < 2**32
    midnight = dt.datetime(2026, 5, 6, tzinfo=dt.UTC)
    assert file_id["time_created"] == (midnight - FIT_EPOCH).total_seconds()


def test_paces_become_speed_ranges_with_the_slower_pace_low():
    tempo = [
        structure_segment(1, "warmup", duration_seconds=600, hr_max_bpm=140),
        structure_segment(
            2,
            "steady",
            duration_seconds=1200,
            pace_min_sec_per_km=240,
            pace_max_sec_per_km=250,
            intensity_zone="T",
        ),
        structure_segment(3, "cooldown", duration_seconds=600),
    ]
    steps = decode(encode_workout(session(tempo)).content)["workout_step_mesgs"]
    assert steps[1]["custom_target_speed_low"] == 4.0  # 4:10/km
    assert steps[1]["custom_target_speed_high"] == pytest.approx(4.167)  # 4:00/km
    assert steps[1]["wkt_step_name"] == "Threshold"
    # one end of a range: a single value
    assert (
        steps[0]["custom_target_heart_rate_low"],
        steps[0]["custom_target_heart_rate_high"],
    ) == (
        240,
        240,
    )
    assert [raw_step(s) for s in steps] == expected_steps(tempo)


def test_every_kind_of_segment_becomes_its_steps():
    segments = [
        structure_segment(
            1, "warmup", duration_seconds=900, pace_min_sec_per_km=360, pace_max_sec_per_km=400
        ),
        structure_segment(2, "work", distance_km=3.0, hr_min_bpm=150, hr_max_bpm=165),
        structure_segment(3, "recovery", duration_seconds=180),
        structure_segment(
            4,
            "repeat",
            duration_seconds=60,
            repetitions=8,
            pace_min_sec_per_km=200,
            pace_max_sec_per_km=210,
            recovery_duration_seconds=90,
        ),
        structure_segment(5, "rest", duration_seconds=300),
        structure_segment(6, "repeat", distance_km=0.2, repetitions=6, pace_min_sec_per_km=190),
        structure_segment(7, "cooldown"),
    ]
    workout = encode_workout(session(segments))
    steps = decode(workout.content)["workout_step_mesgs"]
    assert [raw_step(s) for s in steps] == expected_steps(segments)
    assert workout.step_count == len(steps) == 10
    # the repeat without recovery loops back to its own work step
    assert steps[8]["duration_step"] == 7 and steps[8]["repeat_steps"] == 6


def test_re_encoding_gives_the_same_bytes_and_another_session_a_new_serial():
    segments = [structure_segment(1, "steady", distance_km=8.0)]
    first = encode_workout(session(segments))
    assert encode_workout(session(segments)).content == first.content
    other = encode_workout(session(segments, session_id="ben-plan-2026-05-06"))
    serials = {decode(w.content)["file_id_mesgs"][0]["serial_number"] for w in (first, other)}
    assert len(serials) == 2


def repeats(count: int, **length: float) -> list[dict[str, Any]]:
    return [
        structure_segment(1, "warmup", duration_seconds=900),
        structure_segment(2, "repeat", repetitions=count, recovery_duration_seconds=120, **length),
        structure_segment(3, "cooldown", duration_seconds=600),
    ]


@pytest.mark.parametrize(
    ("session_type", "values", "units", "name"),
    [
        ("tempo", {"distance_km": 8.0}, "metric", "Tempo 8 km"),
        ("easy", {"distance_km": 6.0}, None, "Easy 6 km"),
        ("long", {"distance_km": 18.0}, "metric", "Long 18 km"),
        ("long", {"distance_km": 18.0}, "imperial", "Long 11.2 mi"),
        ("recovery", {"distance_km": 5.5}, "metric", "Recovery 5.5 km"),
        (
            "strides",
            {"distance_km": 8.0, "structure_segments": repeats(6, duration_seconds=20)},
            "metric",
            "Strides 8 km",
        ),
        (
            "interval",
            {"distance_km": 9.4, "structure_segments": repeats(5, distance_km=1.0)},
            "imperial",
            "Intervals 5x1k",
        ),
        ("repetition", {"structure_segments": repeats(8, distance_km=0.4)}, None, "Reps 8x400m"),
        ("hills", {"structure_segments": repeats(8, duration_seconds=60)}, None, "Hills 8x1min"),
        # "Threshold 3x10min" has 17 characters: the kind alone
        ("threshold", {"structure_segments": repeats(3, duration_seconds=600)}, None, "Threshold"),
        ("progression", {"distance_km": 12.5}, "metric", "Progression"),
        ("cross_training", {"duration_seconds": 2700.0}, "metric", "Cross 45 min"),
        ("mountain_ultra_trail", {"distance_km": 50.0}, "metric", "Mountain Ultra"),
    ],
)
def test_workout_names_read_whole_in_the_few_characters_a_watch_shows(
    session_type, values, units, name
):
    planned = session([structure_segment(1, "steady")], session_type=session_type, **values)
    workout = encode_workout(planned, units)
    assert workout.workout_name == name
    assert decode(workout.content)["workout_mesgs"][0]["wkt_name"] == name


def test_the_full_title_day_and_description_go_in_the_workout_description():
    planned = session(
        [
            structure_segment(
                1, "steady", duration_seconds=2400, description="Easy at 5:35-6:05/km, about 7 km"
            ),
            structure_segment(2, "repeat", duration_seconds=20, repetitions=6),
        ],
        session_type="strides",
        display_type="Easy Run + Strides",
        scheduled_date=dt.date(2026, 11, 12),
        distance_km=8.0,
        description="Easy Run + Strides of about 8.0 km: 40 min easy -> 6 x 20 s fast.",
    )
    metric = decode(encode_workout(planned, "metric").content)
    assert metric["workout_mesgs"][0]["wkt_name"] == "Strides 8 km"
    assert metric["workout_mesgs"][0]["wkt_description"] == (
        "Easy Run + Strides, Thu 12 Nov 2026. Easy Run + Strides of about 8.0 km: 40 min easy "
        "-> 6 x 20 s fast."
    )
    imperial = decode(encode_workout(planned, "imperial").content)
    assert imperial["workout_mesgs"][0]["wkt_name"] == "Strides 5 mi"
    assert imperial["workout_mesgs"][0]["wkt_description"] == (
        "Easy Run + Strides, Thu 12 Nov 2026. Easy Run + Strides of about 5.0 mi: 40 min easy "
        "-> 6 x 20 s fast."
    )
    assert imperial["workout_step_mesgs"][0]["notes"] == "Easy at 8:59-9:47/mi, about 4.3 mi"
    # the protocol's units whatever the runner reads: 20 s in ms
    assert imperial["workout_step_mesgs"][1]["duration_value"] == 20_000


def test_long_texts_are_cut_after_a_whole_word():
    workout = encode_workout(
        session(
            [structure_segment(1, "steady", description="Relaxed, stay conversational. " * 5)],
            description="Keep it easy and tall; " * 12,
        )
    )
    messages = decode(workout.content)
    notes = messages["workout_step_mesgs"][0]["notes"]
    assert notes == "Relaxed, stay conversational. Relaxed, stay conversational."
    assert len(notes.encode()) <= NOTES_BYTES - 1
    about = messages["workout_mesgs"][0]["wkt_description"]
    assert (
        about == "Intervals, Wed 6 May 2026. " + "Keep it easy and tall; " * 5 + "Keep it easy and"
    )
    assert len(about.encode()) <= DESCRIPTION_BYTES - 1


@settings(max_examples=200, deadline=None)
@given(
    session_type=st.sampled_from(PLANNED_SESSION_TYPES),
    km=st.none() | in_range(PLANNED_SESSIONS.columns["distance_km"]),
    units=st.none() | st.sampled_from(UNIT_SYSTEMS),
)
def test_a_workout_name_always_fits_and_never_cuts_a_word(session_type, km, units):
    planned = session([structure_segment(1, "steady")], session_type=session_type, distance_km=km)
    name = workout_name(planned, units)
    assert 0 < len(name) <= WORKOUT_NAME_CHARS
    # the kind of run alone, or with its whole distance and unit
    assert len(name.split()) == 1 or name.endswith((" km", " mi"))


def test_without_a_display_type_the_workout_name_titles_the_description():
    workout = encode_workout(
        session([structure_segment(1, "steady")], display_type=None, session_type="cross_training")
    )
    assert workout.workout_name == "Cross"
    assert workout.description == "Cross, Wed 6 May 2026."


@pytest.mark.parametrize(
    ("values", "reason"),
    [
        ({"is_rest_day": True, "session_type": "rest"}, "rest day"),
        ({"structure_segments": []}, "no structure segments"),
        ({"structure_segments": None}, "no structure segments"),
    ],
)
def test_sessions_without_a_workout_are_refused(values, reason):
    refused = session([structure_segment(1, "steady")], **values)
    assert not has_workout(refused)
    with pytest.raises(UnencodableSessionError, match=reason):
        encode_workout(refused)


def test_a_run_with_segments_has_a_workout():
    assert has_workout(session([structure_segment(1, "steady")]))


def optional(name: str) -> st.SearchStrategy[Any]:
    return st.none() | in_range(SEGMENT_FIELDS[name])


@st.composite
def segments(draw: st.DrawFn) -> list[dict[str, Any]]:
    count = draw(st.integers(1, 12))
    return [
        {
            **{name: draw(optional(name)) for name in SEGMENT_FIELDS},
            "segment_index": index,
            "segment_type": draw(st.sampled_from(SEGMENT_TYPES)),
            "description": draw(st.none() | st.text(max_size=80)),
        }
        for index in range(1, count + 1)
    ]


@settings(max_examples=150, deadline=None)
@given(segments=segments())
def test_any_valid_segments_give_a_file_that_decodes_to_them(segments):
    workout = encode_workout(session(segments))
    messages = decode(workout.content)
    steps = messages["workout_step_mesgs"]
    assert workout.step_count == len(steps) == messages["workout_mesgs"][0]["num_valid_steps"]
    assert [raw_step(s) for s in steps] == expected_steps(segments)
