"""Ingest-layer assets."""

import dagster as dg

from assets.profiles import load_profiles
from assets.resources import CadenceHomeResource

WAREHOUSE_POOL = "duckdb_warehouse"
"""DuckDB allows one writer: every asset that writes the warehouse runs in this pool."""


@dg.asset(
    key=dg.AssetKey(["coach", "runner_profiles"]),
    group_name="ingest",
    kinds={"yaml", "duckdb"},
    pool=WAREHOUSE_POOL,
    owners=["team:cadence"],
    description=(
        "What each runner told us in inbox/<runner_id>/profile.yaml, applied to their Runner "
        "Object (coach.runners) as facts that inference never overwrites. A section with a "
        "bad value is set aside in quarantine.rejected with the field named; the rest lands."
    ),
)
def runner_profiles(
    context: dg.AssetExecutionContext, cadence: CadenceHomeResource
) -> dg.MaterializeResult:
    with cadence.warehouse() as con:
        loaded = load_profiles(con, cadence.home.inbox, context.run_id)
        total = con.execute("SELECT count(*) FROM coach.runners").fetchone()
    for rejection in loaded.rejections:
        context.log.warning(str(rejection))
    return dg.MaterializeResult(
        metadata={
            "runners_created": len(loaded.runners_created),
            "profiles_applied": len(loaded.runners_updated),
            "rejected": len(loaded.rejections),
            "dagster/row_count": total[0] if total else 0,
        }
    )
