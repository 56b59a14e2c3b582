import re

import pandera.errors
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.contract_values import in_range, valid_frame, valid_value
from warehouse.connection import read_table, upsert
from warehouse.contract import EACH, Field
from warehouse.contracts import CONTRACTS, contract
from warehouse.ddl import duckdb_type

SNAKE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")

# The fields each seed table must carry (snake_case of the seed's camelCase names) — a
# deliberately explicit list, so a field dropped from a contract fails here.
SEED_FIELDS = {
    "terra.activities": (
        "activity_id runner_id user_id source external_id merged_from name activity_type "
        "start_time end_time local_date utc_offset_seconds duration_seconds moving_time_seconds "
        "distance_meters avg_speed_meters_per_second max_speed_meters_per_second "
        "avg_pace_seconds_per_km avg_cadence_spm avg_heart_rate_bpm min_heart_rate_bpm "
        "max_heart_rate_bpm hr_zone_seconds calories_kcal elevation_gain_meters "
        "elevation_loss_meters start_lat_deg start_lon_deg end_lat_deg end_lon_deg device_name "
        "laps splits_km session_type session_type_source session_type_confidence training_load "
        "training_load_method trimp created_at updated_at"
    ),
    "terra.activity_samples": (
        "activity_id runner_id timestamp heart_rate_bpm speed_meters_per_second cadence_spm "
        "power_watts lat_deg lon_deg altitude_meters distance_meters"
    ),
    "terra.sleep_sessions": (
        "sleep_session_id runner_id user_id start_time end_time is_nap duration_in_bed_seconds "
        "duration_asleep_seconds duration_deep_sleep_seconds duration_light_sleep_seconds "
        "duration_rem_sleep_seconds duration_awake_seconds sleep_efficiency "
        "sleep_latency_seconds num_wakeup_events avg_heart_rate_bpm avg_hrv_sdnn_ms "
        "avg_breaths_per_min avg_spo2_percentage sleep_score"
    ),
    "terra.daily_summaries": (
        "daily_summary_id runner_id user_id date steps distance_meters floors_climbed "
        "active_calories_kcal basal_calories_kcal avg_heart_rate_bpm min_heart_rate_bpm "
        "max_heart_rate_bpm resting_heart_rate_bpm hrv_sdnn_ms avg_spo2_percentage "
        "vo2max_ml_per_kg_min activity_count run_count run_distance_meters run_duration_seconds "
        "sleep_duration_seconds sleep_score training_load atl ctl tsb sources"
    ),
    "terra.body_measurements": (
        "body_measurement_id runner_id user_id measured_at weight_kg height_cm bmi "
        "body_fat_percentage systolic_bp_mmhg diastolic_bp_mmhg blood_glucose_mg_per_dl "
        "body_temperature_celsius water_intake_ml"
    ),
    "coach.runners": (
        "runner_id user_id identity physical running goals schedule health coaching "
        "connections current_state legal conversation_state created_at updated_at"
    ),
    "coach.users": (  # seed 004's users (Strava connections), one per runner
        "runner_id user_id strava_id strava_username email refresh_token access_token "
        "access_token_expires_at created_at updated_at"
    ),
    "coach.weekly_summaries": (
        "weekly_summary_id runner_id week_start_date actual_volume_km planned_volume_km "
        "compliance_percentage easy_km quality_km long_run_km recovery_km "
        "avg_pace_seconds_per_km threshold_pace_estimate_seconds_per_km rest_days "
        "health_issues ending_state"
    ),
    "coach.runner_states": (
        "runner_state_id runner_id effective_date from_state to_state trigger_reason "
        "window_7d window_28d window_90d volume_change_percent intensity_change_percent "
        "rationale"
    ),
    "coach.memory_summaries": (  # seed 003's user_memory_summaries, one per runner per week
        "memory_summary_id runner_id summary_type content source_date_range_start "
        "source_date_range_end created_at updated_at"
    ),
    "coach.long_term_goals": (  # seed 004 table 3 (user_id is our runner_id's owner)
        "long_term_goal_id runner_id user_id distance target_date target_time_seconds priority "
        "created_at updated_at"
    ),
    "plans.roadmaps": (  # seed 004 table 4, one row per phase
        "roadmap_id runner_id user_id goal_id phase_number phase_name start_date end_date "
        "target_volume_km focus created_at updated_at"
    ),
    "plans.milestones": (  # seed 004 table 5
        "milestone_id roadmap_id milestone_name target_date target_metric target_value achieved "
        "achieved_date created_at updated_at"
    ),
    "plans.training_plans": (
        "plan_id runner_id user_id status season_view weekly_plan runner_snapshot phases "
        "load_parameters target_paces decisions safeguard_applications goal_feasibility "
        "validation_status generator_version generated_at"
    ),
    "plans.planned_sessions": (
        "session_id plan_id runner_id scheduled_date session_type display_type is_key_session "
        "is_rest_day duration_seconds distance_km effort_level effort_display "
        "pace_min_sec_per_km pace_max_sec_per_km pace_display hr_zone hr_min_bpm hr_max_bpm "
        "description structure_display structure_segments justification physiological_target "
        "placement_rationale key_points related_knowledge_ids related_safeguard_ids "
        "is_moveable is_splittable alternatives status completed_activity_id adherence_score"
    ),
    "plans.fit_files": "fit_file_id session_id plan_id runner_id path sha256 size_bytes step_count",
    "reference.knowledge_base": (
        "knowledge_id category title content tags source confidence usage_context"
    ),
    "reference.safeguards": "safeguard_id name condition action priority source",
    "reference.workout_templates": (
        "template_id session_type min_distance_km max_distance_km min_duration_seconds "
        "max_duration_seconds intensity_zone structure_segments usable_phases source"
    ),
    "quarantine.rejected": "rejection_id runner_id source_file location reason rejected_at",
}

