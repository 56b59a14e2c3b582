"""Strava "Download your data" bulk export: activities.csv, activities/<upload id>.<ext>."""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.strava.activities_csv import MODERN_HEADER
from samples.fit_activity import encode_activity_fit
from samples.gpx_tcx import gpx_chunks, tcx_chunks
from samples.simulate import Activity
from samples.timeutil import strava_date
from samples.zipio import DEFAULT_ZIP_TIME, write_member

# The header the reader knows, itself checked against real exports (tests/pipelines/test_strava.py).
ACTIVITIES_CSV_HEADER = MODERN_HEADER
assert len(ACTIVITIES_CSV_HEADER) == 99
_COL = {}
for _i, _name in enumerate(ACTIVITIES_CSV_HEADER):
    _COL.setdefault(_name, _i)
# indices of the second occurrence of the duplicated names
ELAPSED_2, DISTANCE_2, MAX_HR_2, RELATIVE_EFFORT_2, COMMUTE_2 = 15, 17, 30, 37, 50

DEFAULT_SHOES = (("", "ASICS", "GT 2000 II", "Run"), ("", "Nike", "Pegasus 40", ""))
FORMAT_KEYS = ("fit", "fit.gz", "gpx", "gpx.gz", "tcx", "tcx.gz", "none")


@dataclass
class StravaTruth:
    """What was written to one Strava export zip."""

    activity_count: int = 0
    by_format: Counter = field(default_factory=Counter)  # keys in FORMAT_KEYS
    by_type: Counter = field(default_factory=Counter)  # Activity Type values
    samples_per_file: dict[str, int] = field(default_factory=dict)  # member -> trackpoints
    activity_ids: list[int] = field(default_factory=list)


def _f(x: float, nd: int = 1) -> str:
    return f"{x:.{nd}f}"


def _relative_effort(a: Activity, s: dict) -> int | None:
    if "avg_hr" not in s:
        return None
    frac = (s["avg_hr"] - a.resting_hr) / max(1, a.max_hr - a.resting_hr)
    return max(1, round(s["moving_s"] / 60 * frac * frac * 2.2))


def csv_row(a: Activity, gear: str = "") -> list[str]:
    s = a.summary()
    row = [""] * 99
    dist = s["distance_m"]
    moving = s["moving_s"]
    row[_COL["Activity ID"]] = str(a.activity_id)
    row[_COL["Activity Date"]] = strava_date(a.start_epoch)
    row[_COL["Activity Name"]] = a.name
    row[_COL["Activity Type"]] = a.strava_type
    row[_COL["Activity Description"]] = a.description
    row[_COL["Elapsed Time"]] = str(a.elapsed_s)
    row[ELAPSED_2] = _f(a.elapsed_s)
    if a.sport == "swim":
        row[_COL["Distance"]] = f"{round(dist):,}"
        row[_COL["Pool Length"]] = "25.0"
    else:
        row[_COL["Distance"]] = f"{dist / 1000:.2f}"
    row[DISTANCE_2] = _f(dist)
    row[_COL["Commute"]] = "false"
    row[COMMUTE_2] = "0.0"
    row[_COL["Moving Time"]] = _f(moving)
    row[_COL["Average Speed"]] = f"{dist / moving:.3f}" if moving else "0.0"
    row[_COL["Average Elapsed Speed"]] = f"{dist / a.elapsed_s:.3f}" if a.elapsed_s else "0.0"
    row[_COL["Flagged"]] = "0.0"
    row[_COL["Dirt Distance"]] = "0.0"
    if a.sport == "run":
        row[_COL["Activity Gear"]] = gear
    if a.file_format is None:
        row[_COL["From Upload"]] = "0.0"
        if a.perceived_exertion is not None:
            row[_COL["Perceived Exertion"]] = _f(a.perceived_exertion)
            row[_COL["Perceived Relative Effort"]] = _f(a.perceived_exertion * 2.0)
        row[_COL["Elevation Gain"]] = "0.0"
        row[_COL["Average Grade"]] = "0.0"
        return row
    row[_COL["Filename"]] = f"activities/{a.upload_id}.{a.file_format}"
    row[_COL["From Upload"]] = "1.0"
    row[_COL["Max Speed"]] = f"{s['max_speed']:.3f}"
    row[_COL["Calories"]] = _f(round(s["calories"]))
    if "elev_gain" in s:
        row[_COL["Elevation Gain"]] = _f(round(s["elev_gain"]))
        row[_COL["Elevation Loss"]] = _f(round(s["elev_loss"]))
        row[_COL["Elevation Low"]] = _f(s["elev_low"])
        row[_COL["Elevation High"]] = _f(s["elev_high"])
        row[_COL["Max Grade"]] = "12.4"
        row[_COL["Average Grade"]] = "0.0"
    if "avg_hr" in s:
        row[_COL["Max Heart Rate"]] = _f(s["max_hr"])
        row[MAX_HR_2] = _f(s["max_hr"])
        row[_COL["Average Heart Rate"]] = _f(round(s["avg_hr"]))
        re = _relative_effort(a, s)
        row[_COL["Relative Effort"]] = str(re)
        row[RELATIVE_EFFORT_2] = _f(re)
    if "avg_cad" in s:
        row[_COL["Average Cadence"]] = _f(round(s["avg_cad"]))
        row[_COL["Max Cadence"]] = _f(s["max_cad"])
    if "avg_power" in s:
        row[_COL["Average Watts"]] = _f(round(s["avg_power"]))
        row[_COL["Max Watts"]] = _f(s["max_power"])
        row[_COL["Weighted Average Power"]] = _f(round(s["avg_power"] * 1.03))
        row[_COL["Power Count"]] = _f(moving)
        row[_COL["Total Work"]] = _f(round(s["avg_power"] * moving))
    if a.sport == "run":
        row[_COL["Prefer Perceived Exertion"]] = "0.0"
        row[_COL["Grade Adjusted Distance"]] = _f(dist * 1.004)
        row[_COL["Average Grade Adjusted Pace"]] = f"{dist * 1.004 / moving:.3f}" if moving else ""
        row[_COL["Total Steps"]] = _f(round(s.get("avg_cad", 80) * 2 * moving / 60))
    return row


