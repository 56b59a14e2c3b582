"""One sync run: connected runners' new Strava activities into raw_strava_api.

Used by `cadence strava sync` and the `raw_strava_api` Dagster asset (the daily schedule and
`cadence materialize`). Each runner's cursor is read from the warehouse: the latest start
loaded from the API, or, on their first sync, a week before their bulk export's latest
activity. Tokens are read decrypted from coach.users and every rotated one is stored there
(encrypted) as soon as Strava hands it out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field

import duckdb
import requests

from pipelines.sources import pipeline_in_own_folder
from pipelines.strava_api.client import StravaSession, Tokens
from pipelines.strava_api.rows import TABLES
from pipelines.strava_api.settings import DATASET, FIRST_SYNC_OVERLAP, PER_PAGE, StravaApp
from pipelines.strava_api.source import RunnerSync, RunnerToSync, strava_api_source
from warehouse.connection import connect, open_warehouse, scalar, table_exists
from warehouse.ddl import comment_existing_tables
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


def sync_runners(
    home: CadenceHome,
    runner_ids: list[str] | None = None,
    *,
    app: StravaApp | None = None,
    session_factory: Callable[[], requests.Session] = StravaSession,
    per_page: int = PER_PAGE,
    run_id: str | None = None,
) -> SyncReport:
    """Sync the connected runners (all, or those named); disconnects those Strava refuses."""
    home.create()
    with open_warehouse(home.warehouse) as con:
        if not scalar(con, "SELECT count(*) FROM coach.users WHERE status = 'connected'"):
            return SyncReport()  # nobody connected: no key is made, no app settings needed
        box = SecretBox.for_home(home.root)
        connections = StravaUsers(con, box).connections(runner_ids)
        runners = [
            RunnerToSync(c.runner_id, c.refresh_token, sync_cursor(con, c.runner_id))
            for c in connections
        ]
    if not runners:
        return SyncReport()
    app = app or StravaApp.from_env()

    def rotated(runner_id: str, tokens: Tokens) -> None:
        # stored at once, outside the load: Strava may already refuse the previous token
        with closing(connect(home.warehouse)) as con:
            StravaUsers(con, box).rotate(
                runner_id, tokens.refresh_token, tokens.access_token, tokens.expires_at
            )

    syncs: dict[str, RunnerSync] = {}
    source = strava_api_source(
        runners,
        app,
        syncs,
        session_factory=session_factory,
        on_rotate=rotated,
        per_page=per_page,
    )
    with pipeline_in_own_folder(KIND, home.warehouse, home.dlt_dir) as pipeline:
        pipeline.run(source).raise_on_failed_jobs()
    report = SyncReport([syncs[r.runner_id] for r in runners if r.runner_id in syncs])
    with open_warehouse(home.warehouse) as con:
        users = StravaUsers(con, box)
        for sync in report.runners:
            if sync.outcome == "disconnected":
                users.disconnect(sync.runner_id, sync.reason or "Strava refused the token")
            users.record_sync(sync.runner_id, sync.sentence())
        record_rejections(con, report.rejections, run_id)
        comment_existing_tables(con, {f"{DATASET}.{t.name}": t.doc for t in TABLES.values()})
    return report
