"""expat callbacks for export.xml: element attributes -> row tuples, one buffer per table.

A Record or Workout is committed at its end tag, so a document that breaks off inside an
element never yields a half-read row. Hot path: `start`/`end` for Record and MetadataEntry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable
from typing import Any

from pipelines.healthkit.tables import SPECS
from transforms.units import DISTANCE_TO_M, ENERGY_TO_KCAL

KEYED = ("records", "workouts", "activity_summaries")  # tables whose keys are deduplicated
Reject = Callable[[str, str, str, str | None], None]  # (location, reason, table, excerpt)

_DATE_OK = re.compile(r"\d{4}-[01]\d-[0-3]\d [0-2]\d:[0-5]\d:[0-6]\d [+-]\d{4}\Z").match
_DEVICE_FIELD = re.compile(r"(?:^|, )(\w+):")
_HRV_TIME = re.compile(r"\s*(\d{1,2})[:.](\d{2})[:.](\d{2})(?:[.,](\d+))?\s*([AaPp])?")
_SKIPPED = frozenset(("Correlation", "ClinicalRecord", "Audiogram"))
DEDUPE_WINDOW = 200_000  # keys remembered per generation (two generations kept)

DURATION_TO_S = {"s": 1.0, "min": 60.0, "h": 3600.0, "hr": 3600.0, "ms": 0.001, "d": 86400.0}
_DISTANCE_STATS = frozenset(
    f"HKQuantityTypeIdentifier{k}"
    for k in ("DistanceWalkingRunning", "DistanceCycling", "DistanceSwimming")
)
_ENERGY_STAT = "HKQuantityTypeIdentifierActiveEnergyBurned"

NO_DEVICE: tuple[str | None, ...] = (None, None, None, None, None)
_DEVICE_KEYS = ("name", "manufacturer", "model", "hardware", "software")
_device_cache: dict[str, tuple[str | None, ...]] = {}


def parse_device(raw: str) -> tuple[str | None, ...]:
    """``<<HKDevice: 0x..>, name:Apple Watch, ..., hardware:Watch2,4, software:4.3.1>`` ->
    (name, manufacturer, model, hardware, software). The address is ignored (it varies)."""
    key = raw[raw.find(", ") + 2 :] if raw.startswith("<<HKDevice") else raw
    hit = _device_cache.get(key)
    if hit is not None:
        return hit
    found: dict[str, str] = {}
    marks = list(_DEVICE_FIELD.finditer(key))
    for m, nxt in zip(marks, [*marks[1:], None], strict=False):
        value = key[m.end() : nxt.start() if nxt else len(key)]
        if nxt is None and value.endswith(">"):
            value = value[:-1]
        found[m.group(1)] = value
    out = tuple(found.get(k) for k in _DEVICE_KEYS) if found else NO_DEVICE
    if len(_device_cache) > 10_000:
        _device_cache.clear()
    _device_cache[key] = out
    return out


def seconds_since_midnight(text: str | None) -> float | None:
    """``11:26:02.34 AM`` / ``23:47:49,20`` -> seconds after local midnight (best effort)."""
    if not text:
        return None
    m = _HRV_TIME.match(text)
    if m is None:
        return None
    h, mi, s, frac, ampm = m.groups()
    hour = int(h)
    if ampm:
        hour = hour % 12 + (12 if ampm in "Pp" else 0)
    return hour * 3600 + int(mi) * 60 + int(s) + (float("0." + frac) if frac else 0.0)


def apple_datetime(text: str | None) -> dt.datetime | None:
    """``2016-11-14 07:25:44 -0700`` -> aware datetime (raises ValueError when malformed)."""
    if text is None:
        return None
    if not _DATE_OK(text):
        raise ValueError(f"unparseable date {text!r}")
    return dt.datetime.fromisoformat(text[:19] + text[20:])


def _num(value: str | None) -> float | None:
    return None if value is None or value == "" else float(value)


def content_key(material: str) -> str:
    """The base key of a row: stable across runs, processes and machines (never ``hash()``)."""
    return _blake2b(material.encode(), digest_size=16).hexdigest()


_blake2b = hashlib.blake2b


class Keys:
    """Makes content-derived base keys unique within a file: exact repeats get ``-1``, ``-2``...

    Runs in the reading process over the base keys of every fragment, in document order, so
    the result does not depend on how the document was split. Remembers the last
    2 x DEDUPE_WINDOW keys only, so memory stays flat on huge exports.
    """

    def __init__(self) -> None:
        self.current: set[str] = set()
        self.previous: set[str] = set()
        self.repeats: dict[str, int] = {}

    def unique(self, key: str) -> str:
        if key in self.current or key in self.previous:
            n = self.repeats.get(key, 0) + 1
            self.repeats[key] = n
            return f"{key}-{n}"
        self.current.add(key)
        if len(self.current) >= DEDUPE_WINDOW:
            self.previous, self.current = self.current, set()
        return key

    def unique_all(self, keys: list[str]) -> list[str] | None:
        """`unique` over ``keys`` in order; None when every key came back unchanged."""
        current, previous = self.current, self.previous
        if (
            len(keys) + len(current) < DEDUPE_WINDOW
            and current.isdisjoint(keys)
            and previous.isdisjoint(keys)
            and len(set(keys)) == len(keys)
        ):  # the common case, in bulk: nothing repeats and no generation turns over
            current.update(keys)
            return None
        out = [self.unique(k) for k in keys]
        return None if out == keys else out


class ExportHandler:
    """Holds the row buffers; `reader` drains them between chunks."""

    def __init__(
        self, runner_id: str, source_file: str, reject: Reject, line_base: int = 0
    ) -> None:
        self.runner_id = runner_id
        self.source_file = source_file
        self.reject = reject
        self.parser: Any = None  # set by the reader: line numbers come from it
        self.line_base = line_base  # lines of the document before the parsed fragment
        self.rows: dict[str, list[tuple]] = {name: [] for name in SPECS}
        self._records = self.rows["records"]
        self._record_meta = self.rows["record_metadata"]
        # base keys in the order they were made (rows point into these by index, `parent`)
        self.keys: dict[str, list[str]] = {name: [] for name in KEYED}
        self._record_keys = self.keys["records"]
        # (workout_id, workout key index, path, line)
        self.pending_routes: list[tuple[str, int, str, int]] = []
        self.skip = 0
        self.locale: str | None = None
        self.export_date: str | None = None
        self.counts = {"records": 0, "workouts": 0, "activity_summaries": 0}
        # open Record
        self.rec: dict[str, str] | None = None
        self.rec_line = 0
        self.rec_meta: list[tuple[str | None, str | None]] = []
        self.rec_beats: list[tuple[str | None, str | None]] = []
        # open Workout
        self.wk: dict[str, str] | None = None
        self.wk_line = 0
        self.in_route = False
        self.wk_meta: list[tuple[str | None, str | None]] = []
        self.wk_stats: list[dict[str, str]] = []
        self.wk_events: list[dict[str, str]] = []
        self.wk_points: list[tuple[dict[str, str], int]] = []
        self.wk_route: str | None = None

    # -- expat callbacks -------------------------------------------------------------------
    def start(self, name: str, attrs: dict[str, str]) -> None:
        if self.skip:
            self.skip += 1
        elif name == "Record":
            self.rec = attrs
            self.rec_line = self.parser.CurrentLineNumber + self.line_base
        elif name == "MetadataEntry":
            if self.rec is not None:
                self.rec_meta.append((attrs.get("key"), attrs.get("value")))
            elif self.wk is not None and not self.in_route:
                self.wk_meta.append((attrs.get("key"), attrs.get("value")))
        elif name == "InstantaneousBeatsPerMinute":
            if self.rec is not None:
                self.rec_beats.append((attrs.get("bpm"), attrs.get("time")))
        elif name == "Workout":
            self.wk = attrs
            self.wk_line = self.parser.CurrentLineNumber + self.line_base
        elif self.wk is not None:
            if name == "WorkoutStatistics":
                self.wk_stats.append(attrs)
            elif name == "WorkoutEvent":
                self.wk_events.append(attrs)
            elif name == "WorkoutRoute":
                self.in_route = True
            elif name == "FileReference" and self.in_route:
                self.wk_route = attrs.get("path")
            elif name == "Location" and self.in_route:
                self.wk_points.append((attrs, self.parser.CurrentLineNumber + self.line_base))
        elif name == "ActivitySummary":
            self._activity_summary(attrs)
        elif name in _SKIPPED:
            self.skip = 1
        elif name == "ExportDate":
            self.export_date = attrs.get("value")
        elif name == "Me":
            self._me(attrs)
        elif name == "HealthData":
            self.locale = attrs.get("locale")

    def end(self, name: str) -> None:
        if self.skip:
            self.skip -= 1
        elif name == "Record":
            if self.rec is not None:
                self._record()
        elif name == "Workout":
            if self.wk is not None:
                self._workout()
        elif name == "WorkoutRoute":
            self.in_route = False

    # -- rows ------------------------------------------------------------------------------
    def _record(self) -> None:
        a = self.rec
        assert a is not None
        self.rec = None
        line = self.rec_line
        get = a.get
        rtype = get("type")
        src = get("sourceName")
        start = get("startDate")
        end = get("endDate")
        created = get("creationDate")
        value = get("value")
        unit = get("unit")
        meta, beats = self.rec_meta, self.rec_beats
        if meta:
            self.rec_meta = []
        if beats:
            self.rec_beats = []
        number = None
        if value is not None:
            try:
                number = float(value)
            except ValueError:
                if unit is not None:  # a quantity needs a number; category values are text
                    self._bad(line, f"Record value {value!r} is not a number", "records", a)
                    return
        # dates are checked when the batch is built (vectorised), see reader._batch
        keys = self._record_keys
        parent = len(keys)
        rid = _blake2b(
            f"{self.runner_id}\x1f{rtype}\x1f{src}\x1f{start}\x1f{end}\x1f{value}\x1f{unit}".encode(),
            digest_size=16,
        ).hexdigest()
        keys.append(rid)
        device = get("device")
        parsed = parse_device(device) if device else NO_DEVICE
        runner = self.runner_id
        self._records.append(
            (
                rid,
                runner,
                rtype,
                src,
                get("sourceVersion"),
                device,
                *parsed,
                unit,
                value,
                number,
                start,
                end,
                created,
                self.source_file,
                line,
                parent,
            )
        )
        self.counts["records"] += 1
        if meta:
            append = self._record_meta.append
            for key, val in meta:
                append((rid, runner, key, val, line, parent))
        if beats:
            append = self.rows["hrv_beats"].append
            for i, (bpm, time_text) in enumerate(beats):
                try:
                    bpm_value = _num(bpm)
                except ValueError:
                    bpm_value = None
                append(
                    (
                        rid,
                        runner,
                        i,
                        bpm_value,
                        time_text,
                        seconds_since_midnight(time_text),
                        line,
                        parent,
                    )
                )

    def _workout(self) -> None:
        a = self.wk
        assert a is not None
        self.wk = None
        self.in_route = False
        line = self.wk_line
        meta, stats, events, points, route = (
            self.wk_meta,
            self.wk_stats,
            self.wk_events,
            self.wk_points,
            self.wk_route,
        )
        self.wk_meta, self.wk_stats, self.wk_events, self.wk_points = [], [], [], []
        self.wk_route = None
        try:
            row, stat_rows, event_rows, point_rows = self._workout_rows(
                a, line, meta, stats, events, points, route
            )
        except ValueError as exc:
            self._bad(line, f"Workout has {exc}", "workouts", a)
            return
        rows = self.rows
        rows["workouts"].append(row)
        self.counts["workouts"] += 1
        wid, runner, parent = row[0], self.runner_id, row[-1]
        rows["workout_metadata"].extend((wid, runner, k, v, line, parent) for k, v in meta)
        rows["workout_statistics"].extend(stat_rows)
        rows["workout_events"].extend(event_rows)
        rows["workout_route_points"].extend(point_rows)
        if route:
            self.pending_routes.append((wid, parent, route, line))

    def _workout_rows(
        self,
        a: dict[str, str],
        line: int,
        meta: list[tuple[str | None, str | None]],
        stats: list[dict[str, str]],
        events: list[dict[str, str]],
        points: list[tuple[dict[str, str], int]],
        route: str | None,
    ) -> tuple[tuple, list[tuple], list[tuple], list[tuple]]:
        get = a.get
        for attr in ("startDate", "endDate", "creationDate"):
            text = get(attr)
            if text is not None and not _DATE_OK(text):
                raise ValueError(f"an unparseable {attr} {text!r}")
        runner = self.runner_id
        activity, src, start, end = (
            get("workoutActivityType"),
            get("sourceName"),
            get("startDate"),
            get("endDate"),
        )
        wid = content_key(f"{runner}\x1f{activity}\x1f{src}\x1f{start}\x1f{end}")
        workout_keys = self.keys["workouts"]
        # the key is added once the rows are made: a workout's key index is then also its
        # place in the buffer, which the plausibility check relies on (fragments)
        parent = len(workout_keys)
        duration = _checked(get, "duration")
        duration_unit = get("durationUnit")
        duration_s = _scaled(duration, duration_unit, DURATION_TO_S)

        stat_rows = []
        for s in stats:
            sget = s.get
            for attr in ("startDate", "endDate"):
                text = sget(attr)
                if text is not None and not _DATE_OK(text):
                    raise ValueError(f"a WorkoutStatistics with an unparseable {attr} {text!r}")
            stat_rows.append(
                (
                    wid,
                    runner,
                    sget("type"),
                    sget("startDate"),
                    sget("endDate"),
                    _checked(sget, "average", "WorkoutStatistics "),
                    _checked(sget, "minimum", "WorkoutStatistics "),
                    _checked(sget, "maximum", "WorkoutStatistics "),
                    _checked(sget, "sum", "WorkoutStatistics "),
                    sget("unit"),
                    line,
                    parent,
                )
            )
        distance, distance_unit = _checked(get, "totalDistance"), get("totalDistanceUnit")
        distance_m = _scaled(distance, distance_unit, DISTANCE_TO_M)
        if distance is None:
            distance, distance_unit, distance_m = _total(stat_rows, _DISTANCE_STATS, DISTANCE_TO_M)
        energy, energy_unit = _checked(get, "totalEnergyBurned"), get("totalEnergyBurnedUnit")
        kcal = _scaled(energy, energy_unit, ENERGY_TO_KCAL)
        if energy is None:
            energy, energy_unit, kcal = _total(stat_rows, {_ENERGY_STAT}, ENERGY_TO_KCAL)

        event_rows = []
        for i, e in enumerate(events):
            eget = e.get
            text = eget("date")
            if text is not None and not _DATE_OK(text):
                raise ValueError(f"a WorkoutEvent with an unparseable date {text!r}")
            event_rows.append(
                (
                    wid,
                    runner,
                    i,
                    eget("type"),
                    text,
                    _checked(eget, "duration", "WorkoutEvent "),
                    eget("durationUnit"),
                    line,
                    parent,
                )
            )
        point_rows = []
        for i, (p, _pline) in enumerate(points):
            pget = p.get
            point_rows.append(
                (
                    wid,
                    runner,
                    i,
                    apple_datetime(pget("date")),
                    *(
                        _checked(pget, k, "Location ")
                        for k in (
                            "latitude",
                            "longitude",
                            "altitude",
                            "speed",
                            "course",
                            "horizontalAccuracy",
                            "verticalAccuracy",
                        )
                    ),
                    line,
                    parent,
                )
            )
        md = dict(meta)
        indoor = md.get("HKIndoorWorkout")
        device = get("device")
        row = (
            wid,
            runner,
            activity,
            duration,
            duration_unit,
            duration_s,
            distance,
            distance_unit,
            distance_m,
            energy,
            energy_unit,
            kcal,
            src,
            get("sourceVersion"),
            device,
            *(parse_device(device) if device else NO_DEVICE),
            start,
            end,
            get("creationDate"),
            md.get("HKTimeZone"),
            None if indoor is None else indoor in ("1", "true", "YES"),
            route,
            self.source_file,
            line,
            parent,
        )
        workout_keys.append(wid)
        return row, stat_rows, event_rows, point_rows

    def _activity_summary(self, a: dict[str, str]) -> None:
        line = self.parser.CurrentLineNumber + self.line_base
        get = a.get
        date = get("dateComponents")
        try:
            values = [
                _checked(get, k)
                for k in (
                    "activeEnergyBurned",
                    "activeEnergyBurnedGoal",
                    "appleMoveTime",
                    "appleMoveTimeGoal",
                    "appleExerciseTime",
                    "appleExerciseTimeGoal",
                    "appleStandHours",
                    "appleStandHoursGoal",
                )
            ]
        except ValueError as exc:
            self._bad(line, f"ActivitySummary has {exc}", "activity_summaries", a)
            return
        sid = content_key(f"{self.runner_id}\x1f{date}")
        summary_keys = self.keys["activity_summaries"]
        parent = len(summary_keys)
        summary_keys.append(sid)
        self.rows["activity_summaries"].append(
            (
                sid,
                self.runner_id,
                date,
                values[0],
                values[1],
                get("activeEnergyBurnedUnit"),
                *values[2:],
                self.source_file,
                line,
                parent,
            )
        )
        self.counts["activity_summaries"] += 1

    def _me(self, a: dict[str, str]) -> None:
        p = "HKCharacteristicTypeIdentifier"
        get = a.get
        dob = get(p + "DateOfBirth") or None
        self.rows["me"].append(
            (
                self.runner_id,
                dob,
                get(p + "BiologicalSex"),
                get(p + "BloodType"),
                get(p + "FitzpatrickSkinType"),
                get(p + "CardioFitnessMedicationsUse"),
                self.export_date if self.export_date and _DATE_OK(self.export_date) else None,
                self.locale,
                self.source_file,
                self.parser.CurrentLineNumber + self.line_base,
                -1,
            )
        )

    def _bad(self, line: int, reason: str, table: str, attrs: dict[str, Any]) -> None:
        excerpt = " ".join(f'{k}="{v}"' for k, v in attrs.items())
        self.reject(f"line {line}", reason, table, excerpt)


def _checked(get: Callable[[str], str | None], attr: str, what: str = "") -> float | None:
    text = get(attr)
    try:
        return _num(text)
    except ValueError:
        raise ValueError(f"a non-numeric {what}{attr} {text!r}") from None


def _scaled(value: float | None, unit: str | None, factors: dict[str, float]) -> float | None:
    if value is None or unit not in factors:
        return None
    return value * factors[unit]  # type: ignore[index]


def _total(
    stat_rows: list[tuple], types: frozenset[str] | set[str], factors: dict[str, float]
) -> tuple[float | None, str | None, float | None]:
    """Sum matching WorkoutStatistics: (total in their unit, unit, normalised total)."""
    picked = [(r[8], r[9]) for r in stat_rows if r[2] in types and r[8] is not None]
    if not picked:
        return None, None, None
    units = {u for _, u in picked}
    normalised = (
        sum(v * factors[u] for v, u in picked) if all(u in factors for u in units) else None
    )
    if len(units) == 1:
        return sum(v for v, _ in picked), units.pop(), normalised
    return normalised, None if normalised is None else _BASE_UNIT[id(factors)], normalised


_BASE_UNIT = {id(DISTANCE_TO_M): "m", id(ENERGY_TO_KCAL): "kcal"}
