"""The raw tables a Strava bulk export becomes, with their keys, Arrow schemas and meaning."""

from __future__ import annotations

import pyarrow as pa

from pipelines.batches import RawTable

UTC_US = pa.timestamp("us", tz="UTC")

ACTIVITIES = RawTable(
    name="activities",
    primary_key=("runner_id", "activity_id"),
    doc=(
        "One row per row of the export's activities.csv (94/99-column exports and the legacy "
        "<=2018 10-column export). Every CSV column is kept, snake_cased; unknown extra "
        "columns are kept as text. `activity_date` is the UTC start (Strava writes UTC). "
        "The five names Strava writes twice get distinct names: "
        "`elapsed_time_seconds` (1st, integer seconds) vs `elapsed_time_seconds_precise` "
        "(2nd, float seconds); `distance_display` (1st, raw text in display units: km for "
        "runs/rides, metres with a thousands separator for swims) with its parsed number "
        "`distance_display_value` (same units) vs `distance_meters` (2nd, SI metres; legacy "
        "`distance`); `max_heart_rate_bpm` (1st) vs `max_heart_rate_bpm_stats` (2nd, from "
        "the detailed-statistics block, often empty when the 1st is set); `relative_effort` "
        "(1st, integer) vs `relative_effort_precise` (2nd, float); `commute` (1st, "
        "`true/false`) vs `commute_flag` (2nd, `0.0/1.0`), both booleans. `filename` is "
        "`activities/<upload id>.<ext>` (not the activity id), empty for manual entries."
    ),
)

ACTIVITY_FILES = RawTable(
    name="activity_files",
    primary_key=("runner_id", "activity_id", "session_index"),
    merge_key=("runner_id", "activity_id"),
    added_keys=("session_index",),
    doc=(
        "Summary decoded from each activity's own file (FIT, GPX or TCX, optionally .gz), one "
        "row per activity the file holds: a TCX file with several <Activity> elements (a "
        "MultiSportSession's FirstSport/NextSport, or several under <Activities>) has one row "
        "per session, `session_index` 0, 1, ... in file order, each with its own start, "
        "sport, totals and maxima from its own laps and trackpoints (`lap_count`, "
        "`record_count` and `sample_count` are the session's, `session_count` the file's). "
        "A FIT file stays one row even with several sessions: totals (time, distance, "
        "calories, ascent) are summed over sessions, maxima are the maximum, averages are "
        "timer-time weighted, and `sport` is `multisport` when the sessions differ "
        "(`session_count` tells). Every lap and sample of every session is kept. A reload of a "
        "file replaces all its rows; rows loaded before sessions were told apart have no "
        "`session_index` (read it as 0). "
        "Missing session maxima (e.g. max heart rate on a Fenix 2) are derived from the "
        "samples; missing averages stay null (terra weighs the samples by time). Cadence is "
        "steps/min for running, walking and hiking (FIT/TCX/GPX store "
        "strides/min, doubled here) and as recorded (rpm) otherwise. `utc_offset_seconds` is "
        "FIT `activity.local_timestamp - activity.timestamp`, null when the file does not "
        "say. GPX has no summary: maxima and elapsed time come from the trackpoints (it has no "
        "timer, so `total_timer_time_seconds` is null), distance is the great-circle sum, "
        "`device_product` holds the GPX `creator`. `record_count` is the "
        "number of FIT record messages / trackpoints read; `sample_count` the rows in "
        "`samples` (records sharing a timestamp are merged). `decode_problem` is set when the "
        "file only partly decoded (the rejection is also recorded in quarantine); terra then "
        "takes the activity's totals from activities.csv (never for a file of several "
        "sessions: the CSV row is the whole upload's). Summary or lap values that cannot "
        "be true (warehouse.plausibility.SUMMARY) are left out and quarantined."
    ),
)

LAPS = RawTable(
    name="laps",
    primary_key=("runner_id", "activity_id", "lap_index"),
    doc=(
        "Laps of each activity file in file order (`lap_index` from 0), across all sessions; "
        "`session_index` is the `activity_files` row the lap belongs to. Times UTC; cadence "
        "as in `activity_files`; `trigger` is FIT `lap_trigger` or TCX `TriggerMethod`. GPX "
        "files have no laps."
    ),
)

