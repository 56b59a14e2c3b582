"""The Strava API ingest asset: connected runners' new activities into raw_strava_api.

The one writing asset outside the one-writer pool (WAREHOUSE_POOL): a step holds its pool
slot from start to end, and a sync spends most of its time on Strava's network, up to 15
minutes at a time waiting out a rate-limit window, which would stall every other step of
every run. The sync opens the warehouse itself for two moments only (read the tokens and
cursors; load what was fetched), through `connect`, which waits while a pooled step has the
file: DuckDB's lock keeps the writers apart, the pool only spares them that wait.
"""

import dagster as dg

from assets.partitions import partition_runner_ids, runner_partitions
from assets.resources import CadenceHomeResource
from pipelines.strava_api.sync import sync_runners


@dg.asset(
    key=dg.AssetKey(["raw_strava_api"]),
    group_name="ingest",
    kinds={"dlt", "duckdb"},
    partitions_def=runner_partitions,
    owners=["team:cadence"],
    description="Activities of the runners connected to Strava (`cadence strava connect`), "
    "synced from Strava's API: each new activity's detail (workout_type kept), laps and "
    "streams, loaded as they are into raw_strava_api. A runner whose token Strava refuses is "
    "marked disconnected; Strava's daily limit stops the sync cleanly until the next run. "
    "Outside the warehouse pool: it fetches without the warehouse and opens it only to read "
    "the cursors and to load.",
)
def raw_strava_api(
    context: dg.AssetExecutionContext, cadence: CadenceHomeResource
) -> dg.MaterializeResult:
    try:
        report = sync_runners(cadence.home, partition_runner_ids(context), run_id=context.run_id)
    except ValueError as error:  # no Strava app configured: the rest of the run goes on
        context.log.warning(f"Strava not synced: {error}")
        return dg.MaterializeResult(metadata={"not_synced": str(error)})
    for sync in report.runners:
        log = context.log.info if sync.outcome == "synced" else context.log.warning
        log(f"{sync.runner_id}: {sync.sentence()}")
    for rejection in report.rejections:
        context.log.warning(str(rejection))
    return dg.MaterializeResult(
        metadata={
            "runners_synced": len(report.runners),
            "activities_loaded": report.loaded,
            "rejected": len(report.rejections),
            "runners": dg.MetadataValue.json(
                {sync.runner_id: sync.sentence() for sync in report.runners}
            ),
        }
    )
