"""Applying loaded profiles to the Runner Object through the runner API (PATH-1 facts)."""

from __future__ import annotations

from dataclasses import dataclass, field

import duckdb

from pipelines.profiles import ProfileError, parse_profile
from warehouse.connection import scalar
from warehouse.quarantine import Rejection, record_rejections
from warehouse.runners import RunnerAPI, RunnerNotFound, ValidationError


@dataclass
class ProfileLoad:
    runners_created: list[str] = field(default_factory=list)
    profiles_applied: list[str] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


def _raw_profiles(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str | None, str | None]]:
    exists = scalar(
        con,
        "SELECT count(*) FROM duckdb_tables() "
        "WHERE schema_name = 'raw_profiles' AND table_name = 'profiles'",
    )
    if not exists:
        return []
    return con.execute(
        "SELECT runner_id, source_file, profile_yaml FROM raw_profiles.profiles ORDER BY runner_id"
    ).fetchall()


def apply_profiles(con: duckdb.DuckDBPyConnection, run_id: str | None = None) -> ProfileLoad:
    """Create every loaded runner if new and apply its profile section by section, so one bad
    section is quarantined with its field named while the rest of the profile still lands."""
    api = RunnerAPI(con)
    result = ProfileLoad()
    for runner_id, source_file, text in _raw_profiles(con):
        try:
            api.get_runner(runner_id)
        except RunnerNotFound:
            api.create_runner(runner_id, runner_id, runner_id=runner_id)
            result.runners_created.append(runner_id)
        if text is None:
            continue
        path = source_file or f"{runner_id}/profile.yaml"
        try:
            profile = parse_profile(text)
        except ProfileError as error:
            result.rejections.append(
                Rejection(
                    "profile",
                    path,
                    error.location,
                    error.reason,
                    runner_id=runner_id,
                    target_table="coach.runners",
                )
            )
            continue
        for section, values in profile.items():
            try:
                api.update_runner(runner_id, {str(section): values})
            except ValidationError as error:
                result.rejections.append(
                    Rejection(
                        "profile",
                        path,
                        error.field,
                        error.message,
                        runner_id=runner_id,
                        raw_excerpt=repr(values),
                        target_table="coach.runners",
                    )
                )
        result.profiles_applied.append(runner_id)
    record_rejections(con, result.rejections, run_id)
    return result
