"""Real activity files (../shared/fixtures/real) read as a Strava export and built into
terra activities: moving time and average heart rate by one rule for GPX, TCX and FIT.

The expected figures were measured outside the code under test, by plain arithmetic over
the decoded trackpoints (great-circle distance between consecutive GPX points, the files'
own cumulative distance for TCX and FIT)."""

import csv
import io
import itertools
import math
import shutil
from collections import defaultdict

import polars as pl
import pyarrow as pa
import pytest

from pipelines.strava import read_strava_export
from tests.real_fixtures import REAL_FIXTURES
from transforms.activity_metrics import MOVING_SPEED, PAUSE_SECONDS
from transforms.terra import RawFrames, RunnerContext, build_activities

pytestmark = pytest.mark.skipif(not REAL_FIXTURES.is_dir(), reason="real fixtures absent")

SLALOM_CSV = REAL_FIXTURES / "strava" / "slalom007_export" / "activities.csv"
TEMPLATE_UPLOAD = "activities/12383152614.fit.gz"  # a Run row of the same export


def export_of(tmp_path, files: dict[int, str]):
    """A Strava export folder whose activities.csv has one real Run row per file (the
    export's own header and row, with the activity id and Filename replaced)."""
    with SLALOM_CSV.open(newline="", encoding="utf-8") as handle:
        header, *rows = list(csv.reader(handle))
    template = next(r for r in rows if r[header.index("Filename")] == TEMPLATE_UPLOAD)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    folder = tmp_path / "export"
    (folder / "activities").mkdir(parents=True)
    for activity_id, rel in files.items():
        name = f"activities/{activity_id}.{rel.split('.', 1)[1]}"
        shutil.copy(REAL_FIXTURES / rel, folder / name)
        row = list(template)
        row[header.index("Activity ID")] = str(activity_id)
        row[header.index("Filename")] = name
        writer.writerow(row)
    (folder / "activities.csv").write_text(out.getvalue(), encoding="utf-8")
    return folder


def terra_activities(tmp_path, files: dict[int, str]) -> pl.DataFrame:
    read = read_strava_export(export_of(tmp_path, files), "ana", workers=1)
    tables: dict[str, list[pa.Table]] = defaultdict(list)
    for batch in read.batches():
        tables[batch.table.name].append(batch.rows)
    raw = {name: pl.from_arrow(pa.concat_tables(parts)) for name, parts in tables.items()}
    empty = pl.DataFrame()
    frames = RawFrames(
        raw["activities"], raw["activity_files"], raw.get("laps", empty), raw["samples"],
        *([empty] * 6),
    )  # fmt: skip
    runners = pl.DataFrame(
        {
            "runner_id": ["ana"],
            "timezone": ["Europe/Lisbon"],
            "age": [35],
            "biological_sex": ["female"],
            "rest_hr_bpm": [50.0],
            "max_hr_bpm": [190.0],
            "threshold_pace_sec_per_km": [None],
        },
        schema_overrides={"threshold_pace_sec_per_km": pl.Float64},
    )
    priorities = pl.DataFrame(
        schema={"runner_id": pl.String, "source": pl.String, "priority": pl.Int64}
    )
    activities, _ = build_activities(frames, RunnerContext(runners, priorities))
    return activities.sort("external_id")


