"""Running the Definitions' assets against a Cadence home, as the CLI and tests do.

The CLI and `dagster dev` share DAGSTER_HOME under the Cadence home, so runs started here
appear in the UI's run history.
"""

from __future__ import annotations

import fcntl
import os
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import duckdb

from assets.dead_runs import release_dead_runs
from assets.definitions import defs
from assets.layers import EVERY_RUNNER_BUILT, RUNNER_FAILURES
from assets.partitions import inbox_runner_ids, register_runners
from assets.schedules import DAILY_GROUPS, daily_refresh, publish_warehouse
from warehouse.connection import scalar
from warehouse.settings import CadenceHome, require_runner_id

PROJECT_SETTINGS = Path(__file__).resolve().parents[1] / "dagster.yaml"
"""The instance settings, one-writer pool included: read as they are by a bare `dagster dev`
in the project folder, and copied into each home's instance."""
WORKSPACE = PROJECT_SETTINGS.with_name("workspace.yaml")
"""The code location `dagster dev` loads (found by itself when started in the project folder)."""
SETTINGS_MARKER = "# Written by Cadence"
DAGSTER_SETTINGS = (
    f"{SETTINGS_MARKER} from {PROJECT_SETTINGS.name} in the project (and rewritten when that "
    "changes; delete this line to keep edits).\n" + PROJECT_SETTINGS.read_text()
)
QUIET = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}
"""The CLI prints its own summary; step logs and tracebacks stay in the run's logs (the UI)."""
STEP_EVENTS = {
    dg.DagsterEventType.STEP_START,
    dg.DagsterEventType.STEP_SUCCESS,
    dg.DagsterEventType.STEP_FAILURE,
    dg.DagsterEventType.STEP_SKIPPED,
}


def dagster_instance(home: CadenceHome) -> dg.DagsterInstance:
    """The home's Dagster instance (DAGSTER_HOME = $CADENCE_HOME/dagster), shared with the UI.
    Runs find the home in $CADENCE_HOME, as runs the UI launches do, so it is set here too."""
    home.create()
    settings = home.dagster_home / "dagster.yaml"
    written = settings.read_text() if settings.exists() else SETTINGS_MARKER
    if written.startswith(SETTINGS_MARKER) and written != DAGSTER_SETTINGS:
        settings.write_text(DAGSTER_SETTINGS)
    os.environ["DAGSTER_HOME"] = str(home.dagster_home)
    os.environ["CADENCE_HOME"] = str(home.root)
    with (home.dagster_home / ".instance.lock").open("w") as lock:
        # two processes creating a new instance's SQLite tables at once collide
        fcntl.flock(lock, fcntl.LOCK_EX)
        return dg.DagsterInstance.get()


@dataclass
class RunProgress:
    """Callbacks a front end (rich progress bars) hooks into while a run goes on."""

    planned: Callable[[int], None] = lambda steps: None
    step: Callable[[str, dg.DagsterEventType], None] = lambda step_key, event: None


def _selection(groups: list[str] | None) -> set[dg.AssetKey] | None:
    if not groups:
        return None
    unknown = sorted(set(groups) - set(DAILY_GROUPS))
    if unknown:
        raise ValueError(
            f"unknown asset group {', '.join(unknown)}: choose from {', '.join(DAILY_GROUPS)}"
        )
    return dg.AssetSelection.groups(*groups).resolve(defs.resolve_asset_graph())


def materialize_home(
    home: CadenceHome,
    groups: list[str] | None = None,
    runner_id: str | None = None,
    progress: RunProgress | None = None,
) -> dg.ExecuteInProcessResult:
    """Run the daily job (the one the schedule runs) on the home: every runner, or only
    `runner_id`'s partition of the ingest assets before the later layers are rebuilt; then,
    only if it succeeded, the publishing job, so a failed run leaves the analysts' copy as
    it was. Both runs land in the home's instance, so the UI lists them."""
    instance = dagster_instance(home)
    runners = inbox_runner_ids(home)
    if runner_id is not None and require_runner_id(runner_id) not in runners:
        raise ValueError(f"no inbox folder for runner {runner_id} in {home.inbox}")
    register_runners(instance, runners)
    release_dead_runs(instance)
    job = defs.resolve_job_def(daily_refresh.name)
    selection = _selection(groups)
    run_id = str(uuid.uuid4())
    progress = progress or RunProgress()
    progress.planned(len(job.get_subset(asset_selection=selection).graph.node_dict))
    with _watching(instance, run_id, progress):
        result = job.execute_in_process(
            instance=instance,
            partition_key=runner_id,
            asset_selection=list(selection) if selection is not None else None,
            run_id=run_id,
            raise_on_error=False,
            run_config=QUIET,
        )
    if result.success:
        defs.resolve_job_def(publish_warehouse.name).execute_in_process(
            instance=instance, run_config=QUIET
        )
    return result


@contextmanager
def _watching(instance: dg.DagsterInstance, run_id: str, progress: RunProgress) -> Iterator[None]:
    """Report the run's step events to `progress` from a thread while the run executes."""
    finished = threading.Event()

    def watch() -> None:
        cursor = None
        while True:
            last_look = finished.is_set()
            page = instance.get_records_for_run(run_id, cursor=cursor, of_type=STEP_EVENTS)
            for record in page.records:
                event = record.event_log_entry.dagster_event
                if event is not None and event.step_key:
                    progress.step(event.step_key, event.event_type)
            cursor = page.cursor
            if last_look and not page.has_more:
                return
            if not page.has_more:
                finished.wait(0.2)

    watcher = threading.Thread(target=watch, name="cadence-run-progress", daemon=True)
    watcher.start()
    try:
        yield
    finally:
        finished.set()
        watcher.join()


def runner_failures(result: dg.ExecuteInProcessResult) -> list[str]:
    """One sentence per runner a layer of the run could not rebuild (from the layers'
    `every_runner_built` checks), naming the runner and the cause."""
    sentences = []
    for evaluation in result.get_asset_check_evaluations():
        listed = evaluation.metadata.get(RUNNER_FAILURES)
        if evaluation.check_name == EVERY_RUNNER_BUILT and listed is not None:
            sentences += listed.value
    return sentences


def row_counts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int, str]]:
    """(schema, table, rows, comment) for every table Cadence or dlt created."""
    tables = con.sql(
        "SELECT schema_name, table_name, coalesce(comment, '') FROM duckdb_tables() "
        "WHERE database_name = current_database() AND schema_name NOT LIKE '%\\_staging' "
        "ESCAPE '\\' AND table_name NOT LIKE '\\_dlt%' ESCAPE '\\' "
        "ORDER BY schema_name, table_name"
    ).fetchall()
    counts = []
    for schema, table, comment in tables:
        rows = scalar(con, f'SELECT count(*) FROM "{schema}"."{table}"')
        counts.append((schema, table, int(rows or 0), comment))
    return counts
