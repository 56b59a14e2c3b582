import datetime as dt

import pytest

from transforms.goal_checks import (
    goal_status,
    past_race_notice,
    race_distance_km,
    target_time_problem,
)


@pytest.mark.parametrize(
    ("goals", "faster_than_anyone"),
    [
        ({"race_distance": 10, "target_time": 60}, True),  # the "needs VDOT 9905.5"
        ({"race_distance": 42.195, "target_time": 2 * 3600}, True),  # under the record
        ({"race_distance": 42.195, "target_time": 7299}, False),  # 2:01:39, VDOT 84.7
        ({"race_distance": 10, "target_time": 3000}, False),
        ({"race_distance_label": "half_marathon", "target_time": 3000}, True),
        ({"race_distance": 10}, False),
        ({"target_time": 60}, False),
    ],
)
def test_a_target_no_one_can_run_is_named(goals, faster_than_anyone):
    problem = target_time_problem(goals)
    assert (problem is not None) == faster_than_anyone
    if problem:
        assert "VDOT" in problem and "world record" in problem


def test_the_race_distance_comes_from_its_label_when_not_given():
    assert race_distance_km({"race_distance_label": "half_marathon"}) == 21.0975
    assert race_distance_km({"race_distance": 15, "race_distance_label": "ten_k"}) == 15
    assert race_distance_km({"race_distance_label": "backyard_ultra"}) is None


def test_a_race_before_the_plan_date_is_past_and_said_so():
    day = dt.date(2026, 12, 5)
    assert goal_status({"race_date": dt.date(2026, 12, 4)}, day) == "past"
    assert goal_status({"race_date": day}, day) == "current"
    assert goal_status({}, day) is None
    notice = past_race_notice({"race_date": dt.date(2026, 3, 1)}, day)
    assert notice is not None and "maintenance plan" in notice and "2026-03-01" in notice
    assert past_race_notice({"race_date": dt.date(2027, 3, 1)}, day) is None
