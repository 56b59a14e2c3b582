"""Strava bulk-export reader: generated exports, every real fixture, and bad input."""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import shutil
import zipfile
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pytest

from pipelines.batches import Batch
from pipelines.strava import TABLES, decode_activity_file, read_strava_export
from pipelines.strava.activities_csv import MODERN_HEADER, read_activities_csv
from pipelines.strava.decode import decode_job
from pipelines.strava.model import Decoded, drop_implausible_summary
from samples import SampleRunner, write_sample_inbox
from tests.real_fixtures import REAL_FIXTURES

END = dt.date(2026, 11, 1)
REAL = REAL_FIXTURES
UTC = dt.UTC


def _collect(batches: list[Batch]) -> dict[str, pa.Table]:
    tables: dict[str, list[pa.Table]] = {}
    for b in batches:
        assert b.table is TABLES[b.table.name]
        assert "runner_id" in b.rows.column_names
        for key in b.table.primary_key:
            assert key in b.rows.column_names
        tables.setdefault(b.table.name, []).append(b.rows)
    return {name: pa.concat_tables(parts) for name, parts in tables.items()}


def _read(export: Path, runner_id: str = "r1", **kwargs):
    read = read_strava_export(export, runner_id, **kwargs)
    tables = _collect(list(read.batches()))
    return read, tables


def _keys(table: pa.Table, name: str) -> list[tuple]:
    cols = [table.column(k).to_pylist() for k in TABLES[name].primary_key]
    return list(zip(*cols, strict=True))


def _sorted_rows(table: pa.Table, name: str) -> list[dict]:
    return sorted(table.to_pylist(), key=lambda r: [r[k] for k in TABLES[name].primary_key])


# -- generated exports -------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, SampleRunner]:
    root = tmp_path_factory.mktemp("inbox")
    (runner,) = write_sample_inbox(root, runners=1, days=14, seed=5, end_date=END)
    return root, runner


@pytest.fixture(scope="module")
def generated_read(generated):
    root, runner = generated
    seen: list[str] = []
    read, tables = _read(
        runner.strava_zip, runner.runner_id, inbox_root=root, workers=1, on_file=seen.append
    )
    return read, tables, seen


def test_generated_activities_csv(generated, generated_read):
    _, runner = generated
    read, tables, _ = generated_read
    assert read.rejections == []
    acts = tables["activities"]
    assert acts.num_rows == runner.strava_activity_count
    ids = acts.column("activity_id").to_pylist()
    assert len(set(ids)) == len(ids)
    assert set(acts.column("runner_id").to_pylist()) == {runner.runner_id}
    assert acts.schema.field("activity_date").type == pa.timestamp("us", tz="UTC")
    truth = {a.activity_id: a for a in runner.activities if a.in_strava}
    assert set(ids) == set(truth)
    for row in acts.to_pylist():
        a = truth[row["activity_id"]]
        start = dt.datetime.fromisoformat(a.start_utc.replace("Z", "+00:00"))
        assert row["activity_date"] == start
        # both meanings of each duplicated column
        assert row["elapsed_time_seconds"] == a.elapsed_s
        assert row["elapsed_time_seconds_precise"] == pytest.approx(a.elapsed_s)
        assert row["distance_meters"] == pytest.approx(a.distance_m, abs=0.1)
        if a.sport == "swim":
            assert row["distance_display_value"] == pytest.approx(a.distance_m, abs=1)
        else:
            assert row["distance_display_value"] == pytest.approx(a.distance_m / 1000, abs=0.01)
        assert row["commute"] is False and row["commute_flag"] is False
        if row["max_heart_rate_bpm"] is not None:
            assert row["max_heart_rate_bpm_stats"] == row["max_heart_rate_bpm"]
            assert row["relative_effort_precise"] == pytest.approx(row["relative_effort"])
        assert row["source_file"] == f"{runner.runner_id}/strava/{runner.strava_zip.name}:" + (
            "activities.csv"
        )


