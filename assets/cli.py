"""`cadence`: the command-line front door."""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import shutil
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import duckdb
import typer
import yaml
from dotenv import load_dotenv
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from assets.plan_view import plan_app
from assets.profiles import apply_profiles
from assets.sql_cli import sql
from assets.strava_cli import strava_app
from pipelines.inbox import ExportFile
from pipelines.ingest import IngestReport, run_ingest
from pipelines.profiles import scan_inbox
from pipelines.sources import IngestProgress
from transforms.completeness import not_ready_reason
from transforms.goal_checks import past_race_notice
from warehouse.connection import open_warehouse
from warehouse.error_text import exception_sentence, first_line, step_failure_sentence
from warehouse.runners import RunnerAlreadyExists, RunnerAPI, RunnerNotFound, ValidationError
from warehouse.settings import DEMO_HOME, CadenceHome, plan_date
from warehouse.strava_users import strava_statuses

app = typer.Typer(
    help="Cadence: runners' exports in, coaching out.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
runner_app = typer.Typer(help="Create, show, update and list runners.", no_args_is_help=True)
app.add_typer(runner_app, name="runner")
app.add_typer(plan_app, name="plan")
app.add_typer(strava_app, name="strava")
app.command("sql")(sql)
console = Console(width=max(Console().width, 110))

DEMO_MARKER = ".cadence-demo"
DEMO_PLAN_WEEKS_AGO = 3
"""`cadence demo` makes plans this long before its sample data ends, to show them followed."""
REJECTIONS_SHOWN = 20
UI_LOCK = ".ui.lock"
"""Held, in the home's Dagster folder, by the `cadence ui` running on that home."""
DEBUG_VARIABLE = "CADENCE_DEBUG"
"""Set, an unexpected error shows its traceback instead of one line."""
USER_ERRORS = (
    ValidationError,
    RunnerNotFound,
    RunnerAlreadyExists,
    ValueError,
    duckdb.Error,
    OSError,
)


def _home() -> CadenceHome:
    return CadenceHome.from_env()


@app.command()
def init() -> None:
    """Create the Cadence home and every warehouse schema and table (safe to re-run)."""
    home = _home().create()
    with open_warehouse(home.warehouse):
        pass
    console.print(f"Cadence home ready at [bold]{home.root}[/]; warehouse {home.warehouse}")


@app.command()
def ingest(
    runner_ids: Annotated[
        list[str] | None, typer.Argument(help="Runners to load (default: every inbox runner).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Re-read exports even if unchanged.")] = False,
) -> None:
    """Load what is new in the inbox (profiles, Strava and Apple Health exports)."""
    home = _home().create()
    if not runner_ids and not scan_inbox(home.inbox)[0]:
        raise ValueError(f"no runner folders in {home.inbox}; drop exports there first")
    report = _ingest(home, runner_ids, force)
    if report.ledger.read and not any(
        rows
        for table, rows in report.rows_by_table.items()
        if not table.endswith((".loaded_exports", ".profiles"))
    ):
        console.print("[red]Nothing could be loaded[/] from the exports above.")
        raise typer.Exit(1)


class AmountColumn(ProgressColumn):
    """Files for Strava exports, megabytes of XML for Apple Health exports."""

    def render(self, task: Task) -> Text:
        if task.fields.get("unit") == "files":
            return Text(f"{task.completed:,.0f}/{task.total or 0:,.0f} files")
        return Text(f"{task.completed / 1e6:,.1f}/{(task.total or 0) / 1e6:,.1f} MB XML")


def _ingest(home: CadenceHome, runner_ids: list[str] | None, force: bool) -> IngestReport:
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        AmountColumn(),
        TimeRemainingColumn(),
        console=console,
    )
    tasks: dict[str, TaskID] = {}

    def started(export: ExportFile, total: int) -> None:
        unit = "files" if export.kind == "strava" else "XML"
        tasks[export.source_file] = progress.add_task(export.source_file, total=total, unit=unit)

    def advanced(export: ExportFile, amount: int) -> None:
        progress.advance(tasks[export.source_file], amount)

    with progress:
        report = run_ingest(
            home, runner_ids, force=force, progress=IngestProgress(started, advanced)
        )
    with open_warehouse(home.warehouse) as con:
        applied = apply_profiles(con)
    report.ledger.rejections.extend(applied.rejections)
    _print_ingest(report, applied.not_ready)
    return report


