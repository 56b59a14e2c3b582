"""The raw tables the Apple Health reader produces, and turning row tuples into Arrow.

Handlers append one tuple per row (fields in `columns` order, then the source line number,
then the index of the row's key in its fragment's key list, ``parent``);
`to_arrow` transposes a buffer into an Arrow table in one go, parsing Apple's
``2019-06-17 21:07:11 -0400`` timestamps vectorised.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from pipelines.batches import RawTable

APPLE_TS_FORMAT = "%Y-%m-%d %H:%M:%S %z"
UTC_US = pa.timestamp("us", tz="UTC")

# Column kinds
STR = "str"
FLOAT = "float"
INT = "int32"
BOOL = "bool"
APPLE_TS = "apple_ts"  # Apple text -> <name> timestamp + <offset name> int32
DATE = "date"  # yyyy-mm-dd text -> date32
UTC_TS = "utc_ts"  # already a datetime (or None) -> timestamp


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = STR
    offset_name: str = ""  # APPLE_TS only


@dataclass(frozen=True)
class TableSpec:
    table: RawTable
    columns: tuple[Column, ...]

    @property
    def name(self) -> str:
        return self.table.name


def _ts(name: str, prefix: str) -> Column:
    return Column(name, APPLE_TS, f"{prefix}_utc_offset_seconds")


_DEVICE = (
    Column("device"),
    Column("device_name"),
    Column("device_manufacturer"),
    Column("device_model"),
    Column("device_hardware"),
    Column("device_software"),
)

RECORDS = TableSpec(
    RawTable(
        "records",
        ("record_id",),
        "Apple Health <Record> samples (quantity and category), one row per record, as written "
        "plus parsed value, UTC times with their original UTC offsets and parsed device fields.",
    ),
    (
        Column("record_id"),
        Column("runner_id"),
        Column("type"),
        Column("source_name"),
        Column("source_version"),
        *_DEVICE,
        Column("unit"),
        Column("value_text"),
        Column("value", FLOAT),
        _ts("start_time", "start"),
        _ts("end_time", "end"),
        _ts("creation_time", "creation"),
        Column("source_file"),
    ),
)
RECORD_METADATA = TableSpec(
    RawTable(
        "record_metadata",
        ("record_id", "key"),
        "<MetadataEntry> key/value pairs of a Record (HKTimeZone, motion context, ...).",
    ),
    (Column("record_id"), Column("runner_id"), Column("key"), Column("value")),
)
HRV_BEATS = TableSpec(
    RawTable(
        "hrv_beats",
        ("record_id", "beat_index"),
        "<InstantaneousBeatsPerMinute> beats of a HeartRateVariabilitySDNN record; time_text is "
        "the locale-formatted time of day as written, seconds_since_midnight a best-effort parse.",
    ),
    (
        Column("record_id"),
        Column("runner_id"),
        Column("beat_index", INT),
        Column("bpm", FLOAT),
        Column("time_text"),
        Column("seconds_since_midnight", FLOAT),
    ),
)
WORKOUTS = TableSpec(
    RawTable(
        "workouts",
        ("workout_id",),
        "Apple Health <Workout>s. Totals come from the old attributes or, for iOS 16+, from "
        "<WorkoutStatistics>; *_seconds, *_meters and *_kcal are normalised.",
    ),
    (
        Column("workout_id"),
        Column("runner_id"),
        Column("activity_type"),
        Column("duration", FLOAT),
        Column("duration_unit"),
        Column("duration_seconds", FLOAT),
        Column("total_distance", FLOAT),
        Column("total_distance_unit"),
        Column("total_distance_meters", FLOAT),
        Column("total_energy_burned", FLOAT),
        Column("total_energy_burned_unit"),
        Column("total_energy_burned_kcal", FLOAT),
        Column("source_name"),
        Column("source_version"),
        *_DEVICE,
        _ts("start_time", "start"),
        _ts("end_time", "end"),
        _ts("creation_time", "creation"),
        Column("timezone"),
        Column("is_indoor", BOOL),
        Column("route_file"),
        Column("source_file"),
    ),
)
WORKOUT_STATISTICS = TableSpec(
    RawTable(
        "workout_statistics",
        ("workout_id", "type"),
        "<WorkoutStatistics> children of a Workout (iOS 16+): average/minimum/maximum/sum.",
    ),
    (
        Column("workout_id"),
        Column("runner_id"),
        Column("type"),
        _ts("start_time", "start"),
        _ts("end_time", "end"),
        Column("average", FLOAT),
        Column("minimum", FLOAT),
        Column("maximum", FLOAT),
        Column("sum", FLOAT),
        Column("unit"),
    ),
)
WORKOUT_EVENTS = TableSpec(
    RawTable(
        "workout_events",
        ("workout_id", "event_index"),
        "<WorkoutEvent>s of a Workout (pause, resume, segment, lap, ...), in document order.",
    ),
    (
        Column("workout_id"),
        Column("runner_id"),
        Column("event_index", INT),
        Column("type"),
        _ts("date", "date"),
        Column("duration", FLOAT),
        Column("duration_unit"),
    ),
)
WORKOUT_METADATA = TableSpec(
    RawTable(
        "workout_metadata",
        ("workout_id", "key"),
        "<MetadataEntry> key/value pairs of a Workout (HKTimeZone, HKIndoorWorkout, weather...).",
    ),
    (Column("workout_id"), Column("runner_id"), Column("key"), Column("value")),
)
WORKOUT_ROUTE_POINTS = TableSpec(
    RawTable(
        "workout_route_points",
        ("workout_id", "point_index"),
        "GPS points of a Workout's route: the referenced workout-routes/*.gpx file, or old-style "
        "inline <Location> elements.",
    ),
    (
        Column("workout_id"),
        Column("runner_id"),
        Column("point_index", INT),
        Column("time", UTC_TS),
        Column("latitude", FLOAT),
        Column("longitude", FLOAT),
        Column("altitude_meters", FLOAT),
        Column("speed_mps", FLOAT),
        Column("course", FLOAT),
        Column("horizontal_accuracy", FLOAT),
        Column("vertical_accuracy", FLOAT),
    ),
)
ACTIVITY_SUMMARIES = TableSpec(
    RawTable(
        "activity_summaries",
        ("activity_summary_id",),
        "Daily <ActivitySummary> rings (move, exercise, stand) and their goals.",
    ),
    (
        Column("activity_summary_id"),
        Column("runner_id"),
        Column("date", DATE),
        Column("active_energy_burned", FLOAT),
        Column("active_energy_burned_goal", FLOAT),
        Column("active_energy_burned_unit"),
        Column("apple_move_time", FLOAT),
        Column("apple_move_time_goal", FLOAT),
        Column("apple_exercise_time", FLOAT),
        Column("apple_exercise_time_goal", FLOAT),
        Column("apple_stand_hours", FLOAT),
        Column("apple_stand_hours_goal", FLOAT),
        Column("source_file"),
    ),
)
ME = TableSpec(
    RawTable(
        "me",
        ("runner_id",),
        "The export's <Me> characteristics, export date and locale (one row per runner).",
    ),
    (
        Column("runner_id"),
        Column("date_of_birth", DATE),
        Column("biological_sex"),
        Column("blood_type"),
        Column("fitzpatrick_skin_type"),
        Column("cardio_fitness_medications_use"),
        _ts("export_date", "export"),
        Column("locale"),
        Column("source_file"),
    ),
)

SPECS: dict[str, TableSpec] = {
    s.name: s
    for s in (
        RECORDS,
        RECORD_METADATA,
        HRV_BEATS,
        WORKOUTS,
        WORKOUT_STATISTICS,
        WORKOUT_EVENTS,
        WORKOUT_METADATA,
        WORKOUT_ROUTE_POINTS,
        ACTIVITY_SUMMARIES,
        ME,
    )
}
TABLES: dict[str, RawTable] = {name: spec.table for name, spec in SPECS.items()}

_OFFSETS: dict[str, int | None] = {}


def utc_offset_seconds(text: str) -> int | None:
    """``... -0400`` -> -14400; None when the text does not end in ``±hhmm``."""
    tail = text[-5:]
    cached = _OFFSETS.get(tail, -1)
    if cached != -1:
        return cached
    value: int | None = None
    if len(tail) == 5 and tail[0] in "+-" and tail[1:].isdigit():
        hh, mm = int(tail[1:3]), int(tail[3:5])
        if hh <= 23 and mm <= 59:
            value = (hh * 3600 + mm * 60) * (-1 if tail[0] == "-" else 1)
    _OFFSETS[tail] = value
    return value


def _offsets(text: pa.Array) -> pa.Array:
    """UTC offsets of Apple date strings, vectorised: few distinct ``±hhmm`` tails per batch."""
    tails = pc.utf8_slice_codeunits(text, start=-5, stop=2**31 - 1).dictionary_encode()
    lookup = pa.array([utc_offset_seconds(t) for t in tails.dictionary.to_pylist()], pa.int32())
    return pc.take(lookup, tails.indices)


def _schema(spec: TableSpec) -> pa.Schema:
    fields = []
    for c in spec.columns:
        if c.kind == APPLE_TS:
            fields += [pa.field(c.name, UTC_US), pa.field(c.offset_name, pa.int32())]
        else:
            fields.append(pa.field(c.name, _ARROW_TYPES[c.kind]))
    return pa.schema(fields)


_ARROW_TYPES = {
    STR: pa.string(),
    FLOAT: pa.float64(),
    INT: pa.int32(),
    BOOL: pa.bool_(),
    DATE: pa.date32(),
    UTC_TS: UTC_US,
}
SCHEMAS: dict[str, pa.Schema] = {name: _schema(spec) for name, spec in SPECS.items()}

BadRow = Callable[[tuple, str, str], None]  # (row, column name, text) -> record a rejection
PARENT = "_parent"  # extra int32 column from `to_arrow(..., parent=True)`


def to_arrow(spec: TableSpec, rows: list[tuple], bad_row: BadRow, parent: bool = False) -> pa.Table:
    """Transpose row tuples into an Arrow table; rows whose date text does not parse are
    reported through ``bad_row`` and dropped. With ``parent``, the rows' key index (the item
    after the line number) becomes a last column `PARENT`."""
    columns = list(zip(*rows, strict=True))
    arrays: list[pa.Array] = []
    invalid: pa.Array | None = None
    invalid_text: list[tuple[str, pa.Array]] = []
    for col, values in zip(spec.columns, columns, strict=False):
        kind = col.kind
        if kind == APPLE_TS:
            text = pa.array(values, pa.string())
            parsed = pc.strptime(text, format=APPLE_TS_FORMAT, unit="us", error_is_null=True)
            offsets = _offsets(text)
            arrays += [parsed, offsets]
            bad = pc.and_(pc.is_valid(text), pc.or_(pc.is_null(parsed), pc.is_null(offsets)))
        elif kind == DATE:
            text = pa.array(values, pa.string())
            parsed = pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True)
            arrays.append(parsed.cast(pa.date32()))
            bad = pc.and_(pc.is_valid(text), pc.is_null(parsed))
        else:
            arrays.append(pa.array(values, _ARROW_TYPES[kind]))
            continue
        if pc.any(bad).as_py():
            invalid = bad if invalid is None else pc.or_(invalid, bad)
            invalid_text.append((col.name, text))
    schema = SCHEMAS[spec.name]
    if parent:
        arrays.append(pa.array(columns[len(spec.columns) + 1], pa.int32()))
        schema = schema.append(pa.field(PARENT, pa.int32()))
    table = pa.Table.from_arrays(arrays, schema=schema)
    if invalid is not None:
        for i in pc.indices_nonzero(invalid).to_pylist():
            name, text = next((n, t) for n, t in invalid_text if not _ok(t, i, spec, n))
            bad_row(rows[i], name, str(text[i].as_py()))
        table = table.filter(pc.invert(invalid))
    return table


def _ok(text: pa.Array, i: int, spec: TableSpec, name: str) -> bool:
    value = text[i].as_py()
    if value is None:
        return True
    col = next(c for c in spec.columns if c.name == name)
    if col.kind == DATE:
        return pc.strptime(pa.array([value]), format="%Y-%m-%d", unit="s", error_is_null=True)[
            0
        ].is_valid
    parsed = pc.strptime(pa.array([value]), format=APPLE_TS_FORMAT, unit="us", error_is_null=True)
    return parsed[0].is_valid and utc_offset_seconds(value) is not None
