"""GPX and TCX activity files, parsed with lxml (no entity expansion, no network).

Namespaces vary between writers (`gpxtpx:`, `ns3:` TrackPointExtension, TCX `ns3:TPX`), so
elements are matched on their local name. Strava and Polar TCX files start with whitespace
before `<?xml`, which is stripped before parsing.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from lxml import etree

from pipelines.strava.model import (
    Decoded,
    SampleBuilder,
    cadence_factor,
    combine_sessions,
    fail,
    fill_from_samples,
    first,
    num,
)
from transforms.units import EARTH_RADIUS_METERS

# Strava writes its numeric activity type codes into GPX <type> (9 = Run).
STRAVA_GPX_TYPES = {
    "1": "cycling",
    "2": "alpine_skiing",
    "3": "cross_country_skiing",
    "4": "hiking",
    "5": "ice_skating",
    "6": "inline_skating",
    "7": "kitesurfing",
    "8": "roller_skiing",
    "9": "running",
    "10": "walking",
}
TCX_SPORTS = {"running": "running", "biking": "cycling", "other": "other"}


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False, no_network=True, huge_tree=True, remove_comments=True
    )


def _local(tag: Any) -> str:
    if not isinstance(tag, str):
        return ""
    return tag[tag.rfind("}") + 1 :]


def parse_time_us(text: str | None) -> int | None:
    """ISO-8601 (Z, offset or naive = UTC) to epoch microseconds."""
    if not text:
        return None
    try:
        t = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    if t.tzinfo is None:
        t = t.replace(tzinfo=dt.UTC)
    delta = t - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _parse(data: bytes, file_format: str) -> tuple[Any, Decoded | None]:
    data = data.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not data:
        return None, fail(file_format, "byte 0", f"{file_format.upper()} file is empty")
    try:
        return etree.fromstring(data, _parser()), None
    except etree.XMLSyntaxError as error:
        line = error.lineno or 1
        message = str(error.msg or error).split(", line")[0]
        return None, fail(
            file_format, f"line {line}", f"malformed {file_format.upper()} XML: {message}"
        )


def _haversine_total(lats: list, lons: list) -> float | None:
    total, prev = 0.0, None
    for lat, lon in zip(lats, lons, strict=True):
        if lat is None or lon is None:
            continue
        if prev is not None:
            p1, p2 = math.radians(prev[0]), math.radians(lat)
            dp, dl = p2 - p1, math.radians(lon - prev[1])
            a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
            total += 2 * EARTH_RADIUS_METERS * math.asin(min(1.0, math.sqrt(a)))
        prev = (lat, lon)
    return total if prev is not None else None


def decode_gpx(data: bytes) -> Decoded:
    root, failed = _parse(data, "gpx")
    if failed is not None:
        return failed
    if _local(root.tag) != "gpx":
        return fail("gpx", "line 1", f"not a GPX document (root element <{_local(root.tag)}>)")
    ns = root.tag[: root.tag.rfind("}") + 1]
    raw_type = None
    for el in root.iter(f"{ns}type"):
        raw_type = (el.text or "").strip() or None
        break
    sport = STRAVA_GPX_TYPES.get(raw_type, raw_type.lower()) if raw_type else None
    factor = cadence_factor(sport)
    decoded = Decoded("gpx")
    samples = decoded.samples
    count = 0
    untimed = 0
    for pt in root.iter(f"{ns}trkpt"):
        count += 1
        lat, lon = num(pt.get("lat")), num(pt.get("lon"))
        ts = alt = hr = cad = power = temp = speed = None
        for el in pt.iter():
            name = _local(el.tag)
            if name == "time":
                ts = parse_time_us(el.text)
            elif name == "ele":
                alt = num(el.text)
            elif name in ("hr", "heartrate"):
                hr = num(el.text)
            elif name in ("cad", "cadence"):
                cad = num(el.text)
            elif name in ("power", "PowerInWatts"):
                power = num(el.text)
            elif name in ("atemp", "wtemp", "temp"):
                temp = num(el.text)
            elif name == "speed":
                speed = num(el.text)
        if ts is None:
            untimed += 1
            continue
        samples.add(
            ts,
            (
                hr,
                speed,
                None if cad is None else cad * factor,
                power,
                lat,
                lon,
                alt,
                None,
                temp,
            ),
        )
        pt.clear()
    decoded.record_count = count
    if untimed:
        decoded.problems.append(
            ("trkpt", f"{untimed} GPX trackpoints have no valid <time> and were skipped")
        )
    if not len(samples):
        return fail("gpx", "line 1", "GPX file has no trackpoints with a time")
    cols = samples.columns
    summary: dict[str, Any] = {
        "sport": sport,
        "distance_meters": _haversine_total(cols["latitude"], cols["longitude"]),
        "device_product": root.get("creator"),
        "session_count": 1,
    }
    fill_from_samples(summary, samples.columns)
    decoded.summary = summary
    return decoded


def _child_text(el: Any, ns: str, *path: str) -> str | None:
    for name in path:
        el = el.find(f"{ns}{name}")
        if el is None:
            return None
    return el.text


def _tcx_lap(
    lap: Any, ns: str, sport: str | None, factor: float, samples: SampleBuilder, session: int
):
    start = parse_time_us(lap.get("StartTime"))
    timer = num(_child_text(lap, ns, "TotalTimeSeconds"))
    ext: dict[str, float | None] = {}
    for el in lap.iterchildren():
        if _local(el.tag) == "Extensions":
            for sub in el.iter():
                name = _local(sub.tag)
                if name in ("AvgSpeed", "AvgRunCadence", "AvgWatts", "MaxBikeCadence"):
                    ext[name] = num(sub.text)
    cad = num(_child_text(lap, ns, "Cadence"))
    if cad is None:
        cad = ext.get("AvgRunCadence")
    last_ts = None
    count = 0
    for pt in lap.iter(f"{ns}Trackpoint"):
        count += 1
        ts = lat = lon = alt = dist = hr = pcad = speed = power = None
        for el in pt.iter():
            name = _local(el.tag)
            if name == "Time":
                ts = parse_time_us(el.text)
            elif name == "LatitudeDegrees":
                lat = num(el.text)
            elif name == "LongitudeDegrees":
                lon = num(el.text)
            elif name == "AltitudeMeters":
                alt = num(el.text)
            elif name == "DistanceMeters":
                dist = num(el.text)
            elif name == "Value":
                hr = num(el.text)
            elif name in ("Cadence", "RunCadence"):
                pcad = num(el.text)
            elif name == "Speed":
                speed = num(el.text)
            elif name == "Watts":
                power = num(el.text)
        if ts is None:
            continue
        last_ts = ts if last_ts is None else max(last_ts, ts)
        samples.add(
            ts,
            (
                hr,
                speed,
                None if pcad is None else pcad * factor,
                power,
                lat,
                lon,
                alt,
                dist,
                None,
            ),
            session,
        )
    end = last_ts
    if start is not None and timer is not None:
        timer_end = start + round(timer * 1e6)
        end = timer_end if end is None else max(end, timer_end)
    row = {
        "session_index": session,
        "sport": sport,
        "start_time": start,
        "end_time": end,
        "total_elapsed_time_seconds": (end - start) / 1e6
        if start is not None and end is not None
        else None,
        "total_timer_time_seconds": timer,
        "distance_meters": num(_child_text(lap, ns, "DistanceMeters")),
        "avg_heart_rate_bpm": num(_child_text(lap, ns, "AverageHeartRateBpm", "Value")),
        "max_heart_rate_bpm": num(_child_text(lap, ns, "MaximumHeartRateBpm", "Value")),
        "max_speed_mps": num(_child_text(lap, ns, "MaximumSpeed")),
        "avg_speed_mps": ext.get("AvgSpeed"),
        "avg_cadence_spm": None if cad is None else cad * factor,
        "avg_power_watts": ext.get("AvgWatts"),
        "calories_kcal": num(_child_text(lap, ns, "Calories")),
        "trigger": _child_text(lap, ns, "TriggerMethod"),
    }
    return row, count


def decode_tcx(data: bytes) -> Decoded:
    """Every <Activity> with laps or trackpoints is a session of its own, in file order:
    the FirstSport/NextSport of a MultiSportSession, or several <Activity> under
    <Activities> (often on different days). A file of several has `sessions`."""
    root, failed = _parse(data, "tcx")
    if failed is not None:
        return failed
    if _local(root.tag) != "TrainingCenterDatabase":
        return fail("tcx", "line 1", f"not a TCX document (root element <{_local(root.tag)}>)")
    ns = root.tag[: root.tag.rfind("}") + 1]
    decoded = Decoded("tcx")
    parts = []
    for activity in root.iter(f"{ns}Activity"):
        session = len(parts)
        raw_sport = activity.get("Sport")
        sport = TCX_SPORTS.get((raw_sport or "").lower(), raw_sport.lower() if raw_sport else None)
        factor = cadence_factor(sport)
        before = len(decoded.samples)
        laps = []
        records = 0
        for lap in activity.findall(f"{ns}Lap"):
            row, count = _tcx_lap(lap, ns, sport, factor, decoded.samples, session)
            laps.append(row)
            records += count
        if len(decoded.samples) == before and not laps:
            continue
        decoded.laps.extend(laps)
        decoded.record_count += records
        part = _tcx_session(activity, ns, sport, laps)
        part["record_count"] = records
        parts.append(part)
    if not parts:
        return fail("tcx", "line 1", "TCX file has no activity with laps or trackpoints")
    device = {k: first(*(p[k] for p in parts)) for k in ("device_product", "device_serial_number")}
    summary = combine_sessions(parts)
    summary["session_count"] = len(parts)
    summary.update(device)
    fill_from_samples(summary, decoded.samples.columns)
    decoded.summary = summary
    if len(parts) > 1:
        for session, part in enumerate(parts):
            fill_from_samples(part, decoded.samples.of_session(session))
            part["session_count"] = len(parts)
        decoded.sessions = parts
    return decoded


def _tcx_session(activity: Any, ns: str, sport: str | None, laps: list[dict]) -> dict[str, Any]:
    """One <Activity>'s summary from its laps: sums, maxima, timer-weighted averages."""
    part: dict[str, Any] = {
        "sport": sport,
        "start_time": min(
            (lap["start_time"] for lap in laps if lap["start_time"] is not None),
            default=parse_time_us(_child_text(activity, ns, "Id")),
        ),
    }
    for key in ("total_timer_time_seconds", "distance_meters", "calories_kcal"):
        values = [lap[key] for lap in laps if lap[key] is not None]
        part[key] = sum(values) if values else None
    ends = [lap["end_time"] for lap in laps if lap["end_time"] is not None]
    if ends and part["start_time"] is not None:
        part["total_elapsed_time_seconds"] = (max(ends) - part["start_time"]) / 1e6
    for key in ("max_heart_rate_bpm", "max_speed_mps"):
        values = [lap[key] for lap in laps if lap[key] is not None]
        part[key] = max(values) if values else None
    for key in ("avg_heart_rate_bpm", "avg_cadence_spm", "avg_speed_mps", "avg_power_watts"):
        pairs = [
            (lap[key], lap["total_timer_time_seconds"] or 0.0)
            for lap in laps
            if lap[key] is not None
        ]
        weight = sum(w for _, w in pairs)
        part[key] = sum(v * w for v, w in pairs) / weight if pairs and weight else None
    creator = activity.find(f"{ns}Creator")
    part["device_product"] = None if creator is None else _child_text(creator, ns, "Name")
    part["device_serial_number"] = None if creator is None else _child_text(creator, ns, "UnitId")
    return part
