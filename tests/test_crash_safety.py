"""Rule 9 of issue 10: `cadence materialize` killed with SIGKILL leaves the warehouse and the
published copy as they were, or as after a completed step; the next run completes with the
row counts of a clean run on the same inputs.

Real processes, really killed: the run is a `cadence materialize` subprocess in its own
session, and the whole group (the Strava reader's worker processes too) gets SIGKILL when
the home's Dagster event log shows a chosen step started, or when dlt has merged a chosen
raw table of a load whose other tables may still be on their way.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from assets.ingest import WAREHOUSE_POOL
from assets.run import dagster_instance, row_counts
from samples import write_sample_inbox
from warehouse.connection import open_warehouse
from warehouse.settings import CadenceHome

END = dt.date(2026, 11, 1)
PLAN_DAY = END + dt.timedelta(days=1)
COUNTED_SCHEMAS = ("terra", "coach", "plans", "quarantine")
RUN_TIMEOUT_S = 300
"""A run of this one-runner home takes well under a minute alone; the machine is shared."""


@pytest.fixture(scope="module")
def inbox(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("crash-inputs") / "inbox"
    write_sample_inbox(folder, runners=1, days=5, seed=5, end_date=END)
    return folder


def _home(root: Path, inbox: Path) -> CadenceHome:
    home = CadenceHome(root).create()
    shutil.copytree(inbox, home.inbox, dirs_exist_ok=True)
    return home


def _start_materialize(home: CadenceHome) -> subprocess.Popen:
    env = {
        **os.environ,
        "CADENCE_HOME": str(home.root),
        "DAGSTER_HOME": str(home.dagster_home),
        "CADENCE_PLAN_DATE": PLAN_DAY.isoformat(),
    }
    env.pop("CADENCE_WAREHOUSE", None)
    with (home.root / "materialize.log").open("a") as log:  # the child keeps its own copy
        return subprocess.Popen(
            [sys.executable, "-c", "from assets.cli import main; main()", "materialize"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so the kill reaches its workers
        )


def _materialize_to_the_end(home: CadenceHome) -> None:
    process = _start_materialize(home)
    try:
        code = process.wait(timeout=RUN_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        pytest.fail(
            f"the run did not finish in {RUN_TIMEOUT_S}s; the warehouse pool's slots are held "
            f"by {_pool_holders(home)}"
        )
    assert code == 0, (home.root / "materialize.log").read_text()


def _pool_holders(home: CadenceHome) -> list[tuple[str, str | None]]:
    """(run id, step) of every claimed slot of the one-writer pool in the home's instance."""
    instance = dg.DagsterInstance.from_config(str(home.dagster_home))
    try:
        info = instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL)
        return [(slot.run_id, slot.step_key) for slot in info.claimed_slots]
    finally:
        instance.dispose()


def _counts(path: Path, *, read_only: bool = True) -> dict[str, int]:
    """Rows per table of the raw, terra, coach, plans and quarantine schemas."""
    with open_warehouse(path, read_only=read_only) as con:
        return {
            f"{schema}.{table}": rows
            for schema, table, rows, _ in row_counts(con)
            if schema in COUNTED_SCHEMAS or schema.startswith("raw_")
        }


def _exported_workouts(home: CadenceHome) -> int:
    return sum(1 for _ in home.exports.rglob("*.fit"))


def _step_started(instance: dg.DagsterInstance, step_key: str) -> bool:
    for run in instance.get_runs():
        page = instance.get_records_for_run(
            run.run_id, of_type={dg.DagsterEventType.STEP_START}, limit=1000
        )
        if any(record.event_log_entry.step_key == step_key for record in page.records):
            return True
    return False


@dataclass(frozen=True)
class StepStarted:
    """`delay_s` after the home's event log shows `step_key` started (in any run)."""

    step_key: str
    delay_s: float = 0.0

    def reached(self, home: CadenceHome, instance: dg.DagsterInstance) -> bool:
        return _step_started(instance, self.step_key)


