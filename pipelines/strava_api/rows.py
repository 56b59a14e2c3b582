"""Strava API v3 answers (DetailedActivity, Lap list, StreamSet) as raw_strava_api rows.

Values stay as Strava gives them (SI units, cadence in Strava's rpm, the whole detail kept as
JSON in `raw_json`); only the shape changes: streams become one row per second. An activity
whose detail cannot be read (no id, no start, a negative or non-numeric distance or time, a
stream whose length differs from `time`) is `MalformedActivity`: the sync quarantines it with
its id and loads the others.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

import pyarrow as pa

from pipelines.batches import RawTable

UTC_US = pa.timestamp("us", tz="UTC")


class MalformedActivity(ValueError):  # noqa: N818 - bad input, not a bug
    """An activity Strava returned that cannot be loaded as it is."""


ACTIVITIES = RawTable(
    "activities",
    ("runner_id", "activity_id"),
    "Each activity synced from Strava's API (GET /activities/{id}, DetailedActivity), one row "
    "per runner and activity id (the id the bulk export's activities.csv uses). Units as "
    "Strava's: metres, seconds, m/s, bpm, watts, cadence in rpm (strides/min for runs). "
    "`start_date` is UTC; `start_date_local` the naive local time; `workout_type` is Strava's "
    "(1 = race for runs, 11 for rides; 2 long run, 3 workout). `raw_json` is the whole answer.",
)
LAPS = RawTable(
    "laps",
    ("runner_id", "activity_id", "lap_index"),
    "Laps of each synced activity (GET /activities/{id}/laps), `lap_index` from 0 in "
    "Strava's order; units as in activities.",
)
SAMPLES = RawTable(
    "samples",
    ("runner_id", "activity_id", "timestamp"),
    "Streams of each synced activity (GET /activities/{id}/streams, key_by_type), one row per "
    "point of the `time` stream: `timestamp` is start_date plus `elapsed_seconds`; cadence in "
    "rpm as Strava gives it; `moving` is Strava's moving flag.",
)
TABLES = {t.name: t for t in (ACTIVITIES, LAPS, SAMPLES)}

ACTIVITY_NUMBERS = {
    "distance": "distance_meters",
    "moving_time": "moving_time_seconds",
    "elapsed_time": "elapsed_time_seconds",
    "total_elevation_gain": "total_elevation_gain_meters",
    "elev_high": "elev_high_meters",
    "elev_low": "elev_low_meters",
    "average_speed": "average_speed_mps",
    "max_speed": "max_speed_mps",
    "average_heartrate": "average_heartrate_bpm",
    "max_heartrate": "max_heartrate_bpm",
    "average_cadence": "average_cadence_rpm",
    "average_watts": "average_watts",
    "max_watts": "max_watts",
    "weighted_average_watts": "weighted_average_watts",
    "kilojoules": "kilojoules",
    "calories": "calories_kcal",
    "average_temp": "average_temp_celsius",
    "suffer_score": "suffer_score",
    "perceived_exertion": "perceived_exertion",
}
NOT_NEGATIVE = {"distance", "moving_time", "elapsed_time"}
ACTIVITY_FLAGS = ("has_heartrate", "manual", "trainer", "commute")

ACTIVITIES_SCHEMA = pa.schema(
    [
        ("runner_id", pa.string()),
        ("activity_id", pa.int64()),
        ("athlete_id", pa.int64()),
        ("name", pa.string()),
        ("description", pa.string()),
        ("sport_type", pa.string()),
        ("type", pa.string()),
        ("workout_type", pa.int64()),
        ("start_date", UTC_US),
        ("start_date_local", pa.timestamp("us")),
        ("timezone", pa.string()),
        ("utc_offset_seconds", pa.int64()),
        *((column, pa.float64()) for column in ACTIVITY_NUMBERS.values()),
        *((column, pa.bool_()) for column in ACTIVITY_FLAGS),
        ("gear_name", pa.string()),
        ("device_name", pa.string()),
        ("external_id", pa.string()),
        ("upload_id", pa.string()),
        ("raw_json", pa.string()),
        ("synced_at", UTC_US),
    ]
)
LAP_NUMBERS = {
    "elapsed_time": "elapsed_time_seconds",
    "moving_time": "moving_time_seconds",
    "distance": "distance_meters",
    "total_elevation_gain": "total_elevation_gain_meters",
    "average_speed": "average_speed_mps",
    "max_speed": "max_speed_mps",
    "average_heartrate": "average_heartrate_bpm",
    "max_heartrate": "max_heartrate_bpm",
    "average_cadence": "average_cadence_rpm",
    "average_watts": "average_watts",
}
LAPS_SCHEMA = pa.schema(
    [
        ("runner_id", pa.string()),
        ("activity_id", pa.int64()),
        ("lap_index", pa.int64()),
        ("lap_id", pa.int64()),
        ("name", pa.string()),
        ("start_date", UTC_US),
        *((column, pa.float64()) for column in LAP_NUMBERS.values()),
        ("split", pa.int64()),
    ]
)
STREAM_COLUMNS = {
    "distance": "distance_meters",
    "altitude": "altitude_meters",
    "heartrate": "heart_rate_bpm",
    "cadence": "cadence_rpm",
    "watts": "power_watts",
    "velocity_smooth": "speed_mps",
}
SAMPLES_SCHEMA = pa.schema(
    [
        ("runner_id", pa.string()),
        ("activity_id", pa.int64()),
        ("timestamp", UTC_US),
        ("elapsed_seconds", pa.float64()),
        ("latitude", pa.float64()),
        ("longitude", pa.float64()),
        *((column, pa.float64()) for column in STREAM_COLUMNS.values()),
        ("moving", pa.bool_()),
    ]
)


def activity_id_of(item: Any) -> int:
    """The activity's id, or MalformedActivity."""
    value = item.get("id") if isinstance(item, dict) else None
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise MalformedActivity(f"the activity has no valid id ({value!r})")
    return value


