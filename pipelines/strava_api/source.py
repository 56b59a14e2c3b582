"""The dlt source for Strava API v3: each connected runner's activities since their cursor.

Per runner: refresh the access token (storing the rotated refresh token at once), list
/athlete/activities after the runner's cursor page by page, then, oldest first, fetch each
activity's detail, laps and streams and yield them as one activity's rows. An activity is
yielded only whole, in start order, so the latest loaded start is a cursor a stopped run can
resume from (the cursor lives in the warehouse, not in dlt's local state, which is not kept).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import dlt
import pyarrow as pa
import requests
from dlt.extract.source import DltSource
from dlt.sources.helpers.rest_client import RESTClient
from dlt.sources.helpers.rest_client.paginators import PageNumberPaginator

from pipelines.strava_api.client import (
    DailyLimitReached,
    StravaSession,
    TokenRevoked,
    Tokens,
    refresh_auth,
)
from pipelines.strava_api.rows import (
    TABLES,
    MalformedActivity,
    activity_id_of,
    activity_tables,
    instant,
)
from pipelines.strava_api.settings import PER_PAGE, STREAM_KEYS, StravaApp
from warehouse.error_text import exception_sentence
from warehouse.quarantine import Rejection

SOURCE = "strava_api"


@dataclass(frozen=True)
class RunnerToSync:
    runner_id: str
    refresh_token: str
    after: dt.datetime | None
    """Only activities starting after this instant are asked for (None: all)."""


@dataclass
class RunnerSync:
    """How one runner's sync went."""

    runner_id: str
    asked_after: int | None = None
    """The `after` (epoch seconds) sent to /athlete/activities."""
    listed: int = 0
    loaded: int = 0
    outcome: str = "synced"
    """synced, disconnected (token refused), daily_limit (stopped, resumes next run), failed"""
    reason: str | None = None
    rejections: list[Rejection] = field(default_factory=list)

    def sentence(self) -> str:
        done = f"{self.loaded} new activit{'y' if self.loaded == 1 else 'ies'} loaded"
        if self.outcome == "synced":
            return done
        if self.outcome == "daily_limit":
            return f"{done}; stopped at Strava's daily limit ({self.reason}), resumes next run"
        if self.outcome == "disconnected":
            return f"disconnected: {self.reason}"
        return f"{done}; sync failed: {self.reason}"


def _hinted(table_name: str, rows: pa.Table) -> Any:
    table = TABLES[table_name]
    keys = set(table.primary_key)
    schema = pa.schema([f.with_nullable(False) if f.name in keys else f for f in rows.schema])
    hints = dlt.mark.make_hints(
        table_name=table.name, primary_key=list(table.primary_key), write_disposition="merge"
    )
    return dlt.mark.with_hints(rows.cast(schema), hints)


def _rejection(runner_id: str, activity_id: Any, reason: str, raw: Any) -> Rejection:
    return Rejection(
        source=SOURCE,
        source_file=f"strava_api/activities/{activity_id}",
        location=f"activity {activity_id}",
        reason=reason,
        runner_id=runner_id,
        raw_excerpt=json.dumps(raw, default=str)[:500],
        target_table="raw_strava_api.activities",
    )


