"""One sync run: connected runners' new Strava activities into raw_strava_api.

Used by `cadence strava sync` and the `raw_strava_api` Dagster asset (the daily schedule and
`cadence materialize`). The warehouse has one writer, and a fetch can wait out Strava's
15-minute window or a 429's Retry-After, so a sync holds the warehouse only for moments:

1. read: open, store tokens a killed run left waiting (pipelines.strava_api.tokens), read
   each connected runner's token and cursor and dlt's state, close;
2. fetch: extract and normalize with dlt in the run's own working folder, no warehouse open;
   every rotated refresh token is kept at once, encrypted, in the home;
3. load: open (waiting while someone else writes), load the normalized package, store the
   rotated tokens, disconnections, sync notes and rejections, close.

Each runner's cursor is the latest start loaded from the API, or, on their first sync, a week
before their bulk export's latest activity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field

import dlt
import duckdb
import requests

from pipelines.sources import pipeline_in_own_folder
from pipelines.strava_api.client import StravaSession, Tokens
from pipelines.strava_api.rows import TABLES
from pipelines.strava_api.settings import (
    DATASET,
    FIRST_SYNC_OVERLAP,
    PER_PAGE,
    WAREHOUSE_WAIT,
    StravaApp,
)
from pipelines.strava_api.source import RunnerSync, RunnerToSync, strava_api_source
from pipelines.strava_api.tokens import PendingTokens
from warehouse.connection import connect, scalar, table_exists
from warehouse.ddl import apply_ddl, comment_existing_tables
from warehouse.quarantine import Rejection, record_rejections
from warehouse.secrets import SecretBox
from warehouse.settings import CadenceHome
from warehouse.strava_users import StravaUsers

KIND = "strava_api"


@dataclass
class SyncReport:
    runners: list[RunnerSync] = field(default_factory=list)

    @property
    def loaded(self) -> int:
        return sum(r.loaded for r in self.runners)

    @property
    def rejections(self) -> list[Rejection]:
        return [rejection for r in self.runners for rejection in r.rejections]


def sync_cursor(con: duckdb.DuckDBPyConnection, runner_id: str) -> dt.datetime | None:
    """Where the runner's next sync starts (see the module's docstring)."""
    if table_exists(con, f"{DATASET}.activities"):
        latest = scalar(
            con,
            f"SELECT max(start_date) FROM {DATASET}.activities WHERE runner_id = ?",
            [runner_id],
        )
        if isinstance(latest, dt.datetime):
            return latest.astimezone(dt.UTC)
    if table_exists(con, "raw_strava.activities"):
        exported = scalar(
            con,
            "SELECT max(activity_date) FROM raw_strava.activities WHERE runner_id = ?",
            [runner_id],
        )
        if isinstance(exported, dt.datetime):
            return exported.astimezone(dt.UTC) - FIRST_SYNC_OVERLAP
    return None


@contextmanager
def warehouse_for_a_moment(home: CadenceHome) -> Iterator[duckdb.DuckDBPyConnection]:
    """The warehouse, opened once nobody else writes it (waiting up to WAREHOUSE_WAIT: the
    sync runs outside the one-writer pool, beside steps that hold it for minutes)."""
    with closing(connect(home.warehouse, lock_wait_seconds=WAREHOUSE_WAIT.total_seconds())) as con:
        apply_ddl(con)
        yield con


def sync_runners(
    home: CadenceHome,
    runner_ids: list[str] | None = None,
    *,
    app: StravaApp | None = None,
    session_factory: Callable[[], requests.Session] = StravaSession,
    per_page: int = PER_PAGE,
    run_id: str | None = None,
) -> SyncReport:
    """Sync the connected runners (all, or those named); disconnects those Strava refuses.
    The warehouse is open only to read before and to load after the fetch (module docstring)."""
    home.create()
    with pipeline_in_own_folder(
        KIND, home.warehouse, home.dlt_dir, hold_warehouse=False
    ) as pipeline:
        with warehouse_for_a_moment(home) as con:
            if not scalar(con, "SELECT count(*) FROM coach.users WHERE status = 'connected'"):
                return SyncReport()  # nobody connected: no key is made, no app settings needed
            box = SecretBox.for_home(home.root)
            pending = PendingTokens(home.root, box)
            users = StravaUsers(con, box)
            pending.store(users)  # rotated by a run killed before its load
            runners = [
                RunnerToSync(c.runner_id, c.refresh_token, sync_cursor(con, c.runner_id))
                for c in users.connections(runner_ids)
            ]
            if runners:
                # dlt's state and schemas, as `pipeline.run` would restore them
                pipeline.sync_destination(destination=dlt.destinations.duckdb(con))
        if not runners:
            return SyncReport()
        app = app or StravaApp.from_env()

        def rotated(runner_id: str, tokens: Tokens) -> None:
            # kept at once, encrypted: Strava may already refuse the previous token
            pending.keep(runner_id, tokens)

        syncs: dict[str, RunnerSync] = {}
        source = strava_api_source(
            runners,
            app,
            syncs,
            session_factory=session_factory,
            on_rotate=rotated,
            per_page=per_page,
        )
        pipeline.extract(source)  # the network: no warehouse open
        pipeline.normalize()
        report = SyncReport([syncs[r.runner_id] for r in runners if r.runner_id in syncs])
        with warehouse_for_a_moment(home) as con:
            loaded = pipeline.load(destination=dlt.destinations.duckdb(con))
            if loaded is not None:
                loaded.raise_on_failed_jobs()
            users = StravaUsers(con, box)
            pending.store(users)
            for sync in report.runners:
                if sync.outcome == "disconnected":
                    users.disconnect(sync.runner_id, sync.reason or "Strava refused the token")
                users.record_sync(sync.runner_id, sync.sentence())
            record_rejections(con, report.rejections, run_id)
            comment_existing_tables(con, {f"{DATASET}.{t.name}": t.doc for t in TABLES.values()})
    return report
