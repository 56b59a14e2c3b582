"""Properties over random runner profiles: plans never break a hard safeguard, every session
says why it is there, every plan passes its contracts, every FIT file decodes."""

import polars as pl
from hypothesis import HealthCheck, given, settings

from tests.plan_runners import AS_OF, NOW, reference, runner_profiles
from tests.transforms.test_fit_workouts import decode, expected_steps, raw_step
from transforms.fit_workouts import encode_workout
from transforms.plan_validation import validate_plan
from transforms.plans import generate_plan
from warehouse.contracts import contract

PROPERTY_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(runner_profiles())
def test_generated_plans_never_break_a_hard_safeguard(profile):
    plan = generate_plan(profile, AS_OF, reference(), NOW)
    checked = validate_plan(plan.plan, plan.sessions, reference().rules, profile)
    # the validator found nothing to repair: the generator itself kept every hard rule
    assert checked.status == "valid", (checked.errors, checked.repairs)
    assert checked.plan["status"] == "active"


@PROPERTY_SETTINGS
@given(runner_profiles())
def test_every_session_has_a_reason_and_the_plan_fits_its_contracts(profile):
    plan = generate_plan(profile, AS_OF, reference(), NOW)
    assert all(s["justification"].strip() for s in plan.sessions)
    assert all(s["structure_segments"] for s in plan.sessions if not s["is_rest_day"])
    for name, rows in (
        ("plans.training_plans", [plan.plan]),
        ("plans.planned_sessions", plan.sessions),
    ):
        table = contract(name)
        table.validate(table.conform(pl.from_dicts(rows, schema=table.polars_schema)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(runner_profiles())
def test_every_planned_session_becomes_a_fit_file_that_decodes_to_its_structure(profile):
    plan = generate_plan(profile, AS_OF, reference(), NOW)
    for session in (s for s in plan.sessions if not s["is_rest_day"]):
        workout = encode_workout(session)
        steps = decode(workout.content)["workout_step_mesgs"]
        assert workout.step_count == len(steps)
        assert [raw_step(s) for s in steps] == expected_steps(session["structure_segments"])
