import datetime as dt

import pytest

from warehouse.runners import (
    RunnerAlreadyExists,
    RunnerAPI,
    RunnerNotFound,
    ValidationError,
    runner_id_for,
)


@pytest.fixture
def api(con):
    return RunnerAPI(con)


def test_create_then_get_by_id_and_user(api):
    created = api.create_runner("user-1", "Ana Sousa")
    assert created["runner_id"] == runner_id_for("user-1", "Ana Sousa")
    assert created["runner_id"].startswith("ana-sousa-")
    assert created["identity"]["name"] == "Ana Sousa"
    assert created["created_at"].tzinfo is not None
    assert api.get_runner(created["runner_id"]) == created
    assert api.get_runner_by_user_id("user-1") == created


def test_runner_id_is_a_slug_even_for_unicode_names():
    assert runner_id_for("u", "Zoë O'Brien-Łukasz 😀").startswith("zoe-o-brien-ukasz-")
    assert runner_id_for("u", "😀").startswith("runner-")


def test_creating_twice_is_refused(api):
    api.create_runner("user-1", "Ana", runner_id="ana")
    with pytest.raises(RunnerAlreadyExists):
        api.create_runner("user-2", "Another Ana", runner_id="ana")


def test_invalid_runner_id_names_the_field(api):
    with pytest.raises(ValidationError) as raised:
        api.create_runner("user-1", "Ana", runner_id="Ana Sousa!")
    assert raised.value.field == "runner_id"


def test_not_found_has_the_seed_code(api):
    with pytest.raises(RunnerNotFound) as raised:
        api.get_runner("nobody")
    assert raised.value.code == "RUNNER_NOT_FOUND"
    with pytest.raises(RunnerNotFound):
        api.get_runner_by_user_id("nobody")
    with pytest.raises(RunnerNotFound):
        api.update_runner("nobody", {"physical.age": 30})


def test_partial_nested_update_keeps_other_fields(api):
    runner_id = api.create_runner("user-1", "Ana")["runner_id"]
    api.update_runner(runner_id, {"physical": {"age": 41, "biological_sex": "female"}})
    updated = api.update_runner(
        runner_id,
        {"physical.weight_kg": 58.5, "goals": {"goal_type": "race", "race_date": "2026-12-13"}},
    )
    assert updated["physical"]["age"] == 41
    assert updated["physical"]["biological_sex"] == "female"
    assert updated["physical"]["weight_kg"] == 58.5
    assert updated["goals"]["race_date"] == dt.date(2026, 12, 13)
    assert updated["identity"]["name"] == "Ana"
    assert updated["updated_at"] >= updated["created_at"]


def test_update_of_nested_struct_inside_section(api):
    runner_id = api.create_runner("user-1", "Ana")["runner_id"]
    pb = {"ten_k": {"time": 3120, "date": dt.date(2026, 5, 3), "source": "race"}}
    api.update_runner(runner_id, {"running": {"personal_bests": pb}})
    updated = api.update_runner(runner_id, {"running.personal_bests.five_k.time": 1500})
    bests = updated["running"]["personal_bests"]
    assert bests["ten_k"]["time"] == 3120.0
    assert bests["five_k"]["time"] == 1500.0


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"physical.age": 400}, "physical.age", ">= 10 and <= 100"),
        ({"physical.agee": 4}, "physical.agee", "is not a field of physical"),
        ({"physique": {}}, "physique", "is not a section"),
        ({"physical.age": "forty"}, "physical.age", "whole number"),
        ({"goals.goal_type": "win"}, "goals.goal_type", "one of race"),
        ({"schedule.blocked_days": ["fri"]}, "schedule.blocked_days[]", "one of monday"),
        ({"schedule.blocked_days": "friday"}, "schedule.blocked_days", "must be a list"),
        ({"goals.race_date": "13/12/2026"}, "goals.race_date", "ISO date"),
        ({"health.current_pain.severity": 11}, "health.current_pain.severity", "<= 10"),
        ({"legal.terms_accepted_at": "2026-01-01T10:00:00"}, "legal.terms_accepted_at", "offset"),
        ({"runner_id": "other"}, "runner_id", "managed"),
        ({"identity": "Ana"}, "identity", "mapping"),
    ],
)
def test_validation_error_names_the_offending_field(api, fields, field, words):
    runner_id = api.create_runner("user-1", "Ana")["runner_id"]
    before = api.get_runner(runner_id)
    with pytest.raises(ValidationError) as raised:
        api.update_runner(runner_id, fields)
    assert raised.value.field == field
    assert words in str(raised.value)
    assert api.get_runner(runner_id) == before


def test_data_completeness_follows_what_is_filled(api):
    runner = api.create_runner("user-1", "Ana")
    state = runner["conversation_state"]
    assert 0 < state["data_completeness"] < 10
    assert "physical.age" in state["fields_missing"]
    runner = api.update_runner(runner["runner_id"], {"physical.age": 41, "goals.goal_type": "race"})
    state = runner["conversation_state"]
    assert "physical.age" not in state["fields_missing"]
    assert "goals.race_date" in state["fields_missing"]


def test_list_runners_is_sorted(api):
    api.create_runner("u2", "Zed", runner_id="zed")
    api.create_runner("u1", "Ana", runner_id="ana")
    assert [r["runner_id"] for r in api.list_runners()] == ["ana", "zed"]


def test_inference_never_overwrites_profile_facts(api):
    runner_id = api.create_runner("user-1", "Ana")["runner_id"]
    api.update_runner(
        runner_id,
        {
            "physical": {"max_hr_bpm": 183},
            "running": {"personal_bests": {"ten_k": {"time": 3120, "source": "race"}}},
        },
    )
    inferred = api.record_inference(
        runner_id,
        {
            "physical": {
                "max_hr_bpm": 190,
                "max_hr_source": "observed",
                "observed_max_hr_bpm": 190,
            },
            "running": {
                "vdot": 45.2,
                "personal_bests": {
                    "ten_k": {"time": 2900, "source": "inferred"},
                    "five_k": {"time": 1400, "source": "inferred"},
                },
            },
            "current_state": {"readiness_score": 72, "training_state": "Stable"},
        },
    )
    assert inferred["physical"]["max_hr_bpm"] == 183
    assert inferred["physical"]["max_hr_source"] == "user"
    assert inferred["physical"]["observed_max_hr_bpm"] == 190
    assert inferred["running"]["vdot"] == 45.2
    bests = inferred["running"]["personal_bests"]
    assert bests["ten_k"]["time"] == 3120 and bests["ten_k"]["source"] == "race"
    assert bests["ten_k"]["activity_id"] is None  # a fact is never mixed with an inference
    assert bests["five_k"]["time"] == 1400
    assert inferred["current_state"]["readiness_score"] == 72
    again = api.record_inference(runner_id, {"current_state": {"readiness_score": 50}})
    assert again["current_state"]["training_state"] is None
    assert again["running"]["vdot"] == 45.2
