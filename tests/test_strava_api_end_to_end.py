"""Issue 17's "done when": a runner whose export ended ten days ago connects; `strava sync`
then `materialize` add exactly the new activities, the activity both the export and the API
have stays one row, a race flagged on Strava counts as a race, a second sync asks only for
what is new, and the home holds no token in plain text."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest

from assets.run import materialize_home
from pipelines.strava_api.client import StravaSession
from pipelines.strava_api.connect import connect_runner
from pipelines.strava_api.sync import sync_runners
from samples import write_sample_inbox
from tests.pipelines.strava_stub import StravaStub, activity, serving_strava
from warehouse.connection import open_warehouse
from warehouse.settings import CadenceHome

TODAY = dt.datetime.now(dt.UTC).date()
ATHLETE = 31337


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[StravaStub]:
    with serving_strava(monkeypatch) as server:
        yield server


def _one(home: CadenceHome, sql: str, params: list | None = None) -> list[tuple]:
    with open_warehouse(home.warehouse) as con:
        return con.execute(sql, params or []).fetchall()


def test_connect_sync_materialize_adds_exactly_the_new_activities(
    home: CadenceHome, stub: StravaStub
) -> None:
    ended = TODAY - dt.timedelta(days=10)
    write_sample_inbox(home.inbox, runners=1, days=14, seed=5, end_date=ended)
    runner_id = next(home.inbox.iterdir()).name
    assert materialize_home(home).success
    before = _one(home, "SELECT count(*) FROM terra.activities WHERE runner_id = ?", [runner_id])
    # the export's latest run, as Strava's API also has it (same id, Strava's own start)
    last_id, last_start, distance, seconds = _one(
        home,
        "SELECT activity_id, activity_date, distance_meters, elapsed_time_seconds "
        "FROM raw_strava.activities WHERE runner_id = ? ORDER BY activity_date DESC LIMIT 1",
        [runner_id],
    )[0]
    athlete = stub.athlete(ATHLETE, "sample_runner", "refresh-from-strava")
    athlete.add(
        activity(
            last_id,
            last_start.astimezone(dt.UTC),
            athlete_id=ATHLETE,
            distance=distance,
            seconds=int(seconds),
        )
    )
    now = dt.datetime.now(dt.UTC).replace(hour=6, minute=30, second=0, microsecond=0)
    new_ids = [9_000_000_001, 9_000_000_002, 9_000_000_003]
    for days, new_id in zip((8, 5, 2), new_ids, strict=True):
        athlete.add(
            activity(
                new_id,
                now - dt.timedelta(days=days),
                athlete_id=ATHLETE,
                workout_type=1 if days == 5 else 0,
                name="Parkrun" if days == 5 else "Easy run",
                distance=5_000.0 if days == 5 else 8_000.0,
                seconds=1_320 if days == 5 else 2_880,
            )
        )

    connect_runner(home, runner_id, refresh_token="refresh-from-strava")
    first = sync_runners(home, session_factory=StravaSession)
    assert [(r.runner_id, r.outcome, r.loaded) for r in first.runners] == [(runner_id, "synced", 4)]
    # one more run arrives before the daily job, which syncs connected runners by itself,
    # asking only for what started after the latest run it has
    athlete.add(activity(9_000_000_004, now - dt.timedelta(hours=20), athlete_id=ATHLETE))
    stub.requests.clear()
    assert materialize_home(home).success
    latest = int((now - dt.timedelta(days=2)).timestamp())
    assert {p["after"] for p in stub.asked("/athlete/activities")} == {str(latest)}
    assert [p for _, p, _ in stub.requests if p.startswith(f"/activities/{new_ids[0]}")] == []

    after = _one(home, "SELECT count(*) FROM terra.activities WHERE runner_id = ?", [runner_id])
    assert after[0][0] == before[0][0] + 4  # the overlapping one is not a second row
    assert _one(
        home,
        "SELECT count(*) FROM terra.activities WHERE runner_id = ? "
        "AND list_contains(list_transform(merged_from, lambda m: m.external_id), ?)",
        [runner_id, str(last_id)],
    ) == [(1,)]
    races = _one(
        home,
        "SELECT external_id, is_race, session_type FROM terra.activities "
        "WHERE runner_id = ? AND external_id IN (SELECT unnest(?))",
        [runner_id, [str(i) for i in new_ids]],
    )
    assert {r[0]: r[2] for r in races}[str(new_ids[1])] == "race"
    vdot_from = _one(
        home,
        "SELECT a.external_id FROM coach.runners r JOIN terra.activities a "
        "ON a.activity_id = r.running.vdot_activity_id WHERE r.runner_id = ?",
        [runner_id],
    )
    assert vdot_from == [(str(new_ids[1]),)]  # the race Strava flagged sets the VDOT
    assert sorted((r[0], r[1]) for r in races) == [
        (str(new_ids[0]), False),
        (str(new_ids[1]), True),
        (str(new_ids[2]), False),
    ]
    assert _one(
        home,
        "SELECT count(*) FROM terra.activity_samples s JOIN terra.activities a "
        "USING (activity_id) WHERE a.external_id = ?",
        [str(new_ids[2])],
    ) == [(60,)]

    stub.requests.clear()
    assert sync_runners(home).loaded == 0  # a second sync asks only for what is new
    latest = int((now - dt.timedelta(hours=20)).timestamp())
    assert {p["after"] for p in stub.asked("/athlete/activities")} == {str(latest)}

    tokens = ["refresh-from-strava", *stub.refresh_tokens, *stub.access_tokens]
    for path in home.root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not [t for t in tokens if t.encode() in data], path
