import copy

import pytest

from tests.plan_runners import AS_OF, NOW, reference, runner
from transforms.plan_validation import validate_plan
from transforms.plans import generate_plan


@pytest.fixture(scope="module")
def made():
    return generate_plan(runner(), AS_OF, reference(), NOW)


def check(made, sessions, plan=None):
    return validate_plan(plan or made.plan, sessions, reference().rules, runner(), now=NOW)


def test_a_generated_plan_is_valid_and_becomes_active(made):
    result = check(made, made.sessions)
    assert (result.status, result.errors, result.repairs) == ("valid", [], [])
    assert result.plan["status"] == "active"
    assert result.plan["activated_at"] == NOW


def test_a_long_run_over_its_share_is_shortened_and_the_plan_is_repaired(made):
    sessions = copy.deepcopy(made.sessions)
    long_run = next(s for s in sessions if s["session_type"] == "long" and s["week_number"] == 5)
    steady = next(seg for seg in long_run["structure_segments"] if seg["segment_type"] == "steady")
    steady["distance_km"] += 15
    result = check(made, sessions)
    assert result.status == "repaired"
    assert any("Long Run" in r and "shorter" in r for r in result.repairs)
    week = next(w for w in result.plan["weekly_plan"] if w["week_number"] == 5)
    repaired = next(s for s in result.sessions if s["session_id"] == long_run["session_id"])
    assert repaired["distance_km"] <= 0.3 * week["planned_volume_km"] + 0.1
    assert result.plan["status"] == "active"


def test_hard_sessions_on_consecutive_days_are_downgraded(made):
    sessions = copy.deepcopy(made.sessions)
    week = [s for s in sessions if s["week_number"] == 8]
    tempo = next(s for s in week if s["session_type"] in ("tempo", "threshold"))
    saturday = next(s for s in week if s["day_of_week"] == "saturday")
    saturday.update(
        {k: tempo[k] for k in tempo if k not in ("session_id", "day_of_week", "scheduled_date")}
    )
    result = check(made, sessions)
    assert result.status == "repaired"
    assert any("made an easy run" in r for r in result.repairs)


def test_unrepairable_problems_make_the_plan_invalid_and_never_active(made):
    sessions = copy.deepcopy(made.sessions)
    run = next(s for s in sessions if not s["is_rest_day"])
    run["justification"] = " "
    run["pace_min_sec_per_km"], run["pace_max_sec_per_km"] = 400.0, 300.0
    result = check(made, sessions)
    assert result.status == "invalid"
    assert len(result.errors) == 2 and "no justification" in result.errors[0]
    assert result.plan["status"] == "draft" and result.plan["activated_at"] is None
