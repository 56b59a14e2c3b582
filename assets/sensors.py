"""Sensors: the inbox (new runners, new or changed exports) and publishing after every run.

Neither sensor opens the warehouse: DuckDB allows one writer, and only runs in the warehouse
pool touch it. The inbox sensor keeps what it has seen in its cursor instead, and starts
(no cursor yet: the first `cadence ui` on a home) from what the published read-only copy had
loaded, so exports that `cadence demo`, `cadence materialize` or an earlier UI already loaded
are not ingested again. The published copy, not a cursor seeded by `cadence ui`, because a
bare `dagster dev` starts the sensor too, and the copy is replaced whole after every
successful run, so opening it never waits for or blocks a writer. A copy older than the
warehouse (after a lone `cadence ingest`) costs one ingest run per runner that loaded since;
those runs skip every unchanged export themselves.
"""

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import duckdb

from assets.partitions import runner_partitions
from assets.resources import CadenceHomeResource
from assets.schedules import publish_warehouse, runner_ingest
from pipelines.inbox import content_hash, export_paths, signature
from pipelines.ingest import loaded_hashes
from pipelines.profiles import PROFILES, InboxRunner, scan_inbox
from pipelines.sources import DATASETS
from warehouse.connection import open_warehouse, table_exists

SETTLE_SECONDS = 15.0
"""A file modified more recently than this may still be being copied in: wait a tick."""

Seen = list[int | float | str | None]
"""[size_bytes, mtime, sha256] of one inbox file, as the JSON cursor keeps it; size and mtime
are null for a file known only from the warehouse's ledgers (its hash is compared once)."""


@dataclass
class InboxScan:
    """What one look at the inbox found."""

    seen: dict[str, Seen] = field(default_factory=dict)
    """Every settled file's [size, mtime, sha256], keyed by its path under the inbox."""
    runner_ids: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    """Runners with a new file, or a file whose content changed."""


def _watched(runner: InboxRunner) -> list[Path]:
    profile = runner.profile_path
    return [*([profile] if profile.is_file() else []), *(p for _, p in export_paths(runner))]


def scan_inbox_changes(inbox: Path, before: Mapping[str, Seen], now: float) -> InboxScan:
    """Compare the inbox with what was seen before: size and mtime first (cheap), the content
    hash only for a file whose size or mtime moved, so touching a file launches nothing."""
    runners, _ = scan_inbox(inbox)
    scan = InboxScan(runner_ids=[r.runner_id for r in runners])
    for runner in runners:
        for path in _watched(runner):
            name = path.relative_to(inbox).as_posix()
            previous = before.get(name)
            try:
                size, mtime = signature(path)
                unsettled = now - mtime < SETTLE_SECONDS
                if unsettled or (previous and previous[:2] == [size, mtime]):
                    if previous:
                        scan.seen[name] = previous
                    continue
                sha256 = content_hash(path)
            except FileNotFoundError:  # moved or deleted while we looked: next tick sees it
                continue
            scan.seen[name] = [size, mtime, sha256]
            if not previous or previous[2] != sha256:
                scan.changed.append(runner.runner_id)
    scan.changed = sorted(set(scan.changed))
    return scan


def published_loads(published: Path) -> dict[str, Seen]:
    """What the published copy had loaded, keyed as the cursor keys inbox files: every export
    in the raw ledgers and every runner's profile, with its hash. Nothing when there is no copy
    yet (every file is then new)."""
    if not published.is_file():
        return {}
    with open_warehouse(published, read_only=True) as con:
        loaded = {source_file: sha256 for (_, source_file), sha256 in loaded_hashes(con).items()}
        profiles = f"{DATASETS['profiles']}.{PROFILES.name}"
        if table_exists(con, profiles):
            loaded |= dict(
                con.execute(
                    f"SELECT source_file, sha256 FROM {profiles} WHERE sha256 IS NOT NULL"
                ).fetchall()
            )
    return {source_file: [None, None, sha256] for source_file, sha256 in loaded.items()}


@dg.sensor(
    name="inbox_sensor",
    job=runner_ingest,
    minimum_interval_seconds=30,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Watches $CADENCE_HOME/inbox: a new runner folder becomes a runner partition; "
    "a new or changed export or profile launches an ingest run for that runner only.",
)
def inbox_sensor(
    context: dg.SensorEvaluationContext, cadence: CadenceHomeResource
) -> dg.SensorResult:
    home = cadence.home
    if context.cursor is not None:
        before = json.loads(context.cursor)
    else:
        try:
            before = published_loads(home.published)
        except duckdb.Error as error:  # a copy this DuckDB cannot read: every file is new
            context.log.warning(f"cannot read {home.published} ({error}); reading every export")
            before = {}
    scan = scan_inbox_changes(home.inbox, before, time.time())
    known = set(context.instance.get_dynamic_partitions(runner_partitions.name))
    new_runners = [r for r in scan.runner_ids if r not in known]
    return dg.SensorResult(
        run_requests=[dg.RunRequest(partition_key=runner_id) for runner_id in scan.changed],
        dynamic_partitions_requests=(
            [runner_partitions.build_add_request(new_runners)] if new_runners else []
        ),
        skip_reason=None if scan.changed else "no new or changed export in the inbox",
        cursor=json.dumps(scan.seen, sort_keys=True),
    )


NOT_YET_PUBLISHING = [
    dg.DagsterRunStatus.QUEUED,
    dg.DagsterRunStatus.NOT_STARTED,
    dg.DagsterRunStatus.STARTING,
]


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    name="publish_after_success",
    request_job=publish_warehouse,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After every successful run, publish the read-only copy for analysts (a run "
    "in the warehouse pool, so it waits for any run writing the warehouse).",
)
def publish_after_success(context: dg.RunStatusSensorContext):
    finished = context.dagster_run
    if finished.job_name == publish_warehouse.name:
        return dg.SkipReason("a publishing run changes nothing to publish")
    waiting = context.instance.get_runs(
        filters=dg.RunsFilter(job_name=publish_warehouse.name, statuses=NOT_YET_PUBLISHING), limit=1
    )
    if waiting:
        return dg.SkipReason(f"publishing run {waiting[0].run_id} has not started yet")
    return dg.RunRequest(
        run_key=f"after-{finished.run_id}", tags={"cadence/published_after": finished.run_id}
    )
