"""The weekly digest job: write the latest complete week's digests to the outbox and, when
CADENCE_SMTP_URL is set, send what is not sent yet (exports/digest.py); every Monday morning
after the daily run."""

import os

import dagster as dg

from assets.ingest import WAREHOUSE_POOL
from assets.resources import CadenceHomeResource
from assets.schedules import local_timezone
from exports.digest import SMTP_URL_VARIABLE, send_outbox, write_digests

DIGEST_CRON = "30 6 * * 1"
"""Mondays at 06:30, after the daily run at 05:00 has summarised the week just ended."""


@dg.op(
    pool=WAREHOUSE_POOL,
    description="Write one digest per runner and one for the coach under outbox/<sunday>/; "
    "send the unsent ones (failed ones again) when CADENCE_SMTP_URL is set.",
)
def send_weekly_digest(context: dg.OpExecutionContext, cadence: CadenceHomeResource) -> None:
    written = write_digests(cadence.home)
    context.log.info(f"wrote {len(written.written)} digest(s) to {written.folder}")
    smtp_url = os.environ.get(SMTP_URL_VARIABLE)
    if not smtp_url:
        context.log.info(f"{SMTP_URL_VARIABLE} is not set: digests written, not sent")
        return
    delivery = send_outbox(cadence.home, smtp_url)
    context.log.info(f"sent {len(delivery.sent)} digest(s)")
    if delivery.failed:
        reasons = "; ".join(f"{p.name}: {why}" for p, why in delivery.failed.items())
        raise dg.Failure(
            f"{len(delivery.failed)} digest(s) not sent (kept, retried next run): {reasons}"
        )


@dg.job(
    name="weekly_digest",
    description="The weekly digest by email: the week's memory summary, next week's key "
    "sessions and the flags, per runner and for the coach.",
)
def weekly_digest() -> None:
    send_weekly_digest()


weekly_digest_schedule = dg.ScheduleDefinition(
    name="weekly_digest_schedule",
    job=weekly_digest,
    cron_schedule=DIGEST_CRON,
    execution_timezone=local_timezone(),
    default_status=dg.DefaultScheduleStatus.RUNNING,
    description=f"Mondays at {DIGEST_CRON.split()[1]}:{DIGEST_CRON.split()[0]}, after the "
    "daily run.",
)