def instant(value: Any, what: str) -> dt.datetime:
    """An ISO-8601 instant from Strava ('2026-11-20T07:01:02Z') in UTC."""
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise MalformedActivity(f"{what} {value!r} is not an ISO-8601 instant") from None
    if value is None or parsed.tzinfo is None:
        raise MalformedActivity(f"{what} {value!r} is not an instant with a UTC offset")
    return parsed.astimezone(dt.UTC)


def _naive(value: Any) -> dt.datetime | None:
    """Strava's `start_date_local`: local wall time written with a misleading 'Z'."""
    if not value:
        return None
    try:
        return dt.datetime.fromisoformat(str(value).replace("Z", "")).replace(tzinfo=None)
    except ValueError:
        return None


def _number(item: dict[str, Any], key: str, activity_id: int) -> float | None:
    value = item.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise MalformedActivity(f"activity {activity_id}: {key} {value!r} is not a number")
    if key in NOT_NEGATIVE and value < 0:
        raise MalformedActivity(f"activity {activity_id}: {key} {value!r} is negative")
    return float(value)


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _integer(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def activity_row(runner_id: str, detail: dict[str, Any], synced_at: dt.datetime) -> dict[str, Any]:
    activity_id = activity_id_of(detail)
    start = instant(detail.get("start_date"), f"activity {activity_id}: start_date")
    sport = detail.get("sport_type") or detail.get("type")
    if not isinstance(sport, str) or not sport:
        raise MalformedActivity(f"activity {activity_id} has no sport_type or type")
    athlete = _object(detail.get("athlete"))
    gear = _object(detail.get("gear"))
    offset = _number(detail, "utc_offset", activity_id)
    return {
        "runner_id": runner_id,
        "activity_id": activity_id,
        "athlete_id": _integer(athlete.get("id")),
        "name": _text(detail.get("name")),
        "description": _text(detail.get("description")),
        "sport_type": sport,
        "type": _text(detail.get("type")),
        "workout_type": _integer(detail.get("workout_type")),
        "start_date": start,
        "start_date_local": _naive(detail.get("start_date_local")),
        "timezone": _text(detail.get("timezone")),
        "utc_offset_seconds": None if offset is None else int(offset),
        **{column: _number(detail, key, activity_id) for key, column in ACTIVITY_NUMBERS.items()},
        **{flag: bool(detail[flag]) if flag in detail else None for flag in ACTIVITY_FLAGS},
        "gear_name": _text(gear.get("name")),
        "device_name": _text(detail.get("device_name")),
        "external_id": _text(detail.get("external_id")),
        "upload_id": _text(detail.get("upload_id")),
        "raw_json": json.dumps(detail, sort_keys=True),
        "synced_at": synced_at,
    }


def lap_rows(runner_id: str, activity_id: int, laps: Any) -> list[dict[str, Any]]:
    if not isinstance(laps, list):
        raise MalformedActivity(f"activity {activity_id}: its laps are not a list")
    rows = []
    for index, lap in enumerate(laps):
        if not isinstance(lap, dict):
            raise MalformedActivity(f"activity {activity_id}: lap {index} is not an object")
        rows.append(
            {
                "runner_id": runner_id,
                "activity_id": activity_id,
                "lap_index": index,
                "lap_id": _integer(lap.get("id")),
                "name": _text(lap.get("name")),
                "start_date": instant(lap.get("start_date"), f"activity {activity_id} lap {index}")
                if lap.get("start_date")
                else None,
                **{column: _number(lap, key, activity_id) for key, column in LAP_NUMBERS.items()},
                "split": _integer(lap.get("split")),
            }
        )
    return rows


def _streams_by_type(streams: Any) -> dict[str, list[Any]]:
    """{type: data}, from a key_by_type answer or the list Strava gives without it."""
    if isinstance(streams, list):
        streams = {s.get("type"): s for s in streams if isinstance(s, dict)}
    if not isinstance(streams, dict):
        return {}
    return {
        key: value["data"]
        for key, value in streams.items()
        if isinstance(value, dict) and isinstance(value.get("data"), list)
    }


def sample_columns(
    runner_id: str, activity_id: int, start: dt.datetime, streams: Any
) -> dict[str, list[Any]]:
    data = _streams_by_type(streams)
    times = data.get("time") or []
    columns: dict[str, list[Any]] = {name: [] for name in SAMPLES_SCHEMA.names}
    if not times:
        return columns
    for key, values in data.items():
        if len(values) != len(times):
            raise MalformedActivity(
                f"activity {activity_id}: its {key} stream has {len(values)} points where "
                f"time has {len(times)}"
            )
    seen: set[float] = set()
    for i, second in enumerate(times):
        if isinstance(second, bool) or not isinstance(second, (int, float)) or second in seen:
            continue  # a point without a time, or a second already given: keep the first
        seen.add(second)
        columns["runner_id"].append(runner_id)
        columns["activity_id"].append(activity_id)
        columns["timestamp"].append(start + dt.timedelta(seconds=second))
        columns["elapsed_seconds"].append(float(second))
        point = data["latlng"][i] if "latlng" in data else None
        latitude, longitude = point if isinstance(point, list) and len(point) == 2 else (None, None)
        columns["latitude"].append(_finite(latitude))
        columns["longitude"].append(_finite(longitude))
        for key, column in STREAM_COLUMNS.items():
            columns[column].append(_finite(data[key][i]) if key in data else None)
        moving = data["moving"][i] if "moving" in data else None
        columns["moving"].append(moving if isinstance(moving, bool) else None)
    return columns


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def activity_tables(
    runner_id: str, detail: Any, laps: Any, streams: Any, synced_at: dt.datetime
) -> dict[str, pa.Table]:
    """The three raw tables' rows of one activity; MalformedActivity when it cannot load."""
    if not isinstance(detail, dict):
        raise MalformedActivity("the activity's detail is not a JSON object")
    row = activity_row(runner_id, detail, synced_at)
    return {
        "activities": pa.Table.from_pylist([row], schema=ACTIVITIES_SCHEMA),
        "laps": pa.Table.from_pylist(
            lap_rows(runner_id, row["activity_id"], laps or []), schema=LAPS_SCHEMA
        ),
        "samples": pa.table(
            sample_columns(runner_id, row["activity_id"], row["start_date"], streams),
            schema=SAMPLES_SCHEMA,
        ),
    }