SAMPLES = RawTable(
    name="samples",
    primary_key=("runner_id", "activity_id", "timestamp"),
    doc=(
        "Per-record samples of each activity file (FIT record messages, GPX trkpt, TCX "
        "Trackpoint) with a timestamp; records without one are skipped and records sharing a "
        "timestamp merged (a value only one has is kept, values several have are averaged). "
        "Values that cannot be true (warehouse.plausibility.SAMPLES, e.g. 0 bpm) are left "
        "out and counted in quarantine. `session_index` is the `activity_files` row the "
        "sample belongs to; `elapsed_seconds` counts from that session's first sample. "
        "Speed is FIT `enhanced_speed` when present, altitude `enhanced_altitude`; FIT "
        "semicircles are converted to degrees; cadence as in `activity_files`."
    ),
)

TABLES: dict[str, RawTable] = {t.name: t for t in (ACTIVITIES, ACTIVITY_FILES, LAPS, SAMPLES)}

ACTIVITY_FILES_SCHEMA = pa.schema(
    [
        ("runner_id", pa.string()),
        ("activity_id", pa.int64()),
        ("source_file", pa.string()),
        ("file_format", pa.string()),
        ("session_index", pa.int32()),
        ("sport", pa.string()),
        ("sub_sport", pa.string()),
        ("start_time", UTC_US),
        ("utc_offset_seconds", pa.int32()),
        ("total_elapsed_time_seconds", pa.float64()),
        ("total_timer_time_seconds", pa.float64()),
        ("distance_meters", pa.float64()),
        ("avg_heart_rate_bpm", pa.float64()),
        ("max_heart_rate_bpm", pa.float64()),
        ("avg_cadence_spm", pa.float64()),
        ("max_cadence_spm", pa.float64()),
        ("avg_speed_mps", pa.float64()),
        ("max_speed_mps", pa.float64()),
        ("avg_power_watts", pa.float64()),
        ("max_power_watts", pa.float64()),
        ("calories_kcal", pa.float64()),
        ("total_ascent_meters", pa.float64()),
        ("total_descent_meters", pa.float64()),
        ("device_manufacturer", pa.string()),
        ("device_product", pa.string()),
        ("device_serial_number", pa.string()),
        ("session_count", pa.int32()),
        ("lap_count", pa.int32()),
        ("record_count", pa.int32()),
        ("sample_count", pa.int32()),
        ("decode_problem", pa.string()),
    ]
)

LAPS_SCHEMA = pa.schema(
    [
        ("runner_id", pa.string()),
        ("activity_id", pa.int64()),
        ("lap_index", pa.int32()),
        ("session_index", pa.int32()),
        ("sport", pa.string()),
        ("start_time", UTC_US),
        ("end_time", UTC_US),
        ("total_elapsed_time_seconds", pa.float64()),
        ("total_timer_time_seconds", pa.float64()),
        ("distance_meters", pa.float64()),
        ("avg_heart_rate_bpm", pa.float64()),
        ("max_heart_rate_bpm", pa.float64()),
        ("avg_speed_mps", pa.float64()),
        ("avg_cadence_spm", pa.float64()),
        ("avg_power_watts", pa.float64()),
        ("calories_kcal", pa.float64()),
        ("trigger", pa.string()),
        ("source_file", pa.string()),
    ]
)

SAMPLE_FIELDS = (
    "heart_rate_bpm",
    "speed_mps",
    "cadence_spm",
    "power_watts",
    "latitude",
    "longitude",
    "altitude_meters",
    "distance_meters",
    "temperature_celsius",
)

SAMPLES_SCHEMA = pa.schema(
    [
        ("runner_id", pa.string()),
        ("activity_id", pa.int64()),
        ("timestamp", UTC_US),
        ("session_index", pa.int32()),
        ("elapsed_seconds", pa.float64()),
        *((name, pa.float64()) for name in SAMPLE_FIELDS),
    ]
)
