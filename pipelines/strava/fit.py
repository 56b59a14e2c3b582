"""FIT activity files, decoded with Garmin's official `garmin_fit_sdk`.

The SDK never raises on bad input: it returns what it decoded plus a list of errors, so a
truncated or corrupt file still yields its first records. Unknown enum values stay numbers.
The file CRC is checked here with a table-driven CRC (faster than the SDK's nibble CRC).
"""

from __future__ import annotations

import re
import struct
from typing import Any

from garmin_fit_sdk import Decoder, Stream

from pipelines.strava.model import (
    Decoded,
    cadence_factor,
    combine_sessions,
    fail,
    fill_from_samples,
    first,
)

FIT_EPOCH_S = 631_065_600  # 1989-12-31T00:00:00Z
SEMICIRCLE_DEG = 180.0 / 2**31
MIN_ABSOLUTE_TS = 0x10000000  # smaller FIT timestamps are relative (seconds since power-on)
MAX_ACTIVITY_S = 7 * 86_400


def _crc_table() -> list[int]:
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC_TABLE = _crc_table()


def fit_crc(data: bytes | memoryview, crc: int = 0) -> int:
    """FIT's CRC-16 (CRC-16/ARC)."""
    table = _CRC_TABLE
    for b in data:
        crc = (crc >> 8) ^ table[(crc ^ b) & 0xFF]
    return crc


def check_integrity(data: bytes) -> tuple[str, str] | None:
    """(location, reason) when the FIT header, length or CRC is wrong, else None."""
    if len(data) < 12:
        return "byte 0", f"FIT file is only {len(data)} bytes, shorter than a FIT header"
    header_size = data[0]
    if header_size not in (12, 14) or data[8:12] != b".FIT":
        return "byte 0", "not a FIT file (no '.FIT' signature in the header)"
    (data_size,) = struct.unpack_from("<I", data, 4)
    end = header_size + data_size
    if end + 2 > len(data):
        return (
            f"byte {len(data)}",
            f"FIT file is truncated: the header announces {end + 2} bytes but the file has "
            f"{len(data)}",
        )
    if header_size == 14:
        (header_crc,) = struct.unpack_from("<H", data, 12)
        if header_crc not in (0, fit_crc(memoryview(data)[:12])):
            return "byte 12", "FIT header CRC does not match the header"
    (stored,) = struct.unpack_from("<H", data, end)
    computed = fit_crc(memoryview(data)[:end])
    if stored != computed:
        return (
            f"byte {end}",
            f"FIT file CRC mismatch (stored 0x{stored:04x}, computed 0x{computed:04x}); "
            "the file is corrupt",
        )
    return None


def _ts_us(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool) and value >= MIN_ABSOLUTE_TS:
        return (value + FIT_EPOCH_S) * 1_000_000
    return None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple)):
        value = first(*value)
        if value is None:
            return None
    return str(value)


def _cadence(msg: dict, whole: str, running: str, fraction: str, factor: float) -> float | None:
    value = first(msg.get(running), msg.get(whole))
    if not isinstance(value, (int, float)):
        return None
    frac = msg.get(fraction)
    if isinstance(frac, (int, float)):
        value += frac
    return value * factor


def _session_summary(ses: dict, factor: float) -> dict[str, Any]:
    return {
        "sport": _text(ses.get("sport")),
        "sub_sport": _text(ses.get("sub_sport")),
        "start_time": _ts_us(ses.get("start_time")),
        "total_elapsed_time_seconds": ses.get("total_elapsed_time"),
        "total_timer_time_seconds": ses.get("total_timer_time"),
        "distance_meters": ses.get("total_distance"),
        "avg_heart_rate_bpm": ses.get("avg_heart_rate"),
        "max_heart_rate_bpm": ses.get("max_heart_rate"),
        "avg_cadence_spm": _cadence(
            ses, "avg_cadence", "avg_running_cadence", "avg_fractional_cadence", factor
        ),
        "max_cadence_spm": _cadence(
            ses, "max_cadence", "max_running_cadence", "max_fractional_cadence", factor
        ),
        "avg_speed_mps": first(ses.get("enhanced_avg_speed"), ses.get("avg_speed")),
        "max_speed_mps": first(ses.get("enhanced_max_speed"), ses.get("max_speed")),
        "avg_power_watts": ses.get("avg_power"),
        "max_power_watts": ses.get("max_power"),
        "calories_kcal": ses.get("total_calories"),
        "total_ascent_meters": ses.get("total_ascent"),
        "total_descent_meters": ses.get("total_descent"),
    }


def _lap(lap: dict, file_factor: float) -> dict[str, Any]:
    sport = _text(lap.get("sport"))
    factor = cadence_factor(sport) if sport is not None else file_factor
    start = _ts_us(lap.get("start_time"))
    end = _ts_us(lap.get("timestamp"))
    elapsed = lap.get("total_elapsed_time")
    if end is None and start is not None and isinstance(elapsed, (int, float)):
        end = start + round(elapsed * 1e6)
    return {
        "sport": sport,
        "start_time": start,
        "end_time": end,
        "total_elapsed_time_seconds": elapsed,
        "total_timer_time_seconds": lap.get("total_timer_time"),
        "distance_meters": lap.get("total_distance"),
        "avg_heart_rate_bpm": lap.get("avg_heart_rate"),
        "max_heart_rate_bpm": lap.get("max_heart_rate"),
        "avg_speed_mps": first(lap.get("enhanced_avg_speed"), lap.get("avg_speed")),
        "avg_cadence_spm": _cadence(
            lap, "avg_cadence", "avg_running_cadence", "avg_fractional_cadence", factor
        ),
        "avg_power_watts": lap.get("avg_power"),
        "calories_kcal": lap.get("total_calories"),
        "trigger": _text(lap.get("lap_trigger")),
    }