RUNNER_SECTION_FIELDS = {
    "identity": "name timezone",
    "physical": "age biological_sex height_cm weight_kg resting_hr_bpm max_hr_bpm",
    "running": (
        "experience_level current_volume personal_bests pace_zones hr_zones vdot "
        "actual_weekly_volume_km actual_easy_pace_sec_per_km long_run_distance_km "
        "training_consistency consistency_score"
    ),
    "goals": "goal_type race_distance race_date target_time",
    "schedule": "available_days preferred_days blocked_days long_run_day max_session_minutes",
    "health": "past_injuries current_pain",
    "coaching": "coaching_voice",
    "connections": "strava apple_health source_precedence",
    "current_state": (
        "acute_training_load chronic_training_load training_stress_balance "
        "training_load_trend last_7_days_volume_km last_28_days_volume_km "
        "acute_chronic_workload_ratio injury_risk_level injury_risk_factors overtraining_risk "
        "readiness_score readiness_factors latest_resting_hr_bpm latest_hrv_ms "
        "latest_weight_kg latest_sleep_score last_calculated_at"
    ),
    "conversation_state": "data_completeness fields_missing",
}


def test_every_architecture_table_has_a_contract():
    assert set(SEED_FIELDS) == set(CONTRACTS)


@pytest.mark.parametrize("name", sorted(SEED_FIELDS))
def test_seed_fields_are_columns(name):
    missing = set(SEED_FIELDS[name].split()) - set(CONTRACTS[name].columns)
    assert not missing, f"{name} lacks {sorted(missing)}"


@pytest.mark.parametrize("section", sorted(RUNNER_SECTION_FIELDS))
def test_runner_sections_hold_their_fields(section):
    children = contract("coach.runners").columns[section].children
    missing = set(RUNNER_SECTION_FIELDS[section].split()) - set(children)
    assert not missing, f"{section} lacks {sorted(missing)}"


def _walk(name: str, field: Field):
    yield name, field
    for child_name, child in field.children.items():
        yield from _walk(child_name, child)
    if field.item is not None:
        yield from _walk(name, field.item)


@pytest.mark.parametrize("name", sorted(CONTRACTS))
def test_names_keys_and_docs(name):
    table = CONTRACTS[name]
    assert SNAKE.fullmatch(table.table_name)
    assert table.key[0].endswith("_id")
    assert all(not table.columns[k].nullable for k in table.key)
    if "runner_id" in table.columns and name != "quarantine.rejected":
        assert not table.columns["runner_id"].nullable
    for column, field in table.columns.items():
        for path, nested in _walk(column, field):
            assert SNAKE.fullmatch(path), f"{name}: {path} is not snake_case"
            assert nested.doc.strip(), f"{name}: {path} has no meaning documented"
            if isinstance(nested.dtype, pl.Float64):
                assert nested.unit, f"{name}: measure {path} has no unit"


@pytest.mark.parametrize("name", sorted(CONTRACTS))
def test_valid_rows_round_trip_through_duckdb(con, name):
    table = CONTRACTS[name]
    frame = valid_frame(table)
    table.validate(frame)
    assert upsert(con, table, frame) == frame.height
    back = read_table(con, table).sort(list(table.key))
    assert back.equals(frame.sort(list(table.key)))
    declared = {
        row[0]: row[1].replace('"', "")
        for row in con.execute(
            "SELECT column_name, data_type FROM duckdb_columns() "
            "WHERE schema_name = ? AND table_name = ?",
            [table.schema_name, table.table_name],
        ).fetchall()
    }
    expected = {
        n: duckdb_type(f.dtype).replace('"', "").replace("TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE")
        for n, f in table.columns.items()
    }
    assert declared == expected


