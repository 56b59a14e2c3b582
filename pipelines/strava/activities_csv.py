"""`activities.csv` of a Strava bulk export: 94/99-column headers and the legacy 10-column one."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from pipelines.strava.tables import UTC_US
from warehouse.plausibility import (
    ACTIVITY_ENERGY,
    ACTIVITY_SPEED,
    ALTITUDE,
    CADENCE,
    HEART_RATE,
    PERCEIVED_EXERTION,
    POWER,
    SAMPLE_SPEED,
    TEMPERATURE,
    drop_implausible,
    faster_than_possible,
)

# The 99-column header (2025). The 94-column one lacks Recovery .. For a Cause.
MODERN_HEADER: tuple[str, ...] = tuple(
    "Activity ID,Activity Date,Activity Name,Activity Type,Activity Description,Elapsed Time,"
    "Distance,Max Heart Rate,Relative Effort,Commute,Activity Private Note,Activity Gear,Filename,"
    "Athlete Weight,Bike Weight,Elapsed Time,Moving Time,Distance,Max Speed,Average Speed,"
    "Elevation Gain,Elevation Loss,Elevation Low,Elevation High,Max Grade,Average Grade,"
    "Average Positive Grade,Average Negative Grade,Max Cadence,Average Cadence,Max Heart Rate,"
    "Average Heart Rate,Max Watts,Average Watts,Calories,Max Temperature,Average Temperature,"
    "Relative Effort,Total Work,Number of Runs,Uphill Time,Downhill Time,Other Time,"
    "Perceived Exertion,Type,Start Time,Weighted Average Power,Power Count,"
    "Prefer Perceived Exertion,Perceived Relative Effort,Commute,Total Weight Lifted,From Upload,"
    "Grade Adjusted Distance,Weather Observation Time,Weather Condition,Weather Temperature,"
    "Apparent Temperature,Dewpoint,Humidity,Weather Pressure,Wind Speed,Wind Gust,Wind Bearing,"
    "Precipitation Intensity,Sunrise Time,Sunset Time,Moon Phase,Bike,Gear,"
    "Precipitation Probability,Precipitation Type,Cloud Cover,Weather Visibility,UV Index,"
    "Weather Ozone,Jump Count,Total Grit,Average Flow,Flagged,Average Elapsed Speed,Dirt Distance,"
    "Newly Explored Distance,Newly Explored Dirt Distance,Activity Count,Total Steps,Carbon Saved,"
    "Pool Length,Training Load,Intensity,Average Grade Adjusted Pace,Timer Time,Total Cycles,"
    "Recovery,With Pet,Competition,Long Run,For a Cause,Media".split(",")
)

# Strava writes these five names twice; (first copy, second copy) by meaning.
DUPLICATES: dict[str, tuple[str, str]] = {
    "Elapsed Time": ("elapsed_time_seconds", "elapsed_time_seconds_precise"),
    "Distance": ("distance_display", "distance_meters"),
    "Max Heart Rate": ("max_heart_rate_bpm", "max_heart_rate_bpm_stats"),
    "Relative Effort": ("relative_effort", "relative_effort_precise"),
    "Commute": ("commute", "commute_flag"),
}

LEGACY_HEADER = (
    "id",
    "date",
    "name",
    "type",
    "description",
    "elapsed_time",
    "distance",
    "commute",
    "gear",
    "filename",
)
LEGACY_NAMES = {
    "id": "activity_id",
    "date": "activity_date",
    "name": "activity_name",
    "type": "activity_type",
    "description": "activity_description",
    "elapsed_time": "elapsed_time_seconds",
    "distance": "distance_meters",  # metres in the legacy export
    "commute": "commute",
    "gear": "activity_gear",
    "filename": "filename",
}

TEXT_COLUMNS = frozenset(
    {
        "activity_name",
        "activity_type",
        "activity_description",
        "activity_private_note",
        "activity_gear",
        "filename",
        "distance_display",
        "type",
        "start_time",
        "weather_observation_time",
        "weather_condition",
        "sunrise_time",
        "sunset_time",
        "bike",
        "gear",
        "precipitation_type",
        "media",
    }
)
INT_COLUMNS = frozenset({"activity_id", "elapsed_time_seconds", "relative_effort"})
BOOL_COLUMNS = frozenset({"commute", "commute_flag"})
REQUIRED = ("activity_id", "activity_date")


def snake(name: str) -> str:
    out = re.sub(r"[^0-9a-zA-Z]+", "_", name.strip()).strip("_").lower()
    return out or "column"


def column_names(header: list[str]) -> list[str]:
    """Distinct snake_case names for a header, naming Strava's duplicates by meaning."""
    legacy = [h.strip().lower() for h in header] == list(LEGACY_HEADER)
    seen: dict[str, int] = {}
    names: list[str] = []
    for raw in header:
        key = raw.strip()
        if legacy:
            name = LEGACY_NAMES[key.lower()]
        elif key in DUPLICATES:
            copy = seen.get(key, 0)
            seen[key] = copy + 1
            pair = DUPLICATES[key]
            name = pair[copy] if copy < 2 else f"{pair[1]}_{copy + 1}"
        else:
            name = snake(key)
        base, k = name, 2
        while name in names:
            name, k = f"{base}_{k}", k + 1
        names.append(name)
    return names