def activity_file_bytes(
    a: Activity, product: int = 3992, serial_number: int = 3_412_345_678
) -> tuple[bytes, int]:
    """Bytes of the activity's Strava export file and its number of trackpoints/records."""
    fmt = a.file_format
    assert fmt is not None
    base = fmt.removesuffix(".gz")
    if base == "fit":
        data, n = encode_activity_fit(a, serial_number=serial_number, product=product)
    elif base == "gpx":
        data = "".join(gpx_chunks(a, numeric_type=a.activity_id % 2 == 0)).encode()
        n = len(a.streams())
    else:
        data = "".join(tcx_chunks(a)).encode()
        n = len(a.streams())
    if fmt.endswith(".gz"):
        data = gzip.compress(data, compresslevel=6, mtime=0)
    return data, n


def write_strava_export(
    path: Path,
    activities: Iterable[Activity],
    *,
    shoes: Iterable[tuple[str, str, str, str]] = DEFAULT_SHOES,
    gear: str = "ASICS GT 2000 II",
    product: int = 3992,
    serial_number: int = 3_412_345_678,
    zip_date_time: tuple[int, int, int, int, int, int] = DEFAULT_ZIP_TIME,
    release_streams: bool = True,
) -> StravaTruth:
    """Write a Strava bulk-export zip. ``activities`` may be a lazy iterator (benchmarks).

    Activity files are written first (one at a time, streams released afterwards) and
    ``activities.csv`` last, so memory stays bounded for thousands of activities.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    truth = StravaTruth()
    rows: list[list[str]] = []
    with zipfile.ZipFile(path, "w", allowZip64=True) as zf:
        for a in activities:
            if not a.in_strava:
                continue
            rows.append(csv_row(a, gear))
            truth.activity_count += 1
            truth.by_type[a.strava_type] += 1
            truth.activity_ids.append(a.activity_id)
            if a.file_format is None:
                truth.by_format["none"] += 1
            else:
                data, n = activity_file_bytes(a, product=product, serial_number=serial_number)
                member = f"activities/{a.upload_id}.{a.file_format}"
                write_member(zf, member, data, zip_date_time, stored=a.file_format.endswith(".gz"))
                truth.by_format[a.file_format] += 1
                truth.samples_per_file[member] = n
            if release_streams:
                a.release()
        out = io.StringIO(newline="")
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(ACTIVITIES_CSV_HEADER)
        writer.writerows(rows)
        write_member(zf, "activities.csv", out.getvalue().encode("utf-8"), zip_date_time)
        sh = io.StringIO(newline="")
        w2 = csv.writer(sh, lineterminator="\n")
        w2.writerow(("Shoe Name", "Shoe Brand", "Shoe Model", "Shoe Default Sport Types"))
        w2.writerows(shoes)
        write_member(zf, "shoes.csv", sh.getvalue().encode("utf-8"), zip_date_time)
    return truth
