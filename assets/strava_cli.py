"""`cadence strava`: connect a runner to Strava's API and sync now."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from pipelines.strava_api.connect import connect_runner
from pipelines.strava_api.settings import StravaApp
from pipelines.strava_api.sync import sync_runners
from warehouse.settings import CadenceHome, require_runner_id

strava_app = typer.Typer(
    help="Connect runners to Strava's API and sync their new activities.", no_args_is_help=True
)
console = Console(width=max(Console().width, 110))


@strava_app.command("connect")
def connect(
    runner_id: str,
    refresh_token: Annotated[
        str | None,
        typer.Option(
            "--refresh-token",
            envvar="CADENCE_STRAVA_REFRESH_TOKEN",
            help="A refresh token of the runner's (or set CADENCE_STRAVA_REFRESH_TOKEN).",
        ),
    ] = None,
    code: Annotated[
        str | None,
        typer.Option("--code", help="The `code` Strava's OAuth redirect handed back."),
    ] = None,
) -> None:
    """Store the runner's Strava athlete and refresh token (encrypted) so syncs can run."""
    home = CadenceHome.from_env()
    connected = connect_runner(home, runner_id, refresh_token=refresh_token, code=code)
    who = f" ({connected.username})" if connected.username else ""
    console.print(
        f"Connected runner [bold]{connected.runner_id}[/] to Strava athlete "
        f"{connected.strava_id}{who}; the token is stored encrypted. "
        f"Sync now: `cadence strava sync {connected.runner_id}`."
    )


@strava_app.command("sync")
def sync(
    runner_id: Annotated[
        str | None, typer.Argument(help="Runner to sync (default: every connected runner).")
    ] = None,
) -> None:
    """Load connected runners' new activities from Strava now (`cadence materialize` then
    builds everything from them)."""
    home = CadenceHome.from_env()
    StravaApp.from_env()  # say what is missing before anything else
    runner_ids = [require_runner_id(runner_id)] if runner_id else None
    with console.status("Syncing from Strava..."):
        report = sync_runners(home, runner_ids)
    if not report.runners:
        console.print(
            "No connected runner to sync"
            + (f" named {runner_id}" if runner_id else "")
            + ": connect one with `cadence strava connect RUNNER_ID --refresh-token TOKEN`."
        )
        raise typer.Exit(1)
    table = Table(title="Strava sync (raw_strava_api; merged: re-syncing adds nothing)")
    for column in ("runner", "asked for activities after", "new", "result"):
        table.add_column(column)
    for r in report.runners:
        table.add_row(
            r.runner_id,
            _after(r.asked_after),
            str(r.loaded),
            r.sentence(),
        )
    console.print(table)
    for rejection in report.rejections:
        console.print(f"Quarantined {rejection.runner_id}: {rejection}", markup=False)
    if any(r.outcome in ("disconnected", "failed") for r in report.runners):
        raise typer.Exit(1)


def _after(epoch: int | None) -> str:
    if epoch is None:
        return ""
    if epoch == 0:
        return "the first activity"
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
