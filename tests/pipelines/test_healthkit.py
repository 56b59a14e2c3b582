"""The streaming Apple Health reader against generated exports (ground truth), the real
third-party fixtures (independent counts) and damaged input (rejections, never crashes)."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from pipelines.healthkit import TABLES, HealthkitRead, read_healthkit_export
from pipelines.healthkit.handler import parse_device, seconds_since_midnight
from samples import SampleRunner, write_sample_inbox
from tests.real_fixtures import REAL_FIXTURES

REAL = REAL_FIXTURES / "healthkit"
END = dt.date(2026, 11, 1)


def load(read: HealthkitRead) -> dict[str, pa.Table]:
    parts: dict[str, list[pa.Table]] = {}
    for batch in read.batches():
        assert batch.table is TABLES[batch.table.name]
        assert batch.rows.num_rows > 0
        parts.setdefault(batch.table.name, []).append(batch.rows)
    return {name: pa.concat_tables(tables) for name, tables in parts.items()}


def rows(tables: dict[str, pa.Table], name: str) -> int:
    return tables[name].num_rows if name in tables else 0


@pytest.fixture(scope="module")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[SampleRunner]]:
    root = tmp_path_factory.mktemp("inbox")
    return root, write_sample_inbox(root, runners=2, days=14, seed=11, end_date=END)


@pytest.fixture(scope="module")
def loaded(inbox: tuple[Path, list[SampleRunner]]) -> dict[str, dict[str, pa.Table]]:
    root, runners = inbox
    out = {}
    for r in runners:
        read = read_healthkit_export(r.healthkit_zip, r.runner_id, inbox_root=root / r.runner_id)
        out[r.runner_id] = load(read)
        assert read.rejections == []
    return out


def test_generated_counts_match_ground_truth(
    inbox: tuple[Path, list[SampleRunner]], loaded: dict[str, dict[str, pa.Table]]
) -> None:
    for r in inbox[1]:
        t = loaded[r.runner_id]
        by_type = Counter(t["records"].column("type").to_pylist())
        assert by_type == Counter(r.healthkit_record_counts)
        assert rows(t, "workouts") == r.healthkit_workout_count
        assert Counter(t["workouts"].column("activity_type").to_pylist()) == Counter(
            r.healthkit_workouts_by_type
        )
        assert rows(t, "activity_summaries") == r.activity_summary_count
        assert rows(t, "me") == 1
        assert t["me"].column("biological_sex")[0].as_py().startswith("HKBiologicalSex")
        # route points: one GPX per routed workout, same trackpoint counts
        points = Counter(t["workout_route_points"].column("workout_id").to_pylist())
        by_file = {
            w["route_file"]: points[w["workout_id"]]
            for w in t["workouts"].to_pylist()
            if w["route_file"]
        }
        expected = {
            "/" + m.split("/", 1)[1]: n for m, n in r.route_files.items()
        }  # member "apple_health_export/workout-routes/x.gpx" -> "/workout-routes/x.gpx"
        assert by_file == expected
        assert t["records"].column("source_file")[0].as_py() == "healthkit/export.zip"
        for name, table in t.items():
            assert table.schema.field("runner_id").type == pa.string(), name
            assert pc.all(pc.equal(table.column("runner_id"), r.runner_id)).as_py()


def test_workout_totals_from_attributes_or_statistics(
    loaded: dict[str, dict[str, pa.Table]],
) -> None:
    for t in loaded.values():
        stats = t["workout_statistics"].to_pylist()
        with_stats = {s["workout_id"] for s in stats}
        assert with_stats, "iOS 16+ workouts carry WorkoutStatistics"
        for w in t["workouts"].to_pylist():
            assert w["timezone"], "HKTimeZone metadata"
            assert w["is_indoor"] is not None
            assert w["duration_seconds"] == pytest.approx(w["duration"] * 60)
            if w["activity_type"] in ("HKWorkoutActivityTypeRunning",):
                assert w["total_distance_meters"] > 500
                assert w["total_energy_burned_kcal"] > 0
            if w["total_distance"] is not None and w["total_distance_unit"] == "km":
                assert w["total_distance_meters"] == pytest.approx(w["total_distance"] * 1000)
        hr = [s for s in stats if s["type"].endswith("HeartRate")]
        assert all(s["average"] and s["maximum"] >= s["minimum"] for s in hr)
        meta = t["workout_metadata"].to_pylist()
        assert {m["key"] for m in meta} >= {"HKTimeZone", "HKIndoorWorkout"}


def test_offsets_follow_the_travelling_runner(
    inbox: tuple[Path, list[SampleRunner]], loaded: dict[str, dict[str, pa.Table]]
) -> None:
    ben = next(r for r in inbox[1] if r.runner_id == "ben-chicago")
    assert ben.travel is not None
    rec = loaded["ben-chicago"]["records"]
    offsets = set(rec.column("start_utc_offset_seconds").to_pylist())
    assert -5 * 3600 in offsets  # Chicago (CDT)
    assert 2 * 3600 in offsets  # Berlin (CEST) during the trip
    one = rec.slice(0, 1).to_pylist()[0]
    local = one["start_time"] + dt.timedelta(seconds=one["start_utc_offset_seconds"])
    # the UTC time + offset is the wall-clock time written in the file (independent regex)
    assert one["start_time"].tzinfo is not None
    assert local.strftime("%Y-%m-%d %H:%M:%S") == _first_start_date(ben.healthkit_zip)


def _first_start_date(zip_path: Path) -> str:
    with zipfile.ZipFile(zip_path) as zf, zf.open("apple_health_export/export.xml") as fh:
        head = fh.read(1 << 20).decode()
    m = re.search(r'<Record [^>]*startDate="([^"]+)"', head)
    assert m
    return m.group(1)[:19]


def test_keys_are_stable_and_unique(inbox: tuple[Path, list[SampleRunner]]) -> None:
    r = inbox[1][0]
    first = load(read_healthkit_export(r.healthkit_zip, r.runner_id, batch_rows=997))
    second = load(read_healthkit_export(r.healthkit_zip, r.runner_id))
    for name, table in TABLES.items():
        if name not in first:
            continue
        key = list(table.primary_key)
        a = first[name].select(key).to_pylist()
        assert a == second[name].select(key).to_pylist(), name
        assert len({tuple(x.values()) for x in a}) == len(a), f"{name} keys not unique"


def test_exact_duplicates_get_distinct_keys(tmp_path: Path) -> None:
    rec = (
        ' <Record type="HKQuantityTypeIdentifierStepCount" sourceName="S" unit="count" '
        'startDate="2024-01-01 10:00:00 +0100" endDate="2024-01-01 10:01:00 +0100" value="5"/>\n'
    )
    path = tmp_path / "export.xml"
    path.write_text(f'<HealthData locale="en_US">\n{rec}{rec}{rec}</HealthData>\n')
    ids = load(read_healthkit_export(path, "r"))["records"].column("record_id").to_pylist()
    assert len(set(ids)) == 3
    assert ids[1] == ids[0] + "-1"


def test_folder_and_bare_xml_inputs(inbox: tuple[Path, list[SampleRunner]], tmp_path: Path) -> None:
    r = inbox[1][0]
    with zipfile.ZipFile(r.healthkit_zip) as zf:
        zf.extractall(tmp_path)
    folder = tmp_path / "apple_health_export"
    seen: list[int] = []
    read = read_healthkit_export(folder, r.runner_id, on_bytes=seen.append)
    t = load(read)
    assert read.rejections == []
    assert sum(seen) == read.total_bytes == (folder / "export.xml").stat().st_size
    assert rows(t, "records") == sum(r.healthkit_record_counts.values())
    assert rows(t, "workout_route_points") == r.route_trackpoint_count
    t2 = load(read_healthkit_export(folder / "export.xml", r.runner_id))
    assert rows(t2, "workout_route_points") == r.route_trackpoint_count


# -- damaged input -------------------------------------------------------------------------


def _xml_bytes(r: SampleRunner) -> bytes:
    with zipfile.ZipFile(r.healthkit_zip) as zf:
        return zf.read("apple_health_export/export.xml")


def test_truncated_zip_is_rejected(inbox: tuple[Path, list[SampleRunner]], tmp_path: Path) -> None:
    data = inbox[1][0].healthkit_zip.read_bytes()
    bad = tmp_path / "export.zip"
    bad.write_bytes(data[: len(data) // 2])
    read = read_healthkit_export(bad, "r", inbox_root=tmp_path)
    assert load(read) == {}
    (rej,) = read.rejections
    assert rej.source == "healthkit" and rej.source_file == "export.zip"
    assert "zip" in rej.reason


def test_corrupt_zip_bytes_keep_rows_before_damage(
    inbox: tuple[Path, list[SampleRunner]], tmp_path: Path
) -> None:
    r = inbox[1][0]
    data = bytearray(r.healthkit_zip.read_bytes())
    with zipfile.ZipFile(r.healthkit_zip) as zf:
        info = zf.getinfo("apple_health_export/export.xml")
    mid = info.header_offset + 100 + info.compress_size // 2
    data[mid : mid + 64] = bytes(b ^ 0x5A for b in data[mid : mid + 64])
    bad = tmp_path / "export.zip"
    bad.write_bytes(bytes(data))
    read = read_healthkit_export(bad, r.runner_id)
    t = load(read)
    assert read.rejections, "damage must be reported"
    assert 0 < rows(t, "records") < sum(r.healthkit_record_counts.values())
    assert any(re.match(r"(byte|line) \d+", x.location) for x in read.rejections)


def test_xml_cut_mid_record_keeps_complete_records(
    inbox: tuple[Path, list[SampleRunner]], tmp_path: Path
) -> None:
    xml = _xml_bytes(inbox[1][0])
    cut = xml.find(b"<MetadataEntry", len(xml) // 2) + 20  # inside a Record's children
    path = tmp_path / "export.xml"
    path.write_bytes(xml[:cut])
    read = read_healthkit_export(path, "r")
    t = load(read)
    complete = len(re.findall(rb"<Record ", xml[:cut])) - 1
    assert rows(t, "records") == complete
    line = xml[:cut].count(b"\n") + 1
    reasons = " ".join(x.reason for x in read.rejections)
    assert "well-formed" in reasons and "incomplete" in reasons
    assert any(x.location.startswith(f"line {line}, column") for x in read.rejections)
    open_record = xml[:cut].rfind(b"<Record ")
    incomplete = next(x for x in read.rejections if x.target_table == "records")
    record_line = xml[:open_record].count(b"\n") + 1
    assert incomplete.location == f"line {record_line}"


def test_billion_laughs_is_rejected_not_expanded(tmp_path: Path) -> None:
    lol = "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">\n' for i in range(1, 10))
    body = (
        '<?xml version="1.0"?>\n<!DOCTYPE HealthData [\n<!ENTITY lol0 "lol">\n'
        f'{lol}]>\n<HealthData>\n <ExportDate value="2024-01-01 10:00:00 +0000"/>\n'
        ' <Record type="A" sourceName="S&amp;T &#8217;" unit="count" value="1" '
        'startDate="2024-01-01 10:00:00 +0000" endDate="2024-01-01 10:00:00 +0000"/>\n'
        ' <Record type="B" sourceName="&lol9;" value="x"/>\n</HealthData>\n'
    )
    path = tmp_path / "export.xml"
    path.write_text(body)
    read = read_healthkit_export(path, "r")
    t = load(read)
    assert t["records"].column("source_name").to_pylist() == ["S&T \u2019"]
    reasons = [x.reason for x in read.rejections]
    assert any("declares 10 custom XML entities" in x for x in reasons)
    assert any("entity" in x and "never expanded" in x for x in reasons[1:])
    assert read.rejections[0].location == "line 2"


@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("export.xml", b"", "empty"),
        ("export.zip", b"", "empty"),
        ("export.xml.gz", b"<HealthData/>", "not gz data"),
        ("export.zip", b"this is not a zip at all", "not zip data"),
        ("export.xml", b"<lolz>hi</lolz>", "not an Apple Health export"),
    ],
)
def test_unreadable_files_are_rejected(
    tmp_path: Path, name: str, content: bytes, needle: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    read = read_healthkit_export(path, "r", inbox_root=tmp_path)
    assert read.total_bytes == 0
    assert load(read) == {}
    (rej,) = read.rejections
    assert needle in rej.reason and rej.source_file == name and rej.runner_id == "r"


def test_zip_with_only_cda_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(
            "apple_health_export/export_cda.xml", '<?xml version="1.0"?>\n<ClinicalDocument/>'
        )
    read = read_healthkit_export(path, "r")
    assert load(read) == {}
    (rej,) = read.rejections
    assert "no Apple Health export XML" in rej.reason and "ClinicalDocument" in rej.reason


def test_localised_member_name_found_by_content(tmp_path: Path) -> None:
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("apple_health_export/export_cda.xml", "<ClinicalDocument/>")
        zf.writestr(
            "apple_health_export/导出.xml",
            '<HealthData locale="zh_CN"><Record type="A" value="1"/></HealthData>',
        )
    read = read_healthkit_export(path, "r")
    assert rows(load(read), "records") == 1 and read.rejections == []


def test_missing_route_and_bad_values_reject_only_their_part(
    inbox: tuple[Path, list[SampleRunner]], tmp_path: Path
) -> None:
    r = inbox[1][0]
    assert r.route_files
    dropped = sorted(r.route_files)[0]
    xml = _xml_bytes(r)
    # one record with an unparseable date, one with a non-numeric quantity value
    recs = [m.start() for m in re.finditer(rb"<Record ", xml)]
    date_at, value_at = recs[10], recs[20]
    vstart = xml.find(b'value="', value_at)
    vend = xml.find(b'"', vstart + 7)
    xml = xml[:vstart] + b'value="12,5"' + xml[vend + 1 :]
    tag_end = xml.find(b">", date_at)
    tag = re.sub(rb'startDate="[^"]+"', b'startDate="yesterday"', xml[date_at:tag_end], count=1)
    xml = xml[:date_at] + tag + xml[tag_end:]
    bad_lines = {xml[:date_at].count(b"\n") + 1, xml[:value_at].count(b"\n") + 1}
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(r.healthkit_zip) as src, zipfile.ZipFile(path, "w") as dst:
        for info in src.infolist():
            if info.filename == "apple_health_export/export.xml":
                dst.writestr(info.filename, xml)
            elif info.filename != dropped:
                dst.writestr(info.filename, src.read(info))
    read = read_healthkit_export(path, r.runner_id)
    t = load(read)
    assert rows(t, "records") == sum(r.healthkit_record_counts.values()) - 2
    assert rows(t, "workout_route_points") == r.route_trackpoint_count - r.route_files[dropped]
    by_table = {x.target_table: x for x in read.rejections}
    assert "missing" in by_table["workout_route_points"].reason
    record_rejections = [x for x in read.rejections if x.target_table == "records"]
    assert {int(x.location.split()[1]) for x in record_rejections} == bad_lines
    assert len(read.rejections) == 3


def test_malformed_route_file_is_rejected(tmp_path: Path) -> None:
    folder = tmp_path / "apple_health_export"
    (folder / "workout-routes").mkdir(parents=True)
    (folder / "export.xml").write_text(
        '<HealthData>\n <Workout workoutActivityType="HKWorkoutActivityTypeRunning" '
        'startDate="2024-01-01 10:00:00 +0100" endDate="2024-01-01 10:30:00 +0100">\n'
        '  <WorkoutRoute><FileReference path="/workout-routes/r.gpx"/></WorkoutRoute>\n'
        " </Workout>\n</HealthData>\n"
    )
    (folder / "workout-routes" / "r.gpx").write_text(
        '<gpx><trk><trkseg><trkpt lat="1" lon="2"><time>2024-01-01T09:00:00Z</time></trkpt>\n'
        '<trkpt lat="1" lon="2"><ele>3</trkseg>'
    )
    read = read_healthkit_export(folder, "r")
    t = load(read)
    assert rows(t, "workouts") == 1 and rows(t, "workout_route_points") == 1
    (rej,) = read.rejections
    assert rej.location.startswith("/workout-routes/r.gpx: line 2")


# -- real third-party exports --------------------------------------------------------------

real_files = sorted(p.name for p in REAL.iterdir()) if REAL.is_dir() else []


def _independent_counts(path: Path) -> dict[str, int]:
    """Counts with regexes over the raw text (not the reader's parser)."""
    if path.is_dir():
        text = (
            (path / "apple_health_export" / "export.xml").read_text()
            if (path / "apple_health_export").is_dir()
            else (path / "export.xml").read_text()
        )
    elif path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            name = next(n for n in zf.namelist() if n.endswith(".xml") and "cda" not in n)
            text = zf.read(name).decode()
    else:
        text = path.read_text()
    body = re.sub(r"<!DOCTYPE.*?\]>", "", text, flags=re.S)
    body = re.sub(r"<Correlation .*?</Correlation>", "", body, flags=re.S)
    return {
        "records": len(re.findall(r"<Record\s", body)),
        "workouts": len(re.findall(r"<Workout\s", body)),
        "activity_summaries": len(re.findall(r"<ActivitySummary\s", body)),
        "hrv_beats": len(re.findall(r"<InstantaneousBeatsPerMinute\s", body)),
        "workout_events": len(re.findall(r"<WorkoutEvent\s", body)),
        "inline_points": len(re.findall(r"<Location\s", body)),
    }


@pytest.mark.skipif(not real_files, reason="real fixtures not present")
@pytest.mark.parametrize("name", real_files)
def test_real_export_loads_with_independent_counts(name: str) -> None:
    path = REAL / name
    read = read_healthkit_export(path, "real", inbox_root=REAL)
    t = load(read)
    expected = _independent_counts(path)
    for table in ("records", "workouts", "activity_summaries", "hrv_beats", "workout_events"):
        assert rows(t, table) == expected[table], table
    points = rows(t, "workout_route_points")
    if name == "dogsheep_zip_contents":
        assert points == 3  # from the referenced GPX
    else:
        assert points == expected["inline_points"]
    for rej in read.rejections:  # only the trimmed fixtures' absent route files
        assert "missing" in rej.reason and rej.target_table == "workout_route_points"
    assert bool(read.rejections) == name.startswith("opendroid")
    assert pc.all(pc.is_valid(t["records"].column("start_time"))).as_py()


@pytest.mark.skipif(not real_files, reason="real fixtures not present")
def test_real_quirks() -> None:
    ipy = load(read_healthkit_export(REAL / "ipyhealth_export.xml", "r"))
    assert "User\u2019s Apple\u00a0Watch" in set(ipy["records"].column("source_name").to_pylist())
    assert ipy["hrv_beats"].column("time_text")[0].as_py().count(",") == 1
    od = load(read_healthkit_export(REAL / "opendroid_sampleexport.xml", "r"))
    beat = od["hrv_beats"].to_pylist()[0]
    assert beat["time_text"] == "11:26:02.34 AM"
    assert beat["seconds_since_midnight"] == pytest.approx(11 * 3600 + 26 * 60 + 2.34)
    dog = load(read_healthkit_export(REAL / "dogsheep_export.xml", "r"))
    w = dog["workouts"].to_pylist()[0]
    assert w["total_distance_unit"] == "mi"
    assert w["total_distance_meters"] == pytest.approx(0.4971749504535062 * 1609.344)
    hr = dog["records"].filter(
        pc.equal(dog["records"].column("type"), "HKQuantityTypeIdentifierHeartRate")
    )
    r = hr.to_pylist()[0]
    assert (r["device_name"], r["device_hardware"], r["device_software"]) == (
        "Apple Watch",
        "Watch2,4",
        "4.3.1",
    )
    assert r["start_utc_offset_seconds"] == -7 * 3600
    assert r["start_time"] == dt.datetime(2018, 9, 10, 9, 28, 55, tzinfo=dt.UTC)
    parser = load(read_healthkit_export(REAL / "apple-health-parser_export.xml", "r"))
    values = set(parser["records"].column("value_text").to_pylist())
    assert "HKCategoryValueSleepAnalysisAsleepCore" in values
    me = parser["me"].to_pylist()[0]
    assert me["cardio_fitness_medications_use"] is not None


def test_helpers() -> None:
    assert (
        parse_device("<<HKDevice: 0x28>, name:iPhone, model:iPhone, hardware:iPhone14,2>")[3]
        == "iPhone14,2"
    )
    assert parse_device("Dummy device") == (None,) * 5
    assert seconds_since_midnight("12:00:00.50 AM") == pytest.approx(0.5)
    assert seconds_since_midnight("23:47:49,20") == pytest.approx(85669.2)
    assert seconds_since_midnight("garbage") is None


# -- parallel parsing (worker processes) ---------------------------------------------------


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cut the document every ~32 KiB (and after every route) so small inputs take many
    chunks through the worker processes."""
    from pipelines.healthkit import reader

    monkeypatch.setattr(reader, "FRAGMENT_BYTES", 32 << 10)
    monkeypatch.setattr(reader, "ROUTES_PER_FRAGMENT", 1)


def _outcome(read: HealthkitRead) -> tuple[dict[str, list[dict]], list[tuple], dict[str, int]]:
    tables = {name: t.to_pylist() for name, t in load(read).items()}
    rejections = sorted(
        (x.location, x.reason, x.target_table or "", x.raw_excerpt or "") for x in read.rejections
    )
    return tables, rejections, read.counts


@pytest.mark.usefixtures("small_chunks")
def test_workers_give_the_same_rows_keys_and_progress(
    inbox: tuple[Path, list[SampleRunner]],
) -> None:
    r = inbox[1][0]
    seen: list[int] = []
    parallel = read_healthkit_export(r.healthkit_zip, r.runner_id, workers=2, on_bytes=seen.append)
    in_process = read_healthkit_export(r.healthkit_zip, r.runner_id, workers=0)
    a, b = _outcome(parallel), _outcome(in_process)
    assert a == b
    assert sum(seen) == parallel.total_bytes
    assert len(a[0]["records"]) == sum(r.healthkit_record_counts.values())
    assert len(a[0]["workout_route_points"]) == r.route_trackpoint_count


def _awkward_export() -> bytes:
    """Repeats, bad dates, and cut points (``\\n <Record``) inside elements, a comment and
    a CDATA section, which the splitter cannot tell from element boundaries."""

    def rec(i: int, start: str = "2024-01-01 10:00:00 +0100", children: str = "") -> str:
        tag = (
            f' <Record type="HKQuantityTypeIdentifierStepCount" sourceName="S" unit="count" '
            f'startDate="{start}" endDate="2024-01-01 10:01:00 +0100" value="{i}"'
        )
        return f"{tag}>\n{children} </Record>\n" if children else f"{tag}/>\n"

    meta = '  <MetadataEntry key="HKTimeZone" value="Europe/Berlin"/>\n'
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_US">\n']
    parts.append(' <ExportDate value="2024-02-01 10:00:00 +0100"/>\n')
    for i in range(3000):
        parts.append(rec(i % 700, children=meta if i % 3 == 0 else ""))  # repeats from 700
        if i % 400 == 7:
            parts.append(rec(i, start="yesterday", children=meta))
        if i % 300 == 11 and i > 2100:  # after the `entity` and `cut` damage below
            parts.append(
                ' <Correlation type="C" sourceName="S" startDate="2024-01-01 10:00:00 +0100" '
                f'endDate="2024-01-01 10:00:00 +0100">\n{rec(90000 + i)}{rec(90001 + i)}'
                " </Correlation>\n"
            )
        if i == 2345:
            parts.append(f" <!-- a comment\n{rec(0)} -->\n <![CDATA[\n{rec(1)}]]>\n")
    parts.append("</HealthData>\n")
    return "".join(parts).encode()


@pytest.mark.usefixtures("small_chunks")
@pytest.mark.parametrize("damage", ["none", "entity", "cut"])
def test_workers_handle_unclean_cuts_and_errors(tmp_path: Path, damage: str) -> None:
    xml = _awkward_export()
    if damage == "entity":  # the rest of the document is rejected, in whichever chunk
        at = xml.find(b"\n <Record", len(xml) // 2) + 1
        xml = xml[:at] + b' <Record type="B" sourceName="&lol9;" value="x"/>\n' + xml[at:]
    elif damage == "cut":
        xml = xml[: xml.find(b"<MetadataEntry", len(xml) * 2 // 3) + 20]
    path = tmp_path / "export.xml"
    path.write_bytes(xml)
    parallel = _outcome(read_healthkit_export(path, "r", workers=2))
    assert parallel == _outcome(read_healthkit_export(path, "r", workers=0))
    tables, rejections, _ = parallel
    ids = [x["record_id"] for x in tables["records"]]
    assert len(set(ids)) == len(ids) and any(i.endswith("-1") for i in ids)
    bad_dates = [x for x in rejections if "'yesterday'" in x[1]]
    assert bad_dates and all(x[0].startswith("line ") for x in bad_dates)
    if damage == "entity":
        line = xml[: xml.find(b"&lol9;")].count(b"\n") + 1
        assert any(x[0] == f"line {line}, column 1" for x in rejections)
    if damage == "cut":
        line = xml[: xml.rfind(b"<Record ")].count(b"\n") + 1
        assert (f"line {line}", "records") in {(x[0], x[2]) for x in rejections}


def _pools(monkeypatch: pytest.MonkeyPatch) -> list:
    from pipelines.healthkit import reader, workers

    made: list[workers.Pool] = []

    class Recording(workers.Pool):
        def __init__(self, *args: object) -> None:
            super().__init__(*args)  # type: ignore[arg-type]
            made.append(self)
            self.all_procs = list(self.procs)

    monkeypatch.setattr(reader, "Pool", Recording)
    return made


@pytest.mark.usefixtures("small_chunks")
def test_abandoned_pass_stops_its_workers(
    inbox: tuple[Path, list[SampleRunner]], monkeypatch: pytest.MonkeyPatch
) -> None:
    made = _pools(monkeypatch)
    r = inbox[1][0]
    batches = read_healthkit_export(r.healthkit_zip, r.runner_id, workers=2).batches()
    next(batches)
    batches.close()  # the consumer stops early
    (pool,) = made
    assert len(pool.all_procs) == 2
    assert all(p.returncode is not None for p in pool.all_procs)


@pytest.mark.usefixtures("small_chunks")
def test_a_dead_worker_raises_instead_of_hanging(
    inbox: tuple[Path, list[SampleRunner]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from pipelines.healthkit.workers import WorkerError

    made = _pools(monkeypatch)
    r = inbox[1][0]
    batches = read_healthkit_export(
        r.healthkit_zip, r.runner_id, workers=2, batch_rows=100
    ).batches()
    next(batches)
    made[0].all_procs[0].kill()
    with pytest.raises(WorkerError):
        for _ in batches:
            pass
    assert all(p.returncode is not None for p in made[0].all_procs)


def test_key_dedupe_in_bulk_matches_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from pipelines.healthkit import handler

    monkeypatch.setattr(handler, "DEDUPE_WINDOW", 50)
    keys = [f"k{i % 70}" for i in range(400)] + [f"n{i}" for i in range(300)]
    one = handler.Keys()
    expected = [one.unique(k) for k in keys]
    bulk = handler.Keys()
    got: list[str] = []
    for start in range(0, len(keys), 37):
        part = keys[start : start + 37]
        got += bulk.unique_all(part) or part
    assert got == expected


# -- values that cannot be true ----------------------------------------------------------

ODD_EXPORT = Path(__file__).resolve().parents[1] / "fixtures" / "odd_values" / "healthkit"


def test_values_that_cannot_be_true_are_quarantined_and_the_rest_loads() -> None:
    read = read_healthkit_export(ODD_EXPORT / "export.xml", "ana", workers=0)
    tables = load(read)
    found = {(r.location, r.target_table): r.reason for r in read.rejections}
    assert found == {
        ("line 6", "records"): "Record BodyMass value 0 kg cannot be true (plausible: 20-300 kg)",
        ("line 8", "records"): "Record StepCount value -120 count cannot be true "
        "(plausible: at least 0)",
        ("line 9", "records"): "Record DistanceWalkingRunning ends (2015-08-15 10:58:30 UTC) "
        "before it starts (2015-08-15 11:05:00 UTC)",
        ("line 37", "records"): "Record HeartRate value 400 count/min cannot be true "
        "(plausible: 20-250 bpm)",
        ("line 50", "workouts"): "Workout Running ends (2015-08-16 05:47:30 UTC) before it "
        "starts (2015-08-16 06:00:00 UTC)",
        ("line 56", "workouts"): "Workout Running covers 500 km in 10 min (833 m/s), which "
        "cannot be true (plausible average speed: 0-30 m/s)",
    }
    assert all(r.source_file.endswith("export.xml") and r.raw_excerpt for r in read.rejections)
    assert 'value_text="400"' in next(r.raw_excerpt for r in read.rejections if "400" in r.reason)
    records = tables["records"].to_pylist()
    values = Counter(
        (r["type"].removeprefix("HKQuantityTypeIdentifier"), r["value"]) for r in records
    )
    assert values[("BodyMass", 61.2)] == 1 and values[("StepCount", 812.0)] == 1
    assert not [v for (t, v) in values if t == "HeartRate" and v > 250]
    assert sum(n for (t, _), n in values.items() if t == "HeartRate") == 10
    # a rejected record's metadata, a rejected workout's statistics go with it
    assert tables["record_metadata"].num_rows == 10
    distances = sorted(w["total_distance_meters"] for w in tables["workouts"].to_pylist())
    assert distances == [5000, pytest.approx(9008.22)]
    assert tables["workout_statistics"].num_rows == 3
    assert rows(tables, "activity_summaries") == 1 and rows(tables, "me") == 1
