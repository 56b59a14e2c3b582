import datetime as dt
import itertools

import polars as pl
import pytest

from tests.plan_runners import AS_OF, NOW, reference, runner
from transforms.goal_checks import goal_distance_km, long_term_goal_problem, months_after
from transforms.plan_calendar import plan_start
from transforms.plan_inputs import plan_inputs
from transforms.plan_validation import validate_plan
from transforms.plans import generate_plan
from transforms.race_window import taper_days
from transforms.roadmaps import (
    build_roadmap,
    closing_taper_days,
    long_term_goals,
    mark_achieved,
    runner_for_block,
    runner_roadmap,
    weekly_increase_percent,
)
from transforms.safeguards import SafeguardEngine

HALF = {"distance": "half_marathon", "target_date": dt.date(2027, 4, 18), "target_time": 5700.0}
MARATHON = {"distance": "marathon", "target_date": dt.date(2027, 10, 10), "target_time": 12600.0}
TEN_K = {"distance": "10k", "target_date": dt.date(2028, 6, 25), "target_time": 2700.0}
"""Three goals over 19 months from the plan date (2026-11-18)."""


def with_goals(*goals, **runner_sections):
    return runner(goals={"long_term_goals": list(goals)}, **runner_sections)


def built(made):
    inputs = plan_inputs(made)
    engine = SafeguardEngine(reference().rules, inputs.context)
    roadmap = build_roadmap(made["runner_id"], long_term_goals(made), inputs, engine, AS_OF)
    assert roadmap is not None
    return roadmap, engine


def three_goals(half_priority=2, marathon_priority=1, ten_k_priority=2):
    return with_goals(
        HALF | {"priority": half_priority},
        MARATHON | {"priority": marathon_priority},
        TEN_K | {"priority": ten_k_priority},
    )


def runs(*days_km):
    """Running activities: (local day, km, seconds)."""
    return pl.DataFrame(
        {
            "activity_id": [f"run-{i}" for i in range(len(days_km))],
            "activity_type": ["running"] * len(days_km),
            "local_date": [d for d, _, _ in days_km],
            "distance_meters": [km * 1000 for _, km, _ in days_km],
            "moving_time_seconds": [float(s) for _, _, s in days_km],
            "duration_seconds": [float(s) for _, _, s in days_km],
            "start_time": [
                dt.datetime.combine(d, dt.time(7), tzinfo=dt.UTC) for d, _, _ in days_km
            ],
        },
        schema_overrides={"local_date": pl.Date},
    )


def test_three_goals_over_20_months_give_contiguous_phases_from_the_plan_week():
    roadmap, _ = built(three_goals())
    phases = roadmap.phases
    assert phases[0].start_date == plan_start(AS_OF) == dt.date(2026, 11, 16)
    for before, after in itertools.pairwise(phases):
        assert after.start_date == before.end_date + dt.timedelta(days=1)  # no gap, no overlap
    assert [p.phase_number for p in phases] == list(range(1, len(phases) + 1))
    # each goal day closes a taper phase; the A marathon's is longer than the B half's
    tapers = {p.end_date: p for p in phases if p.phase_name in ("Taper", "Mini-taper")}
    goal_days = [HALF["target_date"], MARATHON["target_date"], TEN_K["target_date"]]
    assert sorted(tapers) == goal_days
    assert tapers[MARATHON["target_date"]].phase_name == "Taper"
    assert tapers[MARATHON["target_date"]].days == taper_days(42.195) + 1 == 22
    assert tapers[HALF["target_date"]].phase_name == "Mini-taper"
    assert 4 <= tapers[HALF["target_date"]].days - 1 <= 7
    assert tapers[MARATHON["target_date"]].days > tapers[HALF["target_date"]].days
    # a recovery phase right after the A race, none after the B races
    after_marathon = next(p for p in phases if p.start_date > MARATHON["target_date"])
    assert after_marathon.phase_name == "Recovery"
    assert after_marathon.goal.distance_km == 42.195
    assert [p.phase_name for p in phases].count("Recovery") == 1
    assert phases[-1].end_date == TEN_K["target_date"]


