"""A run whose process died gives back its place in the one-writer pool (the whole story, a
real `cadence materialize` killed with SIGKILL, is tests/test_crash_safety.py)."""

from __future__ import annotations

import os
import subprocess

import dagster as dg
import pytest
from dagster._core.events import EngineEventData

from assets.dead_runs import dead_runs_sensor, release_dead_runs
from assets.definitions import defs
from assets.ingest import WAREHOUSE_POOL
from assets.run import dagster_instance


def started_run(instance: dg.DagsterInstance, pid: int) -> dg.DagsterRun:
    """A run marked started whose steps execute in process `pid`, holding the pool's slot."""
    run = instance.create_run_for_job(
        defs.resolve_job_def("publish_warehouse"), status=dg.DagsterRunStatus.STARTED
    )
    instance.report_engine_event(
        f"Executing steps in process (pid: {pid})",
        run,
        EngineEventData(metadata={"pid": dg.MetadataValue.text(str(pid))}),
    )
    storage = instance.event_log_storage
    storage.set_concurrency_slots(WAREHOUSE_POOL, 1)
    claim = storage.claim_concurrency_slot(WAREHOUSE_POOL, run.run_id, "publish_copy")
    assert claim.is_claimed
    return run


def holders(instance: dg.DagsterInstance) -> set[str]:
    info = instance.event_log_storage.get_concurrency_info(WAREHOUSE_POOL)
    return {slot.run_id for slot in info.claimed_slots}


@pytest.fixture
def instance(home):
    with dagster_instance(home) as made:
        yield made


def test_a_run_whose_process_is_gone_is_failed_and_its_slot_freed(instance):
    gone = subprocess.Popen(["true"])
    gone.wait()
    dead = started_run(instance, gone.pid)
    assert holders(instance) == {dead.run_id}

    assert release_dead_runs(instance) == [dead.run_id]
    assert instance.get_run_by_id(dead.run_id).status == dg.DagsterRunStatus.FAILURE
    assert holders(instance) == set()


def test_a_run_whose_process_lives_keeps_its_slot_and_the_sensor_says_so(instance):
    alive = started_run(instance, os.getpid())
    with dg.build_sensor_context(instance=instance) as context:
        outcome = dead_runs_sensor(context)
    assert isinstance(outcome, dg.SkipReason) and outcome.skip_message == "no dead run"
    assert instance.get_run_by_id(alive.run_id).status == dg.DagsterRunStatus.STARTED
    assert holders(instance) == {alive.run_id}
