"""A planned session as a Garmin FIT workout file (bytes), written with fit-tool.

Layout (SPORTS_SCIENCE.md section 6): one `file_id` (type workout), one `workout` (name,
description, sport running, step count), then the `workout_step` messages in order. Each
segment of the session's `structure_segments` is one step; a `repeat` segment is its work
step, its recovery step (when it has a recovery) and a repeat step looping back to the work
step.

- duration: time in ms, distance in cm, or open (lap button)
- target: a pace range as a custom speed range (m/s x 1000, the slower pace is the low end),
  else a heart-rate range as custom bpm + 100, else open
- intensity: warm-up, cool-down, recovery, rest, or active for the work itself

The name is what a watch lists, so it must read whole in the few characters shown: the kind
of run and its size (`Tempo 8 km`, `Intervals 5x1k`), in the runner's units; the full title,
day and description go in the workout's description. Step durations stay in metres and
milliseconds, as the protocol requires.

The bytes are deterministic: serial number from the session id, creation time from the
scheduled date, manufacturer development, product 0. Re-exporting a session gives the same
file, so its SHA-256 changes only when the session does.

Every message type has one fixed definition (strings padded to fixed sizes), built once per
thread and reused for every message and file: fit-tool encodes each record, and a file costs
only its data messages, the header and the CRC (about 0.4 ms for a 2-step run).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import struct
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fit_tool.data_message import DataMessage
from fit_tool.definition_message import DefinitionMessage
from fit_tool.fit_file_header import FitFileHeader
from fit_tool.profile.messages.file_id_message import FileIdMessage
from fit_tool.profile.messages.workout_message import WorkoutMessage
from fit_tool.profile.messages.workout_step_message import WorkoutStepMessage
from fit_tool.profile.profile_type import (
    FileType,
    Intensity,
    Manufacturer,
    Sport,
    WorkoutStepDuration,
    WorkoutStepTarget,
)
from fit_tool.record import Record
from fit_tool.utils.crc import crc16

from transforms.units import distance_text, text_in_units

WORKOUT_NAME_CHARS = 16
"""Garmin watches show about 15-16 characters of a workout's name in their list."""
WORKOUT_NAME_BYTES = WORKOUT_NAME_CHARS + 1
"""The name's FIT string, NUL included (names are ASCII)."""
DESCRIPTION_BYTES = 160
"""The workout's description (wkt_description): the session's full title, day and what to
do; Garmin Connect shows it with the workout."""
STEP_NAME_BYTES = 16
NOTES_BYTES = 64
HR_BPM_OFFSET = 100
"""FIT workout_hr values above 100 are bpm + 100 (0-100 would be % of max HR)."""
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_SHORT_LABELS = {
    "easy": "Easy",
    "recovery": "Recovery",
    "long": "Long",
    "strides": "Strides",
    "hills": "Hills",
    "tempo": "Tempo",
    "threshold": "Threshold",
    "progression": "Progression",
    "fartlek": "Fartlek",
    "interval": "Intervals",
    "repetition": "Reps",
    "race": "Race",
    "cross_training": "Cross",
}
"""The kind of run in a watch's workout name (plans.planned_sessions.session_type)."""
_NAMED_BY_REPEATS = frozenset({"interval", "repetition", "threshold", "hills"})
"""Runs whose repeats are the work, so the name says them (`Intervals 5x1k`); the others
(strides and fartlek too) are named by their distance."""
_UNIX_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

_INTENSITIES = {
    "warmup": Intensity.WARMUP,
    "work": Intensity.ACTIVE,
    "steady": Intensity.ACTIVE,
    "repeat": Intensity.ACTIVE,
    "recovery": Intensity.RECOVERY,
    "rest": Intensity.REST,
    "cooldown": Intensity.COOLDOWN,
}
_STEP_LABELS = {
    "warmup": "Warm-up",
    "work": "Work",
    "steady": "Steady",
    "repeat": "Work",
    "recovery": "Recovery",
    "rest": "Rest",
    "cooldown": "Cool-down",
}
_ZONE_LABELS = {
    "E": "Easy",
    "M": "Marathon pace",
    "T": "Threshold",
    "I": "Interval",
    "R": "Repetition",
}


