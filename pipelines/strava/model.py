"""What every activity-file decoder produces, and how it becomes Arrow tables."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from pipelines.strava.tables import (
    ACTIVITY_FILES_SCHEMA,
    LAPS_SCHEMA,
    SAMPLE_FIELDS,
    SAMPLES_SCHEMA,
)
from warehouse.plausibility import SAMPLES, SUMMARY, Bounds, drop_implausible

_SAMPLE_BOUNDS = tuple(SAMPLES[f] for f in SAMPLE_FIELDS)

# Sports whose cadence devices store per foot (strides/min); we report steps/min.
STEP_SPORTS = frozenset(
    {"running", "walking", "hiking", "run", "walk", "hike", "trail_running", "treadmill"}
)

SUMMARY_TOTALS = (
    "total_elapsed_time_seconds",
    "total_timer_time_seconds",
    "distance_meters",
    "calories_kcal",
    "total_ascent_meters",
    "total_descent_meters",
)
SUMMARY_MAXIMA = ("max_heart_rate_bpm", "max_cadence_spm", "max_speed_mps", "max_power_watts")
SUMMARY_AVERAGES = ("avg_heart_rate_bpm", "avg_cadence_spm", "avg_speed_mps", "avg_power_watts")
# sample column feeding each summary maximum
SAMPLE_MAXIMA = (
    ("heart_rate_bpm", "max_heart_rate_bpm"),
    ("cadence_spm", "max_cadence_spm"),
    ("speed_mps", "max_speed_mps"),
    ("power_watts", "max_power_watts"),
)


def cadence_factor(sport: str | None) -> float:
    """2.0 when the sport's cadence is stored per foot (strides/min), else 1.0."""
    return 2.0 if sport is not None and sport.lower() in STEP_SPORTS else 1.0


def first(*values: Any) -> Any:
    for v in values:
        if v is not None:
            return v
    return None


def num(value: Any) -> float | None:
    """A finite float, or None for missing/invalid/non-numeric values."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (list, tuple)):
        value = first(*value)
        if value is None:
            return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


class SampleBuilder:
    """Column lists for `samples`, one row per timestamp.

    Records sharing a timestamp become one sample by the same rule as every stream
    (transforms.terra_sources `one_sample_per_instant`): a value only one of them has is
    kept, values several have are averaged. A value outside `warehouse.plausibility.SAMPLES`
    (a 0 bpm heart rate from a strap without contact) is left out and counted in `dropped`;
    the rest of its record loads. Each sample keeps the session of its first record
    (`session_index`)."""

    __slots__ = ("added", "columns", "counts", "dropped", "index")

    def __init__(self) -> None:
        self.columns: dict[str, list] = {
            "timestamp": [],
            "session_index": [],
            **{f: [] for f in SAMPLE_FIELDS},
        }
        self.index: dict[int, int] = {}
        self.counts: dict[tuple[int, str], int] = {}  # values averaged so far, where > 1
        self.added = 0
        self.dropped: dict[str, list] = {}  # field -> [count, first record, first value]

    def __len__(self) -> int:
        return len(self.columns["timestamp"])

    def add(self, ts_us: int, values: tuple, session: int = 0) -> None:
        """`values` in SAMPLE_FIELDS order, recorded in the file's session `session`."""
        self.added += 1
        values = tuple(map(self._plausible, SAMPLE_FIELDS, _SAMPLE_BOUNDS, values))
        cols = self.columns
        row = self.index.get(ts_us)
        if row is None:
            self.index[ts_us] = len(cols["timestamp"])
            cols["timestamp"].append(ts_us)
            cols["session_index"].append(session)
            for name, v in zip(SAMPLE_FIELDS, values, strict=True):
                cols[name].append(v)
            return
        for name, v in zip(SAMPLE_FIELDS, values, strict=True):
            if v is None:
                continue
            column = cols[name]
            if column[row] is None:
                column[row] = v
                continue
            n = self.counts.get((row, name), 1)
            column[row] = (column[row] * n + v) / (n + 1)
            self.counts[(row, name)] = n + 1

    def _plausible(self, name: str, bounds: Bounds, value: Any) -> Any:
        if not isinstance(value, int | float) or bounds.admits(value):
            return value
        seen = self.dropped.get(name)
        if seen is None:
            self.dropped[name] = [1, self.added - 1, value]
        else:
            seen[0] += 1
        return None

    def of_session(self, session: int) -> dict[str, list]:
        """The columns of one session's samples."""
        rows = [i for i, s in enumerate(self.columns["session_index"]) if s == session]
        return {name: [values[i] for i in rows] for name, values in self.columns.items()}

    def rejections(self) -> list[tuple[str, str]]:
        """(location, reason) per field with values that cannot be true."""
        return [
            (
                f"record {first}",
                f"{count} {name} value(s) cannot be true and were left out (the first: "
                f"{value:g}; plausible: {SAMPLES[name]})",
            )
            for name, (count, first, value) in self.dropped.items()
        ]


