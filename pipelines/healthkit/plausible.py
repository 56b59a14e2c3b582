"""Rows of export.xml whose values cannot be true, found per parsed table in one vectorised
pass against `warehouse.plausibility` (the reader rejects them with their line, and the rest
of the export loads)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from warehouse.plausibility import ACTIVITY_SPEED, HEALTHKIT_RECORDS, faster_than_possible

Finding = tuple[int, str]  # (row in the table, reason naming the element and its value)
_TYPE_PREFIXES = ("HKQuantityTypeIdentifier", "HKCategoryTypeIdentifier")


def _short(record_type: str | None) -> str:
    for prefix in _TYPE_PREFIXES:
        if record_type and record_type.startswith(prefix):
            return record_type[len(prefix) :]
    return str(record_type)


def _ends_before_start(table: pa.Table) -> pa.Array:
    return pc.fill_null(pc.less(table["end_time"], table["start_time"]), False)


def _interval_reason(element: str, row: dict) -> str:
    return (
        f"{element} ends ({row['end_time']:%Y-%m-%d %H:%M:%S} UTC) before it starts "
        f"({row['start_time']:%Y-%m-%d %H:%M:%S} UTC)"
    )


def implausible_records(table: pa.Table) -> list[Finding]:
    """Records with a value outside their type's bounds, or ending before they start."""
    # per (type, unit) pair, found through the few distinct types and units of the table
    types = table["type"].combine_chunks().dictionary_encode()
    units = table["unit"].combine_chunks().dictionary_encode()  # null (category) pairs: none
    low, high, factor = [], [], []
    for record_type in types.dictionary.to_pylist():
        bounds, factors = HEALTHKIT_RECORDS.get(record_type, (None, None))
        for unit in units.dictionary.to_pylist():
            scale = 1.0 if factors is None else factors.get(unit)
            checked = bounds is not None and scale is not None
            low.append(bounds.low if checked else None)
            high.append(bounds.high if checked else None)
            factor.append(scale if checked else None)
    pair = pc.add(
        pc.multiply(pc.cast(types.indices, pa.int32()), len(units.dictionary)),
        pc.cast(units.indices, pa.int32()),
    )

    def per_row(values: list[float | None]) -> pa.Array:
        return pc.take(pa.array(values, pa.float64()), pair)

    value = pc.multiply(table["value"], per_row(factor))
    outside = pc.or_kleene(pc.less(value, per_row(low)), pc.greater(value, per_row(high)))
    bad = pc.or_kleene(pc.fill_null(outside, False), _ends_before_start(table))
    findings = []
    for i in pc.indices_nonzero(bad).to_pylist():
        row = table.slice(i, 1).select(["type", "unit", "value", "start_time", "end_time"])
        r = row.to_pylist()[0]
        element = f"Record {_short(r['type'])}"
        if outside[i].as_py():
            bounds = HEALTHKIT_RECORDS[r["type"]][0]
            reason = f"{element} value {r['value']:g} {r['unit']} cannot be true "
            reason += f"(plausible: {bounds})"
        else:
            reason = _interval_reason(element, r)
        findings.append((i, reason))
    return findings


def implausible_workouts(table: pa.Table) -> list[Finding]:
    """Workouts ending before they start, with negative totals, or faster on average than
    `ACTIVITY_SPEED` allows (a 500 km run in ten minutes)."""
    elapsed = pc.coalesce(
        table["duration_seconds"],
        pc.divide(pc.cast(pc.subtract(table["end_time"], table["start_time"]), pa.int64()), 1e6),
    )
    distance = table["total_distance_meters"]
    speed = pc.divide(distance, pc.if_else(pc.greater(elapsed, 0), elapsed, None))
    negative = pc.or_kleene(
        pc.less(table["duration_seconds"], 0),
        pc.or_kleene(pc.less(distance, 0), pc.less(table["total_energy_burned_kcal"], 0)),
    )
    too_fast = pc.greater(speed, ACTIVITY_SPEED.high)
    bad = pc.or_kleene(
        _ends_before_start(table), pc.fill_null(pc.or_kleene(negative, too_fast), False)
    )
    findings = []
    for i in pc.indices_nonzero(bad).to_pylist():
        r = table.slice(i, 1).to_pylist()[0]
        element = f"Workout {_short(r['activity_type']).removeprefix('HKWorkoutActivityType')}"
        if (
            r["end_time"] is not None
            and r["start_time"] is not None
            and (r["end_time"] < r["start_time"])
        ):
            reason = _interval_reason(element, r)
        elif pc.fill_null(too_fast[i], False).as_py():
            reason = faster_than_possible(element, r["total_distance_meters"], elapsed[i].as_py())
        else:
            totals = {
                "duration": (r["duration"], r["duration_unit"]),
                "totalDistance": (r["total_distance"], r["total_distance_unit"]),
                "totalEnergyBurned": (r["total_energy_burned"], r["total_energy_burned_unit"]),
            }
            name, (value, unit) = next(
                (k, v) for k, v in totals.items() if v[0] is not None and v[0] < 0
            )
            reason = f"{element} {name} {value:g} {unit} is negative, which cannot be true"
        findings.append((i, reason))
    return findings