def test_target_volumes_build_across_phases_within_the_weekly_increase_safeguard():
    roadmap, engine = built(three_goals())
    rise = 1 + weekly_increase_percent(engine) / 100
    assert rise == pytest.approx(1.10)
    volumes = [p.target_volume_km for p in roadmap.phases]
    start = plan_inputs(three_goals()).volume_before_km
    for before, phase in zip([start, *volumes[:-1]], roadmap.phases, strict=True):
        assert phase.target_volume_km <= before * rise ** (phase.days / 7) + 0.05
    peak = max(volumes)
    marathon_peak = next(
        p for p in roadmap.phases if p.phase_name == "Peak" and p.goal.priority == 1
    )
    assert marathon_peak.target_volume_km == peak > volumes[0] > start
    taper = next(p for p in roadmap.phases if p.phase_name == "Taper")
    assert taper.target_volume_km < 0.6 * peak  # the final week's safeguard


def test_past_injuries_slow_the_build_to_their_safeguard():
    low = three_goals()
    low["running"] = low["running"] | {"current_volume": 15.0}
    injured = low | {"health": {"past_injuries": ["shin_splints"]}}
    roadmap, engine = built(injured)
    assert weekly_increase_percent(engine) == 7
    healthy, _ = built(low)
    # 62 Base days with 2 lighter weeks: 62 / 7 - 2 weeks of growth from 15 km
    base = roadmap.phases[0]
    assert base.days == healthy.phases[0].days == 62
    assert healthy.phases[0].target_volume_km == pytest.approx(15 * 1.10 ** (62 / 7 - 2), abs=0.05)
    assert base.target_volume_km == pytest.approx(15 * 1.07 ** (62 / 7 - 2), abs=0.05)


def test_a_c_race_is_trained_through_and_a_b_race_follows_without_a_second_base():
    roadmap, _ = built(three_goals(half_priority=3, ten_k_priority=3))
    closing = {p.end_date: p for p in roadmap.phases}
    half = closing[HALF["target_date"]]
    assert half.phase_name == "Peak" and "trained through" in half.focus
    assert not [p for p in roadmap.phases if p.phase_name == "Mini-taper"]
    after_half = next(p for p in roadmap.phases if p.start_date > HALF["target_date"])
    assert after_half.phase_name == "Build"  # fitness carries over the C race


def test_taper_lengths_follow_priority_and_distance():
    goals = long_term_goals(three_goals(ten_k_priority=3))
    by_km = {g.distance_km: g for g in goals}
    assert closing_taper_days(by_km[42.195]) == 21  # A: the full taper by distance
    assert closing_taper_days(by_km[21.0975]) == 7  # B: 4-7 days
    assert closing_taper_days(by_km[10.0]) == 0  # C: none


def test_the_single_goal_fields_are_one_a_race():
    (goal,) = long_term_goals(runner())
    assert goal.priority == 1 and goal.distance_km == 21.0975
    assert goal.target_date == dt.date(2027, 3, 14) and goal.target_time_seconds == 6600
    assert goal.race_name == "Lisbon Half"


@pytest.mark.parametrize(
    ("given", "km"),
    [
        *[("5k", 5.0), ("ten_k", 10.0), ("half_marathon", 21.0975), ("Marathon", 42.195)],
        (15, 15.0),
        ("25.5", 25.5),
        ("30km", 30.0),
        ("parkrun", None),
        (True, None),
        (0, None),
    ],
)
def test_goal_distances_by_name_or_km(given, km):
    assert goal_distance_km(given) == km


def test_a_goal_30_months_out_is_rejected_and_24_months_is_not():
    far = {"distance": "marathon", "target_date": months_after(AS_OF, 30), "priority": 1}
    field, reason = long_term_goal_problem(far, AS_OF)
    assert field == "target_date" and "more than 24 months" in reason
    edge = far | {"target_date": months_after(AS_OF, 24)}
    assert long_term_goal_problem(edge, AS_OF) is None
    assert months_after(dt.date(2026, 2, 28), 24) == dt.date(2028, 2, 28)
    assert months_after(dt.date(2027, 8, 31), 6) == dt.date(2028, 2, 29)


def test_each_goal_gets_its_feasibility_from_current_fitness():
    made = three_goals()
    result = runner_roadmap(made, reference().rules, [], [], runs(), AS_OF, NOW)
    by_km = {g["distance_km"]: g for g in result.goals}
    assert {g["goal_status"] for g in result.goals} == {"current"}
    assert by_km[42.195]["feasibility"] == "ambitious"
    assert "needs VDOT 44.6" in by_km[42.195]["feasibility_reason"]
    # the same target is judged easier with more fitness, on the next run
    fitter = made | {"running": made["running"] | {"vdot": 46.0}}
    again = runner_roadmap(fitter, reference().rules, [], [], runs(), AS_OF, NOW)
    assert {g["distance_km"]: g for g in again.goals}[42.195]["feasibility"] == "achievable"


