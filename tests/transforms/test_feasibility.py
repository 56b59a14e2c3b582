import pytest

from transforms.feasibility import expected_vdot_gain, goal_feasibility
from transforms.physiology import race_seconds


def judge(target_seconds, weeks=16, vdot=45.0, race_km=10.0):
    return goal_feasibility("race", "race", race_km, target_seconds, weeks, 1, vdot)


def test_a_target_at_current_fitness_is_achievable():
    predicted = race_seconds(45.0, 10_000)
    result = judge(predicted)
    assert result.verdict == "achievable"
    assert result.predicted_seconds == pytest.approx(predicted)
    assert "VDOT 45.0" in result.reason


@pytest.mark.parametrize(
    ("vdot_gap", "verdict"),
    [(2.0, "achievable"), (4.5, "ambitious"), (8.0, "unlikely"), (15.0, "needs_adjustment")],
)
def test_the_verdict_grows_with_the_vdot_the_target_needs(vdot_gap, verdict):
    # 16 weeks allow about 3.4 VDOT points
    result = judge(race_seconds(45.0 + vdot_gap, 10_000))
    assert result.verdict == verdict
    assert result.unrealistic is (verdict in ("unlikely", "needs_adjustment"))


def test_too_little_time_makes_a_stretch_ambitious():
    assert judge(race_seconds(45.3, 10_000), weeks=3).verdict == "ambitious"


def test_fit_runners_gain_less():
    assert expected_vdot_gain(16, 65.0) == pytest.approx(expected_vdot_gain(16, 45.0) / 2)


def test_goals_without_a_race_or_date():
    assert goal_feasibility("general_health", "general_health", None, None, 8, 0, 40).verdict == (
        "achievable"
    )
    missed = goal_feasibility("race", "base_building", 10.0, 3000, 12, 0, 40)
    assert missed.verdict == "needs_adjustment" and "race date" in missed.reason
