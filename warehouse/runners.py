"""Runner API (seed story 1.1): create, update, read the Runner Object in `coach.runners`.

Values are checked field by field against the runners contract (unknown fields, wrong
types) and then as a whole row (ranges, allowed values); either failure raises
`ValidationError` naming the offending dotted field.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

import duckdb
import pandera.errors
import polars as pl

from transforms.completeness import profile_completeness, value_at
from warehouse.connection import read_table, upsert
from warehouse.contract import EACH, Field
from warehouse.contracts import contract
from warehouse.settings import require_runner_id

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
        """Partial update: only the named fields change; nested sections merge.

        `fields` may be nested (`{"physical": {"age": 41}}`) or dotted (`{"physical.age": 41}`).
        """
        current = self.get_runner(runner_id)
        changes = _nest(fields)
        for name, value in changes.items():
            if name in MANAGED_COLUMNS:
                raise ValidationError(name, "is managed by Cadence and cannot be updated")
            if name not in SECTIONS:
                raise ValidationError(name, f"is not a section of the runner ({_names(SECTIONS)})")
            current[name] = _merge(current.get(name), _coerce(name, SECTIONS[name], value))
        current["updated_at"] = _now()
        return self._write(current)

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
            {"data_completeness": completeness, "fields_missing": missing},
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


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _names(fields: Mapping[str, Field]) -> str:
    return ", ".join(fields)


def _nest(fields: Mapping[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for key, value in fields.items():
        *parents, leaf = key.split(".")
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


def _coerce(path: str, field: Field, value: Any) -> Any:
    """The value in the contract's Python type, or a ValidationError naming the field."""
    if value is None:
        return None
    if field.children:
        if not isinstance(value, Mapping):
            raise ValidationError(path, f"must be a mapping of {_names(field.children)}")
        for key in value:
            if key not in field.children:
                raise ValidationError(
                    f"{path}.{key}", f"is not a field of {path} ({_names(field.children)})"
                )
        return {k: _coerce(f"{path}.{k}", field.children[k], v) for k, v in value.items()}
    if field.item is not None:
        if isinstance(value, str | bytes) or not isinstance(value, Sequence):
            raise ValidationError(path, "must be a list")
        return [_coerce(f"{path}[{i}]", field.item, v) for i, v in enumerate(value)]
    return _scalar(path, field.dtype, value)


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


def _date(path: str, value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValidationError(path, f"must be an ISO date (YYYY-MM-DD), got {value!r}")


def _instant(path: str, value: Any) -> dt.datetime:
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