STANDARD_COLUMNS: tuple[str, ...] = tuple(column_names(list(MODERN_HEADER)))


def column_type(name: str) -> pa.DataType:
    if name == "activity_date":
        return UTC_US
    if name in INT_COLUMNS:
        return pa.int64()
    if name in BOOL_COLUMNS:
        return pa.bool_()
    if name in TEXT_COLUMNS or name not in STANDARD_COLUMNS:
        return pa.string()  # unknown extra columns are kept as text
    return pa.float64()


_MONTHS = {m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)}
_STRAVA_DATE = re.compile(
    r"^([A-Za-z]{3})[a-z]*\.? (\d{1,2}), (\d{4}),? (\d{1,2}):(\d{2}):(\d{2})\s*([AaPp][Mm])?$"
)
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def parse_date_us(text: str) -> int:
    """`Jun 4, 2024, 6:13:47 AM` or ISO (`2014-09-12 16:54:28`), UTC, to epoch microseconds."""
    s = text.strip()
    m = _STRAVA_DATE.match(s)
    if m:
        month = _MONTHS.get(m.group(1).lower())
        if month is None:
            raise ValueError(f"unknown month {m.group(1)!r}")
        hour = int(m.group(4))
        ampm = (m.group(7) or "").upper()
        if ampm:
            if not 1 <= hour <= 12:
                raise ValueError(f"hour {hour} with {ampm}")
            hour = hour % 12 + (12 if ampm == "PM" else 0)
        t = dt.datetime(
            int(m.group(3)),
            month,
            int(m.group(2)),
            hour,
            int(m.group(5)),
            int(m.group(6)),
            tzinfo=dt.UTC,
        )
    else:
        t = dt.datetime.fromisoformat(s)
        t = t.replace(tzinfo=dt.UTC) if t.tzinfo is None else t.astimezone(dt.UTC)
    delta = t - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def parse_float(text: str) -> float:
    return float(text.replace(",", "")) if "," in text else float(text)


def parse_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        value = float(text)
        if not value.is_integer():
            raise ValueError(f"{text!r} is not a whole number") from None
        return int(value)


def parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "1", "1.0", "yes"):
        return True
    if lowered in ("false", "0", "0.0", "no"):
        return False
    raise ValueError(f"{text!r} is not a boolean")


def _parser_for(name: str) -> Callable[[str], Any]:
    if name == "activity_date":
        return parse_date_us
    if name in INT_COLUMNS:
        return parse_int
    if name in BOOL_COLUMNS:
        return parse_bool
    if column_type(name) == pa.float64():
        return parse_float
    return str


VALUE_BOUNDS = {
    "max_heart_rate_bpm": HEART_RATE,
    "max_heart_rate_bpm_stats": HEART_RATE,
    "average_heart_rate": HEART_RATE,
    "max_speed": SAMPLE_SPEED,
    "average_speed": ACTIVITY_SPEED,
    "max_cadence": CADENCE,
    "average_cadence": CADENCE,
    "max_watts": POWER,
    "average_watts": POWER,
    "weighted_average_power": POWER,
    "calories": ACTIVITY_ENERGY,
    "elevation_low": ALTITUDE,
    "elevation_high": ALTITUDE,
    "average_temperature": TEMPERATURE,
    "perceived_exertion": PERCEIVED_EXERTION,
}
"""Columns whose value alone cannot be true outside its bounds: it is left out (and
reported), the row loads."""
_TOTALS = ("elapsed_time_seconds", "elapsed_time_seconds_precise", "moving_time", "distance_meters")


def implausible(values: dict[str, Any]) -> str | None:
    """Why a row's summary cannot be true (a negative total, or faster on average than
    `ACTIVITY_SPEED`: a 500 km run in ten minutes), or None."""
    what = f"activity {values.get('activity_id')} ({values.get('activity_type')})"
    for name in _TOTALS:
        value = values.get(name)
        if value is not None and value < 0:
            return f"{what} has {name} {value:g}, which cannot be true (negative)"
    distance = values.get("distance_meters")
    elapsed = next((values[n] for n in ("moving_time", *_TOTALS[:2]) if values.get(n)), None)
    return faster_than_possible(what, distance, elapsed)