@dataclass(frozen=True)
class DltMerged:
    """As soon as dlt has merged `table` of a load of `kind` into the warehouse (its merge
    job, a `.sql` file, is in the load package's completed_jobs): dlt merges table by
    table, several at once, so the package's other tables may not have landed yet. A small
    package can be merged and moved from `normalized` to `loaded` between two looks; then
    the moment has just passed and the kill comes right after the whole load."""

    kind: str
    table: str
    delay_s: float = 0.0

    def reached(self, home: CadenceHome, instance: dg.DagsterInstance) -> bool:
        package = f"{self.kind}-*/cadence_{self.kind}/load/*/*"  # normalized or loaded
        return any(home.dlt_dir.glob(f"{package}/completed_jobs/{self.table}.*.sql"))


def _kill_when(
    home: CadenceHome, moment: StepStarted | DltMerged, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Start a materialization and SIGKILL its process group at `moment`."""
    # dagster_instance points this process's environment at the home: undone after the test
    monkeypatch.setenv("DAGSTER_HOME", str(home.dagster_home))
    monkeypatch.setenv("CADENCE_HOME", str(home.root))
    instance = dagster_instance(home)
    process = _start_materialize(home)
    try:
        deadline = time.monotonic() + RUN_TIMEOUT_S
        while not moment.reached(home, instance):
            assert process.poll() is None, f"the run ended before {moment}"
            assert time.monotonic() < deadline, f"never reached {moment}"
            time.sleep(0.005)
        time.sleep(moment.delay_s)
        assert process.poll() is None, f"the run ended before the kill at {moment}"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        instance.dispose()
    assert process.returncode == -signal.SIGKILL


@pytest.fixture(scope="module")
def clean(tmp_path_factory, inbox) -> tuple[dict[str, int], int]:
    """Row counts and exported workouts of an uninterrupted run on the same inputs."""
    home = _home(tmp_path_factory.mktemp("crash-clean") / "home", inbox)
    _materialize_to_the_end(home)
    counts = _counts(home.warehouse)
    assert counts["raw_healthkit.records"] and counts["plans.planned_sessions"], counts
    assert _counts(home.published) == counts
    return counts, _exported_workouts(home)


def _killed_then_resumed(
    home: CadenceHome, moment: StepStarted | DltMerged, clean, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean_counts, clean_workouts = clean
    _kill_when(home, moment, monkeypatch)
    after_kill = _counts(home.warehouse, read_only=False)  # it opens for writing, as runs do
    # each table is written whole in one transaction: on a fresh home it is empty or complete
    half_written = {
        table: (rows, clean_counts.get(table))
        for table, rows in after_kill.items()
        if rows not in (0, clean_counts.get(table))
    }
    assert not half_written
    if home.published.exists():
        # only a run that completed publishes, and it publishes a whole copy
        assert _counts(home.published) == clean_counts
    _materialize_to_the_end(home)
    assert _counts(home.warehouse) == clean_counts
    assert _counts(home.published) == clean_counts
    assert _exported_workouts(home) == clean_workouts


def test_killed_once_dlt_committed_an_exports_ledger_the_next_run_loads_it_whole(
    tmp_path, inbox, clean, monkeypatch
):
    """dlt commits table by table: the ledger row that says "this export is loaded" can land
    before the export's records. The next run must read the export again."""
    moment = DltMerged("healthkit", "loaded_exports")
    _killed_then_resumed(_home(tmp_path / "home", inbox), moment, clean, monkeypatch)


KILL_MOMENTS = (
    *(
        DltMerged(kind, table)
        for kind, table in (
            ("strava", "samples"),
            ("strava", "loaded_exports"),
        )
    ),
    *(
        StepStarted(step, random.Random(step).uniform(0.0, longest_delay_s))
        for step, longest_delay_s in (
            # the profiles and Apple Health loads of this small home can finish and remove
            # their working folder between two looks at it, so they are reached by time
            # from their step's start instead
            ("ingest_profiles", 0.5),
            ("ingest_healthkit", 1.0),
            ("ingest_strava", 1.0),
            ("terra_layer", 1.0),
            ("coach_layer", 0.5),
            ("plan_layer", 1.0),
            ("exports__fit_files", 0.3),
            ("exports__runner_reports", 0.5),
            ("publish_copy", 0.0),  # the last step is short
        )
    ),
)


@pytest.mark.slow
@pytest.mark.parametrize("moment", KILL_MOMENTS, ids=str)
def test_killed_at_any_moment_the_next_run_equals_a_clean_one(
    tmp_path, inbox, clean, monkeypatch, moment
):
    _killed_then_resumed(_home(tmp_path / "home", inbox), moment, clean, monkeypatch)