def _print_ingest(report: IngestReport, not_ready: dict[str, str]) -> None:
    skipped = report.ledger.skipped
    if skipped:
        console.print(f"{len(skipped)} export(s) unchanged since last load, skipped.")
    loaded = Table(title="Rows loaded (merged: re-loading adds nothing)")
    loaded.add_column("table")
    loaded.add_column("rows", justify="right")
    for table_name, rows in sorted(report.rows_by_table.items()):
        loaded.add_row(table_name, f"{rows:,}")
    console.print(loaded)
    rejections = report.ledger.rejections
    if rejections:
        rejected = Table(title=f"Rejected: {len(rejections)} (in quarantine.rejected)")
        for column in ("runner", "file", "where", "reason"):
            rejected.add_column(column)
        for r in rejections[:REJECTIONS_SHOWN]:
            rejected.add_row(r.runner_id or "", r.source_file, r.location, r.reason)
        console.print(rejected)
        if len(rejections) > REJECTIONS_SHOWN:
            console.print(
                f"... and {len(rejections) - REJECTIONS_SHOWN} more in quarantine.rejected"
            )
    for runner_id, reason in sorted(not_ready.items()):
        console.print(f"{runner_id} has {reason}", markup=False)


@app.command()
def materialize(
    select: Annotated[
        list[str] | None,
        typer.Option("--select", help="Only these asset groups (ingest, terra, coach, ...)."),
    ] = None,
    runner: Annotated[
        str | None,
        typer.Option("--runner", help="Ingest only this runner's exports, then rebuild."),
    ] = None,
) -> None:
    """Run the daily Dagster job on the current home (the runs appear in the UI)."""
    home = _home()
    _materialize(home, select, runner)
    _print_tables(home)


def _materialize(home: CadenceHome, groups: list[str] | None, runner_id: str | None) -> None:
    from dagster import DagsterEventType

    from assets.layers import EVERY_RUNNER_BUILT
    from assets.run import RunProgress, materialize_home, runner_failures

    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} steps"),
        TimeElapsedColumn(),
        console=console,
    )
    task = progress.add_task("Materializing with Dagster", total=None)

    def step(step_key: str, event: DagsterEventType) -> None:
        if event == DagsterEventType.STEP_START:
            progress.update(task, description=step_key)
        else:
            progress.advance(task)

    def planned(steps: int) -> None:
        progress.update(task, total=steps)
        progress.start()  # only once the run is set: a bad option is one line, no bar

    started = time.perf_counter()
    try:
        result = materialize_home(home, groups, runner_id, RunProgress(planned, step))
        progress.update(task, description="Done" if result.success else "Failed")
    finally:
        if progress.live.is_started:
            progress.stop()
    seconds = time.perf_counter() - started
    failures = result.get_step_failure_events()
    skipped = [e for e in result.all_events if e.event_type == DagsterEventType.STEP_SKIPPED]
    # One line per failed step: the cause's first sentence, and where the whole error is.
    for failure in failures:
        sentence = step_failure_sentence(failure.step_failure_data.error)
        console.print(
            f"[red]Failed[/] {failure.step_key}: {escape(sentence)} "
            f"[dim](whole error: step {failure.step_key} of run {result.run_id[:8]} in "
            "`cadence ui`)[/]"
        )
    checks = result.get_asset_check_evaluations()
    failing = [f"{c.asset_key.to_user_string()}:{c.check_name}" for c in checks if not c.passed]
    console.print(
        f"Dagster run [bold]{result.run_id[:8]}[/]"
        + (f" for runner {runner_id}" if runner_id else "")
        + f": {len(result.get_step_success_events())} step(s) succeeded, {len(failures)} failed, "
        f"{len(skipped)} skipped in {seconds:.1f} s; "
        f"{len(checks) - len(failing)}/{len(checks)} checks passed"
        + (f" (failing: {', '.join(failing)})" if failing else "")
    )
    if not result.success:
        console.print(
            "Nothing was published (the analysts' copy is unchanged); failed steps wrote "
            f"nothing. Logs: the run {result.run_id[:8]} in the Dagster UI (`cadence ui`)."
        )
        raise typer.Exit(1)
    console.print(f"Published {home.published}")
    failed_runners = runner_failures(result)
    for sentence in failed_runners:
        console.print(f"[red]Failed[/] {escape(sentence)}")
    if failed_runners:
        console.print(
            f"Every other runner was built and published. Why, with the first offending "
            f"values: quarantine.rejected, and the run {result.run_id[:8]}'s "
            f"{EVERY_RUNNER_BUILT} checks in the Dagster UI (`cadence ui`)."
        )
        raise typer.Exit(1)


