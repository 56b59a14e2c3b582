"""The independent generator (tests/independent) writes what real exports hold."""

import csv
import datetime as dt
import io
import re
import zipfile

from tests.independent import DAYS, END, race_day
from tests.independent import write_runner as write_independent_runner
from tests.independent.apple_health import COLLIDING_BACKGROUND_BPM
from tests.independent.squad import squad
from tests.real_fixtures import REAL_FIXTURES

FIRST_DAY = END - dt.timedelta(days=DAYS - 1)
BERLIN, TRAVELLER, KOLKATA = squad(FIRST_DAY, race_day(END))


def test_same_seed_same_bytes_and_a_newer_export_is_a_superset(tmp_path):
    once, twice = (
        write_independent_runner(tmp_path / name, TRAVELLER, seed=2026) for name in ("a", "b")
    )
    for path in sorted(p for p in once.folder.rglob("*") if p.is_file()):
        assert path.read_bytes() == (twice.folder / path.relative_to(once.folder)).read_bytes()
    longer = write_independent_runner(tmp_path / "c", TRAVELLER, seed=2026, health_days=DAYS + 5)
    assert longer.runs[: len(once.runs)] == once.runs and len(longer.runs) > len(once.runs)
    assert all(
        longer.health.records_by_type[kind] > count
        for kind, count in once.health.records_by_type.items()
    )
    strava = next((once.folder / "strava").iterdir())
    assert strava.read_bytes() == (longer.folder / "strava" / strava.name).read_bytes()


def _export_xml(written) -> str:
    with zipfile.ZipFile(written.healthkit_zip) as archive:
        return archive.read("apple_health_export/export.xml").decode()


def test_apple_health_dates_carry_the_offset_of_where_the_runner_was(tmp_path):
    offsets = {
        runner.runner_id: set(
            re.findall(
                r'startDate="[^"]* ([+-]\d{4})"',
                _export_xml(write_independent_runner(tmp_path, runner, seed=2026)),
            )
        )
        for runner in (BERLIN, TRAVELLER, KOLKATA)
    }
    assert offsets == {
        "lena-berlin": {"+0200", "+0100"},  # summer time ends on 25 October
        "marcus_travels": {"-0400", "+0900", "-0500"},  # Tokyo, then US DST ends
        "priya": {"+0530"},
    }


def test_background_and_workout_heart_rates_share_a_second(tmp_path):
    written = write_independent_runner(tmp_path, BERLIN, seed=2026)
    xml = _export_xml(written)
    readings: dict[str, set[str]] = {}
    for start, bpm in re.findall(
        r'type="HKQuantityTypeIdentifierHeartRate"[^>]*startDate="([^"]+)"[^>]*value="(\d+)"', xml
    ):
        readings.setdefault(start, set()).add(bpm)
    shared = {start: bpms for start, bpms in readings.items() if len(bpms) > 1}
    # at least one per workout on purpose; background readings also land on workout seconds
    on_purpose = [bpms for bpms in shared.values() if str(COLLIDING_BACKGROUND_BPM) in bpms]
    assert len(on_purpose) == written.health.workouts <= len(shared)


def test_strava_export_has_the_real_header_fit_gpx_gzip_and_a_few_metre_split(tmp_path):
    written = write_independent_runner(tmp_path, KOLKATA, seed=2026)
    real = (REAL_FIXTURES / "strava" / "slalom007_export" / "activities.csv").read_text()
    with zipfile.ZipFile(next((written.folder / "strava").iterdir())) as archive:
        table = list(csv.reader(io.StringIO(archive.read("activities.csv").decode())))
        members = set(archive.namelist())
    assert table[0] == next(csv.reader(io.StringIO(real))) and len(table[0]) == 99
    files = [row[table[0].index("Filename")] for row in table[1:]]
    assert set(files) <= members
    assert {f.split(".", 1)[1] for f in files} == {"fit", "fit.gz", "gpx", "gpx.gz"}
    assert any(0 < run.distance_m % 1000 < 10 and run.strava_format for run in written.runs)
    assert any(run.repeated_instants for run in written.runs if run.strava_format)