def test_generated_activity_files_match_ground_truth(generated, generated_read):
    _, runner = generated
    read, tables, seen = generated_read
    files = tables["activity_files"]
    expected = {m: n for m, n in runner.strava_samples_per_file.items()}
    assert read.file_count == len(expected) == files.num_rows
    assert sorted(seen) == sorted(expected)
    prefix = f"{runner.runner_id}/strava/{runner.strava_zip.name}:"
    by_member = {r["source_file"].removeprefix(prefix): r for r in files.to_pylist()}
    assert set(by_member) == set(expected)
    samples = tables["samples"]
    per_activity = Counter(samples.column("activity_id").to_pylist())
    truth = {a.strava_filename: a for a in runner.activities if a.strava_filename}
    for member, n in expected.items():
        row = by_member[member]
        assert row["record_count"] == n
        assert row["sample_count"] == n == per_activity[row["activity_id"]]
        a = truth[member]
        assert row["activity_id"] == a.activity_id
        assert row["file_format"] == member.split(".")[1]
        assert row["start_time"] == dt.datetime.fromisoformat(a.start_utc.replace("Z", "+00:00"))
        if row["file_format"] == "fit":
            assert row["utc_offset_seconds"] == a.utc_offset_s
            assert row["distance_meters"] == pytest.approx(a.distance_m, rel=1e-3)
        if a.sport == "run" and row["avg_cadence_spm"] is not None:
            assert 120 < row["avg_cadence_spm"] < 220  # steps/min, not strides/min
    assert samples.schema.field("timestamp").type == pa.timestamp("us", tz="UTC")
    for name in ("samples", "laps", "activity_files"):
        keys = _keys(tables[name], name)
        assert len(keys) == len(set(keys)), name


def test_generated_keys_stable_and_workers_agree(generated, generated_read):
    root, runner = generated
    first_read, first, _ = generated_read
    # the same StravaRead consumed again, and a fresh read with two worker processes
    again = _collect(list(first_read.batches()))
    _, parallel = _read(runner.strava_zip, runner.runner_id, inbox_root=root, workers=2)
    for name in TABLES:
        assert sorted(_keys(again[name], name)) == sorted(_keys(first[name], name))
        assert _sorted_rows(parallel[name], name) == _sorted_rows(first[name], name), name


def test_unpacked_folder_reads_like_the_zip(generated, generated_read, tmp_path):
    _, runner = generated
    _, from_zip, _ = generated_read
    with zipfile.ZipFile(runner.strava_zip) as zf:
        zf.extractall(tmp_path / "export")
    _, from_dir = _read(tmp_path / "export", runner.runner_id, workers=1)
    for name in ("activity_files", "samples", "laps"):
        assert sorted(_keys(from_dir[name], name)) == sorted(_keys(from_zip[name], name))
    assert from_dir["activities"].num_rows == from_zip["activities"].num_rows


# -- real activities.csv files -----------------------------------------------------------

REAL_CSVS = {
    "strava/slalom007_export/activities.csv": (242, 237),
    "strava/aakashb1996_activities.csv": (609, 606),
    "strava/carlarthur01_activities.csv": (192, 192),
    "strava/legacy_2018_export/activities.csv": (128, 115),
}
IMPOSSIBLE_ROWS = {
    # "Fastest man in the universe apparently 😂": a walk of 938.64 m in 3 s, 313 m/s
    "strava/aakashb1996_activities.csv": {"line 588": "activity 10790764763 (Walk) covers"},
}


def _real(rel: str) -> Path:
    path = REAL / rel
    if not path.exists():
        pytest.skip(f"real fixture {rel} is absent")
    return path


@pytest.mark.parametrize(
    ("rel", "header"),
    [
        ("strava/carlarthur01_activities.csv", MODERN_HEADER),
        ("strava/slalom007_export/activities.csv", MODERN_HEADER),
        ("strava/aakashb1996_activities.csv", (*MODERN_HEADER[:93], "Media")),
    ],
)
def test_the_known_headers_are_the_real_ones(rel, header):
    """The sample generator writes MODERN_HEADER: it must be what Strava really writes."""
    with _real(rel).open(newline="", encoding="utf-8-sig") as csv_file:
        assert tuple(next(csv.reader(csv_file))) == header


@pytest.mark.parametrize("rel", sorted(REAL_CSVS))
def test_real_activities_csv(rel):
    rows, with_file = REAL_CSVS[rel]
    result = read_activities_csv(_real(rel).read_bytes(), "r1", "x.zip:activities.csv")
    problems = {location: reason for location, reason, _ in result.problems}
    expected = IMPOSSIBLE_ROWS.get(rel, {})
    assert problems.keys() == expected.keys()
    assert all(problems[at].startswith(start) for at, start in expected.items())
    assert result.table is not None
    assert result.table.num_rows == rows
    assert len(result.files) == with_file
    ids = result.table.column("activity_id").to_pylist()
    assert len(set(ids)) == rows
    assert None not in result.table.column("activity_date").to_pylist()