@dataclass
class Decoded:
    """One decoded activity file. `usable` is False when nothing in it can be loaded.

    `summary` is the whole file's. A file holding several activities (a TCX file's
    <Activity> elements) also has `sessions`, one summary each, in file order; their laps
    and samples carry their position there (`session_index`)."""

    file_format: str
    summary: dict[str, Any] = field(default_factory=dict)
    sessions: list[dict[str, Any]] = field(default_factory=list)
    laps: list[dict[str, Any]] = field(default_factory=list)
    samples: SampleBuilder = field(default_factory=SampleBuilder)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (location, reason)
    usable: bool = True
    record_count: int = 0


def drop_implausible_summary(decoded: Decoded) -> list[tuple[str, str]]:
    """Leave out the session and lap values outside `warehouse.plausibility.SUMMARY` (a
    corrupt max speed); (location, reason) for each. The rest of the file loads. A file of
    several sessions reports each session's (the whole file's summary is not loaded)."""
    problems = []
    if decoded.sessions:
        drop_implausible(decoded.summary, SUMMARY)
        sessions = [(f"session {k + 1}", s) for k, s in enumerate(decoded.sessions)]
    else:
        sessions = [("session", decoded.summary)]
    parts = sessions + [(f"lap {i + 1}", lap) for i, lap in enumerate(decoded.laps)]
    for where, values in parts:
        problems += [
            (where, f"{name} {value:g} cannot be true (plausible: {bounds}); left out")
            for name, value, bounds in drop_implausible(values, SUMMARY)
        ]
    return problems


def fail(file_format: str, location: str, reason: str) -> Decoded:
    return Decoded(file_format, problems=[(location, reason)], usable=False)


def fill_from_samples(summary: dict[str, Any], cols: dict[str, list]) -> None:
    """Derive the maxima, start and extent the summary lacks (e.g. a Fenix 2 session
    without heart rate) from its samples' columns (`SampleBuilder.columns` or `of_session`).
    Averages and moving time are left to terra, which weighs samples by time
    (`transforms.activity_metrics`): a plain mean of irregular samples is not one."""
    for column, max_key in SAMPLE_MAXIMA:
        values = [v for v in cols[column] if v is not None]
        if values and summary.get(max_key) is None:
            summary[max_key] = max(values)
    ts = cols["timestamp"]
    if ts:
        if summary.get("start_time") is None:
            summary["start_time"] = min(ts)
        if summary.get("total_elapsed_time_seconds") is None:
            summary["total_elapsed_time_seconds"] = (max(ts) - min(ts)) / 1e6
    if summary.get("distance_meters") is None:
        dists = [v for v in cols["distance_meters"] if v is not None]
        if dists:
            summary["distance_meters"] = max(dists)


