"""Runner API (seed story 1.1): create, update, read the Runner Object in `coach.runners`.

Values are checked field by field against the runners contract (unknown fields, wrong
types, ranges, allowed values, the seed's names for fields the contract spells otherwise)
and then as a whole row; a failure is a `ValidationError` naming the offending dotted field.
`update_runner` is all or nothing; `apply_profile` keeps every good field and returns the
rejected ones, so one bad value costs that value, not its section.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandera.errors
import polars as pl

from transforms.completeness import (
    UNREADABLE_PROFILE,
    fields_to_confirm,
    profile_completeness,
    value_at,
)
from transforms.goal_checks import (
    goal_status,
    long_term_goal_problem,
    past_race_notice,
    target_time_problem,
)
from warehouse.connection import read_table, upsert
from warehouse.contract import EACH, Field
from warehouse.contracts import contract
from warehouse.settings import plan_date, require_runner_id

RUNNERS = contract("coach.runners")
MANAGED_COLUMNS = ("runner_id", "user_id", "created_at", "updated_at")
SECTIONS = {name: f for name, f in RUNNERS.columns.items() if name not in MANAGED_COLUMNS}


class RunnerNotFound(LookupError):  # noqa: N818 - the name the seed API specifies
    code = "RUNNER_NOT_FOUND"

    def __init__(self, key: str, value: str) -> None:
        self.key, self.value = key, value
        super().__init__(f"{self.code}: no runner with {key} {value!r}")


class ValidationError(ValueError):
    code = "VALIDATION_ERROR"

    def __init__(self, field: str, message: str) -> None:
        self.field, self.message = field, message
        super().__init__(f"{self.code}: {field}: {message}")


class RunnerAlreadyExists(ValueError):  # noqa: N818 - pairs with RunnerNotFound
    code = "RUNNER_EXISTS"

    def __init__(self, runner_id: str) -> None:
        self.runner_id = runner_id
        super().__init__(f"{self.code}: runner {runner_id!r} already exists")


@dataclass(frozen=True)
class Notice:
    """A value accepted as given that changes what Cadence does (a race date already past)."""

    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass(frozen=True)
class ProfileApplied:
    """A profile applied field by field: the runner as stored, and what did not land."""

    runner: dict[str, Any]
    rejected: list[ValidationError] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)


def runner_id_for(user_id: str, name: str) -> str:
    """A readable, stable slug: the name's letters plus a short hash of the user id."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:50] or "runner"
    return f"{stem}-{hashlib.sha1(user_id.encode()).hexdigest()[:6]}"


