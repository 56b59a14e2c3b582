"""Runs whose process died: failed, and their place in the one-writer pool given back.

A run killed with SIGKILL (or on a machine that restarted) never reports that it ended. It
stays STARTED and keeps its slot of the warehouse pool (limit 1), and every later run, from
the CLI, the schedule or a sensor, would wait for it forever.
"""

from __future__ import annotations

import os

import dagster as dg

UNFINISHED = [
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
]


def release_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Fail the runs whose process is gone and free what they held in the writers' pool. A
    run is dead when the process that executes its steps (the pid of its first engine event) no
    longer exists on this machine; a run with no such event yet is left alone. Returns the
    runs failed here."""
    released = []
    for record in instance.get_run_records(filters=dg.RunsFilter(statuses=UNFINISHED)):
        run = record.dagster_run
        pid = _worker_pid(instance, run.run_id)
        if pid is None or _is_running(pid):
            continue
        instance.report_run_failed(
            run,
            message=f"Its process ({pid}) ended without finishing the run (killed?); "
            "Cadence marked it failed and released its place in the warehouse pool.",
        )
        released.append(run.run_id)
    storage = instance.event_log_storage
    for run_id in storage.get_concurrency_run_ids():
        holder = instance.get_run_by_id(run_id)
        if holder is None or holder.is_finished:
            storage.free_concurrency_slots_for_run(run_id)
    return released


def _worker_pid(instance: dg.DagsterInstance, run_id: str) -> int | None:
    records = instance.get_records_for_run(
        run_id, of_type=dg.DagsterEventType.ENGINE_EVENT, limit=5
    ).records
    for record in records:
        event = record.event_log_entry.dagster_event
        data = event.engine_event_data if event is not None else None
        pid = data.metadata.get("pid") if data is not None else None
        if pid is not None and str(pid.value).isdigit():
            return int(pid.value)
    return None


def _is_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


@dg.sensor(
    name="dead_runs_sensor",
    minimum_interval_seconds=60,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Fails runs whose process was killed and gives back their place in the "
    "warehouse pool, so the runs queued behind them go on (`cadence materialize` does the "
    "same before it starts).",
)
def dead_runs_sensor(context: dg.SensorEvaluationContext) -> dg.SkipReason:
    released = release_dead_runs(context.instance)
    if released:
        return dg.SkipReason(f"failed {len(released)} dead run(s): {', '.join(released)}")
    return dg.SkipReason("no dead run")