def long_run_milestone():
    made = three_goals()
    result = runner_roadmap(made, reference().rules, [], [], runs(), AS_OF, NOW)
    milestone = next(
        m
        for m in result.milestones
        if m["target_metric"] == "long_run_km" and m["target_value"] == 17.5
    )
    return result, milestone


def test_a_run_of_the_distance_before_the_date_achieves_the_long_run_milestone():
    result, milestone = long_run_milestone()
    assert milestone["milestone_name"] == "17.5 km long run" and not milestone["achieved"]
    phase = next(p for p in result.phases if p["phase_number"] == milestone["phase_number"])
    due = milestone["target_date"]
    ran = due - dt.timedelta(days=10)
    activities = runs(
        (phase["start_date"] - dt.timedelta(days=2), 25.0, 9000),  # before the phase
        (ran - dt.timedelta(days=7), 17.0, 6000),  # too short
        (ran, 17.5, 6300),
        (ran + dt.timedelta(days=3), 18.0, 6500),  # later: the first run counts
    )
    (marked,) = mark_achieved([milestone], result.phases, activities, due)
    assert marked["achieved"] and marked["achieved_date"] == ran
    assert marked["achieved_activity_id"] == "run-2"
    # a naive "longest run ever" would count the run before the phase
    (early,) = mark_achieved([milestone], result.phases, activities, ran - dt.timedelta(days=1))
    assert not early["achieved"] and early["achieved_date"] is None


def test_weekly_volume_and_time_trial_milestones_from_the_runs():
    result = runner_roadmap(three_goals(), reference().rules, [], [], runs(), AS_OF, NOW)
    first = [m for m in result.milestones if m["phase_number"] == 1]
    week = next(m for m in first if m["target_metric"] == "weekly_volume_km")
    monday = dt.date(2027, 1, 4)
    spread = [(monday + dt.timedelta(days=d), week["target_value"] / 4, 3600) for d in range(4)]
    split = [(monday - dt.timedelta(days=d), week["target_value"] / 2, 3600) for d in (1, 8)]
    (marked,) = mark_achieved(
        [week], result.phases, runs(*split, *spread), monday + dt.timedelta(6)
    )
    assert marked["achieved_date"] == monday + dt.timedelta(days=3)  # two weeks never summed
    trial = next(m for m in result.milestones if m["target_metric"] == "time_trial_seconds")
    assert trial["distance_km"] == 5.0
    day = trial["target_date"]
    slow = runs((day, 5.0, trial["target_value"] + 30))
    fast = runs((day, 5.0, trial["target_value"] - 5))
    assert not mark_achieved([trial], result.phases, slow, day)[0]["achieved"]
    assert mark_achieved([trial], result.phases, fast, day)[0]["achieved_date"] == day


def test_every_phase_has_milestones_and_every_goal_its_race():
    result = runner_roadmap(three_goals(), reference().rules, [], [], runs(), AS_OF, NOW)
    assert {m["phase_number"] for m in result.milestones} == {
        p["phase_number"] for p in result.phases
    }
    races = {m["target_date"] for m in result.milestones if m["target_metric"] == "race_seconds"}
    assert races == {HALF["target_date"], MARATHON["target_date"], TEN_K["target_date"]}
    ids = [m["milestone_id"] for m in result.milestones]
    assert len(ids) == len(set(ids))


def test_the_roadmap_stays_while_the_goals_do_and_editing_a_goal_regenerates_it():
    made = three_goals()
    rules = reference().rules
    first = runner_roadmap(made, rules, [], [], runs(), AS_OF, NOW)
    later = AS_OF + dt.timedelta(weeks=3)
    kept = runner_roadmap(made, rules, first.phases, first.milestones, runs(), later, NOW)
    assert kept.phases == first.phases  # the same phases, not rebuilt from three weeks on
    assert kept.phases[0]["start_date"] == plan_start(AS_OF)
    edited = three_goals() | {
        "goals": {"long_term_goals": [HALF | {"priority": 2}, MARATHON | {"target_time": 12000.0}]}
    }
    rebuilt = runner_roadmap(edited, rules, first.phases, first.milestones, runs(), later, NOW)
    assert rebuilt.phases[0]["roadmap_id"] != first.phases[0]["roadmap_id"]
    assert rebuilt.phases[0]["start_date"] == plan_start(later)
    assert rebuilt.phases[-1]["phase_name"] == "Recovery"  # the marathon is now the last goal
    assert {m["roadmap_id"] for m in rebuilt.milestones} == {rebuilt.phases[0]["roadmap_id"]}