@app.command()
def ui(
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port of the Dagster UI.")] = 3000,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
) -> None:
    """Open the Dagster UI on this home (sharing run history with the CLI)."""
    from assets.run import WORKSPACE, dagster_instance

    _require_free_port(host, port)
    home = _home().create()
    _hold_the_homes_ui(home)
    dagster_instance(home)  # writes dagster.yaml and sets DAGSTER_HOME for the child
    # Started in the instance's folder, dagster dev does not warn that the project's own
    # dagster.yaml (the same settings) is not the instance's.
    os.chdir(home.dagster_home)
    # This interpreter's dagster, so the console script works without the venv on PATH.
    dagster = [sys.executable, "-m", "dagster"]
    os.execvp(
        sys.executable,
        [*dagster, "dev", "-w", str(WORKSPACE), "--port", str(port), "--host", host],
    )


def _require_free_port(host: str, port: int) -> None:
    """Bind the UI's address for a moment first: `dagster dev` starts its daemon before its web
    server finds the port taken, and the daemon then runs on without a UI."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror:
        raise ValueError(f"--host {host} is not an address to listen on") from None
    with socket.socket(family, kind, proto) as probe:
        # as the web server does, so a port its last run left in TIME_WAIT counts as free
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as error:
            raise ValueError(
                f"cannot open the UI on {host}:{port} ({error.strerror}): stop what listens "
                "there, or choose another port with --port"
            ) from None


def _hold_the_homes_ui(home: CadenceHome) -> None:
    """One UI, so one daemon and one inbox sensor, per home: a lock the process keeps through
    its exec into `dagster dev`, released by the system when that ends however it ends."""
    lock = os.open(home.dagster_home / UI_LOCK, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(lock)
        raise ValueError(
            f"a Dagster UI already runs on {home.root} (another `cadence ui`): open that one, "
            "or stop it first"
        ) from None
    os.set_inheritable(lock, True)


@app.command()
def demo(
    runners: Annotated[int, typer.Option(min=1, max=50, help="Sample runners.")] = 3,
    days: Annotated[int, typer.Option(min=7, max=3650, help="Days of history each.")] = 120,
    seed: Annotated[int, typer.Option(help="Seed of the sample generator.")] = 7,
) -> None:
    """Make a fresh home with sample exports and run the whole pipeline on it."""
    from samples import write_sample_inbox

    home = CadenceHome.from_env(default=DEMO_HOME)
    _fresh_demo_home(home.root)
    home.create()
    (home.root / DEMO_MARKER).write_text("made by `cadence demo`; safe to delete\n")
    started = time.perf_counter()
    with console.status(f"Writing sample exports for {runners} runners x {days} days..."):
        written = write_sample_inbox(home.inbox, runners=runners, days=days, seed=seed)
    console.print(
        f"Wrote sample inbox for {len(written)} runners in "
        f"{time.perf_counter() - started:.1f} s: {home.inbox}"
    )
    plan_day = dt.date.today() - dt.timedelta(weeks=DEMO_PLAN_WEEKS_AGO)
    os.environ.setdefault("CADENCE_PLAN_DATE", plan_day.isoformat())
    _ingest(home, None, force=False)
    _materialize(home, None, None)
    _print_tables(home)
    console.print(
        "\nNext:\n"
        f"  Dagster UI:  CADENCE_HOME={home.root} uv run cadence ui\n"
        f"  SQL:         CADENCE_HOME={home.root} uv run cadence sql "
        '"select schema_name, table_name, comment from duckdb_tables()"\n'
        f"  Runners:     CADENCE_HOME={home.root} uv run cadence runner list\n"
        f"  A plan:      CADENCE_HOME={home.root} uv run cadence plan show RUNNER_ID\n"
        f"  The site:    {home.site / 'index.html'} (or CADENCE_HOME={home.root} uv run "
        "cadence site)",
        soft_wrap=True,
    )


def _fresh_demo_home(root: Path) -> None:
    """Empty a previous demo home; refuse to touch a folder the demo did not make."""
    if not root.exists():
        return
    if (root / DEMO_MARKER).exists():
        shutil.rmtree(root)
        return
    if any(path.is_file() for path in root.rglob("*")):
        raise ValueError(
            f"{root} is not empty and was not made by `cadence demo`; "
            "point CADENCE_HOME at a new folder"
        )


def _print_tables(home: CadenceHome) -> None:
    """Row counts of the copy a successful run has just published: reading it never holds
    the warehouse from a run another process has going."""
    from assets.run import row_counts

    with open_warehouse(home.published, read_only=True) as con:
        counts = row_counts(con)
    table = Table(title=f"Published warehouse {home.published}")
    for column in ("schema", "table", "rows", "about"):
        table.add_column(column, justify="right" if column == "rows" else "left")
    for schema, name, rows, comment in counts:
        about = comment.split(". ")[0].split(": ")[0].split(" (")[0]
        table.add_row(schema, name, f"{rows:,}", about[:70])
    console.print(table)


@app.command()
def site(
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to serve on.")] = 8000,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    build: Annotated[
        bool, typer.Option(help="Rebuild the site from the warehouse first (default: if none).")
    ] = False,
    serve: Annotated[bool, typer.Option(help="Serve it; --no-serve only prints the path.")] = True,
) -> None:
    """Print where the coach's site is and serve it (squad, runners, activities)."""
    from exports.coach_site import write_coach_site
    from exports.site_server import site_server

    home = _home()
    if build or not (home.site / "index.html").is_file():
        with console.status("Building the site from the warehouse..."):
            report = write_coach_site(home)
        console.print(
            f"Built {len(report.pages)} pages, {report.charts} charts for {report.runners} "
            f"runner(s) in {report.seconds:.1f} s"
        )
        for failure in report.failures:
            console.print(f"[red]Not drawn[/] {escape(failure.runner_id)}: {escape(failure.cause)}")
    console.print(f"Site: {home.site / 'index.html'}", soft_wrap=True)
    if not serve:
        return
    server = site_server(home.site, host, port)
    bound_host, bound_port = server.server_address[:2]
    console.print(f"Serving on http://{bound_host}:{bound_port}/ (Ctrl+C stops)", soft_wrap=True)
    # SIGTERM stops it as Ctrl+C does, even when a parent left SIGTERM ignored for its children
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


