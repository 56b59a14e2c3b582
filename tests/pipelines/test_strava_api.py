"""Strava API sync against a local stub of Strava (tests/pipelines/strava_stub.py): the real
dlt REST client, real dlt loads into a real DuckDB; only the network is a stub."""

from __future__ import annotations

import datetime as dt
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator

import pytest
from dlt.pipeline.pipeline import Pipeline

from pipelines.strava_api.client import StravaSession
from pipelines.strava_api.connect import connect_runner
from pipelines.strava_api.sync import SyncReport, sync_runners
from pipelines.strava_api.tokens import FOLDER, PendingTokens
from tests.pipelines.strava_stub import StravaStub, activity, serving_strava
from warehouse.connection import open_warehouse, table_exists
from warehouse.secrets import KEY_FILE, SecretBox
from warehouse.settings import CadenceHome
from warehouse.strava_users import StravaUsers, strava_statuses

NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
ANA, BEN = 1001, 1002


@pytest.fixture
def stub(monkeypatch: pytest.MonkeyPatch) -> Iterator[StravaStub]:
    with serving_strava(monkeypatch) as server:
        yield server


def _runs(stub: StravaStub, athlete_id: int, days_ago: list[int], first_id: int) -> None:
    athlete = stub.athletes[athlete_id]
    for n, days in enumerate(days_ago):
        athlete.add(activity(first_id + n, NOW - dt.timedelta(days=days), athlete_id=athlete_id))


def _no_wait() -> StravaSession:
    return StravaSession(sleep=lambda seconds: None)


def _counts(home: CadenceHome, runner_id: str) -> dict[str, int]:
    with open_warehouse(home.warehouse) as con:
        return {
            t: con.execute(
                f"SELECT count(*) FROM raw_strava_api.{t} WHERE runner_id = ?", [runner_id]
            ).fetchone()[0]
            for t in ("activities", "laps", "samples")
        }


def _plain_token_files(home: CadenceHome, tokens: list[str]) -> list[str]:
    found = []
    for path in home.root.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            found += [f"{path}: {t}" for t in tokens if t.encode() in data]
    return found


def test_connect_stores_the_rotated_token_encrypted(home: CadenceHome, stub: StravaStub) -> None:
    stub.athlete(ANA, "ana_runs", "first-refresh-token")
    connected = connect_runner(home, "ana", refresh_token="first-refresh-token")
    assert (connected.strava_id, connected.username) == (ANA, "ana_runs")
    key = home.root / KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    with open_warehouse(home.warehouse) as con:
        row = con.execute(
            "SELECT strava_id, strava_username, refresh_token, status FROM coach.users"
        ).fetchone()
    assert row[0] == ANA and row[1] == "ana_runs" and row[3] == "connected"
    assert "refresh" not in row[2]  # a Fernet token, not the refresh token
    assert strava_statuses_of(home) == {"ana": "connected"}
    issued = [t for t in stub.refresh_tokens if t.startswith("refresh-")]
    assert _plain_token_files(home, ["first-refresh-token", *issued, *stub.access_tokens]) == []


def strava_statuses_of(home: CadenceHome) -> dict[str, str]:
    with open_warehouse(home.warehouse) as con:
        return strava_statuses(con)


def test_sync_pages_through_activities_and_resumes_after_the_latest(
    home: CadenceHome, stub: StravaStub
) -> None:
    stub.athlete(ANA, "ana_runs", "r0")
    _runs(stub, ANA, [9, 7, 5, 3, 1], first_id=500)
    connect_runner(home, "ana", refresh_token="r0")
    report = sync_runners(home, per_page=2, session_factory=_no_wait)
    assert [r.sentence() for r in report.runners] == ["5 new activities loaded"]
    assert _counts(home, "ana") == {"activities": 5, "laps": 10, "samples": 300}
    pages = stub.asked("/athlete/activities")
    assert [p["page"] for p in pages] == ["1", "2", "3", "4"]  # the 4th is empty: the end
    assert {p["after"] for p in pages} == {"0"}
    # the refresh token rotated twice (connect, sync): only the latest works, and it is stored
    assert len(stub.refresh_tokens) == 1

    stub.requests.clear()
    _runs(stub, ANA, [0], first_id=600)
    again = sync_runners(home, per_page=2, session_factory=_no_wait)
    assert again.runners[0].loaded == 1
    latest = int((NOW - dt.timedelta(days=1)).timestamp())
    assert {p["after"] for p in stub.asked("/athlete/activities")} == {str(latest)}
    assert [p for (p,) in [(r[1],) for r in stub.requests] if p.startswith("/activities/5")] == []
    assert _counts(home, "ana") == {"activities": 6, "laps": 12, "samples": 360}
    with open_warehouse(home.warehouse) as con:
        workout = con.execute(
            "SELECT workout_type, sport_type, start_date FROM raw_strava_api.activities "
            "WHERE activity_id = 600"
        ).fetchone()
    assert workout[:2] == (0, "Run")