class UnencodableSessionError(ValueError):
    """The session has no workout a watch could follow (a rest day, no segments)."""


@dataclass(frozen=True)
class FitWorkout:
    """One encoded workout file."""

    content: bytes
    workout_name: str
    description: str
    step_count: int


@dataclass(frozen=True)
class _Step:
    name: str
    notes: str
    intensity: Intensity | None
    duration_type: WorkoutStepDuration
    duration_value: int | None
    target_type: WorkoutStepTarget
    target_value: int | None = None
    target_low: int | None = None
    target_high: int | None = None


def encode_workout(session: Mapping[str, Any], units: str | None = None) -> FitWorkout:
    """The FIT workout file for one planned session (a row of plans.planned_sessions as a
    dict), its texts in `units` (the runner's coaching.units; metric when None).

    Raises UnencodableSessionError for a rest day or a session without structure segments.
    """
    session_id = session["session_id"]
    if _is_rest_day(session):
        raise UnencodableSessionError(f"session {session_id} is a rest day: it has no workout")
    segments = session.get("structure_segments") or []
    if not segments:
        raise UnencodableSessionError(
            f"session {session_id} has no structure segments to turn into workout steps"
        )
    steps = _steps(session_id, segments, units)
    name = workout_name(session, units)
    description = _description(session, units)
    messages = _messages()
    chunks = [
        messages.file_id.definition,
        messages.file_id.encode(
            type=FileType.WORKOUT,
            manufacturer=Manufacturer.DEVELOPMENT.value,
            product=0,
            serial_number=_serial_number(session_id),
            time_created=_unix_ms(session["scheduled_date"]),
        ),
        messages.workout.definition,
        messages.workout.encode(
            wkt_name=name,
            wkt_description=description,
            sport=Sport.RUNNING,
            num_valid_steps=len(steps),
        ),
        messages.step.definition,
    ]
    for index, step in enumerate(steps):
        chunks.append(
            messages.step.encode(
                message_index=index,
                wkt_step_name=step.name,
                notes=step.notes,
                intensity=step.intensity,
                duration_type=step.duration_type,
                duration_value=step.duration_value,
                target_type=step.target_type,
                target_value=step.target_value,
                custom_target_value_low=step.target_low,
                custom_target_value_high=step.target_high,
            )
        )
    body = b"".join(chunks)
    header = FitFileHeader(records_size=len(body), gen_crc=True).to_bytes()
    crc = crc16(body, crc=crc16(header))
    return FitWorkout(header + body + struct.pack("<H", crc), name, description, len(steps))


def has_workout(session: Mapping[str, Any]) -> bool:
    """Whether the session is a run with steps to follow (not a rest day, has segments)."""
    return not _is_rest_day(session) and bool(session.get("structure_segments"))


def _is_rest_day(session: Mapping[str, Any]) -> bool:
    return bool(session.get("is_rest_day")) or session.get("session_type") == "rest"


def workout_name(session: Mapping[str, Any], units: str | None = None) -> str:
    """The name a watch lists, whole words within WORKOUT_NAME_CHARS: the kind of run and its
    size, e.g. `Tempo 8 km`, `Long 11.2 mi`, `Intervals 5x1k`; the kind alone when both do
    not fit."""
    kind = str(session["session_type"])
    label = _SHORT_LABELS.get(kind) or kind.replace("_", " ").title()
    repeats = _repeats(session.get("structure_segments") or [])
    size = repeats if kind in _NAMED_BY_REPEATS and repeats else _size(session, units)
    whole = f"{label} {size}" if size else label
    return whole if len(whole) <= WORKOUT_NAME_CHARS else _words(label, WORKOUT_NAME_CHARS)