def test_real_csv_duplicate_columns_and_dates():
    table = read_activities_csv(
        _real("strava/slalom007_export/activities.csv").read_bytes(), "r1", "a.csv"
    ).table
    assert table is not None
    rows = table.to_pylist()
    june4 = dt.datetime(2024, 6, 4, 6, 13, 47, tzinfo=UTC)
    first = next(r for r in rows if r["activity_date"] == june4)
    assert first["activity_type"] == "Ride"
    swims = [r for r in rows if r["activity_type"] == "Swim"]
    assert len(swims) == 9
    big = [r for r in swims if "," in (r["distance_display"] or "")]
    assert big
    for r in big:  # "1,073" is metres with a thousands separator
        assert r["distance_display_value"] == pytest.approx(r["distance_meters"], abs=1)
    run = next(r for r in rows if r["activity_id"] == 11589991514)
    assert run["elapsed_time_seconds"] == 1690 and run["elapsed_time_seconds_precise"] == 1690.0
    assert run["distance_display"] == "5.25" and run["distance_meters"] == pytest.approx(5253.9)
    assert run["relative_effort"] == 58 and run["relative_effort_precise"] == 58.0
    assert run["commute"] is False and run["commute_flag"] is False
    assert any("\n" in (r["activity_description"] or "") for r in rows)

    older = read_activities_csv(
        _real("strava/aakashb1996_activities.csv").read_bytes(), "r1", "a.csv"
    ).table
    assert older is not None
    missing_second = [
        r
        for r in older.to_pylist()
        if r["max_heart_rate_bpm"] is not None and r["max_heart_rate_bpm_stats"] is None
    ]
    # SOURCES.md says 328: that is every empty 2nd copy; 323 of them have the 1st filled.
    # One of the other 5 is the impossible walk (IMPOSSIBLE_ROWS), which is not loaded.
    assert len(missing_second) == 323
    assert older.column("max_heart_rate_bpm_stats").null_count == 327
    assert older.column("recovery").null_count == older.num_rows  # 94-column export

    legacy = read_activities_csv(
        _real("strava/legacy_2018_export/activities.csv").read_bytes(), "r1", "a.csv"
    ).table
    assert legacy is not None
    row = legacy.to_pylist()[0]
    assert row["activity_id"] == 193569569
    assert row["activity_date"] == dt.datetime(2014, 9, 12, 16, 54, 28, tzinfo=UTC)
    assert row["distance_meters"] == pytest.approx(43057.4)
    assert row["elapsed_time_seconds"] == 9462 and row["commute"] is False
    assert set(older.column_names) <= set(legacy.column_names)


def test_real_export_folders_load_with_missing_files_reported():
    slalom = _real("strava/slalom007_export")
    read, tables = _read(slalom, workers=1)
    assert tables["activities"].num_rows == 242
    assert tables["activity_files"].num_rows == 3
    missing = [r for r in read.rejections if "missing from the export" in r.reason]
    assert len(missing) == 237 - 3
    assert all(r.location.startswith("line ") and r.source == "strava" for r in missing)
    legacy = _real("strava/legacy_2018_export")
    read, tables = _read(legacy, workers=1)
    (row,) = tables["activity_files"].to_pylist()
    assert row["activity_id"] == 1025417046 and row["sample_count"] == 759
    assert row["sport"] == "running"  # Strava's numeric <type>9</type>


# -- real activity files -----------------------------------------------------------------

# name: (records, laps, distance km, avg HR, max HR, sport)
REAL_FIT = {
    "fit/fitparse_2013-02-06-12-11-14.fit": (590, 5, 4.84, 147, 171, "running"),
    "fit/fitparse_activity-small-fenix2-run.fit": (2809, 4, 9.01, None, None, "running"),
    "fit/fitparse_garmin-fenix-5-run.fit": (21, 1, 0.16, 90, 112, "running"),
    "fit/sportslib_2067489619.fit": (503, 3, 4.49, 130, 179, "running"),
    "fit/sportslib_6914538454_suunto9.fit": (1260, 9, 4.33, None, None, "running"),
    "fit/tormoder_mornindew-broken.fit": (6874, 11, 16.77, 147, 173, "running"),
    "fit/fitparse-rs_hrv-activity.fit": (1072, 15, 6.87, 156, 185, "cycling"),
    "strava/slalom007_export/activities/12383152614.fit.gz": (1885, 8, 7.10, 172, 193, "running"),
    "strava/slalom007_export/activities/12478601213.fit.gz": (1333, 4, 5.01, 172, 184, "running"),
    "strava/slalom007_export/activities/15141556854.fit.gz": (329, 11, 0.25, 137, 154, "swimming"),
}


