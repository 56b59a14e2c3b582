import datetime as dt

import pytest

from tests.plan_runners import AS_OF, NOW, reference
from transforms.plans import generate_plan
from warehouse.runners import (
    RunnerAlreadyExists,
    RunnerAPI,
    RunnerNotFound,
    ValidationError,
    runner_id_for,
)


@pytest.fixture
def api(con, monkeypatch):
    monkeypatch.setenv("CADENCE_PLAN_DATE", AS_OF.isoformat())  # races are judged from it
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
        ({"schedule.blocked_days": ["friday", "fri"]}, "schedule.blocked_days[1]", "one of monday"),
        ({"schedule.long_run_day": "funday"}, "schedule.long_run_day", "one of monday"),
        ({"identity.timezone": "Mars/Olympus"}, "identity.timezone", "IANA timezone"),
        ({"physical.height_cm": 30}, "physical.height_cm", ">= 100"),
        (
            {"physical.weight": 900},
            "physical.weight_kg",
            "<= 250 (got 900.0) (given as physical.weight)",
        ),
        ({"running.current_volume": 5000}, "running.current_volume", "<= 300"),
        (
            {"goals": {"race_distance": 10, "target_time": 60}},
            "goals.target_time",
            "faster than the world record",
        ),
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


def test_a_told_best_is_linked_to_the_activity_inference_finds_for_it(api):
    runner_id = api.create_runner("user-1", "Ana")["runner_id"]
    told = {"ten_k": {"time": 3120, "source": "race"}}
    api.update_runner(runner_id, {"running": {"personal_bests": told}})

    def infer(activity_id: str | None) -> dict:
        best = {"time": 3120, "source": "race", "activity_id": activity_id}
        return {"running": {"personal_bests": {"ten_k": best}}}

    # an older build linked a wrong activity; the next inference mends the link
    api.record_inference(runner_id, infer("ana:wrong-run"))
    relinked = api.record_inference(runner_id, infer("ana:the-race"))
    best = relinked["running"]["personal_bests"]["ten_k"]
    assert (best["time"], best["source"], best["activity_id"]) == (3120, "race", "ana:the-race")
    unlinked = api.record_inference(runner_id, infer(None))
    assert unlinked["running"]["personal_bests"]["ten_k"]["activity_id"] is None


SEED_NAMED_PROFILE = {
    "identity": {"name": "Ana Sousa", "name_confirmed": True, "timezone": "Europe/Lisbon"},
    "physical": {"age": 41, "weight": 58.5, "max_heart_rate": 186},
    "running": {
        "experience_level": "casual",
        "current_frequency": 4,
        "personal_bests": {"ten_k": {"time": 3120, "date": "2026-05-03", "source": "race"}},
    },
    "goals": {
        "goal_type": "race",
        "race_distance": 10,
        "race_distance_label": "ten_k",
        "race_date": "2027-03-14",
        "target_time": 3000,
    },
    "schedule": {
        "available_days": 4,
        "blocked_days": ["monday"],
        "long_run_day": "saturday",
        "max_session_duration_minutes": 90,
    },
    "health": {"past_injuries": ["plantar_fasciitis"], "current_pain": []},
    "coaching": {"coaching_voice": "analytical", "data_orientation": "data_driven"},
}


def test_a_profile_in_the_seeds_words_lands_whole(api):
    """Each section once fell back to defaults because one seed-named field was unknown."""
    runner_id = api.create_runner("user-1", "Ana")["runner_id"]
    applied = api.apply_profile(runner_id, SEED_NAMED_PROFILE)
    assert applied.rejected == []
    runner = applied.runner
    assert runner["goals"]["race_distance_label"] == "ten_k"
    assert runner["goals"]["target_time"] == 3000 and runner["goals"]["goal_status"] == "current"
    assert runner["schedule"]["blocked_days"] == ["monday"]
    assert runner["schedule"]["max_session_minutes"] == 90  # the seed's name, the one column
    assert runner["running"]["runs_per_week"] == 4
    assert runner["running"]["personal_bests"]["ten_k"]["time"] == 3120
    assert runner["physical"]["weight_kg"] == 58.5 and runner["physical"]["max_hr_bpm"] == 186
    assert runner["health"]["current_pain"]["has_pain"] is False
    assert runner["coaching"]["coaching_voice"] == "analytical"
    assert runner["coaching"]["data_orientation"] == "data_driven"
    assert runner["identity"]["name_confirmed"] is True
    assert runner["conversation_state"]["ready_for_plan"] is True


@pytest.mark.parametrize(
    ("level", "voice"),
    [
        ("beginner", "tough_love"),
        ("returning", "encouraging"),
        ("casual", "analytical"),
        ("serious", "minimalist"),
        ("competitive", "tough_love"),
    ],
)
def test_every_level_and_voice_the_seed_names_is_accepted(api, level, voice):
    runner_id = api.create_runner("user-1", "Ana")["runner_id"]
    applied = api.apply_profile(
        runner_id, {"running": {"experience_level": level}, "coaching": {"coaching_voice": voice}}
    )
    assert applied.rejected == []
    assert applied.runner["running"]["experience_level"] == level
    assert applied.runner["coaching"]["coaching_voice"] == voice


@pytest.mark.parametrize("unix_time", [1_807_747_200, 1_807_747_200_000])
def test_a_race_date_as_the_seeds_unix_timestamp_is_a_date(api, unix_time):
    """Seed 000 writes `goals.race_date` as a Unix timestamp (the app's are milliseconds)."""
    runner_id = api.create_runner("user-1", "Ana")["runner_id"]
    applied = api.apply_profile(runner_id, {"goals": {"goal_type": "race", "race_date": unix_time}})
    assert applied.rejected == []
    assert applied.runner["goals"]["race_date"] == dt.date(2027, 4, 15)


