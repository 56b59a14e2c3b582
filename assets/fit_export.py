"""FIT workout files for the active plans' sessions, and their record in plans.fit_files.

Files go to `<exports>/<runner_id>/<plan_id>/<scheduled_date>_<session_type>.fit` (a second
session of the same kind on the same day gets `_2`, ...), each written to a temporary file
and renamed, so a watch or a sync tool never sees half a file. Only sessions from the plan
date on get a file (a past day's workout is no use on a watch), named in the runner's
units. Every plan folder gets a
README on copying the files to a watch, and loses the files of sessions no longer planned;
the folder of a plan that is no longer active loses its workouts, so a coach copying a
runner's folder never picks up a replaced plan's runs.
"""

import datetime as dt
import hashlib
import re
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import dagster as dg
import polars as pl

from assets.ingest import WAREHOUSE_POOL
from assets.layers import (
    RUNNERS_PER_PASS,
    column_schema,
    runners_built_result,
    runners_built_spec,
)
from assets.resources import CadenceHomeResource
from transforms.fit_workouts import encode_workout, has_workout
from transforms.units import runner_units
from warehouse.connection import read_table
from warehouse.contracts import contract
from warehouse.publish import write_atomically
from warehouse.runner_builds import in_passes, rebuild_runners
from warehouse.settings import plan_date, require_runner_id

FIT_FILES = contract("plans.fit_files")
PLANNED_SESSIONS = contract("plans.planned_sessions")
README = "README.md"
_PLAN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
EXPORT_THREADS = 16
"""Files written at once. Creating a file mostly waits on the file system's journal (the GIL is
released meanwhile), and with many in flight it commits them together: 2-4x the files/s of
4 threads on the shared 2-core machine (benchmarks/fit.py)."""


@dataclass(frozen=True)
class _Planned:
    """A session with a workout, and the file it goes to (`folder` is runner/plan)."""

    session: dict[str, Any]
    folder: Path
    name: str
    units: str | None

    @property
    def path(self) -> Path:
        return self.folder / self.name


def export_workouts(
    exports_dir: Path,
    sessions: pl.DataFrame,
    runner_ids: list[str] | None = None,
    *,
    from_date: dt.date | None = None,
    units: Mapping[str, str | None] | None = None,
) -> pl.DataFrame:
    """Write the FIT file of every session that has a workout (rows of plans.planned_sessions),
    scheduled on or after `from_date` when given, under exports_dir, its texts in the units of
    its runner (`units` by runner id; metric for a runner not in it); return the
    plans.fit_files rows describing them (audit columns null).

    Each plan folder of these sessions ends up holding exactly their files and a README;
    every other plan folder under exports_dir (or under the folders of `runner_ids`, when
    only those runners are exported) loses its workouts and README (and goes, unless
    something else was put there). Unchanged files are left untouched, so re-exporting the
    same sessions changes nothing.
    """
    plans: dict[Path, list[_Planned]] = {}
    taken: dict[Path, set[str]] = {}
    ahead = (
        sessions if from_date is None else sessions.filter(pl.col("scheduled_date") >= from_date)
    )
    for session in ahead.sort("scheduled_date", "session_type", "session_id").to_dicts():
        runner_id = require_runner_id(session["runner_id"])
        folder = Path(runner_id) / _plan_folder(session["plan_id"])
        planned = plans.setdefault(folder, [])
        if has_workout(session):
            name = _file_name(session, taken.setdefault(folder, set()))
            planned.append(_Planned(session, folder, name, (units or {}).get(runner_id)))
    for folder, planned in plans.items():
        if planned:
            (exports_dir / folder).mkdir(parents=True, exist_ok=True)
    every = [p for planned in plans.values() for p in planned]
    with ThreadPoolExecutor(EXPORT_THREADS) as pool:
        rows = list(pool.map(partial(_export, exports_dir), every))
    row_of = {p.path: row for p, row in zip(every, rows, strict=True)}
    for folder, planned in plans.items():
        _tidy_plan_folder(exports_dir / folder, [(p, row_of[p.path]) for p in planned])
    for retired in _plan_folders(exports_dir, runner_ids) - plans.keys():
        _tidy_plan_folder(exports_dir / retired, [])
        if not any((exports_dir / retired.parent).iterdir()):
            (exports_dir / retired.parent).rmdir()
    return FIT_FILES.validate(FIT_FILES.conform(pl.DataFrame(rows)))


def _export(exports_dir: Path, planned: _Planned) -> dict[str, Any]:
    session = planned.session
    workout = encode_workout(session, planned.units)
    _write_if_changed(exports_dir / planned.path, workout.content)
    return {
        "fit_file_id": hashlib.sha256(
            session["session_id"].encode() + b"\0" + workout.content
        ).hexdigest(),
        "session_id": session["session_id"],
        "plan_id": session["plan_id"],
        "runner_id": session["runner_id"],
        "path": planned.path.as_posix(),
        "sha256": hashlib.sha256(workout.content).hexdigest(),
        "size_bytes": len(workout.content),
        "step_count": workout.step_count,
        "workout_name": workout.workout_name,
    }


def _plan_folder(plan_id: str) -> str:
    if not _PLAN_ID.fullmatch(plan_id) or plan_id in (".", ".."):
        raise ValueError(
            f"plan id {plan_id!r} cannot name an export folder: use letters, digits, '.', "
            "'-' or '_' (at most 128)"
        )
    return plan_id


def _plan_folders(exports_dir: Path, runner_ids: list[str] | None) -> set[Path]:
    """Every runner/plan folder already under exports_dir (of `runner_ids` only, if given),
    relative to it."""
    folders = {folder.relative_to(exports_dir) for folder in exports_dir.glob("*/*/")}
    if runner_ids is None:
        return folders
    return {folder for folder in folders if folder.parent.name in runner_ids}


