"""The `exports/coach_site` asset: the coach's static site under `$CADENCE_HOME/site/`
(exports/coach_site.py writes it), linked from the asset's metadata."""

import dagster as dg

from assets.ingest import WAREHOUSE_POOL
from assets.layers import runners_built_result, runners_built_spec
from assets.resources import CadenceHomeResource
from exports.coach_site import write_coach_site

SITE_KEY = dg.AssetKey(["exports", "coach_site"])


@dg.asset(
    key=SITE_KEY,
    deps=[
        dg.AssetKey(["terra", "activities"]),
        dg.AssetKey(["terra", "activity_samples"]),
        dg.AssetKey(["terra", "daily_summaries"]),
        dg.AssetKey(["coach", "weekly_summaries"]),
        dg.AssetKey(["plans", "training_plans"]),
        dg.AssetKey(["plans", "planned_sessions"]),
    ],
    group_name="exports",
    description="The coach's site, opened from file:// with no network: the squad (form, "
    "readiness, this week planned against done, today's session, flags), a page per runner "
    "(calendar of planned against done, fitness/fatigue/form with today, race and the plan's "
    "projection, weekly volume and ramp, time in zones, wellness, the plan at season, week and "
    "day zoom) and a page per activity (pace, heart rate, elevation, cadence, laps, splits, "
    "route). `cadence site` serves it.",
    kinds={"polars", "duckdb", "plotly", "html"},
    owners=["team:cadence"],
    pool=WAREHOUSE_POOL,
    check_specs=[runners_built_spec(SITE_KEY, "site")],
)
def coach_site(context: dg.AssetExecutionContext, cadence: CadenceHomeResource):
    # In the warehouse pool although it only reads: a read-only DuckDB connection cannot open
    # the file while another run holds it for writing.
    site = write_coach_site(cadence.home)
    with cadence.warehouse() as con:
        check = runners_built_result(con, SITE_KEY, site.runners, site.failures, context.run_id)
    yield dg.MaterializeResult(
        asset_key=SITE_KEY,
        metadata={
            "site": dg.MetadataValue.url(site.index.as_uri()),
            "folder": dg.MetadataValue.path(str(site.folder)),
            "runners": site.runners,
            "pages": len(site.pages),
            "charts": site.charts,
            "size_mb": round(site.size_bytes / 1e6, 2),
            "seconds": round(site.seconds, 1),
            "serve": dg.MetadataValue.md("`cadence site` serves it on http://127.0.0.1:8000/"),
        },
    )
    yield check
