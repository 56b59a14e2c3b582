"""A Strava bulk export zip: `activities.csv` under the header of a real 2025 export (read
from the real file at generation time) and `activities/<upload id>.fit(.gz)|.gpx(.gz)`.

FIT files are written with fit-tool's documented builder; GPX as StravaGPX writes it.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

from fit_tool.fit_file_builder import FitFileBuilder
from fit_tool.profile.messages.activity_message import ActivityMessage
from fit_tool.profile.messages.device_info_message import DeviceInfoMessage
from fit_tool.profile.messages.event_message import EventMessage
from fit_tool.profile.messages.file_id_message import FileIdMessage
from fit_tool.profile.messages.lap_message import LapMessage
from fit_tool.profile.messages.record_message import RecordMessage
from fit_tool.profile.messages.session_message import SessionMessage
from fit_tool.profile.profile_type import (
    Event,
    EventType,
    FileType,
    Manufacturer,
    Sport,
    SubSport,
)

from tests.independent.squad import Point, Run
from tests.independent.zipped import add_member
from tests.real_fixtures import REAL_FIXTURES

HEADER_SOURCE = REAL_FIXTURES / "strava" / "slalom007_export" / "activities.csv"
FORERUNNER_255 = 3992
FIT_EVERY_NTH_POINT = 2
"""Smart recording writes a point every few seconds; fit-tool is slow per record, too."""
FIT_EPOCH_S = 631_065_600
"""1989-12-31T00:00:00Z in Unix seconds."""


def real_header() -> list[str]:
    """The 99 column names, duplicates included, of a real 2025 `activities.csv`."""
    with HEADER_SOURCE.open(newline="", encoding="utf-8") as handle:
        return next(csv.reader(handle))


def _ms(instant: dt.datetime) -> int:
    return round(instant.timestamp() * 1000)


def _recorded(run: Run, every: int = 1) -> list[Point]:
    """The points as the file stores them (every `every`th, and the last): a few instants
    written twice, the second copy with another heart rate, as watches do when a sensor
    reconnects."""
    points = list(run.points[::every])
    if points[-1] != run.points[-1]:
        points.append(run.points[-1])
    for index in range(run.repeated_instants):
        original = points[10 + index * 40]
        copy = Point(
            original.elapsed_s,
            original.distance_m,
            original.lat,
            original.lon,
            original.altitude_m,
            original.heart_rate + 4,
        )
        points.insert(points.index(original) + 1, copy)
    return points


def _fit_bytes(run: Run, serial: int) -> bytes:
    start_ms, end_ms = _ms(run.start), _ms(run.end)
    builder = FitFileBuilder(auto_define=True, min_string_size=50)
    file_id = FileIdMessage()
    file_id.type = FileType.ACTIVITY
    file_id.manufacturer = Manufacturer.GARMIN.value
    file_id.product = FORERUNNER_255
    file_id.serial_number = serial
    file_id.time_created = start_ms
    builder.add(file_id)
    device = DeviceInfoMessage()
    device.timestamp = start_ms
    device.manufacturer = Manufacturer.GARMIN.value
    device.product = FORERUNNER_255
    device.serial_number = serial
    builder.add(device)
    builder.add(_event(start_ms, EventType.START))
    lap_start = run.points[0]
    for point in _recorded(run, FIT_EVERY_NTH_POINT):
        record = RecordMessage()
        record.timestamp = start_ms + point.elapsed_s * 1000
        record.position_lat = point.lat
        record.position_long = point.lon
        record.distance = point.distance_m
        record.enhanced_altitude = point.altitude_m
        record.heart_rate = point.heart_rate
        record.cadence = 84
        builder.add(record)
        whole_km = int(point.distance_m // 1000) > int(lap_start.distance_m // 1000)
        if whole_km or point is run.points[-1]:
            builder.add(_lap(run, lap_start, point))
            lap_start = point
    builder.add(_event(end_ms, EventType.STOP_ALL))
    session = SessionMessage()
    session.timestamp = end_ms
    session.start_time = start_ms
    session.sport = Sport.RUNNING
    session.sub_sport = SubSport.GENERIC
    session.total_elapsed_time = run.duration_s
    session.total_timer_time = run.duration_s
    session.total_distance = run.distance_m
    session.avg_heart_rate = round(sum(p.heart_rate for p in run.points) / len(run.points))
    session.max_heart_rate = max(p.heart_rate for p in run.points)
    builder.add(session)
    activity = ActivityMessage()
    activity.timestamp = end_ms
    activity.total_timer_time = run.duration_s
    activity.num_sessions = 1
    offset = run.start.utcoffset() or dt.timedelta()
    # fit-tool takes this field raw: seconds since the FIT epoch, on the local clock
    activity.local_timestamp = end_ms // 1000 + round(offset.total_seconds()) - FIT_EPOCH_S
    builder.add(activity)
    return builder.build().to_bytes()


def _event(at_ms: int, kind: EventType) -> EventMessage:
    event = EventMessage()
    event.timestamp = at_ms
    event.event = Event.TIMER
    event.event_type = kind
    return event


def _lap(run: Run, first: Point, last: Point) -> LapMessage:
    lap = LapMessage()
    lap.timestamp = _ms(run.start) + last.elapsed_s * 1000
    lap.start_time = _ms(run.start) + first.elapsed_s * 1000
    lap.total_elapsed_time = last.elapsed_s - first.elapsed_s
    lap.total_timer_time = last.elapsed_s - first.elapsed_s
    lap.total_distance = last.distance_m - first.distance_m
    return lap


def _gpx_bytes(run: Run) -> bytes:
    def when(point: Point) -> str:
        instant = run.start + dt.timedelta(seconds=point.elapsed_s)
        return instant.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    points = "".join(
        f'      <trkpt lat="{p.lat:.7f}" lon="{p.lon:.7f}">\n'
        f"        <ele>{p.altitude_m:.1f}</ele>\n"
        f"        <time>{when(p)}</time>\n"
        "        <extensions>\n          <gpxtpx:TrackPointExtension>\n"
        f"            <gpxtpx:hr>{p.heart_rate}</gpxtpx:hr>\n"
        "            <gpxtpx:cad>84</gpxtpx:cad>\n"
        "          </gpxtpx:TrackPointExtension>\n        </extensions>\n"
        "      </trkpt>\n"
        for p in _recorded(run)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<gpx creator="StravaGPX iPhone" version="1.1" xmlns="http://www.topografix.com/GPX/1/1" '
        'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">\n'
        f"  <metadata>\n    <time>{when(run.points[0])}</time>\n  </metadata>\n"
        f"  <trk>\n    <name>{escape(_title(run))}</name>\n    <type>9</type>\n"
        f"    <trkseg>\n{points}    </trkseg>\n  </trk>\n</gpx>\n"
    ).encode()


def _title(run: Run) -> str:
    hour = run.start.hour
    part = "Morning" if hour < 12 else "Afternoon" if hour < 18 else "Evening"
    return f"{part} Run"


def _csv_row(header: list[str], run: Run, activity_id: int, filename: str) -> list[str]:
    """One row, filled by the position of each column: Strava names five columns twice."""
    beats = [p.heart_rate for p in run.points]
    first_value = {
        "Activity ID": str(activity_id),
        # UTC, written like "Oct 4, 2026, 5:12:03 AM"
        "Activity Date": f"{run.start.astimezone(dt.UTC):%b %-d, %Y, %-I:%M:%S %p}",
        "Activity Name": _title(run),
        "Activity Type": "Run",
        "Activity Description": "Easy one.\nLegs fine." if run.number % 5 == 0 else "",
        "Elapsed Time": str(run.duration_s),
        "Distance": f"{run.distance_m / 1000:.2f}",
        "Max Heart Rate": f"{max(beats):.1f}",
        "Relative Effort": str(run.duration_s // 60),
        "Commute": "false",
        "Filename": filename,
        "Moving Time": f"{run.duration_s:.1f}",
        "Max Speed": f"{1000 / 300:.3f}",
        "Average Speed": f"{run.distance_m / run.duration_s:.3f}",
        "Elevation Gain": "18.0",
        "Average Heart Rate": f"{sum(beats) / len(beats):.1f}",
        "Calories": f"{run.duration_s * 0.19:.1f}",
        "From Upload": "1.0",
    }
    second_value = {
        "Elapsed Time": f"{run.duration_s:.1f}",
        "Distance": f"{run.distance_m:.1f}",
        "Max Heart Rate": "",
        "Relative Effort": f"{run.duration_s // 60:.1f}",
        "Commute": "0.0",
    }
    seen: set[str] = set()
    row = []
    for name in header:
        values = second_value if name in seen else first_value
        row.append(values.get(name, ""))
        seen.add(name)
    return row


def write_strava_zip(path: Path, runs: list[Run], athlete: int) -> dict[int, int]:
    """The export; returns activity id by run number for the runs it holds."""
    header = real_header()
    rows = io.StringIO()
    writer = csv.writer(rows, lineterminator="\n")
    writer.writerow(header)
    ids = {}
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for run in runs:
            if run.strava_format is None:
                continue
            activity_id = 16_000_000_000 + athlete * 1_000 + run.number
            upload_id = 17_100_000_000 + athlete * 1_000 + run.number * 7
            filename = f"activities/{upload_id}.{run.strava_format}"
            raw = _gpx_bytes(run) if "gpx" in run.strava_format else _fit_bytes(run, athlete)
            data = gzip.compress(raw, mtime=0) if run.strava_format.endswith(".gz") else raw
            add_member(archive, filename, data)
            writer.writerow(_csv_row(header, run, activity_id, filename))
            ids[run.number] = activity_id
        add_member(archive, "activities.csv", rows.getvalue())
    return ids