@pytest.mark.parametrize("rel", sorted(REAL_FIT))
def test_real_fit_files(rel):
    records, laps, km, avg_hr, max_hr, sport = REAL_FIT[rel]
    decoded = decode_activity_file(rel, _real(rel).read_bytes())
    assert decoded.usable and decoded.problems == []
    s = decoded.summary
    assert decoded.record_count == records
    assert len(decoded.laps) == laps
    assert s["distance_meters"] / 1000 == pytest.approx(km, abs=0.01)
    assert s["sport"] == sport
    if avg_hr is not None:
        assert (s["avg_heart_rate_bpm"], s["max_heart_rate_bpm"]) == (avg_hr, max_hr)
    hr = [v for v in decoded.samples.columns["heart_rate_bpm"] if v is not None]
    if "fenix2" in rel:  # the session has no HR: its maximum from the records, its average
        # left to terra, which weighs samples by time (a plain mean here would be one)
        assert s["max_heart_rate_bpm"] == max(hr)
        assert s["avg_heart_rate_bpm"] is None
    if "suunto9" in rel:
        assert s["avg_heart_rate_bpm"] is None and not hr
        assert s["device_manufacturer"] == "suunto"
    lats = [v for v in decoded.samples.columns["latitude"] if v is not None]
    assert all(-90 <= v <= 90 for v in lats)
    assert len(decoded.samples) <= records


def test_fr110_sample_values():
    decoded = decode_activity_file(
        "x.fit", _real("fit/fitparse_2013-02-06-12-11-14.fit").read_bytes()
    )
    cols = decoded.samples.columns
    assert cols["latitude"][0] == pytest.approx(57.38, abs=0.01)  # semicircles -> degrees
    assert decoded.summary["start_time"] == 1360152674 * 1_000_000
    assert decoded.summary["device_product"] == "fr110"


def test_strava_android_fit_decodes_with_a_reported_problem():
    rel = "fit/fitparse_strava-android-app-201.10-b1218918.fit"
    decoded = decode_activity_file(rel, _real(rel).read_bytes())
    assert decoded.usable
    assert decoded.summary["device_manufacturer"] == "strava"
    assert decoded.summary["distance_meters"] / 1000 == pytest.approx(11.27, abs=0.01)
    assert decoded.summary["avg_heart_rate_bpm"] is None
    assert len(decoded.samples) > 200
    ts = decoded.samples.columns["timestamp"]
    assert max(ts) - min(ts) < 2 * 3600 * 1_000_000  # the 2085 record is dropped
    assert any(loc.startswith("byte ") for loc, _ in decoded.problems)


@pytest.mark.parametrize(
    "name",
    ["WorkoutIndividualSteps", "WorkoutRepeatSteps", "WorkoutCustomTargetValues"],
)
def test_fit_workout_files_are_rejected(name):
    rel = f"fit/fitsdk_{name}.fit"
    decoded = decode_activity_file(rel, _real(rel).read_bytes())
    assert not decoded.usable
    assert "workout" in decoded.problems[0][1]


# name: (trackpoints, laps, sessions, sport, has HR)
REAL_XML = {
    "gpx_tcx/sportslib_2067489619.gpx": (502, 0, 1, "running", True),
    "gpx_tcx/sportslib_1681613317_strava.gpx": (1038, 0, 1, "running", True),
    "gpx_tcx/sportslib_garmin_run_3106033902.tcx": (422, 3, 1, "running", True),
    "gpx_tcx/sportslib_6281425038_polar.tcx": (1545, 5, 1, "running", True),
    "gpx_tcx/tcxparser_test.tcx": (384, 3, 1, "running", True),
    "gpx_tcx/goldencheetah_activity_165850259_multi-session.tcx": (
        1893,
        4,
        4,
        "multisport",
        True,
    ),
    "strava/legacy_2018_export/activities/1025417046.gpx": (759, 0, 1, "running", False),
}


