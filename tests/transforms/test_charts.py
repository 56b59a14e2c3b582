import datetime as dt
import struct

import pytest

from tests.plan_rows import daily_rows, plan_row
from tests.plan_runners import AS_OF, NOW, reference, runner
from tests.transforms.test_roadmaps import runs
from transforms.charts import plan_progression_chart, pmc_chart, snapshot_radar_chart
from transforms.roadmaps import runner_roadmap

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _size(png: bytes) -> tuple[int, int]:
    """Width and height from the IHDR chunk that follows the signature."""
    assert png[:8] == PNG_SIGNATURE
    assert png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


@pytest.fixture(scope="module")
def plan():
    return plan_row()


def test_pmc_chart_is_a_deterministic_png():
    daily = daily_rows("ana", 90)
    png = pmc_chart(daily, "PMC - Ana")
    assert _size(png) == (1000, 650)
    assert len(png) > 20_000
    assert pmc_chart(daily, "PMC - Ana") == png
    assert pmc_chart(daily.head(60), "PMC - Ana") != png


def test_pmc_chart_draws_a_single_day_but_refuses_no_fitness_data():
    assert _size(pmc_chart(daily_rows("ana", 1), "one day"))[0] == 1000
    with pytest.raises(ValueError, match="no daily summaries with CTL and ATL"):
        pmc_chart(daily_rows("ana", 30).head(0), "empty")
    with pytest.raises(ValueError, match="no daily summaries with CTL and ATL"):
        pmc_chart(daily_rows("ana", 30).with_columns(ctl=None), "no fitness yet")
    with pytest.raises(ValueError, match="needs the column"):
        pmc_chart(daily_rows("ana", 30).drop("tsb"), "no form")


def test_plan_progression_chart(plan):
    png = plan_progression_chart(plan["weekly_plan"], plan["name"], plan["race_date"])
    assert _size(png) == (1000, 550)
    assert plan_progression_chart(plan["weekly_plan"], plan["name"], plan["race_date"]) == png
    without_race = plan_progression_chart(plan["weekly_plan"], plan["name"])
    assert without_race != png
    flat = [{**w, "is_recovery_week": False} for w in plan["weekly_plan"]]
    assert plan_progression_chart(flat, plan["name"]) != without_race


def test_plan_progression_chart_tolerates_missing_intensity_but_needs_weeks(plan):
    sparse = [
        {"week_number": w["week_number"], "planned_volume_km": w["planned_volume_km"]}
        for w in plan["weekly_plan"]
    ]
    assert _size(plan_progression_chart(sparse, "volume only"))[1] == 550
    with pytest.raises(ValueError, match="no weeks"):
        plan_progression_chart([], "empty plan")


def test_snapshot_radar_chart(plan):
    snapshot = plan["runner_snapshot"]
    png = snapshot_radar_chart(snapshot, "Snapshot - Ana")
    assert _size(png) == (800, 750)
    assert snapshot_radar_chart(snapshot, "Snapshot - Ana") == png
    certain = {
        name: {**axis, "uncertain": False} if isinstance(axis, dict) and "score" in axis else axis
        for name, axis in snapshot.items()
    }
    assert snapshot_radar_chart(certain, "Snapshot - Ana") != png


def test_snapshot_radar_chart_marks_missing_axes_and_refuses_an_empty_snapshot(plan):
    partial = {"endurance": plan["runner_snapshot"]["endurance"], "speed": None}
    assert _size(snapshot_radar_chart(partial, "partial"))[0] == 800
    with pytest.raises(ValueError, match="no scores"):
        snapshot_radar_chart({}, "empty")


def test_the_radar_draws_strengths_only_and_writes_risk_and_readiness_apart(plan):
    from transforms.charts import RADAR_AXES, _apart

    assert [field for field, _ in RADAR_AXES] == ["endurance", "speed", "recovery", "consistency"]
    snapshot = plan["runner_snapshot"]
    assert _apart(snapshot, has_race=True) == (
        "Injury risk 35/100 (lower is better); race readiness 48/100"
    )
    assert _apart(snapshot, has_race=False) == (
        "Injury risk 35/100 (lower is better); no race set, so no race readiness"
    )
    with_race = snapshot_radar_chart(snapshot, "Snapshot - Ana")
    assert snapshot_radar_chart(snapshot, "Snapshot - Ana", has_race=False) != with_race
    riskier = {**snapshot, "injury_risk": {**snapshot["injury_risk"], "score": 90.0}}
    assert snapshot_radar_chart(riskier, "Snapshot - Ana") != with_race


def test_plan_progression_chart_shows_the_roadmap_above_the_plan(plan):
    goals = [
        {"distance": "10k", "target_date": dt.date(2027, 2, 7), "priority": 2},
        {"distance": "marathon", "target_date": dt.date(2027, 10, 10), "priority": 1},
    ]
    made = runner(goals={"long_term_goals": goals})
    done = runs((dt.date(2026, 11, 17), 8.0, 2700))
    result = runner_roadmap(made, reference().rules, [], [], done, AS_OF, NOW)
    base = plan_progression_chart(plan["weekly_plan"], plan["name"], plan["race_date"])
    png = plan_progression_chart(
        plan["weekly_plan"], plan["name"], plan["race_date"], result.phases, result.milestones
    )
    assert _size(png) == (1000, 850)  # a roadmap panel above the plan's weeks
    assert png != base
    achieved = [{**m, "achieved": True, "achieved_date": AS_OF} for m in result.milestones[:2]]
    marked = plan_progression_chart(
        plan["weekly_plan"], plan["name"], plan["race_date"], result.phases, achieved
    )
    assert marked != png