def test_upsert_is_idempotent(con):
    table = contract("terra.activities")
    frame = valid_frame(table)
    upsert(con, table, frame)
    upsert(con, table, frame)
    assert con.execute("SELECT count(*) FROM terra.activities").fetchall() == [(frame.height,)]


def _violations(name: str, frame: pl.DataFrame) -> pl.DataFrame:
    with pytest.raises(pandera.errors.SchemaErrors) as raised:
        CONTRACTS[name].validate(frame)
    return raised.value.failure_cases


def test_out_of_range_value_names_the_column():
    frame = valid_frame(contract("terra.activities")).with_columns(
        pl.lit(300.0).alias("avg_heart_rate_bpm")
    )
    cases = _violations("terra.activities", frame)
    assert set(cases["column"]) == {"avg_heart_rate_bpm"}


def test_wrong_enum_names_the_column():
    frame = valid_frame(contract("plans.training_plans")).with_columns(
        pl.lit("archived").alias("status")
    )
    cases = _violations("plans.training_plans", frame)
    assert set(cases["column"]) == {"status"}
    assert cases["failure_case"].to_list() == ["archived"] * frame.height


def test_nested_range_and_enum_name_the_dotted_field():
    runners = contract("coach.runners")
    frame = valid_frame(runners, rows=1)
    row = frame.to_dicts()[0]
    row["current_state"]["readiness_score"] = 140.0
    row["running"]["hr_zones"][0]["max_bpm"] = 400.0
    row["schedule"]["blocked_days"] = ["someday"]
    cases = _violations("coach.runners", pl.DataFrame([row], schema=runners.polars_schema))
    checks = " ".join(cases["check"].to_list())
    assert "current_state.readiness_score must be >= 0 and <= 100" in checks
    assert f"running.hr_zones{EACH}.max_bpm" in checks
    assert f"schedule.blocked_days{EACH} must be one of monday" in checks


def test_duplicate_key_is_rejected():
    table = contract("plans.planned_sessions")
    frame = valid_frame(table, rows=2).with_columns(pl.lit("same").alias("session_id"))
    cases = _violations("plans.planned_sessions", frame)
    assert "session_id" in set(cases["column"])


def test_composite_key_uniqueness_is_checked():
    table = contract("terra.activity_samples")
    frame = valid_frame(table, rows=1)
    with pytest.raises(pandera.errors.SchemaErrors):
        table.validate(pl.concat([frame, frame]))


def test_missing_required_value_is_rejected():
    frame = valid_frame(contract("terra.activities")).with_columns(
        pl.lit(None, dtype=pl.String).alias("runner_id")
    )
    assert "runner_id" in set(_violations("terra.activities", frame)["column"])


def test_conform_fills_missing_columns_and_rejects_unknown_ones():
    table = contract("quarantine.rejected")
    partial = pl.DataFrame({"rejection_id": ["r1"], "reason": ["bad"]})
    conformed = table.conform(partial)
    assert conformed.columns == list(table.columns)
    assert conformed["location"].null_count() == 1
    with pytest.raises(KeyError, match="no column"):
        table.conform(partial.with_columns(pl.lit(1).alias("surprise")))


HEART_RATE = contract("terra.activities").columns["avg_heart_rate_bpm"]
READINESS = contract("coach.runners").columns["current_state"].children["readiness_score"]


@settings(max_examples=40, deadline=None)
@given(hr=in_range(HEART_RATE), readiness=in_range(READINESS))
def test_any_value_in_range_validates(hr, readiness):
    activities = contract("terra.activities")
    frame = valid_frame(activities, rows=1).with_columns(pl.lit(hr).alias("avg_heart_rate_bpm"))
    activities.validate(frame)
    runners = contract("coach.runners")
    row = valid_frame(runners, rows=1).to_dicts()[0]
    row["current_state"]["readiness_score"] = readiness
    runners.validate(pl.DataFrame([row], schema=runners.polars_schema))


@settings(max_examples=40, deadline=None)
@given(hr=st.one_of(st.floats(-1e6, 19.99), st.floats(250.01, 1e6)))
def test_any_value_out_of_range_is_rejected(hr):
    frame = valid_frame(contract("terra.activities"), rows=1).with_columns(
        pl.lit(hr).alias("avg_heart_rate_bpm")
    )
    assert set(_violations("terra.activities", frame)["column"]) == {"avg_heart_rate_bpm"}


def test_valid_value_respects_bounds():
    assert 20 <= valid_value(HEART_RATE) <= 250
