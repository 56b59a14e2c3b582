"""Ingest-layer assets: dlt loads the inbox into raw_* schemas; profiles reach the runners."""

from collections.abc import Iterator

import dagster as dg
from dagster_dlt import DagsterDltResource, DagsterDltTranslator, dlt_assets
from dagster_dlt.translator import DltResourceTranslatorData

from assets.partitions import partition_runner_ids, runner_partitions
from assets.profiles import apply_profiles
from assets.resources import CadenceHomeResource
from pipelines.ingest import plan_ingest, record_ledger
from pipelines.sources import DATASETS, export_source, pipeline_in_own_folder, profiles_source
from warehouse.connection import scalar
from warehouse.settings import CadenceHome

WAREHOUSE_POOL = "duckdb_warehouse"
"""DuckDB allows one writer: every asset that writes the warehouse runs in this pool."""

DESCRIPTIONS = {
    "strava": "Strava bulk exports from the inbox (activities.csv plus every FIT, GPX and TCX "
    "file: summaries, laps, per-second samples), loaded as they are into raw_strava.",
    "healthkit": "Apple Health exports from the inbox (every record, workout with its "
    "statistics, events and route, activity summary), loaded as they are into raw_healthkit.",
    "profiles": "Each runner's profile.yaml, as written, in raw_profiles.",
}


class RawTranslator(DagsterDltTranslator):
    """One asset per raw schema, named like the schema an analyst queries."""

    def get_asset_spec(self, data: DltResourceTranslatorData) -> dg.AssetSpec:
        kind = data.resource.source_name
        return (
            super()
            .get_asset_spec(data)
            .replace_attributes(
                key=dg.AssetKey([DATASETS[kind]]),
                group_name="ingest",
                description=DESCRIPTIONS[kind],
                deps=[],
                owners=["team:cadence"],
            )
            .merge_attributes(kinds={"dlt", "duckdb"})
        )


def _spec_pipeline(kind: str):
    """The pipeline dagster-dlt reads names and destination from; it never runs."""
    home = CadenceHome.from_env()
    with pipeline_in_own_folder(
        kind, home.warehouse, home.dlt_dir, hold_warehouse=False
    ) as pipeline:
        return pipeline


def _ingest_asset(kind: str) -> dg.AssetsDefinition:
    placeholder = profiles_source() if kind == "profiles" else export_source(kind)

    @dlt_assets(
        dlt_source=placeholder,
        dlt_pipeline=_spec_pipeline(kind),
        name=f"ingest_{kind}",
        dagster_dlt_translator=RawTranslator(),
        pool=WAREHOUSE_POOL,
        partitions_def=runner_partitions,
    )
    def ingest(
        context: dg.AssetExecutionContext, dlt: DagsterDltResource, cadence: CadenceHomeResource
    ) -> Iterator[dg.MaterializeResult]:
        home = cadence.home
        plan = plan_ingest(home, partition_runner_ids(context), run_id=context.run_id)
        if kind == "profiles":
            source = profiles_source(plan.runners, home.inbox, plan.ledger)
        else:
            source = export_source(kind, plan.exports(kind), home.inbox, None, plan.ledger)
        with pipeline_in_own_folder(kind, home.warehouse, home.dlt_dir) as pipeline:
            yield from dlt.run(context=context, dlt_source=source, dlt_pipeline=pipeline)
        record_ledger(home.warehouse, plan.ledger, context.run_id)
        for rejection in plan.ledger.rejections:
            context.log.warning(str(rejection))

    return ingest


raw_profiles, raw_strava, raw_healthkit = (
    _ingest_asset(kind) for kind in ("profiles", "strava", "healthkit")
)


@dg.asset(
    key=dg.AssetKey(["coach", "runner_profiles"]),
    deps=[dg.AssetKey(["raw_profiles"])],
    group_name="ingest",
    kinds={"polars", "duckdb"},
    pool=WAREHOUSE_POOL,
    owners=["team:cadence"],
    description=(
        "What each runner told us in their profile.yaml, applied to their Runner Object "
        "(coach.runners) as facts that inference never overwrites. A bad or unknown field is "
        "set aside in quarantine.rejected with its dotted name; the rest of its section lands. "
        "A runner whose profile does not parse, or lost a fact the plan needs, gets no plan."
    ),
)
def runner_profiles(
    context: dg.AssetExecutionContext, cadence: CadenceHomeResource
) -> dg.MaterializeResult:
    with cadence.warehouse() as con:
        loaded = apply_profiles(con, context.run_id)
        total = scalar(con, "SELECT count(*) FROM coach.runners")
    for rejection in loaded.rejections:
        context.log.warning(str(rejection))
    for runner_id, reason in loaded.not_ready.items():
        context.log.warning(f"{runner_id} has {reason}")
    return dg.MaterializeResult(
        metadata={
            "runners_created": len(loaded.runners_created),
            "profiles_applied": len(loaded.profiles_applied),
            "rejected": len(loaded.rejections),
            "not_ready_for_plan": dg.MetadataValue.json(loaded.not_ready),
            "dagster/row_count": total,
        }
    )
