"""Runners as Dagster dynamic partitions.

Only the dlt assets (raw_profiles, raw_strava, raw_healthkit) are partitioned: a run for one
runner loads only that runner's inbox folder. Everything downstream (the profiles applied to
coach.runners, terra, coach, ...) is rebuilt for every runner in passes, so it stays
unpartitioned and depends on all runner partitions of the raw assets.
"""

import dagster as dg

from pipelines.profiles import scan_inbox
from warehouse.settings import CadenceHome

runner_partitions = dg.DynamicPartitionsDefinition(name="runners")


def partition_runner_ids(context: dg.AssetExecutionContext) -> list[str] | None:
    """The runners a run targets (one, or a range from a backfill), or None for an
    unpartitioned run (the daily schedule, `cadence materialize`), which loads every runner."""
    if context.has_partition_key or context.has_partition_key_range:
        return list(context.partition_keys)
    return None


def inbox_runner_ids(home: CadenceHome) -> list[str]:
    """Runner folders in the inbox (folders with invalid names are not runners)."""
    return [runner.runner_id for runner in scan_inbox(home.inbox)[0]]


def register_runners(instance: dg.DagsterInstance, runner_ids: list[str]) -> list[str]:
    """Add the runners the instance does not know yet as partitions; returns those added."""
    known = set(instance.get_dynamic_partitions(runner_partitions.name))
    new = [runner_id for runner_id in runner_ids if runner_id not in known]
    if new:
        instance.add_dynamic_partitions(runner_partitions.name, new)
    return new