class RunnerAPI:
    """The Runner Object CRUD API over an open warehouse connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    def create_runner(
        self, user_id: str, name: str, *, runner_id: str | None = None
    ) -> dict[str, Any]:
        if not user_id or not isinstance(user_id, str):
            raise ValidationError("user_id", "must be a non-empty text")
        runner_id = runner_id or runner_id_for(user_id, name)
        try:
            require_runner_id(runner_id)
        except ValueError as error:
            raise ValidationError("runner_id", str(error)) from None
        if self._find("runner_id", runner_id) is not None:
            raise RunnerAlreadyExists(runner_id)
        now = _now()
        row = {"runner_id": runner_id, "user_id": user_id, "created_at": now, "updated_at": now}
        row["identity"] = _coerce("identity", SECTIONS["identity"], {"name": name})
        row["conversation_state"] = {"onboarding_step": "profile"}
        return self._write(row)

    def update_runner(self, runner_id: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """Partial update, all or nothing: only the named fields change; nested sections merge.

        `fields` may be nested (`{"physical": {"age": 41}}`) or dotted (`{"physical.age": 41}`).
        The fields set are no longer waiting to be confirmed.
        """
        current, changes = self.get_runner(runner_id), _nest(fields)
        changed, rejected, _ = _changed(current, changes)
        if rejected:
            raise rejected[0]
        set_now = _paths(changes)
        confirm = [f for f in _confirm_list(current) if not any(_covers(p, f) for p in set_now)]
        return self._write(_with_confirm(changed, confirm))

    def apply_profile(self, runner_id: str, profile: Mapping[str, Any]) -> ProfileApplied:
        """The runner's profile.yaml, field by field: every good field lands, each bad or
        unknown one is returned (and the runner's previous value kept); a rejected field the
        plan needs stops the plan until a later profile fixes it."""
        current = self.get_runner(runner_id)
        changed, rejected, notices = _changed(current, _nest(profile))
        confirm = fields_to_confirm(error.field for error in rejected)
        runner = self._write(_with_confirm(changed, confirm))
        return ProfileApplied(runner, rejected, notices)

    def mark_profile_unreadable(self, runner_id: str) -> dict[str, Any]:
        """The runner's profile.yaml does not parse: no plan until it does."""
        return self._write(_with_confirm(self.get_runner(runner_id), [UNREADABLE_PROFILE]))

    def record_inference(self, runner_id: str, inferred: Mapping[str, Any]) -> dict[str, Any]:
        """Apply PATH-2 (inferred) values without ever overwriting a PATH-1 fact.

        `current_state` is replaced whole; the inferred `running` fields are replaced; other
        fields (personal bests, max heart rate) are only filled where the runner told us
        nothing.
        """
        current = self.get_runner(runner_id)
        for section, values in inferred.items():
            if section not in SECTIONS:
                raise ValidationError(section, "is not a section of the runner")
            coerced = _coerce(section, SECTIONS[section], values) or {}
            existing = current.get(section) or {}
            if section == "physical" and existing.get("max_hr_bpm") is not None:
                # the runner told us their max heart rate: that is the fact, and its source
                coerced = {k: v for k, v in coerced.items() if not k.startswith("max_hr")}
                coerced["max_hr_source"] = existing.get("max_hr_source") or "user"
            if section == "current_state":
                merged = coerced
            else:
                merged = dict(existing)
                for key, value in coerced.items():
                    always = key in INFERRED_FIELDS.get(section, ())
                    merged[key] = value if always else _fill_missing(existing.get(key), value)
                if section == "running" and merged.get("personal_bests"):
                    merged["personal_bests"] = _relinked(
                        merged["personal_bests"], coerced.get("personal_bests") or {}
                    )
            current[section] = merged
        current["updated_at"] = _now()
        return self._write(current)

    def get_runner(self, runner_id: str) -> dict[str, Any]:
        found = self._find("runner_id", runner_id)
        if found is None:
            raise RunnerNotFound("runner_id", runner_id)
        return found

    def get_runner_by_user_id(self, user_id: str) -> dict[str, Any]:
        found = self._find("user_id", user_id)
        if found is None:
            raise RunnerNotFound("user_id", user_id)
        return found

    def list_runners(self) -> list[dict[str, Any]]:
        return read_table(self.con, RUNNERS).sort("runner_id").to_dicts()

    def _find(self, column: str, value: str) -> dict[str, Any] | None:
        rows = read_table(self.con, RUNNERS, f"{column} = ? ORDER BY runner_id LIMIT 1", [value])
        return rows.to_dicts()[0] if rows.height else None

    def _write(self, row: dict[str, Any]) -> dict[str, Any]:
        completeness, missing = profile_completeness(row)
        row["conversation_state"] = _merge(
            row.get("conversation_state"),
            {
                "data_completeness": completeness,
                "fields_missing": missing,
                "ready_for_plan": not _confirm_list(row),
            },
        )
        frame = pl.DataFrame([row], schema=RUNNERS.polars_schema)
        try:
            upsert(self.con, RUNNERS, frame)
        except pandera.errors.SchemaErrors as errors:
            raise _first_violation(errors) from None
        return self.get_runner(row["runner_id"])


INFERRED_FIELDS = {
    "running": (
        "actual_weekly_volume_km",
        "actual_easy_pace_sec_per_km",
        "long_run_distance_km",
        "training_consistency",
        "consistency_score",
        "vdot",
        "vdot_source",
        "vdot_date",
        "vdot_activity_id",
        "vo2_max",
        "vo2_max_source",
        "pace_zones",
        "hr_zones",
        "hr_zones_source",
    ),
    "physical": ("observed_max_hr_bpm",),
}
"""Fields only inference writes; everything else inference may only fill when empty."""


def _fill_missing(existing: Any, inferred: Any) -> Any:
    if isinstance(existing, Mapping) and isinstance(inferred, Mapping):
        return {k: _fill_missing(existing.get(k), inferred.get(k)) for k in {*existing, *inferred}}
    return inferred if existing is None or existing == {} else existing


def _relinked(bests: Mapping[str, Any], inferred: Mapping[str, Any]) -> dict[str, Any]:
    """The activity link of each best is inference's whenever inference found the same time:
    the time is the fact, the activity that set it is looked up (and an older build may have
    linked the wrong one)."""
    relinked = dict(bests)
    for effort, best in bests.items():
        found = inferred.get(effort) or {}
        if best and found.get("time") == best.get("time"):
            relinked[effort] = {**best, "activity_id": found.get("activity_id")}
    return relinked


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _changed(
    current: dict[str, Any], changes: Mapping[str, Any]
) -> tuple[dict[str, Any], list[ValidationError], list[Notice]]:
    """The runner with every acceptable change applied, the rejected fields (each keeping
    its previous value), and what the accepted values mean for the plan."""
    row = dict(current)
    rejected: list[ValidationError] = []
    changes, listed_goals = _without_long_term_goals(changes)
    for name, value in changes.items():
        if name in MANAGED_COLUMNS:
            rejected.append(ValidationError(name, "is managed by Cadence and cannot be updated"))
        elif name not in SECTIONS:
            rejected.append(
                ValidationError(name, f"is not a section of the runner ({_names(SECTIONS)})")
            )
        else:
            accepted = _accept(name, SECTIONS[name], value, rejected)
            if accepted is not _REJECTED:
                row[name] = _merge(current.get(name), accepted)
    if listed_goals is not None:
        kept = _accept_long_term_goals(listed_goals, rejected)
        if kept is not _REJECTED:
            row["goals"] = {**(row.get("goals") or {}), "long_term_goals": kept}
    notices = []
    if "goals" in changes and row.get("goals"):
        goals = dict(row["goals"])
        problem = target_time_problem(goals)
        if problem is not None:
            # the time does not fit the race: keeping any target would plan for the impossible
            rejected.append(ValidationError("goals.target_time", problem))
            goals["target_time"] = None
        day = plan_date()
        goals["goal_status"] = goal_status(goals, day)
        notice = past_race_notice(goals, day)
        if notice is not None:
            notices.append(Notice("goals.race_date", notice))
        row["goals"] = goals
    row["updated_at"] = _now()
    return row, rejected, notices


LONG_TERM_GOALS = "goals.long_term_goals"


def _without_long_term_goals(changes: Mapping[str, Any]) -> tuple[Mapping[str, Any], Any]:
    """The changes without goals.long_term_goals, and that list (None when not given): the
    list is accepted goal by goal, so one bad goal does not cost the others."""
    goals = changes.get("goals")
    if not isinstance(goals, Mapping) or "long_term_goals" not in goals:
        return changes, None
    rest = {k: v for k, v in goals.items() if k != "long_term_goals"}
    return {**changes, "goals": rest}, goals["long_term_goals"]


def _accept_long_term_goals(listed: Any, rejected: list[ValidationError]) -> Any:
    """Every listed goal that fits the contract and can be planned for (within 24 months of
    the plan date, a known distance, a runnable time); each other one is rejected with its
    dotted field."""
    if listed is None:
        return []
    if isinstance(listed, str | bytes | Mapping) or not isinstance(listed, Sequence):
        rejected.append(ValidationError(LONG_TERM_GOALS, "must be a list of goals"))
        return _REJECTED
    item = _child(SECTIONS["goals"], "long_term_goals")
    assert item is not None and item.item is not None
    day, kept = plan_date(), []
    for index, goal in enumerate(listed):
        path = f"{LONG_TERM_GOALS}[{index}]"
        if isinstance(goal, Mapping) and _is_number(goal.get("distance")):
            goal = {**goal, "distance": f"{goal['distance']:g}"}  # 42.2 km is a distance too
        try:
            accepted = _coerce(path, item.item, goal)
        except ValidationError as error:
            rejected.append(error)
            continue
        problem = long_term_goal_problem(accepted, day)
        if problem is not None:
            rejected.append(ValidationError(f"{path}.{problem[0]}", problem[1]))
            continue
        kept.append(accepted)
    return kept


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _confirm_list(row: Mapping[str, Any]) -> list[str]:
    return list((row.get("conversation_state") or {}).get("fields_to_confirm") or [])


def _with_confirm(row: dict[str, Any], confirm: list[str]) -> dict[str, Any]:
    row["conversation_state"] = _merge(
        row.get("conversation_state"), {"fields_to_confirm": confirm}
    )
    return row


def _paths(row: Mapping[str, Any], prefix: str = "") -> list[str]:
    """Dotted paths of the leaves set in a (nested) mapping."""
    paths = []
    for key, value in row.items():
        path = f"{prefix}{key}"
        paths += _paths(value, f"{path}.") if isinstance(value, Mapping) and value else [path]
    return paths


def _covers(path: str, field_name: str) -> bool:
    return path == field_name or path.startswith(f"{field_name}.")


def _names(fields: Mapping[str, Field]) -> str:
    return ", ".join(fields)


def _nest(fields: Mapping[Any, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for key, value in fields.items():
        *parents, leaf = str(key).split(".")  # YAML keys may be numbers, dates or null
        target = nested
        for part in parents:
            target = target.setdefault(part, {})
            if not isinstance(target, dict):
                raise ValidationError(key, "is set both as a value and as a section")
        if isinstance(value, Mapping) and isinstance(target.get(leaf), dict):
            target[leaf] = _merge(target[leaf], dict(value))
        else:
            target[leaf] = value
    return nested


def _merge(current: Any, change: Any) -> Any:
    if isinstance(current, Mapping) and isinstance(change, Mapping):
        merged = dict(current)
        for key, value in change.items():
            merged[key] = _merge(current.get(key), value)
        return merged
    return change


_REJECTED = object()
"""What `_accept` returns for a value that did not fit at all."""


def _pain_from_seed_list(where: Sequence[str]) -> dict[str, Any]:
    return {"has_pain": bool(where), "location": ", ".join(map(str, where)) or None}


SEED_SHAPES = {"health.current_pain": _pain_from_seed_list}
"""Structs the seed writes as a list: its `current_pain` is where it hurts (`[]`: nowhere)."""


def _accept(path: str, field: Field, value: Any, rejected: list[ValidationError]) -> Any:
    """The part of `value` that fits `field`, in the contract's Python types.

    Each unknown or bad field inside a STRUCT is added to `rejected` and left out, so its
    neighbours still land; a bad leaf (a number, a list, a list of records) is rejected whole.
    """
    if field.children and isinstance(value, list) and path in SEED_SHAPES:
        value = SEED_SHAPES[path](value)
    if not field.children or not isinstance(value, Mapping):
        try:
            return _coerce(path, field, value)
        except ValidationError as error:
            rejected.append(error)
            return _REJECTED
    accepted: dict[str, Any] = {}
    for key, child_value in value.items():
        name = field.seed_names.get(str(key), str(key))
        child = _child(field, name)
        if child is None:
            rejected.append(
                ValidationError(
                    f"{path}.{key}", f"is not a field of {path} ({_names(field.children)}); ignored"
                )
            )
            continue
        before = len(rejected)
        kept = _accept(f"{path}.{name}", child, child_value, rejected)
        if name != key:  # named in the contract's words: say what the runner wrote
            rejected[before:] = [
                ValidationError(e.field, f"{e.message} (given as {path}.{key})")
                for e in rejected[before:]
            ]
        if kept is not _REJECTED:
            accepted = _merge(accepted, _nest({name: kept}))
    return accepted


def _child(field: Field, dotted: str) -> Field | None:
    found: Field | None = field
    for part in dotted.split("."):
        found = found.children.get(part) if found is not None else None
    return found


def _coerce(path: str, field: Field, value: Any) -> Any:
    """The value in the contract's Python type within its range and allowed values, or a
    ValidationError naming the field."""
    if value is None:
        return None
    if field.children:
        if not isinstance(value, Mapping):
            raise ValidationError(path, f"must be a mapping of {_names(field.children)}")
        rejected: list[ValidationError] = []
        accepted = _accept(path, field, value, rejected)
        if rejected:
            raise rejected[0]
        return accepted
    if field.item is not None:
        if isinstance(value, str | bytes) or not isinstance(value, Sequence):
            raise ValidationError(path, "must be a list")
        return [_coerce(f"{path}[{i}]", field.item, v) for i, v in enumerate(value)]
    scalar = _scalar(path, field.dtype, value)
    problem = field.violation(scalar)
    if problem is not None:
        raise ValidationError(path, problem)
    return scalar


def _scalar(path: str, dtype: pl.DataType, value: Any) -> Any:
    if isinstance(dtype, pl.String):
        if isinstance(value, str):
            return value
        raise ValidationError(path, f"must be text, got {value!r}")
    if isinstance(dtype, pl.Boolean):
        if isinstance(value, bool):
            return value
        raise ValidationError(path, f"must be true or false, got {value!r}")
    if isinstance(dtype, pl.Int64):
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise ValidationError(path, f"must be a whole number, got {value!r}")
    if isinstance(dtype, pl.Float64):
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise ValidationError(path, f"must be a number, got {value!r}")
    if isinstance(dtype, pl.Date):
        return _date(path, value)
    if isinstance(dtype, pl.Datetime):
        return _instant(path, value)
    raise TypeError(f"{path}: unsupported contract type {dtype}")


UNIX_MILLISECONDS_FROM = 100_000_000_000
"""A Unix time at or above this is in milliseconds (as the seed's Convex app stores them):
in seconds it would be the year 5138."""


def _unix_instant(path: str, value: int | float) -> dt.datetime:
    """The seed writes dates and instants as Unix timestamps (seconds or milliseconds)."""
    seconds = value / 1000 if abs(value) >= UNIX_MILLISECONDS_FROM else value
    try:
        return dt.datetime.fromtimestamp(seconds, dt.UTC)
    except (OverflowError, OSError, ValueError):
        raise ValidationError(path, f"{value!r} is not a Unix time") from None


def _date(path: str, value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _unix_instant(path, value).date()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValidationError(
        path, f"must be an ISO date (YYYY-MM-DD) or a Unix timestamp, got {value!r}"
    )


def _instant(path: str, value: Any) -> dt.datetime:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _unix_instant(path, value)
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            raise ValidationError(path, f"must be an ISO-8601 instant, got {value!r}") from None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            raise ValidationError(path, "needs a UTC offset (e.g. 2026-05-03T07:30:00+01:00)")
        return value.astimezone(dt.UTC)
    raise ValidationError(path, f"must be an ISO-8601 instant, got {value!r}")


def _leaf(failure_case: str, field: str) -> Any:
    """The offending value inside the JSON pandera reports for a failing STRUCT cell."""
    try:
        value = json.loads(failure_case)
    except (TypeError, ValueError):
        return failure_case
    path = field.replace(EACH, "").split(".", 1)
    return value_at(value, path[1]) if len(path) == 2 else value


def _first_violation(errors: pandera.errors.SchemaErrors) -> ValidationError:
    cases = errors.failure_cases
    first = cases.row(0, named=True)
    column, check, got = first["column"], str(first["check"]), first["failure_case"]
    if check.startswith(f"{column}.") or check.startswith(f"{column}[]"):
        field, _, rule = check.partition(" ")
        return ValidationError(field, f"{rule} (got {_leaf(got, field)!r})")
    return ValidationError(column or "runner", f"failed {check} (got {got})")