def _device(messages: dict) -> dict[str, Any]:
    fid = (messages.get("file_id_mesgs") or [{}])[0]
    creator: dict = {}
    for info in messages.get("device_info_mesgs") or []:
        if info.get("device_index") in (0, "creator"):
            creator = info
            break
    product = first(
        fid.get("product_name"),
        fid.get("garmin_product"),
        fid.get("favero_product"),
        fid.get("product"),
        creator.get("product_name"),
        creator.get("garmin_product"),
        creator.get("product"),
    )
    return {
        "device_manufacturer": _text(first(fid.get("manufacturer"), creator.get("manufacturer"))),
        "device_product": _text(product),
        "device_serial_number": _text(
            first(fid.get("serial_number"), creator.get("serial_number"))
        ),
    }


def _utc_offset(messages: dict) -> int | None:
    for act in messages.get("activity_mesgs") or []:
        local, utc = act.get("local_timestamp"), act.get("timestamp")
        if isinstance(local, int) and isinstance(utc, int) and abs(local - utc) <= 16 * 3600:
            return local - utc
    return None


_AT_BYTE = re.compile(r"at byte:?\s*(\d+)")


def decode_fit(data: bytes) -> Decoded:
    problems: list[tuple[str, str]] = []
    bad = check_integrity(data)
    if bad is not None:
        if bad[1].startswith(("not a FIT", "FIT file is only")):
            return fail("fit", *bad)
        problems.append(bad)
    messages, errors = Decoder(Stream.from_byte_array(data)).read(
        apply_scale_and_offset=True,
        convert_datetimes_to_dates=False,
        convert_types_to_strings=True,
        enable_crc_check=False,  # checked above, faster
        expand_sub_fields=True,
        expand_components=True,
        merge_heart_rates=False,
    )
    records = messages.get("record_mesgs") or []
    for error in errors[:1]:
        text = str(error)
        match = _AT_BYTE.search(text)
        location = f"byte {match.group(1)}" if match else f"record {len(records)}"
        detail = text.split(match.group(0), 1)[-1].strip() if match else text
        problems.append(
            (
                location,
                f"FIT decoding stopped early ({detail or type(error).__name__}); kept the "
                f"{len(records)} records decoded before it",
            )
        )
    sessions = messages.get("session_mesgs") or []
    laps = messages.get("lap_mesgs") or []
    fid = (messages.get("file_id_mesgs") or [{}])[0]
    file_type = fid.get("type")
    if not records and not sessions and not laps:
        if file_type not in (None, "activity"):
            reason = f"FIT file is a {file_type!s} file, not an activity"
        elif problems:
            reason = problems[-1][1].split(";")[0] + "; nothing usable was decoded"
        else:
            reason = "FIT file has no records, laps or sessions"
        return fail("fit", problems[-1][0] if problems else "byte 0", reason)

    sport = first(
        *(s.get("sport") for s in sessions),
        *(s.get("sport") for s in messages.get("sport_mesgs") or []),
        *(lap.get("sport") for lap in laps),
    )
    sport = _text(sport)
    factor = cadence_factor(sport)
    decoded = Decoded("fit", problems=problems, record_count=len(records))

    # records -> samples; drop timestamps that cannot belong to this activity (a crashing
    # recorder can write a record dated decades ahead, as in the Strava Android app file)
    ref = first(*(s.get("start_time") for s in sessions))
    if not isinstance(ref, int):
        ref = first(*(r.get("timestamp") for r in records))
    lo = (ref - 86_400) if isinstance(ref, int) else MIN_ABSOLUTE_TS
    hi = (ref + MAX_ACTIVITY_S) if isinstance(ref, int) else 2**32
    add = decoded.samples.add
    skipped: list[int] = []
    for i, r in enumerate(records):
        t = r.get("timestamp")
        if not isinstance(t, int) or not lo <= t <= hi or t < MIN_ABSOLUTE_TS:
            skipped.append(i)
            continue
        cad = r.get("cadence")
        if isinstance(cad, (int, float)):
            frac = r.get("fractional_cadence")
            if isinstance(frac, (int, float)):
                cad += frac
            cad *= factor
        else:
            cad = None
        lat = r.get("position_lat")
        lon = r.get("position_long")
        speed = r.get("enhanced_speed")
        alt = r.get("enhanced_altitude")
        add(
            (t + FIT_EPOCH_S) * 1_000_000,
            (
                r.get("heart_rate"),
                r.get("speed") if speed is None else speed,
                cad,
                r.get("power"),
                lat * SEMICIRCLE_DEG if isinstance(lat, int) else None,
                lon * SEMICIRCLE_DEG if isinstance(lon, int) else None,
                r.get("altitude") if alt is None else alt,
                r.get("distance"),
                r.get("temperature"),
            ),
        )
    if skipped:
        decoded.problems.append(
            (
                f"record {skipped[0]}",
                f"{len(skipped)} FIT records had no usable timestamp (missing or outside the "
                "activity) and were skipped",
            )
        )

    decoded.laps = [_lap(lap, factor) for lap in laps]
    if sessions:
        parts = []
        for ses in sessions:
            ses_sport = _text(ses.get("sport"))
            parts.append(_session_summary(ses, cadence_factor(ses_sport or sport)))
        summary = combine_sessions(parts)
    else:
        summary = {"sport": sport}
    if summary.get("sport") is None:
        summary["sport"] = sport
    summary["session_count"] = len(sessions) or 1
    summary["utc_offset_seconds"] = _utc_offset(messages)
    summary.update(_device(messages))
    fill_from_samples(summary, decoded.samples.columns)
    decoded.summary = summary
    return decoded
