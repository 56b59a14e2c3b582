"""The daily materialization and publishing after every successful run."""

import os
from pathlib import Path

import dagster as dg

from assets.resources import CadenceHomeResource
from warehouse.publish import publish

DAILY_GROUPS = ("ingest", "terra", "coach")


def local_timezone() -> str:
    """$CADENCE_SCHEDULE_TIMEZONE, else the machine's IANA zone, else UTC."""
    configured = os.environ.get("CADENCE_SCHEDULE_TIMEZONE") or os.environ.get("TZ")
    if configured:
        return configured
    link = Path("/etc/localtime")
    if link.is_symlink() and "zoneinfo/" in str(link.resolve()):
        return str(link.resolve()).split("zoneinfo/", 1)[1]
    return "UTC"


daily_refresh = dg.define_asset_job(
    "daily_refresh",
    selection=dg.AssetSelection.groups(*DAILY_GROUPS),
    description="Load what is new in the inbox, then rebuild terra and coach for every runner.",
)

daily_schedule = dg.ScheduleDefinition(
    name="daily_refresh_schedule",
    job=daily_refresh,
    cron_schedule=os.environ.get("CADENCE_SCHEDULE_CRON", "0 5 * * *"),
    execution_timezone=local_timezone(),
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description="Every day at 05:00 local time (CADENCE_SCHEDULE_CRON / _TIMEZONE change it).",
)


@dg.run_status_sensor(
    run_status=dg.DagsterRunStatus.SUCCESS,
    name="publish_after_success",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="After every successful run, publish a read-only copy for analysts.",
)
def publish_after_success(context: dg.RunStatusSensorContext, cadence: CadenceHomeResource):
    home = cadence.home
    if home.warehouse.exists():
        publish(home.warehouse, home.published)
        context.log.info(f"published {home.published}")