def _file_name(session: dict[str, Any], taken: set[str]) -> str:
    stem = f"{session['scheduled_date'].isoformat()}_{session['session_type']}"
    name, count = f"{stem}.fit", 1
    while name in taken:
        count += 1
        name = f"{stem}_{count}.fit"
    taken.add(name)
    return name


def _write_if_changed(path: Path, content: bytes) -> None:
    if not (path.is_file() and path.read_bytes() == content):
        write_atomically(path, content)


def _tidy_plan_folder(folder: Path, files: list[tuple[_Planned, dict[str, Any]]]) -> None:
    """Remove the files of sessions no longer planned; describe the remaining ones."""
    current = {planned.name for planned, _ in files}
    if folder.is_dir():
        for stale in folder.glob("*.fit"):
            if stale.name not in current:
                stale.unlink()
    if files:
        _write_if_changed(folder / README, _readme(folder.name, files).encode())
    elif folder.is_dir():
        (folder / README).unlink(missing_ok=True)
        if not any(folder.iterdir()):
            folder.rmdir()


def _readme(plan_id: str, files: list[tuple[_Planned, dict[str, Any]]]) -> str:
    table = "\n".join(
        f"| {planned.session['scheduled_date'].isoformat()} | `{planned.name}` "
        f"| {row['workout_name']} | {row['step_count']} |"
        for planned, row in files
    )
    return f"""# Workouts of plan {plan_id}

Garmin FIT workout files, one per planned run (rest days have none). Cadence rewrites this
folder at every export: files of sessions no longer in the plan are removed.

## Putting them on a Garmin watch

1. Connect the watch to a computer with its USB cable. It appears as a drive named `GARMIN`
   (watches that connect as a media device (MTP) need a file-transfer app on macOS, such as
   OpenMTP or Android File Transfer).
2. Copy the `.fit` files into the watch's `GARMIN/NewFiles` folder.
3. Eject and unplug the watch. It imports the files and lists them with your workouts
   (on most watches: Training > Workouts) by the run and its size (`Tempo 8 km`); the full
   title, the day and what to do are in the workout's description.

Only the runs from the plan date on are here: a past day's workout is not exported.

Each workout guides you step by step: warm-up, work (repeats count down), recoveries and
cool-down, with the pace range or heart-rate range of each step. An open step ends when you
press the lap button.

| date | file | workout | steps |
|---|---|---|---|
{table}
"""


FIT_KEY = dg.AssetKey(["exports", "fit_files"])


@dg.asset(
    key=FIT_KEY,
    deps=[dg.AssetKey(["plans", "planned_sessions"])],
    group_name="exports",
    kinds={"polars", "duckdb", "fit"},
    owners=["team:cadence"],
    pool=WAREHOUSE_POOL,
    metadata={"dagster/column_schema": column_schema(contract("plans.fit_files"))},
    check_specs=[runners_built_spec(FIT_KEY, "exports")],
    description="A Garmin FIT workout file for every planned run of the active plans, in "
    "$CADENCE_HOME/exports/<runner_id>/<plan_id>/, ready to copy to a watch's "
    "GARMIN/NewFiles; plans.fit_files records each file's path, SHA-256, size and steps.",
)
def fit_workouts(context: dg.AssetExecutionContext, cadence: CadenceHomeResource):
    home = cadence.home
    from_date = plan_date()
    with cadence.warehouse() as con:
        sessions = read_table(
            con,
            PLANNED_SESSIONS,
            "plan_id IN (SELECT plan_id FROM plans.training_plans WHERE status = 'active')",
        )
        previous = read_table(con, FIT_FILES).select("fit_file_id", "created_at")
        units = {
            runner["runner_id"]: runner_units(runner)
            for runner in read_table(con, contract("coach.runners")).to_dicts()
        }
        now = dt.datetime.now(dt.UTC)

        def export(ids: list[str]) -> list[pl.DataFrame]:
            mine = sessions.filter(pl.col("runner_id").is_in(ids))
            exported = export_workouts(home.exports, mine, ids, from_date=from_date, units=units)
            # an unchanged file keeps the time it was first written
            stamped = (
                exported.drop("created_at")
                .join(previous, on="fit_file_id", how="left")
                .with_columns(
                    pl.col("created_at").fill_null(now),
                    pl.lit(now, dtype=FIT_FILES.columns["updated_at"].dtype).alias("updated_at"),
                )
            )
            return [stamped]

        # runners with sessions to export, or with files to tidy away
        runners = {
            row[0]
            for row in con.execute(
                "SELECT runner_id FROM coach.runners UNION SELECT runner_id FROM plans.fit_files"
            ).fetchall()
        } | set(sessions["runner_id"])
        rebuild = rebuild_runners(
            con, [FIT_FILES], in_passes(runners, RUNNERS_PER_PASS), export, "exports"
        )
        check = runners_built_result(
            con, FIT_KEY, len(rebuild.built), rebuild.failures, context.run_id
        )
        exported = read_table(con, FIT_FILES, "runner_id IN (SELECT unnest(?))", [rebuild.built])
    built = sessions.filter(pl.col("runner_id").is_in(rebuild.built))
    planned = built.filter(pl.col("scheduled_date") >= from_date).height
    yield dg.MaterializeResult(
        asset_key=FIT_KEY,
        metadata={
            "dagster/row_count": exported.height,
            "from_date": from_date.isoformat(),
            "sessions": planned,
            "past_sessions_not_exported": built.height - planned,
            "sessions_without_workout": planned - exported.height,
            "runners": exported["runner_id"].n_unique(),
            "total_bytes": int(exported["size_bytes"].sum()),
            "exports_dir": dg.MetadataValue.path(str(home.exports)),
        },
    )
    yield check
