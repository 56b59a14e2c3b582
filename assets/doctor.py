"""`cadence doctor`: check the setup and say what to fix, one line per check."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import yaml

from assets.narrator import Narrator
from pipelines.profiles import scan_inbox
from pipelines.strava_api.settings import StravaApp
from warehouse.connection import connect, is_held_elsewhere, scalar
from warehouse.contracts import CONTRACTS
from warehouse.secrets import KEY_FILE, KEY_VARIABLE, SecretBox
from warehouse.settings import CadenceHome
from warehouse.strava_users import strava_statuses


@dataclass(frozen=True)
class Finding:
    check: str
    status: str  # ok, warn, fail
    detail: str


def diagnose(home: CadenceHome) -> list[Finding]:
    findings = [
        Finding(
            "python",
            "ok" if sys.version_info >= (3, 11) else "fail",
            f"{sys.version.split()[0]} (3.11+ needed)",
        ),
    ]
    if not home.root.exists():
        return [
            *findings,
            Finding("home", "fail", f"{home.root} does not exist: run `cadence init`"),
        ]
    if not home.root.is_dir():
        return [
            *findings,
            Finding("home", "fail", f"{home.root} is a file, not a folder: set CADENCE_HOME"),
        ]
    writable = os.access(home.root, os.W_OK)
    findings.append(
        Finding(
            "home",
            "ok" if writable else "fail",
            f"{home.root}" + ("" if writable else " is not writable"),
        )
    )
    findings += _warehouse(home)
    runners, problems = scan_inbox(home.inbox)
    findings.append(
        Finding(
            "inbox",
            "ok" if runners and not problems else "warn",
            f"{len(runners)} runner folder(s) in {home.inbox}"
            + (
                f"; rename {', '.join(p.source_file for p in problems)} (not a runner id)"
                if problems
                else ""
            )
            + ("" if runners else "; drop exports there, see README"),
        )
    )
    findings += _dagster(home)
    published = home.published
    if published.exists() and home.warehouse.exists():
        stale = published.stat().st_mtime < home.warehouse.stat().st_mtime - 60
        findings.append(
            Finding(
                "published copy",
                "warn" if stale else "ok",
                f"{published}"
                + (" is older than the warehouse: run `cadence materialize`" if stale else ""),
            )
        )
    else:
        findings.append(
            Finding("published copy", "warn", "not published yet: run `cadence materialize`")
        )
    findings.append(_claude(home))
    findings.append(_strava(home))
    return findings


def _strava(home: CadenceHome) -> Finding:
    """Strava's API: runners connected, disconnected, and what their syncs need."""
    statuses: dict[str, str] = {}
    if home.warehouse.exists():
        try:
            con = connect(
                home.warehouse, read_only=True, lock_wait_seconds=DOCTOR_LOCK_WAIT_SECONDS
            )
        except duckdb.IOException:
            return Finding("strava", "warn", "the warehouse is busy: connections not checked")
        try:
            if scalar(
                con,
                "SELECT count(*) FROM duckdb_tables() "
                "WHERE schema_name = 'coach' AND table_name = 'users'",
            ):
                statuses = strava_statuses(con)
        finally:
            con.close()
    if not statuses:
        return Finding("strava", "ok", "no runner connected (`cadence strava connect`)")
    has_key = bool(os.environ.get(KEY_VARIABLE)) or (home.root / KEY_FILE).exists()
    try:
        StravaApp.from_env()
        if has_key:
            SecretBox.for_home(home.root)  # a bad key, or a key file others can read
    except ValueError as error:
        return Finding("strava", "fail", f"{len(statuses)} runner(s) connected, but {error}")
    if not has_key:
        return Finding(
            "strava",
            "fail",
            f"no {KEY_VARIABLE} and no {home.root / KEY_FILE}: the stored tokens cannot be "
            "decrypted; set the key they were stored with, or connect the runners again",
        )
    disconnected = {r: s for r, s in statuses.items() if s != "connected"}
    connected = len(statuses) - len(disconnected)
    return Finding(
        "strava",
        "warn" if disconnected else "ok",
        f"{connected} runner(s) connected"
        + "".join(f"; {runner} {status}" for runner, status in sorted(disconnected.items())),
    )