@app.command()
def digest(
    send: Annotated[
        bool, typer.Option(help="Send what is not sent yet by SMTP ($CADENCE_SMTP_URL).")
    ] = False,
) -> None:
    """Write the latest complete week's digests (one per runner, one for the coach) to the
    outbox as .eml files; with --send, deliver them and retry earlier failures."""
    from exports.digest import SMTP_URL_VARIABLE, SmtpSettings, send_outbox, write_digests

    smtp_url = os.environ.get(SMTP_URL_VARIABLE)
    if send:  # a missing or bad server is said before anything is written
        if not smtp_url:
            raise ValueError(f"--send needs {SMTP_URL_VARIABLE} (smtp://user:password@host:port)")
        SmtpSettings.from_url(smtp_url)
    home = _home()
    written = write_digests(home)
    console.print(
        f"Wrote {len(written.written)} digest(s) to {written.folder}"
        + (f"; {len(written.kept)} already sent" if written.kept else ""),
        soft_wrap=True,
    )
    for who in written.without_address:
        console.print(f"[yellow]No address[/] for {who}: written, not sendable", soft_wrap=True)
    if not send or not smtp_url:
        return
    delivery = send_outbox(home, smtp_url)
    console.print(f"Sent {len(delivery.sent)} digest(s)")
    for path, why in delivery.failed.items():
        console.print(
            f"[red]Not sent[/] {path.relative_to(home.root)}: {escape(why)} (retried next run)",
            soft_wrap=True,
        )
    if delivery.failed:
        raise typer.Exit(1)


@app.command()
def doctor() -> None:
    """Check the setup and say what to fix."""
    from assets.doctor import diagnose

    findings = diagnose(_home())
    marks = {"ok": "[green]ok[/]", "warn": "[yellow]warn[/]", "fail": "[red]FAIL[/]"}
    table = Table(title="cadence doctor")
    for column in ("check", "status", "detail"):
        table.add_column(column)
    for f in findings:
        table.add_row(f.check, marks[f.status], f.detail)
    console.print(table)
    if any(f.status == "fail" for f in findings):
        raise typer.Exit(1)