def _repeats(segments: list[Mapping[str, Any]]) -> str | None:
    """`5x1k`, `6x800m` or `8x90s`: the first repeat segment, the heart of an interval run."""
    for segment in segments:
        if segment.get("segment_type") != "repeat":
            continue
        count = segment.get("repetitions") or 1
        km, seconds = segment.get("distance_km"), segment.get("duration_seconds")
        if seconds is not None:
            minutes = seconds / 60
            return (
                f"{count}x{minutes:g}min" if minutes == round(minutes) else f"{count}x{seconds:g}s"
            )
        if km is not None:
            return f"{count}x{km:g}k" if km >= 1 else f"{count}x{km * 1000:.0f}m"
    return None


def _size(session: Mapping[str, Any], units: str | None) -> str | None:
    if session.get("distance_km"):
        return distance_text(session["distance_km"], units, whole_without_decimal=True)
    if session.get("duration_seconds"):
        return f"{session['duration_seconds'] / 60:.0f} min"
    return None


def _description(session: Mapping[str, Any], units: str | None) -> str:
    """`Easy Run + Strides, Thu 12 Nov 2026. Easy Run + Strides of about 8.0 km: ...`."""
    day: dt.date = session["scheduled_date"]
    title = session.get("display_type") or workout_name(session, units)
    text = f"{title}, {_WEEKDAYS[day.weekday()]} {day.day} {_MONTHS[day.month - 1]} {day.year}."
    if session.get("description"):
        text += " " + text_in_units(session["description"], units)
    return _words(text, DESCRIPTION_BYTES - 1)


def _steps(session_id: str, segments: list[Mapping[str, Any]], units: str | None) -> list[_Step]:
    steps: list[_Step] = []
    for segment in segments:
        kind = segment.get("segment_type")
        if kind not in _INTENSITIES:
            raise UnencodableSessionError(
                f"session {session_id}: segment {segment.get('segment_index')} has unknown "
                f"segment_type {kind!r}"
            )
        first_repeated = len(steps)
        steps.append(
            _Step(
                _step_name(segment),
                _words(text_in_units(segment.get("description") or "", units), NOTES_BYTES - 1),
                _INTENSITIES[kind],
                *_duration(segment.get("duration_seconds"), segment.get("distance_km")),
                *_target(segment),
            )
        )
        if kind != "repeat":
            continue
        recovery = _duration(
            segment.get("recovery_duration_seconds"), segment.get("recovery_distance_km")
        )
        if recovery[0] is not WorkoutStepDuration.OPEN:
            steps.append(
                _Step("Recovery", "", Intensity.RECOVERY, *recovery, WorkoutStepTarget.OPEN)
            )
        steps.append(
            _Step(
                "",
                "",
                None,
                WorkoutStepDuration.REPEAT_UNTIL_STEPS_CMPLT,
                first_repeated,
                WorkoutStepTarget.OPEN,
                target_value=segment.get("repetitions") or 1,
            )
        )
    return steps


def _duration(seconds: float | None, km: float | None) -> tuple[WorkoutStepDuration, int | None]:
    if seconds is not None:
        return WorkoutStepDuration.TIME, round(seconds * 1000)
    if km is not None:
        return WorkoutStepDuration.DISTANCE, round(km * 100_000)
    return WorkoutStepDuration.OPEN, None


def _target(
    segment: Mapping[str, Any],
) -> tuple[WorkoutStepTarget, int | None, int | None, int | None]:
    paces = [
        p
        for p in (segment.get("pace_min_sec_per_km"), segment.get("pace_max_sec_per_km"))
        if p is not None
    ]
    if paces:
        speeds = [round(1_000_000 / pace) for pace in paces]  # m/s x 1000
        return WorkoutStepTarget.SPEED, 0, min(speeds), max(speeds)
    rates = [r for r in (segment.get("hr_min_bpm"), segment.get("hr_max_bpm")) if r is not None]
    if rates:
        bpm = [round(rate) + HR_BPM_OFFSET for rate in rates]
        return WorkoutStepTarget.HEART_RATE, 0, min(bpm), max(bpm)
    return WorkoutStepTarget.OPEN, None, None, None