def combine_sessions(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One summary for a multi-session file: sums, maxima, timer-weighted averages."""
    if len(parts) == 1:
        return dict(parts[0])
    out: dict[str, Any] = {}
    starts = [p["start_time"] for p in parts if p.get("start_time") is not None]
    out["start_time"] = min(starts) if starts else None
    sports = {p.get("sport") for p in parts}
    out["sport"] = parts[0].get("sport") if len(sports) == 1 else "multisport"
    subs = {p.get("sub_sport") for p in parts}
    out["sub_sport"] = parts[0].get("sub_sport") if len(subs) == 1 else None
    for key in SUMMARY_TOTALS:
        values = [p[key] for p in parts if p.get(key) is not None]
        out[key] = sum(values) if values else None
    for key in SUMMARY_MAXIMA:
        values = [p[key] for p in parts if p.get(key) is not None]
        out[key] = max(values) if values else None
    for key in SUMMARY_AVERAGES:
        pairs = [
            (p[key], p.get("total_timer_time_seconds") or 0.0)
            for p in parts
            if p.get(key) is not None
        ]
        weight = sum(w for _, w in pairs)
        if pairs and weight > 0:
            out[key] = sum(v * w for v, w in pairs) / weight
        elif pairs:
            out[key] = sum(v for v, _ in pairs) / len(pairs)
        else:
            out[key] = None
    return out


def _column(values: list, type_: pa.DataType) -> pa.Array:
    try:
        return pa.array(values, type=type_)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
        if pa.types.is_floating(type_):
            return pa.array([num(v) for v in values], type=type_)
        if pa.types.is_integer(type_):
            cleaned = [num(v) for v in values]
            return pa.array([None if v is None else round(v) for v in cleaned], type=type_)
        return pa.array([None if v is None else str(v) for v in values], type=type_)


def _table(rows: dict[str, list], schema: pa.Schema) -> pa.Table:
    return pa.Table.from_arrays([_column(rows[f.name], f.type) for f in schema], schema=schema)


def to_tables(
    decoded: Decoded, runner_id: str, activity_id: int, source_file: str
) -> dict[str, pa.Table]:
    """`activity_files` (one row per session the file holds apart, else one), `laps` and
    `samples` tables for one decoded file."""
    cols = decoded.samples.columns
    n = len(cols["timestamp"])
    order = sorted(range(n), key=cols["timestamp"].__getitem__)
    if order != list(range(n)):
        cols = {k: [v[i] for i in order] for k, v in cols.items()}
    ts = cols["timestamp"]
    first_of: dict[int, int] = {}  # session -> its first timestamp
    for t, session in zip(ts, cols["session_index"], strict=True):
        first_of.setdefault(session, t)
    sample_rows: dict[str, list] = {
        "runner_id": [runner_id] * n,
        "activity_id": [activity_id] * n,
        "timestamp": ts,
        "session_index": cols["session_index"],
        "elapsed_seconds": [
            (t - first_of[s]) / 1e6 for t, s in zip(ts, cols["session_index"], strict=True)
        ],
        **{f: cols[f] for f in SAMPLE_FIELDS},
    }

    problem = "; ".join(reason for _, reason in decoded.problems) or None
    sessions = decoded.sessions or [decoded.summary]
    session_count = decoded.summary.get("session_count", 1)
    file_rows: dict[str, list] = {f.name: [] for f in ACTIVITY_FILES_SCHEMA}
    for k, summary in enumerate(sessions):
        row = {
            **{f.name: summary.get(f.name) for f in ACTIVITY_FILES_SCHEMA},
            "runner_id": runner_id,
            "activity_id": activity_id,
            "source_file": source_file,
            "file_format": decoded.file_format,
            "session_index": k,
            "session_count": session_count,
            "lap_count": len(decoded.laps),
            "record_count": decoded.record_count,
            "sample_count": n,
            "decode_problem": problem,
        }
        if decoded.sessions:
            row["lap_count"] = sum(lap.get("session_index") == k for lap in decoded.laps)
            row["record_count"] = summary.get("record_count")
            row["sample_count"] = sum(s == k for s in cols["session_index"])
        for name, value in row.items():
            file_rows[name].append(value)
    lap_rows: dict[str, list] = {f.name: [] for f in LAPS_SCHEMA}
    for i, lap in enumerate(decoded.laps):
        for f in LAPS_SCHEMA:
            lap_rows[f.name].append(lap.get(f.name))
        lap_rows["lap_index"][i] = i
        lap_rows["session_index"][i] = lap.get("session_index", 0)
        lap_rows["runner_id"][i] = runner_id
        lap_rows["activity_id"][i] = activity_id
        lap_rows["source_file"][i] = source_file
    return {
        "activity_files": _table(file_rows, ACTIVITY_FILES_SCHEMA),
        "laps": _table(lap_rows, LAPS_SCHEMA),
        "samples": _table(sample_rows, SAMPLES_SCHEMA),
    }
