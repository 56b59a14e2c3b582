"""Tests for the seeded sample exports in ``samples/``."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import hashlib
import io
import re
import zipfile
from collections import Counter
from pathlib import Path

import pytest
import yaml
from garmin_fit_sdk import Decoder, Stream
from lxml import etree

from samples import ACTIVITIES_CSV_HEADER, SampleRunner, write_sample_inbox

END = dt.date(2026, 6, 1)
RUNNERS = 2
DAYS = 21
HK_DATE = re.compile(r"^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4}$")


@pytest.fixture(scope="session")
def inbox(tmp_path_factory) -> tuple[Path, list[SampleRunner]]:
    root = tmp_path_factory.mktemp("inbox")
    return root, write_sample_inbox(root, runners=RUNNERS, days=DAYS, seed=7, end_date=END)


@pytest.fixture(scope="session")
def runners(inbox) -> list[SampleRunner]:
    return inbox[1]


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _strava_rows(r: SampleRunner) -> tuple[list[str], list[list[str]]]:
    with zipfile.ZipFile(r.strava_zip) as zf:
        text = zf.read("activities.csv").decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return rows[0], rows[1:]


def test_layout_and_runner_ids(inbox):
    root, rs = inbox
    assert [r.runner_id for r in rs] == ["ana-lisbon", "ben-chicago"]
    for r in rs:
        assert re.fullmatch(r"[a-z0-9_-]{1,64}", r.runner_id)
        assert r.profile_path == root / r.runner_id / "profile.yaml"
        assert r.strava_zip.parent == root / r.runner_id / "strava"
        assert re.fullmatch(r"export_\d+\.zip", r.strava_zip.name)
        assert r.healthkit_zip == root / r.runner_id / "healthkit" / "export.zip"
        for p in (r.profile_path, r.strava_zip, r.healthkit_zip):
            assert p.is_file() and p.stat().st_size > 0


def test_profile_yaml(runners):
    for r in runners:
        prof = yaml.safe_load(r.profile_path.read_text(encoding="utf-8"))
        assert list(prof) == [
            "identity",
            "physical",
            "running",
            "goals",
            "schedule",
            "health",
            "coaching",
        ]
        assert prof == r.profile
        assert prof["running"]["experience_level"] in (
            "beginner",
            "casual",
            "intermediate",
            "advanced",
            "elite",
        )
        assert prof["coaching"]["coaching_voice"] in (
            "encouraging",
            "direct",
            "analytical",
            "gentle",
        )
        for pb in prof["running"]["personal_bests"].values():
            assert isinstance(pb["date"], dt.date)  # real YAML date, not a string
            assert pb["date"] <= END
        # max HR in the profile matches the streams' maximum closely
        max_seen = max((a for a in _max_hr_in_csv(r)), default=0)
        assert max_seen <= prof["physical"]["max_hr_bpm"]
        assert max_seen >= prof["physical"]["max_hr_bpm"] - 15
    goals = [yaml.safe_load(r.profile_path.read_text())["goals"] for r in runners]
    assert goals[0]["goal_type"] == "race"
    assert isinstance(goals[0]["race_date"], dt.date) and goals[0]["race_date"] > END
    assert goals[1]["goal_type"] == "base_building"


def _max_hr_in_csv(r: SampleRunner) -> list[float]:
    _header, rows = _strava_rows(r)
    return [float(row[7]) for row in rows if row[7]]


def test_strava_csv(runners):
    for r in runners:
        header, rows = _strava_rows(r)
        assert tuple(header) == ACTIVITIES_CSV_HEADER
        assert len(header) == 99
        dupes = {k for k, v in Counter(header).items() if v > 1}
        assert dupes == {"Elapsed Time", "Distance", "Max Heart Rate", "Relative Effort", "Commute"}
        assert len(rows) == r.strava_activity_count
        assert all(len(row) == 99 for row in rows)
        assert Counter(row[3] for row in rows) == Counter(r.strava_activity_types)
        assert {row[3] for row in rows} <= {
            "Run",
            "Ride",
            "Walk",
            "Swim",
            "Weight Training",
            "Workout",
        }
        for row in rows:
            assert re.fullmatch(r"[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}:\d{2} [AP]M", row[1])
            assert int(row[5]) == float(row[15])
            if row[3] == "Swim":
                assert round(float(row[17])) == int(row[6].replace(",", ""))
            else:
                assert abs(float(row[6]) * 1000 - float(row[17])) <= 5.0
            assert row[9] == "false" and row[50] == "0.0"
            if row[12]:
                assert re.fullmatch(
                    r"activities/\d+\.(fit|fit\.gz|gpx|gpx\.gz|tcx|tcx\.gz)", row[12]
                )
                assert row[12] != f"activities/{row[0]}." + row[12].split(".", 1)[1]
        n_manual = sum(1 for row in rows if not row[12])
        assert n_manual == r.strava_files_by_format["none"]
    # tricky text shows up somewhere (names/descriptions with commas, quotes, newlines, emoji)
    texts = [row[2] + row[4] for r in runners for row in _strava_rows(r)[1]]
    assert any("\n" in t for t in texts)
    assert any('"' in t for t in texts)
    assert any("," in t for t in texts)
    assert any(ord(c) > 0xFFFF for t in texts for c in t)


def test_strava_files_match_ground_truth(runners):
    formats = Counter()
    for r in runners:
        _header, rows = _strava_rows(r)
        with zipfile.ZipFile(r.strava_zip) as zf:
            names = set(zf.namelist())
            assert {"activities.csv", "shoes.csv"} <= names
            referenced = [row[12] for row in rows if row[12]]
            assert set(referenced) == set(r.strava_samples_per_file)
            assert names == set(referenced) | {"activities.csv", "shoes.csv"}
            for member in referenced:
                ext = member.split(".", 1)[1]
                formats[ext] += 1
                data = zf.read(member)
                if ext.endswith(".gz"):
                    data = gzip.decompress(data)
                base = ext.removesuffix(".gz")
                expected = r.strava_samples_per_file[member]
                assert expected > 0
                if base == "fit":
                    assert _fit_record_count(data) == expected
                elif base == "gpx":
                    assert data.startswith(b"<?xml")
                    tree = etree.fromstring(data)
                    assert "StravaGPX" in tree.get("creator")
                    pts = tree.findall(".//{http://www.topografix.com/GPX/1/1}trkpt")
                    assert len(pts) == expected
                else:
                    assert data[:1].isspace()  # Strava's TCX quirk
                    tree = etree.fromstring(data.lstrip())
                    ns = "{http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2}"
                    assert len(tree.findall(f".//{ns}Trackpoint")) == expected
                    assert tree.find(f".//{ns}Activity").get("Sport") in (
                        "Running",
                        "Biking",
                        "Other",
                    )
        by_ext = Counter(row[12].split(".", 1)[1] for row in rows if row[12])
        assert by_ext == Counter(
            {k: v for k, v in r.strava_files_by_format.items() if k != "none" and v}
        )
    assert set(formats) == {"fit", "fit.gz", "gpx", "gpx.gz", "tcx", "tcx.gz"}


def _fit_record_count(data: bytes) -> int:
    d = Decoder(Stream.from_byte_array(bytearray(data)))
    assert d.is_fit()
    assert d.check_integrity()
    messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
    assert errors == []
    assert messages["file_id_mesgs"][0]["type"] == "activity"
    session = messages["session_mesgs"][0]
    assert session["num_laps"] == len(messages["lap_mesgs"])
    assert messages["activity_mesgs"][0]["num_sessions"] == 1
    assert "local_timestamp" in messages["activity_mesgs"][0]
    return len(messages["record_mesgs"])


def test_fit_details(runners):
    """Interval runs carry one lap per rep; local_timestamp carries the UTC offset."""
    r = runners[1]
    acts = {a.strava_filename: a for a in r.activities if a.strava_filename}
    seen_intervals = False
    offsets = set()
    with zipfile.ZipFile(r.strava_zip) as zf:
        for member, a in acts.items():
            if not member.endswith((".fit", ".fit.gz")):
                continue
            data = zf.read(member)
            if member.endswith(".gz"):
                data = gzip.decompress(data)
            m, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
            assert not errors
            act = m["activity_mesgs"][0]
            fit_epoch = dt.datetime(1989, 12, 31, tzinfo=dt.UTC)
            utc = (act["timestamp"] - fit_epoch).total_seconds()
            offsets.add(act["local_timestamp"] - utc)
            assert act["local_timestamp"] - utc == a.utc_offset_s
            sport = m["session_mesgs"][0]["sport"]
            assert (
                sport
                == {
                    "run": "running",
                    "ride": "cycling",
                    "swim": "swimming",
                    "walk": "walking",
                    "strength": "training",
                    "workout": "training",
                }[a.sport]
            )
            if a.kind == "intervals":
                seen_intervals = True
                intens = [lap.get("intensity") for lap in m["lap_mesgs"]]
                assert intens.count("rest") >= 4
    assert seen_intervals
    assert len(offsets) >= 2  # the traveller's offset changes


def _iter_hk(data: bytes):
    return etree.iterparse(
        io.BytesIO(data),
        events=("end",),
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=True,
    )


def test_healthkit_export(runners):
    for r in runners:
        with zipfile.ZipFile(r.healthkit_zip) as zf:
            names = zf.namelist()
            assert names[:2] == [
                "apple_health_export/export.xml",
                "apple_health_export/export_cda.xml",
            ]
            data = zf.read("apple_health_export/export.xml")
            assert data.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE HealthData')
            for tag in (
                b"<!ELEMENT WorkoutStatistics",
                b"<!ELEMENT InstantaneousBeatsPerMinute",
                b"<!ELEMENT Attachment",
                b"HealthKit Export Version: 13",
            ):
                assert tag in data
            etree.fromstring(zf.read("apple_health_export/export_cda.xml"))
            route_members = {n for n in names if n.startswith("apple_health_export/workout-r")}
            assert route_members == set(r.route_files)
            for member, count in r.route_files.items():
                assert re.fullmatch(
                    r"apple_health_export/workout-routes/route_\d{4}-\d{2}-\d{2}_"
                    r"\d{1,2}\.\d{2}(am|pm)(_\d+)?\.gpx",
                    member,
                )
                tree = etree.fromstring(zf.read(member))
                assert tree.get("creator") == "Apple Health Export"
                pts = tree.findall(".//{http://www.topografix.com/GPX/1/1}trkpt")
                assert len(pts) == count
        records = Counter()
        sources = Counter()
        workouts = Counter()
        summaries = 0
        file_refs = set()
        tz_meta = set()
        hrv_beats = 0
        for _, el in _iter_hk(data):
            tag = el.tag
            if tag == "Record":
                records[el.get("type")] += 1
                sources[(el.get("type"), el.get("sourceName"))] += 1
                assert HK_DATE.match(el.get("startDate")) and HK_DATE.match(el.get("endDate"))
                el.clear()
            elif tag == "Workout":
                workouts[el.get("workoutActivityType")] += 1
                for fr in el.iter("FileReference"):
                    file_refs.add("apple_health_export" + fr.get("path"))
                for md in el.iter("MetadataEntry"):
                    if md.get("key") == "HKTimeZone":
                        tz_meta.add(md.get("value"))
                el.clear()
            elif tag == "ActivitySummary":
                summaries += 1
            elif tag == "InstantaneousBeatsPerMinute":
                hrv_beats += 1
        assert records == Counter(r.healthkit_record_counts)
        assert sources == Counter(r.healthkit_record_counts_by_source)
        assert workouts == Counter(r.healthkit_workouts_by_type)
        assert sum(workouts.values()) == r.healthkit_workout_count
        assert summaries == r.activity_summary_count == DAYS
        assert file_refs == set(r.route_files)
        assert hrv_beats > 0
        first = r.profile["identity"]["name"].split()[0]
        for t in ("StepCount", "DistanceWalkingRunning"):
            rtype = f"HKQuantityTypeIdentifier{t}"
            assert sources[(rtype, f"{first}\u2019s iPhone")] > 0
            assert sources[(rtype, f"{first}\u2019s Apple Watch")] > 0
        for t in (
            "HeartRate",
            "RestingHeartRate",
            "HeartRateVariabilitySDNN",
            "ActiveEnergyBurned",
            "BasalEnergyBurned",
            "FlightsClimbed",
            "RespiratoryRate",
            "OxygenSaturation",
            "BodyMass",
        ):
            assert records[f"HKQuantityTypeIdentifier{t}"] > 0, t
        assert records["HKCategoryTypeIdentifierSleepAnalysis"] > DAYS
        if r.travel is not None:
            assert {r.profile["identity"]["timezone"], r.travel[0]} <= tz_meta
        assert r.shared_activity_count > 0


def test_steps_and_sleep_ground_truth(runners):
    for r in runners:
        with zipfile.ZipFile(r.healthkit_zip) as zf:
            data = zf.read("apple_health_export/export.xml")
        naive = 0
        stage_totals = Counter()
        for _, el in _iter_hk(data):
            if el.tag != "Record":
                continue
            t = el.get("type")
            if t == "HKQuantityTypeIdentifierStepCount":
                naive += int(el.get("value"))
            elif t == "HKCategoryTypeIdentifierSleepAnalysis":
                s = dt.datetime.strptime(el.get("startDate"), "%Y-%m-%d %H:%M:%S %z")
                e = dt.datetime.strptime(el.get("endDate"), "%Y-%m-%d %H:%M:%S %z")
                stage_totals[el.get("value").removeprefix("HKCategoryValueSleepAnalysis")] += int(
                    (e - s).total_seconds()
                )
            el.clear()
        assert naive == sum(r.daily_steps_naive.values())
        assert sum(r.daily_steps.values()) < naive  # naive sum double counts
        truth = Counter()
        for night in r.sleep_seconds.values():
            truth.update(night)
        assert {k: v for k, v in stage_totals.items()} == {k: v for k, v in truth.items() if v}


def test_shared_runs_agree(runners):
    for r in runners:
        shared = [a for a in r.activities if a.in_strava and a.in_healthkit]
        assert shared
        for a in shared:
            hk = dt.datetime.strptime(a.healthkit_start, "%Y-%m-%d %H:%M:%S %z")
            st = dt.datetime.strptime(a.start_utc, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
            assert 0 <= (hk - st).total_seconds() <= 5
            assert hk.utcoffset().total_seconds() == a.utc_offset_s
            assert abs(a.healthkit_distance_m - a.distance_m) <= 0.02 * a.distance_m + 1
    ben = runners[1]
    assert ben.travel is not None
    offsets = {a.utc_offset_s for a in ben.activities}
    assert len(offsets) >= 2


def test_deterministic_and_seed_sensitive(inbox, tmp_path):
    root, _ = inbox
    again = tmp_path / "again"
    write_sample_inbox(again, runners=RUNNERS, days=DAYS, seed=7, end_date=END)
    assert _digest(again) == _digest(root)
    other = tmp_path / "other"
    rs = write_sample_inbox(other, runners=1, days=DAYS, seed=8, end_date=END)
    assert rs[0].runner_id == "ana-lisbon"
    a = _digest(other)
    b = _digest(root)
    assert a["ana-lisbon/healthkit/export.zip"] != b["ana-lisbon/healthkit/export.zip"]
    assert set(a) != set(b) or a != {k: b[k] for k in a}