def _drop_implausible_values(values: dict[str, Any]) -> list[str]:
    """Leave out the values outside `VALUE_BOUNDS` (a GPS spike's max speed of 90 m/s);
    why, for each."""
    return [
        f"activity {values.get('activity_id')}: {name} {value:g} cannot be true "
        f"(plausible: {bounds}); left out, the rest of the row loads"
        for name, value, bounds in drop_implausible(values, VALUE_BOUNDS)
    ]


@dataclass
class ActivityRow:
    activity_id: int
    filename: str
    line: int


@dataclass
class CsvResult:
    table: pa.Table | None
    files: list[ActivityRow] = field(default_factory=list)
    problems: list[tuple[str, str, str]] = field(default_factory=list)  # location, reason, excerpt


def read_activities_csv(data: bytes, runner_id: str, source_file: str) -> CsvResult:
    """Parse activities.csv; bad rows become problems, the rest a table."""
    problems: list[tuple[str, str, str]] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        text = data.decode("utf-8-sig", errors="replace")
        problems.append(
            (f"byte {error.start}", "activities.csv is not valid UTF-8; bad bytes replaced", "")
        )
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        return CsvResult(None, problems=[*problems, ("line 1", "activities.csv is empty", "")])
    names = column_names(header)
    if "activity_id" not in names or "activity_date" not in names:
        return CsvResult(
            None,
            problems=[
                *problems,
                (
                    "line 1",
                    "activities.csv header has no Activity ID / Activity Date column",
                    ",".join(header)[:200],
                ),
            ],
        )
    parsers = [_parser_for(n) for n in names]
    out_names = list(STANDARD_COLUMNS) + [n for n in names if n not in STANDARD_COLUMNS]
    columns: dict[str, list] = {n: [] for n in out_names}
    columns["distance_display_value"] = []
    width = len(names)
    files: list[ActivityRow] = []
    seen_ids: dict[int, int] = {}
    line_after = reader.line_num
    while True:
        start = line_after + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            line_after = reader.line_num
            problems.append((f"line {start}", f"unreadable CSV row: {error}", ""))
            continue
        line_after = reader.line_num
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        excerpt = ",".join(row)[:300]
        if len(row) != width:
            problems.append(
                (f"line {start}", f"row has {len(row)} columns but the header has {width}", excerpt)
            )
            continue
        values: dict[str, Any] = {}
        error_reason = None
        for name, parse, raw in zip(names, parsers, row, strict=True):
            raw = raw.strip() if parse is not str else raw
            if raw == "":
                if name in REQUIRED:
                    error_reason = f"required column {name} is empty"
                    break
                values[name] = None
                continue
            try:
                values[name] = parse(raw)
            except (ValueError, OverflowError) as error:
                error_reason = f"cannot parse column {name} value {raw[:40]!r} ({error})"
                break
        if error_reason is None:
            error_reason = implausible(values)
        if error_reason is not None:
            problems.append((f"line {start}", error_reason, excerpt))
            continue
        for reason in _drop_implausible_values(values):
            problems.append((f"line {start}", reason, excerpt))
        activity_id = values["activity_id"]
        if activity_id in seen_ids:
            problems.append(
                (
                    f"line {start}",
                    f"duplicate activity_id {activity_id} (first on line {seen_ids[activity_id]})",
                    excerpt,
                )
            )
            continue
        seen_ids[activity_id] = start
        for name in out_names:
            columns[name].append(values.get(name))
        display = values.get("distance_display")
        try:
            columns["distance_display_value"].append(
                parse_float(display) if display is not None else None
            )
        except ValueError:
            columns["distance_display_value"].append(None)
        filename = values.get("filename")
        if filename and filename.strip():
            files.append(ActivityRow(activity_id, filename.strip(), start))
    n = len(columns["activity_id"])
    arrays = {
        "runner_id": pa.array([runner_id] * n, pa.string()),
        **{name: pa.array(columns[name], column_type(name)) for name in out_names},
        "distance_display_value": pa.array(columns["distance_display_value"], pa.float64()),
        "source_file": pa.array([source_file] * n, pa.string()),
    }
    # distance_display_value sits next to distance_display
    order = ["runner_id"]
    for name in out_names:
        order.append(name)
        if name == "distance_display":
            order.append("distance_display_value")
    order.append("source_file")
    table = pa.table({name: arrays[name] for name in order})
    return CsvResult(table, files, problems)
