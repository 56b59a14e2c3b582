"""A TCX file of several sessions loads one `activity_files` row per session, and reloads in
place: in a warehouse that already holds it as one row (loaded before sessions were told
apart), and again and again after."""

import pytest

from assets.layers import raw_frames
from pipelines.batches import Batch, RawTable
from pipelines.ingest import run_ingest
from pipelines.strava import StravaRead, decode, to_tables
from tests.real_fixtures import REAL_FIXTURES, export_of
from transforms.runner_context import runner_context
from transforms.terra import build_terra
from warehouse.connection import open_warehouse, read_table
from warehouse.contracts import contract

MULTI_SESSION = "gpx_tcx/goldencheetah_activity_165850259_multi-session.tcx"
SINGLE_SESSION = "gpx_tcx/tcxparser_test.tcx"
MULTI, SINGLE = 11603216458, 11603216459

pytestmark = pytest.mark.skipif(
    not (REAL_FIXTURES / MULTI_SESSION).exists(), reason="real fixtures absent"
)

BEFORE_SESSIONS = RawTable("activity_files", ("runner_id", "activity_id"), "as loaded before")


def as_before(batch: Batch) -> Batch:
    """What the reader wrote before sessions were told apart: no `session_index`, one
    `activity_files` row per file keyed by its activity id alone (`one_row`)."""
    rows = batch.rows
    if "session_index" in rows.column_names:
        rows = rows.drop_columns(["session_index"])
    return Batch(BEFORE_SESSIONS if batch.table.name == "activity_files" else batch.table, rows)


def one_row(decoded, *args):
    """`to_tables` of a file whose sessions are one summed summary, as they were."""
    decoded.sessions = []
    decoded.samples.columns["session_index"] = [0] * len(decoded.samples)
    return to_tables(decoded, *args)


def load_as_before(home, monkeypatch) -> None:
    read = StravaRead.batches
    with monkeypatch.context() as before:
        before.setattr(StravaRead, "batches", lambda self: map(as_before, read(self)))
        before.setattr(decode, "to_tables", one_row)
        run_ingest(home)


def warehouse_rows(home, sql: str) -> list[tuple]:
    with open_warehouse(home.warehouse, read_only=True) as con:
        return con.execute(sql).fetchall()


def file_rows(home) -> list[tuple]:
    return warehouse_rows(
        home,
        "SELECT activity_id, session_index, start_time::DATE::VARCHAR, sample_count "
        "FROM raw_strava.activity_files ORDER BY activity_id, session_index",
    )


def session_counts(home, table: str) -> list[tuple]:
    return warehouse_rows(
        home,
        f"SELECT activity_id, session_index, count(*) FROM raw_strava.{table} "
        "GROUP BY ALL ORDER BY ALL",
    )


def test_sessions_reload_in_place_in_a_warehouse_that_held_the_file_as_one_row(home, monkeypatch):
    export_of(home.inbox / "ana" / "strava", {MULTI: MULTI_SESSION, SINGLE: SINGLE_SESSION})
    load_as_before(home, monkeypatch)
    old = warehouse_rows(
        home, "SELECT activity_id, sample_count FROM raw_strava.activity_files ORDER BY 1"
    )
    assert old == [(MULTI, 1893), (SINGLE, 384)]

    sessions = [
        (MULTI, 0, "2011-11-29", 656),
        (MULTI, 1, "2011-12-01", 235),
        (MULTI, 2, "2011-12-04", 733),
        (MULTI, 3, "2011-12-07", 269),
        (SINGLE, 0, "2012-12-26", 384),
    ]
    laps = [(MULTI, k, 1) for k in range(4)] + [(SINGLE, 0, 3)]
    samples = [(MULTI, k, n) for _, k, _, n in sessions[:4]] + [(SINGLE, 0, 384)]
    for _ in range(2):  # the file's old row is replaced, then its session rows each time
        run_ingest(home, force=True)
        assert file_rows(home) == sessions
        assert session_counts(home, "laps") == laps
        assert session_counts(home, "samples") == samples

    with open_warehouse(home.warehouse, read_only=True) as con:
        raw = raw_frames(con, ["ana"])
        runners = read_table(con, contract("coach.runners"), "runner_id = ?", ["ana"])
    activities = build_terra(raw, runner_context(runners)).activities.sort("start_time")
    assert activities["external_id"].to_list() == [
        str(MULTI),
        f"{MULTI}001",
        f"{MULTI}002",
        f"{MULTI}003",
        str(SINGLE),
    ]
    terra = contract("terra.activities")
    terra.validate(terra.conform(activities))


def test_a_warehouse_loaded_before_sessions_still_builds_one_activity_per_file(home, monkeypatch):
    """Until its export is read again, a file loaded as one row stays one activity."""
    export_of(home.inbox / "ana" / "strava", {MULTI: MULTI_SESSION})
    load_as_before(home, monkeypatch)
    with open_warehouse(home.warehouse, read_only=True) as con:
        raw = raw_frames(con, ["ana"])
        runners = read_table(con, contract("coach.runners"), "runner_id = ?", ["ana"])
    assert "session_index" not in raw.strava_files.columns
    (activity,) = build_terra(raw, runner_context(runners)).activities.rows(named=True)
    assert activity["external_id"] == str(MULTI)
    assert activity["distance_meters"] == pytest.approx(17056.06, abs=0.01)