def test_a_bad_or_unknown_field_costs_that_field_not_its_section(api):
    runner_id = api.create_runner("user-1", "Ana")["runner_id"]
    profile = {
        **SEED_NAMED_PROFILE,
        "identity": {"name": "Ana Sousa", "timezone": "Mars/Olympus", "nickname": "A"},
        "physical": {"age": 400, "biological_sex": "female", "height_cm": 165},
        "schedule": {"blocked_days": ["monday", "caturday"], "long_run_day": "saturday"},
    }
    applied = api.apply_profile(runner_id, profile)
    rejected = {e.field: e.message for e in applied.rejected}
    assert set(rejected) == {
        "identity.timezone",
        "identity.nickname",
        "physical.age",
        "schedule.blocked_days[1]",
    }
    assert "IANA" in rejected["identity.timezone"]
    assert "ignored" in rejected["identity.nickname"]
    assert "<= 100" in rejected["physical.age"]
    runner = applied.runner
    assert runner["identity"]["name"] == "Ana Sousa"
    assert runner["physical"]["biological_sex"] == "female"
    assert runner["physical"]["height_cm"] == 165
    assert runner["physical"]["age"] is None
    assert runner["schedule"]["long_run_day"] == "saturday"
    assert runner["schedule"]["blocked_days"] is None
    assert runner["goals"]["race_distance"] == 10  # other sections land untouched


def test_keys_yaml_reads_as_numbers_or_null_are_unknown_fields(api):
    runner_id = api.create_runner("user-1", "Ana")["runner_id"]
    applied = api.apply_profile(runner_id, {2026: "x", "identity": {None: "y", "name": "Ana"}})
    assert {e.field for e in applied.rejected} == {"2026", "identity.None"}
    assert applied.runner["identity"]["name"] == "Ana"


def test_a_rejected_fact_the_plan_needs_stops_the_plan_until_fixed(api):
    runner_id = api.create_runner("user-1", "Ana")["runner_id"]
    bad = {**SEED_NAMED_PROFILE, "schedule": {"blocked_days": ["mondays"]}}
    state = api.apply_profile(runner_id, bad).runner["conversation_state"]
    assert state["ready_for_plan"] is False
    assert state["fields_to_confirm"] == ["schedule.blocked_days"]
    state = api.apply_profile(runner_id, SEED_NAMED_PROFILE).runner["conversation_state"]
    assert state["ready_for_plan"] is True and state["fields_to_confirm"] == []
    # a rejected field the plan does not need (an unknown one) leaves the runner ready
    loose = {**SEED_NAMED_PROFILE, "coaching": {"favourite_colour": "teal"}}
    assert api.apply_profile(runner_id, loose).runner["conversation_state"]["ready_for_plan"]


def test_runner_update_confirms_the_field_it_sets(api):
    runner_id = api.create_runner("user-1", "Ana")["runner_id"]
    api.apply_profile(runner_id, {"physical": {"age": 400}})
    assert api.get_runner(runner_id)["conversation_state"]["fields_to_confirm"] == ["physical.age"]
    state = api.update_runner(runner_id, {"physical.age": 41})["conversation_state"]
    assert state["ready_for_plan"] is True and state["fields_to_confirm"] == []


def test_an_unreadable_profile_stops_the_plan(api):
    runner_id = api.create_runner("user-1", "Ana")["runner_id"]
    state = api.mark_profile_unreadable(runner_id)["conversation_state"]
    assert state["ready_for_plan"] is False and state["fields_to_confirm"] == ["profile.yaml"]


def test_a_past_race_is_kept_as_past_and_said_so(api):
    runner_id = api.create_runner("user-1", "Ana")["runner_id"]
    goals = {"goal_type": "race", "race_distance": 10, "race_date": "2026-03-01"}
    applied = api.apply_profile(runner_id, {"goals": goals})
    assert applied.rejected == []
    assert applied.runner["goals"]["race_date"] == dt.date(2026, 3, 1)
    assert applied.runner["goals"]["goal_status"] == "past"
    [notice] = applied.notices
    assert notice.field == "goals.race_date" and "maintenance plan" in notice.message
    assert applied.runner["conversation_state"]["ready_for_plan"] is True


def test_a_target_time_no_one_can_run_is_rejected_and_the_race_kept(api):
    runner_id = api.create_runner("user-1", "Ana")["runner_id"]
    goals = {"goal_type": "race", "race_distance": 10, "race_date": "2027-03-01", "target_time": 60}
    applied = api.apply_profile(runner_id, {"goals": goals})
    [error] = applied.rejected
    assert error.field == "goals.target_time" and "VDOT" in error.message
    assert applied.runner["goals"]["target_time"] is None
    assert applied.runner["goals"]["race_distance"] == 10
    assert applied.runner["conversation_state"]["fields_to_confirm"] == ["goals.target_time"]
    assert api.apply_profile(runner_id, {"goals": {**goals, "target_time": 2900}}).rejected == []


def test_the_plan_keeps_off_the_blocked_days_a_seed_named_profile_gives(api):
    """The issue: a seed-named field lost the schedule section and 16 sessions landed on the
    runner's blocked Mondays."""
    runner_id = api.create_runner("user-1", "Ana")["runner_id"]
    runner = api.apply_profile(runner_id, SEED_NAMED_PROFILE).runner
    made = generate_plan(runner, AS_OF, reference(), NOW)
    runs = [s for s in made.sessions if not s["is_rest_day"]]
    assert runs and not [s for s in runs if s["scheduled_date"].weekday() == 0]
    [race] = [s for s in runs if s["session_type"] == "race"]
    assert race["scheduled_date"] == dt.date(2027, 3, 14)