def _claude(home: CadenceHome) -> Finding:
    try:
        narrator = Narrator.from_environment(home.narrative_cache)
    except ValueError as error:
        return Finding("claude", "fail", str(error))
    if not narrator.enabled:
        return Finding("claude", "ok", "no ANTHROPIC_API_KEY: narratives from templates (fine)")
    return Finding(
        "claude",
        "ok",
        f"ANTHROPIC_API_KEY set: narratives from {narrator.model}, "
        f"{narrator.concurrency} requests at a time",
    )


def _dagster(home: CadenceHome) -> list[Finding]:
    """The instance the CLI and the UI share, its one-writer limit, and the daily schedule."""
    settings = home.dagster_home / "dagster.yaml"
    if not settings.exists():
        found = Finding(
            "dagster", "warn", "no dagster.yaml yet: run `cadence materialize` or `cadence ui` once"
        )
    else:
        pools = (yaml.safe_load(settings.read_text()) or {}).get("concurrency", {}).get("pools", {})
        one_writer = pools.get("default_limit") == 1 and pools.get("granularity") == "op"
        found = Finding(
            "dagster",
            "ok" if one_writer else "fail",
            f"DAGSTER_HOME {home.dagster_home}, one warehouse writer at a time"
            if one_writer
            else f"{settings} does not limit pools to one step at a time (DuckDB allows one "
            "writer): delete it and run `cadence ui` or `cadence materialize` to rewrite it",
        )
    findings = [found]
    elsewhere = os.environ.get("DAGSTER_HOME")
    if elsewhere and Path(elsewhere).resolve() != home.dagster_home.resolve():
        findings.append(
            Finding(
                "DAGSTER_HOME",
                "warn",
                f"set to {elsewhere}: a `dagster dev` started with it shares neither run history "
                "nor the writer limit with this home; start the UI with `cadence ui`",
            )
        )
    try:
        from assets.schedules import daily_schedule
    except ValueError as error:
        return [*findings, Finding("schedule", "fail", str(error))]
    return [
        *findings,
        Finding(
            "schedule",
            "ok",
            f"daily run at {daily_schedule.cron_schedule} ({daily_schedule.execution_timezone}); "
            "inbox sensor every 30 s while `cadence ui` runs",
        ),
    ]


DOCTOR_LOCK_WAIT_SECONDS = 5.0
"""A run holds the warehouse for minutes: the doctor reports that instead of waiting."""


def _warehouse(home: CadenceHome) -> list[Finding]:
    if not home.warehouse.exists():
        return [Finding("warehouse", "fail", f"{home.warehouse} missing: run `cadence init`")]
    try:
        con = connect(home.warehouse, read_only=True, lock_wait_seconds=DOCTOR_LOCK_WAIT_SECONDS)
    except duckdb.IOException as error:
        return [
            Finding(
                "warehouse",
                "warn" if is_held_elsewhere(error) else "fail",
                f"cannot open {home.warehouse} ({error}); is a run writing it? Try again "
                "when it ends; analysts should open the published copy",
            )
        ]
    try:
        present = {
            f"{s}.{t}"
            for s, t in con.execute(
                "SELECT schema_name, table_name FROM duckdb_tables()"
            ).fetchall()
        }
        missing = sorted(set(CONTRACTS) - present)
        runners = scalar(con, "SELECT count(*) FROM coach.runners") if not missing else 0
    finally:
        con.close()
    if missing:
        return [Finding("warehouse", "fail", f"missing {', '.join(missing)}: run `cadence init`")]
    return [
        Finding(
            "warehouse", "ok", f"{home.warehouse}: {len(CONTRACTS)} tables, {runners} runner(s)"
        )
    ]
