import pytest

from tests.plan_runners import reference
from transforms.safeguards import SafeguardEngine, condition_holds

RUNNER = {
    "physical": {"age": 56},
    "health": {"past_injuries": ["shin_splints"], "current_pain": {"severity": 5}},
    "running": {"experience_level": "beginner"},
    "goals": {"goal_type": "race", "race_distance": 10.0},
}


@pytest.mark.parametrize(
    ("expression", "holds"),
    [
        ("always", True),
        ("health.past_injuries is not empty", True),
        ("health.medications is empty", True),
        ("physical.age >= 50", True),
        ("physical.age < 50", False),
        ("running.experience_level == beginner", True),
        ("goals.goal_type in [return_to_fitness, general_health]", False),
        ("goals.race_distance >= 21", False),
        ("physical.age >= 50 and health.current_pain.severity >= 4", True),
        ("physical.weight_kg > 90", False),  # missing values never satisfy a comparison
    ],
)
def test_conditions_read_the_runner(expression, holds):
    assert condition_holds(expression, RUNNER) is holds


def test_an_unreadable_condition_is_a_clear_error():
    with pytest.raises(ValueError, match="cannot read the safeguard condition"):
        condition_holds("age is about fifty", RUNNER)


def test_the_tightest_applicable_cap_wins_and_every_check_is_recorded():
    engine = SafeguardEngine(reference().rules, RUNNER)
    check = engine.check(
        "weekly_volume_increase_percent",
        15.0,
        week_number=3,
        subject=46.0,
        convert=lambda percent: 40 * (1 + percent / 100),
    )
    assert check.value == pytest.approx(42.8)  # 7 % after injuries, before the general 10 %
    assert [a["safeguard_id"] for a in check.applications] == [
        "sg_volume_increase_injury_7",
        "sg_volume_increase_10",
    ]
    assert [a["applied"] for a in check.applications] == [True, False]
    assert check.applications[0]["original_value"] == 46.0
    assert check.applications[0]["adjusted_value"] == pytest.approx(42.8)


def test_rules_only_apply_to_the_runners_they_are_for():
    young = SafeguardEngine(reference().rules, {"physical": {"age": 30}, "health": {}})
    assert young.check("hard_sessions_per_week", 3.0, week_number=1).value == 3.0
    masters = SafeguardEngine(reference().rules, RUNNER)
    assert masters.check("hard_sessions_per_week", 3.0, week_number=1).value == 0.0  # in pain


def test_block_reduce_and_warn_actions():
    engine = SafeguardEngine(reference().rules, {"physical": {"age": 30}})
    assert engine.check("consecutive_hard_days", 2.0, week_number=1).blocked
    assert not engine.check("consecutive_hard_days", 1.0, week_number=1).blocked
    cut = engine.check("acute_chronic_workload_ratio", 1.8, week_number=1, subject=40.0)
    assert cut.value == pytest.approx(34.0)
    warned = engine.check("easy_session_share_percent", 50.0, week_number=1)
    assert warned.warnings and warned.value == 50.0


def test_violations_name_the_hard_rules_a_finished_week_breaks():
    engine = SafeguardEngine(reference().rules, {"physical": {"age": 30}})
    broken = engine.violations(
        {"long_run_share_percent": 35.0, "easy_session_share_percent": 10.0},
        {"planned_volume_km": 40.0, "runs_per_week": 4},
    )
    assert [rule.safeguard_id for rule, _ in broken] == ["sg_long_run_share_30"]
    high = engine.violations(
        {"long_run_share_percent": 27.0}, {"planned_volume_km": 70.0, "runs_per_week": 5}
    )
    assert [rule.safeguard_id for rule, _ in high] == ["sg_long_run_share_25_high_volume"]
    # the longest of three runs is at least a third of the week: 35 % is allowed, 45 % is not
    three = {"planned_volume_km": 30.0, "runs_per_week": 3}
    assert engine.violations({"long_run_share_percent": 35.0}, three) == []
    assert [
        r.safeguard_id for r, _ in engine.violations({"long_run_share_percent": 45.0}, three)
    ] == ["sg_long_run_share_40_three_runs"]