class _Runner:
    """One runner's walk through the API."""

    def __init__(
        self, runner: RunnerToSync, sync: RunnerSync, client: RESTClient, per_page: int
    ) -> None:
        self.runner, self.sync, self.client, self.per_page = runner, sync, client, per_page

    def _get(self, path: str, params: dict[str, Any] | None = None) -> Any | None:
        """The JSON of a GET, None on 404; 401 is TokenRevoked, other errors raise."""
        response = self.client.get(path, params=params)
        if response.status_code == 401:
            raise TokenRevoked(
                "Strava answered 401 Unauthorized: access was revoked or the token is no "
                "longer valid; run `cadence strava connect` again"
            )
        if response.status_code == 404:
            return None
        response.raise_for_status()
        return response.json()

    def _summaries(self) -> list[dict[str, Any]]:
        after = self.runner.after
        self.sync.asked_after = int(after.timestamp()) if after is not None else 0
        paginator = PageNumberPaginator(
            base_page=1, page_param="page", total_path=None, stop_after_empty_page=True
        )
        listed: list[dict[str, Any]] = []
        try:
            for page in self.client.paginate(
                "/athlete/activities",
                params={"after": self.sync.asked_after, "per_page": self.per_page},
                paginator=paginator,
                data_selector="$",
            ):
                listed += page
        except requests.HTTPError as error:
            if error.response is not None and error.response.status_code == 401:
                raise TokenRevoked(
                    "Strava answered 401 Unauthorized: access was revoked or the token is no "
                    "longer valid; run `cadence strava connect` again"
                ) from None
            raise
        self.sync.listed = len(listed)
        good: dict[int, tuple[dt.datetime, dict[str, Any]]] = {}
        for item in listed:
            try:
                activity_id = activity_id_of(item)
                start = instant(item.get("start_date"), f"activity {activity_id}: start_date")
            except MalformedActivity as error:
                self.sync.rejections.append(
                    _rejection(
                        self.runner.runner_id,
                        item.get("id") if isinstance(item, dict) else None,
                        str(error),
                        item,
                    )
                )
                continue
            good[activity_id] = (start, item)
        # oldest first whatever order Strava lists in: the cursor only ever moves forward
        return [item for _, item in sorted(good.values(), key=lambda pair: pair[0])]

    def items(self) -> Iterator[Any]:
        runner_id = self.runner.runner_id
        for summary in self._summaries():
            activity_id = summary["id"]
            detail = self._get(f"/activities/{activity_id}", {"include_all_efforts": "false"})
            if detail is None:
                self.sync.rejections.append(
                    _rejection(
                        runner_id, activity_id, "Strava no longer has this activity (404)", summary
                    )
                )
                continue
            laps = self._get(f"/activities/{activity_id}/laps")
            streams = self._get(
                f"/activities/{activity_id}/streams",
                {"keys": ",".join(STREAM_KEYS), "key_by_type": "true"},
            )
            try:
                tables = activity_tables(runner_id, detail, laps, streams, dt.datetime.now(dt.UTC))
            except MalformedActivity as error:
                self.sync.rejections.append(_rejection(runner_id, activity_id, str(error), detail))
                continue
            for name, rows in tables.items():
                if rows.num_rows:
                    yield _hinted(name, rows)
            self.sync.loaded += 1


def _runner_items(
    runners: Sequence[RunnerToSync],
    app: StravaApp,
    syncs: dict[str, RunnerSync],
    session_factory: Callable[[], requests.Session],
    on_rotate: Callable[[str, Tokens], None],
    per_page: int,
) -> Iterator[Any]:
    session = session_factory()  # one session: Strava's limits are the application's
    daily_spent: str | None = None
    for runner in runners:
        sync = syncs.setdefault(runner.runner_id, RunnerSync(runner.runner_id))
        if daily_spent is not None:
            sync.outcome, sync.reason = "daily_limit", daily_spent
            continue
        auth = refresh_auth(
            app,
            runner.refresh_token,
            session,
            lambda tokens, runner_id=runner.runner_id: on_rotate(runner_id, tokens),
        )
        client = RESTClient(base_url=app.api_url, auth=auth, session=session)
        try:
            auth.obtain_token()  # a revoked token shows before anything is asked
            yield from _Runner(runner, sync, client, per_page).items()
        except TokenRevoked as error:
            sync.outcome, sync.reason = "disconnected", str(error)
        except DailyLimitReached as error:
            daily_spent = str(error)
            sync.outcome, sync.reason = "daily_limit", daily_spent
        except (requests.RequestException, ValueError) as error:
            # this runner stops here; what it loaded stays and the next run resumes after it
            sync.outcome, sync.reason = "failed", exception_sentence(error)


def strava_api_source(
    runners: Sequence[RunnerToSync],
    app: StravaApp,
    syncs: dict[str, RunnerSync] | None = None,
    *,
    session_factory: Callable[[], requests.Session] = StravaSession,
    on_rotate: Callable[[str, Tokens], None] = lambda runner_id, tokens: None,
    per_page: int = PER_PAGE,
) -> DltSource:
    """Strava API v3 for connected runners, merged into raw_strava_api on their keys:
    `activities` (each new activity's detail, workout_type kept), `laps`, `samples` (its
    streams, one row per second). `syncs` receives how each runner's sync went."""

    def source() -> Any:
        return dlt.resource(
            _runner_items(
                runners,
                app,
                syncs if syncs is not None else {},
                session_factory,
                on_rotate,
                per_page,
            ),
            name="strava_api_activities",
        )

    source.__doc__ = strava_api_source.__doc__
    return dlt.source(source, name=SOURCE, max_table_nesting=0)()
