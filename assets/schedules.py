"""The jobs: the daily refresh (and what the CLI runs), one runner's ingest, publishing."""

import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import dagster as dg

from assets.ingest import WAREHOUSE_POOL
from assets.resources import CadenceHomeResource
from warehouse.publish import publish

DAILY_GROUPS = ("ingest", "terra", "coach", "plans", "exports")
"""The asset groups the daily run materializes, in lineage order: the one place they are listed."""

DEFAULT_CRON = "0 5 * * *"


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
    description="Load what is new in the inbox (every runner, or the runner of the chosen "
    "partition), then rebuild every later layer for every runner.",
)

runner_ingest = dg.define_asset_job(
    "runner_ingest",
    selection=dg.AssetSelection.groups("ingest"),
    description="Load one runner's new or changed exports and profile (launched by the inbox "
    "sensor with the runner as partition).",
)


def _daily_schedule() -> dg.ScheduleDefinition:
    """The daily run at $CADENCE_SCHEDULE_CRON in $CADENCE_SCHEDULE_TIMEZONE; a bad setting
    is a ValueError naming it (`dagster dev` and `cadence doctor` show it)."""
    cron = os.environ.get("CADENCE_SCHEDULE_CRON") or DEFAULT_CRON
    timezone = local_timezone()
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"CADENCE_SCHEDULE_TIMEZONE {timezone!r} is not an IANA time zone "
            "(e.g. 'Europe/Lisbon')"
        ) from None
    try:
        return dg.ScheduleDefinition(
            name="daily_refresh_schedule",
            job=daily_refresh,
            cron_schedule=cron,
            execution_timezone=timezone,
            default_status=dg.DefaultScheduleStatus.RUNNING,
            description=f"Every runner, at {cron} ({timezone}); CADENCE_SCHEDULE_CRON and "
            "CADENCE_SCHEDULE_TIMEZONE change it.",
        )
    except dg.DagsterInvalidDefinitionError:
        raise ValueError(
            f"CADENCE_SCHEDULE_CRON {cron!r} is not a cron expression (e.g. {DEFAULT_CRON!r})"
        ) from None


daily_schedule = _daily_schedule()


@dg.op(
    pool=WAREHOUSE_POOL,
    description="Copy the warehouse to published/warehouse.duckdb and rename it into place.",
)
def publish_copy(context: dg.OpExecutionContext, cadence: CadenceHomeResource) -> None:
    home = cadence.home
    publish(home.warehouse, home.published)
    context.log.info(f"published {home.published}")


@dg.job(
    name="publish_warehouse",
    description="Publish the read-only copy analysts open. In the warehouse pool, so it never "
    "copies while a run writes, and never holds the file while a run needs it.",
)
def publish_warehouse() -> None:
    publish_copy()