def test_a_429_is_waited_out_for_its_retry_after(home: CadenceHome, stub: StravaStub) -> None:
    stub.athlete(ANA, "ana_runs", "r0")
    _runs(stub, ANA, [3, 2], first_id=700)
    connect_runner(home, "ana", refresh_token="r0")
    stub.throttle = 2
    sessions: list[StravaSession] = []

    def session() -> StravaSession:
        sessions.append(_no_wait())
        return sessions[-1]

    report = sync_runners(home, session_factory=session)
    assert report.runners[0].outcome == "synced" and report.loaded == 2
    assert sessions[0].waited == [1.0, 1.0]


WRITE_MEANWHILE = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])  # fails at once if another process has the file open
con.execute("CREATE SCHEMA IF NOT EXISTS meanwhile")
con.execute("CREATE TABLE meanwhile.written AS SELECT 1 AS one")
con.close()
print("written", flush=True)
"""


def test_the_warehouse_is_free_while_a_sync_waits_out_a_429(
    home: CadenceHome, stub: StravaStub
) -> None:
    """Another process writes the warehouse while the sync sleeps on Retry-After: the wait
    holds neither the warehouse nor (the asset has no pool) anybody else's step."""
    stub.athlete(ANA, "ana_runs", "r0")
    _runs(stub, ANA, [3, 2], first_id=710)
    connect_runner(home, "ana", refresh_token="r0")
    stub.throttle, stub.retry_after = 1, 6
    reports: list[SyncReport] = []
    sync = threading.Thread(target=lambda: reports.append(sync_runners(home)))
    sync.start()
    try:
        assert stub.throttled.wait(timeout=60), "the stub never answered 429"
        writer = subprocess.run(
            [sys.executable, "-c", WRITE_MEANWHILE, str(home.warehouse)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        still_waiting = sync.is_alive() and len(stub.asked("/athlete/activities")) == 1
    finally:
        sync.join(timeout=120)
    assert writer.stdout.strip() == "written", writer.stderr[-500:]
    assert still_waiting, "the sync was done waiting before the other process wrote"
    assert [(r.outcome, r.loaded) for r in reports[0].runners] == [("synced", 2)]
    with open_warehouse(home.warehouse) as con:
        assert con.execute("SELECT one FROM meanwhile.written").fetchall() == [(1,)]
    assert _counts(home, "ana")["activities"] == 2


def test_a_token_rotated_by_a_run_killed_before_its_load_is_kept(
    home: CadenceHome, stub: StravaStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    stub.athlete(ANA, "ana_runs", "r0")
    _runs(stub, ANA, [3, 2], first_id=720)
    connect_runner(home, "ana", refresh_token="r0")

    def killed(self: Pipeline, *args: object, **kwargs: object) -> None:
        raise RuntimeError("killed before the load")

    with monkeypatch.context() as patched:
        patched.setattr(Pipeline, "load", killed)
        with pytest.raises(RuntimeError, match="killed before the load"):
            sync_runners(home, session_factory=_no_wait)
    (valid,) = stub.refresh_tokens  # Strava took back every earlier token
    box = SecretBox.for_home(home.root)
    with open_warehouse(home.warehouse) as con:
        stored = StravaUsers(con, box).connections()[0].refresh_token
    assert stored != valid  # the warehouse still has the refused one...
    assert PendingTokens(home.root, box).waiting()["ana"].refresh_token == valid  # ...not only
    issued = [*stub.refresh_tokens, *stub.access_tokens, "r0"]
    assert _plain_token_files(home, issued) == []
    with open_warehouse(home.warehouse) as con:
        assert not table_exists(con, "raw_strava_api.activities")  # nothing was loaded

    report = sync_runners(home, session_factory=_no_wait)
    assert [(r.outcome, r.loaded) for r in report.runners] == [("synced", 2)]
    assert list((home.root / FOLDER).iterdir()) == []  # stored in coach.users, then removed
    with open_warehouse(home.warehouse) as con:
        stored = StravaUsers(con, box).connections()[0].refresh_token
    assert [stored] == list(stub.refresh_tokens)


def test_the_daily_limit_stops_cleanly_and_the_next_run_resumes(
    home: CadenceHome, stub: StravaStub
) -> None:
    stub.athlete(ANA, "ana_runs", "r0")
    _runs(stub, ANA, [6, 5, 4, 3], first_id=800)
    connect_runner(home, "ana", refresh_token="r0")
    # list (2 requests) + 3 per activity: the day ends after the second activity
    stub.usage, stub.daily_limit = 0, 2 + 3 * 2
    report = sync_runners(home, session_factory=_no_wait)
    sync = report.runners[0]
    assert (sync.outcome, sync.loaded) == ("daily_limit", 2)
    assert "resumes next run" in sync.sentence()
    assert _counts(home, "ana")["activities"] == 2
    stub.daily_limit, stub.usage = 1000, 0  # a new day
    stub.requests.clear()
    assert sync_runners(home, session_factory=_no_wait).loaded == 2
    second = int((NOW - dt.timedelta(days=5)).timestamp())
    assert {p["after"] for p in stub.asked("/athlete/activities")} == {str(second)}
    assert _counts(home, "ana")["activities"] == 4


def test_a_revoked_token_disconnects_that_runner_only(home: CadenceHome, stub: StravaStub) -> None:
    stub.athlete(ANA, "ana_runs", "r0")
    stub.athlete(BEN, "ben_runs", "b0")
    _runs(stub, ANA, [2], first_id=900)
    _runs(stub, BEN, [2], first_id=950)
    connect_runner(home, "ana", refresh_token="r0")
    connect_runner(home, "ben", refresh_token="b0")
    stub.revoke_api_only.add(ANA)  # the refresh works, then the API says 401
    report = sync_runners(home, session_factory=_no_wait)
    outcome = {r.runner_id: r.outcome for r in report.runners}
    assert outcome == {"ana": "disconnected", "ben": "synced"}
    statuses = strava_statuses_of(home)
    assert statuses["ben"] == "connected"
    assert statuses["ana"].startswith("disconnected: Strava answered 401")
    assert _counts(home, "ben")["activities"] == 1
    # a disconnected runner is not synced again until connected again
    stub.revoked.add(BEN)
    again = sync_runners(home, session_factory=_no_wait)
    assert [(r.runner_id, r.outcome) for r in again.runners] == [("ben", "disconnected")]
    assert "Strava refused the refresh token" in strava_statuses_of(home)["ben"]


def test_a_malformed_activity_is_quarantined_and_the_rest_loads(
    home: CadenceHome, stub: StravaStub
) -> None:
    stub.athlete(ANA, "ana_runs", "r0")
    _runs(stub, ANA, [4, 3, 2], first_id=300)
    stub.overrides[301] = {**stub.athletes[ANA].activities[301], "distance": "ten km"}
    connect_runner(home, "ana", refresh_token="r0")
    report = sync_runners(home, session_factory=_no_wait, run_id="run-1")
    assert report.loaded == 2
    with open_warehouse(home.warehouse) as con:
        ids = con.execute("SELECT activity_id FROM raw_strava_api.activities ORDER BY 1").fetchall()
        rejected = con.execute(
            "SELECT source_file, location, reason FROM quarantine.rejected WHERE runner_id = 'ana'"
        ).fetchall()
    assert ids == [(300,), (302,)]
    assert rejected == [
        (
            "strava_api/activities/301",
            "activity 301",
            "activity 301: distance 'ten km' is not a number",
        )
    ]


def test_the_cli_connects_syncs_and_lists_a_disconnected_runner(
    home: CadenceHome, stub: StravaStub
) -> None:
    from typer.testing import CliRunner

    from assets.cli import app

    cli = CliRunner()
    assert (
        cli.invoke(app, ["runner", "create", "u-ana", "Ana", "--runner-id", "ana"]).exit_code == 0
    )
    stub.athlete(ANA, "ana_runs", "r0")
    _runs(stub, ANA, [2, 1], first_id=100)
    connected = cli.invoke(app, ["strava", "connect", "ana", "--refresh-token", "r0"])
    assert connected.exit_code == 0, connected.output
    assert "Strava athlete 1001 (ana_runs)" in connected.output
    synced = cli.invoke(app, ["strava", "sync", "ana"])
    assert synced.exit_code == 0, synced.output
    assert "2 new activities loaded" in synced.output
    stub.revoked.add(ANA)
    refused = cli.invoke(app, ["strava", "sync"])
    assert refused.exit_code == 1
    listed = cli.invoke(app, ["runner", "list"])
    assert "disconnected: Strava" in listed.output
    assert "Strava refused the refresh token" in strava_statuses_of(home)["ana"]
    doctor = " ".join(cli.invoke(app, ["doctor"]).output.split())
    assert "0 runner(s) connected; ana disconnected" in doctor
    assert "r0" not in (home.root / KEY_FILE).read_text()


def test_a_spent_15_minute_window_is_waited_out_before_the_next_request(
    stub: StravaStub,
) -> None:
    waits: list[float] = []
    session = StravaSession(sleep=waits.append, clock=lambda: 1_000.0)  # 100 s past :15
    session.limits.read({"X-RateLimit-Limit": "200,2000", "X-RateLimit-Usage": "200,450"})
    assert session.limits.short_spent and not session.limits.daily_spent
    url = stub.server.server_address
    session.get(f"http://{url[0]}:{url[1]}/api/v3/athlete")
    assert waits == [801.0]  # to the next quarter hour (1 s past it)
    assert session.limits.daily == [(1000, 1)]  # what the stub said since


def test_an_expiring_access_token_is_refreshed_during_the_sync(
    home: CadenceHome, stub: StravaStub
) -> None:
    stub.athlete(ANA, "ana_runs", "r0")
    _runs(stub, ANA, [3, 2], first_id=400)
    connect_runner(home, "ana", refresh_token="r0")
    stub.expires_in = 60  # inside the refresh margin: each request needs a fresh token
    posts = len(stub.token_posts)
    report = sync_runners(home, session_factory=_no_wait)
    assert report.loaded == 2
    refreshes = len(stub.token_posts) - posts
    assert refreshes > 2  # not only once at the start
    # every rotated token was stored: the latest one (the only one still valid) works
    stub.expires_in = 21600
    assert sync_runners(home, session_factory=_no_wait).runners[0].outcome == "synced"


def test_connect_with_an_oauth_code_and_a_key_from_the_environment(
    home: CadenceHome, stub: StravaStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cryptography.fernet import Fernet

    monkeypatch.setenv("CADENCE_SECRET_KEY", Fernet.generate_key().decode())
    stub.athlete(BEN, "ben_runs", "unused")
    stub.codes["code-from-redirect"] = BEN
    connected = connect_runner(home, "ben", code="code-from-redirect")
    assert (connected.strava_id, connected.username) == (BEN, "ben_runs")
    assert stub.asked("/athlete") == []  # the code's answer names the athlete
    assert not (home.root / KEY_FILE).exists()
    assert strava_statuses_of(home) == {"ben": "connected"}
    monkeypatch.setenv("CADENCE_SECRET_KEY", "not a key")
    with pytest.raises(ValueError, match="CADENCE_SECRET_KEY is not a Fernet key"):
        sync_runners(home)


def test_a_key_file_others_can_read_is_refused(home: CadenceHome, stub: StravaStub) -> None:
    stub.athlete(ANA, "ana_runs", "r0")
    connect_runner(home, "ana", refresh_token="r0")
    (home.root / KEY_FILE).chmod(0o644)
    with pytest.raises(ValueError, match="can be read by others"):
        sync_runners(home)