def _step_name(segment: Mapping[str, Any]) -> str:
    zone = segment.get("intensity_zone")
    if segment["segment_type"] in ("work", "steady", "repeat") and zone in _ZONE_LABELS:
        return _words(_ZONE_LABELS[zone], STEP_NAME_BYTES - 1)
    return _STEP_LABELS[segment["segment_type"]]


def _words(text: str, limit: int) -> str:
    """At most `limit` UTF-8 bytes (a FIT string's size without its NUL): the whole words that
    fit, or the first word cut at a character boundary when even it is too long."""
    clean = text.replace("\0", "")
    if len(clean.encode()) <= limit:
        return clean
    kept = ""
    for word in clean.split(" "):
        longer = f"{kept} {word}" if kept else word
        if len(longer.encode()) > limit:
            break
        kept = longer
    return kept.rstrip(" ,;:-+") or clean.encode()[:limit].decode("utf-8", "ignore")


def _serial_number(session_id: str) -> int:
    """A uint32z (0 is invalid) from the session id: stable across re-exports."""
    digest = hashlib.sha256(session_id.encode()).digest()
    return int.from_bytes(digest[:4], "little") or 1


def _unix_ms(day: dt.date) -> int:
    midnight = dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
    return int((midnight - _UNIX_EPOCH).total_seconds() * 1000)


class _FixedMessage:
    """One message type with a fixed definition, every field of it written on each encode.

    The fit-tool message is reused: each encode sets every defined field (absent values as
    FIT's invalid value, strings as empty), so nothing carries over from the previous message.
    """

    def __init__(
        self,
        message: DataMessage,
        local_id: int,
        numbers: tuple[str, ...],
        strings: Mapping[str, int] | None = None,
    ):
        message.local_id = local_id
        fields = {f.name: f for f in message.fields}
        self._strings = dict(strings or {})
        for name in numbers:
            fields[name].set_encoded_value(0, fields[name].base_type.invalid_raw_value())
        for name, size in self._strings.items():
            fields[name].set_value(0, "x" * (size - 1))
        definition = DefinitionMessage.from_data_message(message)
        definition.local_id = local_id
        message.set_definition_message(definition)
        self._fields = {name: fields[name] for name in (*numbers, *self._strings)}
        self._record = Record.from_message(message)
        self.definition = Record.from_message(definition).to_bytes()

    def encode(self, **values: Any) -> bytes:
        unknown = set(values) - set(self._fields)
        if unknown:
            raise KeyError(f"no field(s) {', '.join(sorted(unknown))} in this definition")
        for name, field in self._fields.items():
            value = values.get(name)
            if value is None and name in self._strings:
                value = ""
            field.set_value(0, value)
        return self._record.to_bytes()


@dataclass(frozen=True)
class _Messages:
    file_id: _FixedMessage
    workout: _FixedMessage
    step: _FixedMessage


_per_thread = threading.local()


def _messages() -> _Messages:
    """This thread's reusable messages (a message is mutated while it is encoded)."""
    messages = getattr(_per_thread, "messages", None)
    if messages is None:
        messages = _per_thread.messages = _Messages(
            _FixedMessage(
                FileIdMessage(),
                0,
                ("type", "manufacturer", "product", "serial_number", "time_created"),
            ),
            _FixedMessage(
                WorkoutMessage(),
                1,
                ("sport", "num_valid_steps"),
                {"wkt_name": WORKOUT_NAME_BYTES, "wkt_description": DESCRIPTION_BYTES},
            ),
            _FixedMessage(
                WorkoutStepMessage(),
                2,
                (
                    "message_index",
                    "duration_type",
                    "duration_value",
                    "target_type",
                    "target_value",
                    "custom_target_value_low",
                    "custom_target_value_high",
                    "intensity",
                ),
                {"wkt_step_name": STEP_NAME_BYTES, "notes": NOTES_BYTES},
            ),
        )
    return messages