@pytest.mark.parametrize("rel", sorted(REAL_XML))
def test_real_gpx_tcx_files(rel):
    points, laps, sessions, sport, has_hr = REAL_XML[rel]
    decoded = decode_activity_file(rel, _real(rel).read_bytes())
    assert decoded.usable and decoded.problems == []
    assert decoded.record_count == points == len(decoded.samples)
    assert len(decoded.laps) == laps
    assert decoded.summary["session_count"] == sessions
    assert decoded.summary["sport"] == sport
    assert (decoded.summary.get("max_heart_rate_bpm") is not None) == has_hr
    assert decoded.summary["start_time"] is not None
    assert decoded.summary["distance_meters"] > 1000


def test_same_run_as_fit_and_gpx_agrees():
    fit = decode_activity_file("a.fit", _real("fit/sportslib_2067489619.fit").read_bytes())
    gpx = decode_activity_file("a.gpx", _real("gpx_tcx/sportslib_2067489619.gpx").read_bytes())
    assert fit.summary["start_time"] == gpx.summary["start_time"]
    assert gpx.summary["distance_meters"] == pytest.approx(fit.summary["distance_meters"], rel=0.03)
    assert gpx.summary["max_cadence_spm"] == pytest.approx(fit.summary["max_cadence_spm"], abs=2)


# -- bad input ---------------------------------------------------------------------------

GOOD_FIT = "fit/fitparse_2013-02-06-12-11-14.fit"


def _rows_and_header(runner: SampleRunner) -> tuple[str, list[str], dict[str, bytes]]:
    """The CSV header line and one CSV-formatted string per row (rows may span lines)."""
    with zipfile.ZipFile(runner.strava_zip) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    header, *rows = list(csv.reader(io.StringIO(members["activities.csv"].decode(), newline="")))

    def line(fields: list[str]) -> str:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerow(fields)
        return out.getvalue()

    return line(header), [line(r) for r in rows], members


def _clone_row(template: str, activity_id: int, filename: str, **by_index: str) -> str:
    (fields,) = list(csv.reader(io.StringIO(template)))
    fields[0] = str(activity_id)
    fields[12] = filename
    for index, value in by_index.items():
        fields[int(index.removeprefix("c"))] = value
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(fields)
    return out.getvalue()