@runner_app.command("create")
def runner_create(
    user_id: str,
    name: str,
    runner_id: Annotated[str | None, typer.Option(help="Slug; default from name.")] = None,
) -> None:
    """Create a runner for a user."""
    with open_warehouse(_home().create().warehouse) as con:
        runner = RunnerAPI(con).create_runner(user_id, name, runner_id=runner_id)
    console.print(f"Created runner [bold]{runner['runner_id']}[/] for user {user_id}")


@runner_app.command("show")
def runner_show(
    runner_id: str,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show a runner's whole Runner Object."""
    with open_warehouse(_home().create().warehouse) as con:
        runner = RunnerAPI(con).get_runner(runner_id)
    if as_json:
        print(json.dumps(runner, default=str, indent=2, ensure_ascii=False))
        return
    console.print(yaml.safe_dump(_without_nulls(runner), sort_keys=False, allow_unicode=True))


@runner_app.command("update")
def runner_update(
    runner_id: str,
    assignments: Annotated[
        list[str], typer.Argument(help="section.field=value, value in YAML (e.g. physical.age=41)")
    ],
) -> None:
    """Change some fields of a runner (others stay as they are)."""
    fields: dict[str, Any] = {}
    for assignment in assignments:
        path, sep, raw = assignment.partition("=")
        if not sep:
            raise ValueError(f"{assignment!r} is not of the form section.field=value")
        fields[path.strip()] = _yaml_value(path.strip(), raw)
    with open_warehouse(_home().create().warehouse) as con:
        runner = RunnerAPI(con).update_runner(runner_id, fields)
    completeness = runner["conversation_state"]["data_completeness"]
    console.print(f"Updated {runner_id}; profile {completeness:.0f}% complete")
    past_race = past_race_notice(runner["goals"] or {}, plan_date())
    if past_race is not None:
        console.print(f"Note: {past_race}.", markup=False)
    not_ready = not_ready_reason(runner["conversation_state"])
    if not_ready is not None:
        console.print(f"{runner_id} still has {not_ready}.", markup=False)


def _yaml_value(path: str, raw: str) -> Any:
    """The value of `path=raw` read as YAML (nothing is null); what YAML cannot read is one
    sentence naming the field, not a parser traceback."""
    if not raw.strip():
        return None
    try:
        return yaml.safe_load(raw)
    except yaml.MarkedYAMLError as error:
        raise ValueError(
            f"{path}: {raw!r} is not a YAML value ({error.problem}); "
            f"quote text, e.g. {path}='\"{raw}\"'"
        ) from None
    except (yaml.YAMLError, ValueError) as error:  # a date like 2026-13-45 fails after parsing
        raise ValueError(f"{path}: {raw!r} is not a valid value ({error})") from None


@runner_app.command("list")
def runner_list() -> None:
    """List every runner with profile completeness."""
    with open_warehouse(_home().create().warehouse) as con:
        runners = RunnerAPI(con).list_runners()
        strava = strava_statuses(con)
    table = Table(title="Runners")
    for column in ("runner_id", "user_id", "name", "goal", "complete", "missing", "plan"):
        table.add_column(column)
    table.add_column("strava")
    for r in runners:
        state = r["conversation_state"] or {}
        table.add_row(
            r["runner_id"],
            r["user_id"],
            (r["identity"] or {}).get("name") or "",
            (r["goals"] or {}).get("goal_type") or "",
            f"{state.get('data_completeness') or 0:.0f}%",
            ", ".join(state.get("fields_missing") or [])[:60],
            Text(not_ready_reason(state) or "ready"),
            Text(strava.get(r["runner_id"], "")),
        )
    console.print(table)


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        kept = {k: _without_nulls(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value if not hasattr(value, "isoformat") else value.isoformat()


def main() -> None:
    """Entry point: user errors are one clear sentence, not a traceback."""
    # Settings come from the environment or from a .env file in the current folder (which
    # `dagster dev` reads too); a variable already set wins.
    load_dotenv(Path.cwd() / ".env", override=False)
    try:
        app()
    except USER_ERRORS as error:
        console.print(
            f"[red]Error:[/] {escape(first_line(str(error)) or repr(error))}", soft_wrap=True
        )
        sys.exit(1)
    except Exception as error:
        # Not bad input but a bug: still one line, with the traceback a variable away.
        if os.environ.get(DEBUG_VARIABLE):
            raise
        sentence = exception_sentence(error)
        console.print(
            f"[red]Unexpected error[/] (a bug in Cadence; {DEBUG_VARIABLE}=1 shows the "
            f"traceback): {escape(sentence)}",
            soft_wrap=True,
        )
        sys.exit(1)