def great_circle(a: tuple[float, float], b: tuple[float, float]) -> float:
    (lat1, lon1), (lat2, lon2) = (map(math.radians, p) for p in (a, b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_008.8 * math.asin(math.sqrt(h))


def gpx_points(rel: str) -> list[tuple[float, float, float, float | None]]:
    """(epoch seconds, lat, lon, heart rate) of every trackpoint, read with the standard
    library: the independent reading the decoder's result is checked against."""
    import datetime as dt
    import xml.etree.ElementTree as ET

    points = []
    for pt in ET.parse(REAL_FIXTURES / rel).getroot().iter():
        if not pt.tag.endswith("trkpt"):
            continue
        by_name = {el.tag.rsplit("}", 1)[-1]: el.text for el in pt.iter()}
        when = dt.datetime.fromisoformat(by_name["time"].replace("Z", "+00:00")).timestamp()
        hr = by_name.get("hr")
        points.append((when, float(pt.get("lat")), float(pt.get("lon")), hr and float(hr)))
    return points


GARMIN_GPX = "gpx_tcx/sportslib_2067489619.gpx"
GARMIN_FIT = "fit/sportslib_2067489619.fit"  # the same run, as the watch wrote it


def test_a_gpx_run_moves_for_the_time_spent_faster_than_strava_threshold(tmp_path):
    """The Garmin GPX (smart recording, samples 1-28 s apart): 2542 s of the 2818 s were
    run faster than 0.894 m/s. Before, its moving time was its elapsed time."""
    points = gpx_points(GARMIN_GPX)
    moving = sum(
        t2 - t1
        for (t1, *a, _), (t2, *b, _) in itertools.pairwise(points)
        if t2 - t1 <= PAUSE_SECONDS and great_circle(a, b) / (t2 - t1) >= MOVING_SPEED
    )
    assert moving == 2542
    (run,) = terra_activities(tmp_path, {1: GARMIN_GPX}).rows(named=True)
    assert run["moving_time_seconds"] == moving
    elapsed = points[-1][0] - points[0][0]
    assert run["duration_seconds"] == elapsed == 2818
    assert elapsed / moving - 1 == pytest.approx(0.109, abs=0.001)  # the old answer's error


def test_average_heart_rate_weighs_each_sample_by_the_time_it_stood_for(tmp_path):
    """Same GPX: a plain mean of its samples is 134.1 bpm, 4.3 bpm above what the watch
    itself averaged over every beat (130, in the FIT of the same run); over time it is
    129.8. The FIT keeps the watch's own 130."""
    points = gpx_points(GARMIN_GPX)
    pairs = list(itertools.pairwise(points))
    weighted = sum(p[3] * (q[0] - p[0]) for p, q in pairs) + points[-1][3]  # last: 1 s
    over_time = weighted / (points[-1][0] - points[0][0] + 1)
    plain = sum(p[3] for p in points) / len(points)
    assert (round(over_time, 2), round(plain, 2)) == (129.81, 134.14)
    gpx, fit = terra_activities(tmp_path, {1: GARMIN_GPX, 2: GARMIN_FIT}).rows(named=True)
    assert gpx["avg_heart_rate_bpm"] == pytest.approx(over_time)
    assert fit["avg_heart_rate_bpm"] == 130
    assert abs(gpx["avg_heart_rate_bpm"] - fit["avg_heart_rate_bpm"]) < 0.2
    assert abs(plain - fit["avg_heart_rate_bpm"]) > 4


# file: (the file's own timer or elapsed time, moving time by the stream rule)
ONE_RULE = {
    GARMIN_FIT: (2820.172, 2593.0),  # auto-pause off: the timer ran through every stop
    "gpx_tcx/sportslib_garmin_run_3106033902.tcx": (1679.0, 1609.0),
    "gpx_tcx/sportslib_6281425038_polar.tcx": (1545.0, 1538.0),
    "strava/slalom007_export/activities/12383152614.fit.gz": (1878.375, 1870.0),
}


@pytest.mark.parametrize("rel", sorted(ONE_RULE))
def test_tcx_and_fit_moving_time_follows_the_same_rule(tmp_path, rel):
    timer, moving = ONE_RULE[rel]
    (run,) = terra_activities(tmp_path, {1: rel}).rows(named=True)
    assert run["moving_time_seconds"] == moving != timer
    assert run["avg_pace_seconds_per_km"] == pytest.approx(moving / (run["distance_meters"] / 1000))


def test_a_file_without_distance_or_speed_keeps_its_own_timer(tmp_path):
    """A pool swim's wrist watch has neither distance nor speed per record: its moving time
    is what the file says (the timer), not 0."""
    (swim,) = terra_activities(
        tmp_path, {1: "strava/slalom007_export/activities/15141556854.fit.gz"}
    ).rows(named=True)
    assert swim["moving_time_seconds"] == 322.145