def test_the_active_plan_is_the_current_block():
    made = three_goals()
    block = runner_for_block(made, AS_OF)
    assert block["goals"]["race_date"] == HALF["target_date"]
    assert block["goals"]["race_distance"] == 21.0975 and block["goals"]["target_time"] == 5700
    assert block["goals"]["long_term_goals"] == made["goals"]["long_term_goals"]
    after_half = runner_for_block(made, HALF["target_date"] + dt.timedelta(days=1))
    assert after_half["goals"]["race_date"] == MARATHON["target_date"]
    assert runner_for_block(runner(), AS_OF) == runner()  # one goal: unchanged


def test_the_plan_after_an_a_race_opens_with_the_rest_of_its_recovery_phase():
    marathon = MARATHON | {"target_date": AS_OF - dt.timedelta(weeks=2), "priority": 1}
    half = HALF | {"target_date": AS_OF + dt.timedelta(weeks=14), "priority": 2}
    made = with_goals(marathon, half)
    block = runner_for_block(made, AS_OF)
    # 26 easy days after a marathon (one a mile raced): the phase ends on Monday 30 November
    assert block["goals"]["recovery_until"] == dt.date(2026, 11, 30)
    generated = generate_plan(block, AS_OF, reference(), NOW)
    checked = validate_plan(generated.plan, generated.sessions, reference().rules, block)
    assert checked.status == "valid", (checked.errors, checked.repairs)
    plan = checked.plan
    phases = [(p["name"], p["start_week"], p["end_week"]) for p in plan["phases"]]
    assert phases[0] == ("Recovery", 1, 2)  # week 3 holds one day of it: Base starts there
    assert [name for name, _, _ in phases[1:]] == ["Base", "Build", "Peak", "Taper"]
    before = plan_inputs(block).volume_before_km  # 32 km the runner ran up to the race
    volumes = [w["planned_volume_km"] for w in plan["weekly_plan"]]
    assert volumes[:3] == [19.2, 25.6, 32.0]  # 60 %, 80 %, then back to the volume before
    assert before / 2 <= volumes[0] <= before * 2 / 3
    assert "kb_post_race_recovery" in {d["knowledge_id"] for d in plan["decisions"]}
    # it ends with the half's taper, the race on its day
    assert plan["end_date"] == plan_start(half["target_date"]) + dt.timedelta(days=6)
    race = [s for s in checked.sessions if s["session_type"] == "race"]
    assert [s["scheduled_date"] for s in race] == [half["target_date"]]
    # the naive block (the next race alone) starts from Base at the runner's full volume
    naive = generate_plan(
        {**block, "goals": {**block["goals"], "recovery_until": None}}, AS_OF, reference(), NOW
    ).plan
    assert naive["phases"][0]["name"] == "Base"
    assert naive["weekly_plan"][0]["planned_volume_km"] >= before


def _taper_of(block):
    """The plan's first day at taper volume before its race, counted in days before it."""
    generated = generate_plan(block, AS_OF, reference(), NOW)
    checked = validate_plan(generated.plan, generated.sessions, reference().rules, block)
    assert checked.status in ("valid", "repaired"), checked.errors
    taper = [p for p in checked.plan["phases"] if p["name"] == "Taper"]
    race_day = block["goals"]["race_date"]
    first = plan_start(AS_OF) + dt.timedelta(weeks=taper[0]["start_week"] - 1)
    return (race_day - first).days, checked.plan


def test_a_b_race_block_plans_a_mini_taper_and_a_c_race_is_trained_through():
    half = HALF | {"target_date": AS_OF + dt.timedelta(weeks=14)}
    as_a = runner_for_block(with_goals(half | {"priority": 1}, MARATHON), AS_OF)
    as_b = runner_for_block(with_goals(half | {"priority": 2}, MARATHON), AS_OF)
    assert as_a["goals"]["race_taper_days"] == taper_days(21.0975) == 14
    assert 4 <= as_b["goals"]["race_taper_days"] <= 7
    a_days, _ = _taper_of(as_a)
    b_days, b_plan = _taper_of(as_b)
    assert b_days < a_days  # the B race's taper phase opens later: its mini-taper is shorter
    assert b_plan["end_date"] == plan_start(half["target_date"]) + dt.timedelta(days=6)
    # a C race before the marathon is trained through: the block leads to the marathon
    as_c = runner_for_block(with_goals(half | {"priority": 3}, MARATHON), AS_OF)
    assert as_c["goals"]["race_date"] == MARATHON["target_date"]