@pytest.fixture(scope="module")
def bad_export(generated, tmp_path_factory) -> tuple[Path, Path, SampleRunner, dict]:
    root, runner = generated
    header, rows, members = _rows_and_header(runner)
    template = next(r for r in rows if ",Run," in r and "\n" not in r[:-1])
    fit = (REAL / GOOD_FIT).read_bytes() if (REAL / GOOD_FIT).exists() else None
    if fit is None:
        pytest.skip("real FIT fixture absent")
    bad_crc = bytearray(fit)
    bad_crc[5000] ^= 0xFF
    bad_files = {
        "activities/900001.fit.gz": b"this is not gzip",
        "activities/900002.fit": fit[: len(fit) // 2],
        "activities/900003.fit": bytes(bad_crc),
        "activities/900004.gpx": b"<?xml version='1.0'?><gpx><trk><trkseg><trkpt lat='1'",
        "activities/900005.tcx.gz": gzip.compress(b"   <TrainingCenterDatabase><Activities>"),
        "activities/900006.fit": b"",
        "activities/900007.FIT": fit,  # upper-case extension still decodes
    }
    extra = [
        _clone_row(template, 900_000 + int(n.split("/")[1][4:6]), n.replace(".FIT", ".fit"))
        for n in bad_files
    ]
    extra.append(_clone_row(template, 900_010, "activities/900010.fit.gz"))  # missing
    extra.append(_clone_row(template, 900_011, "activities/../../evil.fit"))
    wrong_cols = "900012,Jun 4 2024,too,few\n"
    bad_date = _clone_row(template, 900_013, "", c1="Juno 40, 2024, 6:00:00 AM")
    bad_number = _clone_row(template, 900_014, "", c5="12 minutes")
    csv_text = header + "".join(rows) + "".join(extra) + wrong_cols + bad_date + bad_number
    out = root / runner.runner_id / "strava" / "export_bad.zip"
    with zipfile.ZipFile(out, "w") as zf:
        for name, data in members.items():
            if name != "activities.csv":
                zf.writestr(name, data)
        for name, data in bad_files.items():
            zf.writestr(name, data)
        zf.writestr("activities.csv", csv_text)
        zf.writestr("../../evil.fit", fit)
        zf.writestr("/etc/abs.fit", fit)
    lines = {
        "wrong": csv_text.count("\n", 0, csv_text.index(wrong_cols)) + 1,
        "date": csv_text.count("\n", 0, csv_text.index(bad_date)) + 1,
        "number": csv_text.count("\n", 0, csv_text.index(bad_number)) + 1,
        "good_rows": len(rows) + len(extra),
    }
    return root, out, runner, lines


def _reason(rejections: list, member: str, location: str | None = None) -> str:
    hits = [
        r.reason
        for r in rejections
        if r.source_file.split(":", 1)[-1] == member
        and (location is None or r.location == location)
    ]
    assert hits, (member, location, [(r.source_file, r.location) for r in rejections])
    return hits[0]


@pytest.mark.parametrize("workers", [1, 2])
def test_bad_input_is_rejected_and_the_rest_loads(bad_export, workers):
    root, export, runner, lines = bad_export
    read, tables = _read(export, runner.runner_id, inbox_root=root, workers=workers)
    assert {(r.source, r.runner_id) for r in read.rejections} == {("strava", runner.runner_id)}
    assert tables["activities"].num_rows == lines["good_rows"]
    rejections = read.rejections
    assert "not gzip" in _reason(rejections, "activities/900001.fit.gz")
    assert "truncated" in _reason(rejections, "activities/900002.fit")
    assert "CRC" in _reason(rejections, "activities/900003.fit")
    assert "malformed GPX" in _reason(rejections, "activities/900004.gpx")
    assert "TCX" in _reason(rejections, "activities/900005.tcx.gz")
    assert "empty" in _reason(rejections, "activities/900006.fit")
    assert "missing from the export" in " ".join(
        r.reason for r in read.rejections if "900010" in r.reason
    )
    assert any("evil.fit" in r.reason and "refused" in r.reason for r in read.rejections)
    assert any(
        r.location == "member ../../evil.fit" and "outside" in r.reason for r in read.rejections
    )
    assert any(r.location == "member /etc/abs.fit" for r in read.rejections)
    assert "columns" in _reason(rejections, "activities.csv", f"line {lines['wrong']}")
    assert "activity_date" in _reason(rejections, "activities.csv", f"line {lines['date']}")
    assert "elapsed_time_seconds" in _reason(
        rejections, "activities.csv", f"line {lines['number']}"
    )
    assert read.rejections[0].source_file.startswith(f"{runner.runner_id}/strava/")

    files = {r["activity_id"]: r for r in tables["activity_files"].to_pylist()}
    truth = set(runner.strava_samples_per_file)
    # truncated and bad-CRC FIT files keep what decoded (and are also rejected)
    assert len(files) == len(truth) + 3
    assert files[900007]["record_count"] == 590
    assert files[900003]["decode_problem"] is not None
    assert 0 < files[900002]["record_count"] < 590


def test_corrupt_member_crc_rejects_only_that_member(generated, tmp_path):
    _, runner = generated
    data = bytearray(runner.strava_zip.read_bytes())
    with zipfile.ZipFile(runner.strava_zip) as zf:
        info = next(i for i in zf.infolist() if i.filename.endswith(".fit.gz"))
    # stored member: its data follows the 30-byte local header, name and extra field
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0xFF
    broken = tmp_path / "crc.zip"
    broken.write_bytes(bytes(data))
    read, tables = _read(broken, workers=1)
    (rejection,) = read.rejections
    assert rejection.location == f"member {info.filename}"
    assert "CRC" in rejection.reason
    assert tables["activity_files"].num_rows == len(runner.strava_samples_per_file) - 1


def test_truncated_zip_and_missing_csv_reject_the_export(generated, tmp_path):
    _, runner = generated
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(runner.strava_zip.read_bytes()[:50_000])
    read, tables = _read(truncated)
    assert tables == {} and read.file_count == 0
    (rejection,) = read.rejections
    assert "not a readable zip" in rejection.reason

    no_csv = tmp_path / "no_csv.zip"
    with zipfile.ZipFile(runner.strava_zip) as src, zipfile.ZipFile(no_csv, "w") as dst:
        for name in src.namelist():
            if name != "activities.csv":
                dst.writestr(name, src.read(name))
    read, tables = _read(no_csv)
    assert tables == {}
    assert [r.location for r in read.rejections] == ["activities.csv"]

    folder = tmp_path / "folder"
    folder.mkdir()
    shutil.copy(runner.strava_zip, folder / "not_an_export.zip")
    read, tables = _read(folder)
    assert tables == {} and "no activities.csv" in read.rejections[0].reason


def test_decode_activity_file_never_raises_on_garbage():
    for name in ("a.fit", "a.fit.gz", "a.gpx", "a.tcx", "a.gpx.gz", "a.tcx.gz", "a.csv"):
        for data in (b"", b"\x00" * 20, b"<", gzip.compress(b"garbage"), b"\x0e\x10" + b"x" * 40):
            decoded = decode_activity_file(name, data)
            assert not decoded.usable and decoded.problems


# -- values that cannot be true, same-instant points, partial files -------------------------

ODD = Path(__file__).resolve().parents[1] / "fixtures" / "odd_values" / "strava"


def test_two_track_points_at_one_second_become_one_sample():
    """Same-instant rule: values only one point has are kept, values both have averaged."""
    name = "activities/4046118734.gpx"
    decoded = decode_activity_file(name, (ODD / name).read_bytes())
    cols = decoded.samples.columns
    assert decoded.record_count == 4 and len(decoded.samples) == 3
    assert cols["heart_rate_bpm"] == [98, 107, 113]
    assert cols["latitude"][1] == pytest.approx(38.70716)
    assert cols["altitude_meters"][1] == pytest.approx(12.7)


def test_a_row_that_cannot_be_true_is_rejected_and_the_rest_loads(tmp_path):
    export = tmp_path / "export"
    shutil.copytree(ODD, export)
    read, tables = _read(export, workers=1)
    assert tables["activities"]["activity_id"].to_pylist() == [4045207321, 4046118734]
    found = {r.location: r for r in read.rejections if "cannot be true" in r.reason}
    assert {r.source_file.rsplit("/", 1)[-1] for r in found.values()} == {"activities.csv"}
    assert "activity 4047530388 (Run) covers 500 km in 10 min" in found["line 4"].reason
    assert "4047530388" in (found["line 4"].raw_excerpt or "")
    # a GPS spike's max speed: that value goes, the row stays
    assert found["line 3"].reason.startswith("activity 4046118734: max_speed 90 cannot be true")
    assert tables["activities"]["max_speed"].to_pylist() == [4.9, None]


def test_a_sample_value_that_cannot_be_true_is_left_out_and_reported():
    """A strap without skin contact writes 0 bpm: that value goes, its point stays."""
    name = "activities/4046118734.gpx"
    gpx = (ODD / name).read_bytes().replace(b"<gpxtpx:hr>113<", b"<gpxtpx:hr>0<")
    tables, problems = decode_job((name, gpx, "ana", 4046118734, "export:" + name))
    assert tables is not None
    samples = tables["samples"].to_pylist()
    assert [s["heart_rate_bpm"] for s in samples] == [98, 107, None]
    assert samples[-1]["latitude"] == pytest.approx(38.7072)
    assert problems == [
        (
            "record 3",
            "1 heart_rate_bpm value(s) cannot be true and were left out (the first: 0; "
            "plausible: 20-250 bpm)",
        )
    ]
    assert tables["activity_files"]["decode_problem"].to_pylist() == [None]  # not partial


def test_a_summary_value_that_cannot_be_true_is_left_out():
    decoded = Decoded(
        "fit",
        summary={"max_speed_mps": 80.5, "avg_heart_rate_bpm": 150},
        laps=[{"avg_heart_rate_bpm": 300, "avg_speed_mps": 3.1}],
    )
    assert drop_implausible_summary(decoded) == [
        ("session", "max_speed_mps 80.5 cannot be true (plausible: 0-50 m/s); left out"),
        ("lap 1", "avg_heart_rate_bpm 300 cannot be true (plausible: 20-250 bpm); left out"),
    ]
    assert decoded.summary == {"max_speed_mps": None, "avg_heart_rate_bpm": 150}
    assert decoded.laps == [{"avg_heart_rate_bpm": None, "avg_speed_mps": 3.1}]
