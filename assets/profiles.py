"""Applying loaded profiles to the Runner Object through the runner API (PATH-1 facts)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb

from pipelines.profiles import ProfileError, parse_profile
from transforms.completeness import not_ready_reason, value_at
from warehouse.connection import table_exists
from warehouse.quarantine import Rejection, record_rejections
from warehouse.runners import RunnerAPI, RunnerNotFound, ValidationError


@dataclass
class ProfileLoad:
    runners_created: list[str] = field(default_factory=list)
    profiles_applied: list[str] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    not_ready: dict[str, str] = field(default_factory=dict)
    """runner_id -> why no plan is made for them, in one sentence."""


def _raw_profiles(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str | None, str | None]]:
    if not table_exists(con, "raw_profiles.profiles"):
        return []
    return con.execute(
        "SELECT runner_id, source_file, profile_yaml FROM raw_profiles.profiles ORDER BY runner_id"
    ).fetchall()


def apply_profiles(con: duckdb.DuckDBPyConnection, run_id: str | None = None) -> ProfileLoad:
    """Create every loaded runner if new and apply its profile field by field: each bad or
    unknown field is quarantined with its dotted name while the rest of its section lands,
    and a runner whose profile does not parse (or lost a fact the plan needs) gets no plan
    until a later profile fixes it."""
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
            runner = _apply(api, runner_id, path, text, result)
        except ValidationError as error:
            # the stored runner breaks a rule added since it was written, in a field this
            # profile does not fix: say so and leave the runner as it was
            reason = f"{error.message}; the stored runner breaks it, so nothing was applied"
            result.rejections.append(_rejection(runner_id, path, error.field, reason))
            continue
        reason = not_ready_reason(runner["conversation_state"])
        if reason is not None:
            result.not_ready[runner_id] = reason
    record_rejections(con, result.rejections, run_id)
    return result


def _apply(api: RunnerAPI, runner_id: str, path: str, text: str, load: ProfileLoad) -> dict:
    """The runner after their profile: applied field by field, or marked not ready for a plan
    when it does not parse; what did not land goes to `load.rejections`."""
    try:
        profile = parse_profile(text)
    except ProfileError as error:
        load.rejections.append(_rejection(runner_id, path, error.location, error.reason))
        return api.mark_profile_unreadable(runner_id)
    applied = api.apply_profile(runner_id, profile)
    load.rejections += [
        _rejection(runner_id, path, e.field, e.message, _given(profile, e.field))
        for e in applied.rejected
    ]
    load.rejections += [_rejection(runner_id, path, n.field, n.message) for n in applied.notices]
    load.profiles_applied.append(runner_id)
    return applied.runner


def _rejection(
    runner_id: str, path: str, location: str, reason: str, excerpt: str | None = None
) -> Rejection:
    return Rejection(
        "profile", path, location, reason, runner_id, excerpt, target_table="coach.runners"
    )


def _given(profile: Mapping[str, Any], dotted: str) -> str | None:
    """What the profile said for a rejected field (dotted, maybe indexed), for the excerpt."""
    value = value_at(profile, re.sub(r"\[\d+\]", "", dotted))
    return None if value is None else repr(value)
