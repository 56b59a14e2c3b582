"""The one Dagster Definitions object (`uv run dagster dev` finds it via [tool.dagster])."""

import dagster as dg
from dagster_dlt import DagsterDltResource

from assets.checks import contract_checks
from assets.dead_runs import dead_runs_sensor
from assets.digest import weekly_digest, weekly_digest_schedule
from assets.fit_export import fit_workouts
from assets.ingest import raw_healthkit, raw_profiles, raw_strava, runner_profiles
from assets.layers import coach_layer, terra_layer
from assets.memory import memory_summaries
from assets.plans import plan_layer, reference_data
from assets.reports import runner_reports
from assets.resources import CadenceHomeResource
from assets.schedules import daily_refresh, daily_schedule, publish_warehouse, runner_ingest
from assets.sensors import inbox_sensor, publish_after_success
from assets.site import coach_site
from assets.strava import raw_strava_api

defs = dg.Definitions(
    assets=[
        raw_profiles,
        raw_strava,
        raw_healthkit,
        raw_strava_api,
        runner_profiles,
        terra_layer,
        coach_layer,
        reference_data,
        plan_layer,
        fit_workouts,
        runner_reports,
        coach_site,
        memory_summaries,
    ],
    asset_checks=contract_checks(),
    jobs=[daily_refresh, runner_ingest, publish_warehouse, weekly_digest],
    schedules=[daily_schedule, weekly_digest_schedule],
    sensors=[inbox_sensor, publish_after_success, dead_runs_sensor],
    resources={"cadence": CadenceHomeResource(), "dlt": DagsterDltResource()},
)
