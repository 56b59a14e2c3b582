"""Real activity files (../shared/fixtures/real) read as a Strava export and built into
terra activities: moving time and average heart rate by one rule for GPX, TCX and FIT.

The expected figures were measured outside the code under test, by plain arithmetic over
the decoded trackpoints (great-circle distance between consecutive GPX points, the files'
own cumulative distance for TCX and FIT)."""

import itertools
import math
from collections import defaultdict

import polars as pl
import pyarrow as pa
import pytest

from pipelines.strava import read_strava_export
from tests.real_fixtures import REAL_FIXTURES, export_of
from transforms.activity_metrics import MOVING_SPEED, PAUSE_SECONDS
from transforms.terra import RawFrames, RunnerContext, build_activities

pytestmark = pytest.mark.skipif(not REAL_FIXTURES.is_dir(), reason="real fixtures absent")


def terra_activities(tmp_path, files: dict[int, str]) -> pl.DataFrame:
    return terra_built(tmp_path, files)[0]


def terra_built(tmp_path, files: dict[int, str]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(terra activities by external_id, terra activity_samples) of an export of `files`."""
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
    activities, samples = build_activities(frames, RunnerContext(runners, priorities))
    return activities.sort("external_id"), samples


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


MULTI_SESSION = "gpx_tcx/goldencheetah_activity_165850259_multi-session.tcx"
SINGLE_SESSION = "gpx_tcx/tcxparser_test.tcx"


def tcx_sessions(path) -> list[dict]:
    """Each <Activity> of a TCX file read with the standard library: its sport, first lap
    start, summed lap distance and timer, and trackpoint times."""
    import datetime as dt
    import xml.etree.ElementTree as ET

    def local(el) -> str:
        return el.tag.rsplit("}", 1)[-1]

    def when(text: str) -> dt.datetime:
        return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))

    sessions = []
    for activity in ET.parse(path).getroot().iter():
        if local(activity) != "Activity":
            continue
        laps = [el for el in activity if local(el) == "Lap"]
        times = [when(el.text) for el in activity.iter() if local(el) == "Time"]

        def lap_sum(name: str, laps=laps) -> float:
            return sum(float(next(e for e in lap if local(e) == name).text) for lap in laps)

        sessions.append(
            {
                "sport": activity.get("Sport"),
                "start": min(when(lap.get("StartTime")) for lap in laps),
                "distance": lap_sum("DistanceMeters"),
                "timer": lap_sum("TotalTimeSeconds"),
                "laps": len(laps),
                "points": len(set(times)),
            }
        )
    return sessions


def activities_side_by_side(tmp_path):
    """The multi-session file reshaped as the TCX schema's other multi-activity form: its
    four <Activity> elements side by side under <Activities>, no MultiSportSession."""
    import xml.etree.ElementTree as ET

    ns = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"
    ET.register_namespace("", ns)
    tree = ET.parse(REAL_FIXTURES / MULTI_SESSION)
    activities = tree.getroot().find(f"{{{ns}}}Activities")
    (multisport,) = list(activities)
    moved = list(multisport.iter(f"{{{ns}}}Activity"))
    activities.remove(multisport)
    activities.extend(moved)
    path = tmp_path / "side_by_side.tcx"
    tree.write(path, xml_declaration=True, encoding="UTF-8")
    return path


@pytest.mark.parametrize("shape", ["MultiSportSession", "Activities"])
def test_a_multi_session_tcx_is_one_activity_per_session(tmp_path, shape):
    """GoldenCheetah's Forerunner 305 file holds four sessions on four days (runs on
    29 Nov and 4 Dec 2011, rides on 1 and 7 Dec). Before, they became one "running"
    activity of 17.06 km starting on 29 Nov; now each is an activity of its own with its
    own start, sport, distance, duration, lap and samples. The first keeps the CSV row's
    id and name; the others get ids of their own made of the row's id and their place."""
    path = REAL_FIXTURES / MULTI_SESSION if shape == "MultiSportSession" else None
    path = path or activities_side_by_side(tmp_path)
    expected = tcx_sessions(path)
    assert [s["sport"] for s in expected] == ["Running", "Biking", "Running", "Biking"]
    activities, samples = terra_built(tmp_path, {11603216458: str(path)})
    assert activities.height == 4
    assert sum(s["distance"] for s in expected) == pytest.approx(17056.06, abs=0.01)
    rows = activities.sort("start_time").rows(named=True)
    ids = ["11603216458", "11603216458001", "11603216458002", "11603216458003"]
    assert [r["external_id"] for r in rows] == ids
    assert rows[0]["name"] == "Napozós"  # the CSV row's own
    assert [r["name"] for r in rows[1:]] == ["Napozós (2/4)", "Napozós (3/4)", "Napozós (4/4)"]
    assert [r["local_date"].isoformat() for r in rows] == [
        "2011-11-29",
        "2011-12-01",
        "2011-12-04",
        "2011-12-07",
    ]
    assert [r["activity_type"] for r in rows] == ["running", "cycling", "running", "cycling"]
    for row, session in zip(rows, expected, strict=True):
        assert row["start_time"] == session["start"]
        assert row["distance_meters"] == pytest.approx(session["distance"])
        # its laps' timer, or its trackpoints' span where they run on (at most 1 s)
        assert row["duration_seconds"] == pytest.approx(session["timer"], abs=1)
        assert len(row["laps"]) == session["laps"] == 1
        assert row["laps"][0]["start_time"] == session["start"]
        own = samples.filter(pl.col("activity_id") == row["activity_id"])
        assert own.height == session["points"]
        assert own["timestamp"].min() == session["start"]
        assert own["elapsed_seconds"].min() == 0
    assert [round(r["distance_meters"], 2) for r in rows] == [7651.03, 0.0, 9405.03, 0.0]
    assert [r["duration_seconds"] for r in rows] == [3601.84, 2768.0, 3623.59, 2598.0]
    # the CSV row's words go to the first session; its figures (Relative Effort 95,
    # weighted power 387 W of the whole upload) are no session's
    assert [r["description"] for r in rows] == ["Warm up + 3k + 2k + 1k", None, None, None]
    assert [r["perceived_exertion"] for r in rows] == [7.0, None, None, None]
    assert {(r["relative_effort"], r["normalized_power_watts"]) for r in rows} == {(None, None)}


def test_a_single_session_tcx_is_as_before(tmp_path):
    """The figures measured on this file before sessions were told apart, unchanged."""
    (run,) = terra_activities(tmp_path, {222: SINGLE_SESSION}).rows(named=True)
    assert run["external_id"] == "222"
    assert run["name"] == "Napozós"
    assert run["start_time"].isoformat() == "2012-12-26T21:29:53+00:00"
    assert run["duration_seconds"] == 1992.51
    assert run["moving_time_seconds"] == 1985.0
    assert run["distance_meters"] == pytest.approx(4689.242676)
    assert run["avg_heart_rate_bpm"] == pytest.approx(160.244031)
    assert run["max_heart_rate_bpm"] == 189.0
    assert len(run["laps"]) == 3
    assert [lap["lap_index"] for lap in run["laps"]] == [1, 2, 3]
