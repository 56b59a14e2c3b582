"""Applying inbox profiles to the Runner Object through the runner API (PATH-1 facts)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from pipelines.profiles import ProfileError, read_profile, scan_inbox
from warehouse.quarantine import Rejection, record_rejections
from warehouse.runners import RunnerAPI, RunnerNotFound, ValidationError


@dataclass
class ProfileLoad:
    runners_created: list[str] = field(default_factory=list)
    runners_updated: list[str] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)


def load_profiles(
    con: duckdb.DuckDBPyConnection, inbox: Path, run_id: str | None = None
) -> ProfileLoad:
    """Create each inbox runner if new and apply its profile section by section, so one bad
    section is quarantined with its field named while the rest of the profile still lands."""
    api = RunnerAPI(con)
    result = ProfileLoad()
    runners, problems = scan_inbox(inbox)
    result.rejections += [
        Rejection("inbox", p.source_file, p.location, p.reason, runner_id=p.runner_id)
        for p in problems
    ]
    for runner in runners:
        path = f"{runner.runner_id}/profile.yaml"
        try:
            api.get_runner(runner.runner_id)
        except RunnerNotFound:
            api.create_runner(runner.runner_id, runner.runner_id, runner_id=runner.runner_id)
            result.runners_created.append(runner.runner_id)
        if not runner.profile_path.is_file():
            continue
        try:
            profile = read_profile(runner.profile_path)
        except ProfileError as error:
            result.rejections.append(
                Rejection(
                    "profile",
                    path,
                    error.location,
                    error.reason,
                    runner_id=runner.runner_id,
                    target_table="coach.runners",
                )
            )
            continue
        for section, values in profile.items():
            try:
                api.update_runner(runner.runner_id, {str(section): values})
            except ValidationError as error:
                result.rejections.append(
                    Rejection(
                        "profile",
                        path,
                        error.field,
                        error.message,
                        runner_id=runner.runner_id,
                        raw_excerpt=repr(values),
                        target_table="coach.runners",
                    )
                )
        result.runners_updated.append(runner.runner_id)
    record_rejections(con, result.rejections, run_id)
    return result
