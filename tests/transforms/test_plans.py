import datetime as dt
import itertools

import polars as pl
import pytest

from tests.plan_runners import AS_OF, NOW, reference, runner
from transforms.physiology import training_paces
from transforms.plan_calendar import phase_layout, taper_weeks
from transforms.plans import Replan, apply_replan, generate_plan, plan_key, replan
from transforms.race_window import RaceWindow, taper_days
from warehouse.vocabulary import HARD_SESSION_TYPES, WEEKDAYS


def plan_for(**sections):
    return generate_plan(runner(**sections), AS_OF, reference(), NOW)


def weeks_of(sessions):
    by_week = {}
    for s in sessions:
        by_week.setdefault(s["week_number"], []).append(s)
    return by_week


def test_the_same_runner_and_date_give_the_same_plan():
    first, second = plan_for(), plan_for()
    assert first.plan == second.plan
    assert first.sessions == second.sessions


def test_a_half_marathon_plan_is_periodized_toward_race_day():
    made = plan_for()
    plan = made.plan
    assert plan["start_date"] == dt.date(2026, 11, 16)
    assert plan["total_weeks"] == 17
    assert [p["name"] for p in plan["phases"]] == ["Base", "Build", "Peak", "Taper"]
    assert plan["phases"][-1]["end_week"] - plan["phases"][-1]["start_week"] + 1 == 2
    race = [s for s in made.sessions if s["session_type"] == "race"]
    assert [s["scheduled_date"] for s in race] == [dt.date(2027, 3, 14)]
    assert race[0]["distance_km"] > 21
    assert all(
        s["is_rest_day"] for s in made.sessions if s["scheduled_date"] > race[0]["scheduled_date"]
    )


@pytest.mark.parametrize(
    ("race_km", "days", "weeks"), [(5, 10, 2), (10, 10, 2), (21.1, 14, 2), (42.2, 21, 3)]
)
def test_taper_length_follows_the_race_distance(race_km, days, weeks):
    """Counted back from a Sunday race: 10 days reach 4 days into the week before, 14 days
    only 1 day into the week before that (not a taper week), 21 days all of it."""
    assert taper_days(race_km) == days
    race = RaceWindow(dt.date(2027, 3, 14), race_km, days, 0.6, 2, 7)
    assert taper_weeks(race, dt.date(2026, 11, 16), 17) == weeks


def test_phase_layouts_cover_every_week_once():
    for goal in ("race", "speed", "base_building", "return_to_fitness", "general_health"):
        for weeks in range(1, 30):
            taper = min(2, weeks - 1) if goal == "race" and weeks > 1 else int(goal == "race")
            phases = phase_layout(goal, weeks, taper, restart=True)
            covered = [w for p in phases for w in range(p.start_week, p.end_week + 1)]
            assert covered == list(range(1, weeks + 1)), (goal, weeks)


def test_sessions_respect_the_schedule():
    made = plan_for()
    allowed = {"tuesday", "thursday", "saturday", "sunday"}
    runs = [s for s in made.sessions if not s["is_rest_day"]]
    assert {s["day_of_week"] for s in runs} <= allowed
    race = made.plan["race_date"]
    # the long run keeps its day, but moves earlier in the taper to stay 11+ days from the race
    assert all(
        s["day_of_week"] == "sunday" or (race - s["scheduled_date"]).days <= 17
        for s in runs
        if s["session_type"] == "long"
    )
    assert all((race - s["scheduled_date"]).days > 10 for s in runs if s["session_type"] == "long")
    for week in weeks_of(made.sessions).values():
        assert sum(1 for s in week if s["is_rest_day"]) >= 1


def test_hard_days_are_never_consecutive():
    made = plan_for(
        schedule={"preferred_days": list(WEEKDAYS), "blocked_days": [], "available_days": 7},
        running={"runs_per_week": 6, "experience_level": "advanced"},
    )
    spaced = sorted(
        s["scheduled_date"]
        for s in made.sessions
        if s["session_type"] in (*HARD_SESSION_TYPES, "long")
    )
    assert all((b - a).days > 1 for a, b in itertools.pairwise(spaced))


def test_volume_rises_at_most_seven_percent_after_injuries_and_resets_after_recovery_weeks():
    made = plan_for(health={"past_injuries": ["plantar_fasciitis"]})
    weeks = made.plan["weekly_plan"]
    last_full = 32.0
    for week in weeks:
        race = sum(
            s["distance_km"]
            for s in made.sessions
            if s["week_number"] == week["week_number"] and s["session_type"] == "race"
        )
        training = week["planned_volume_km"] - race
        if week["is_recovery_week"] or week["phase"] == "Taper":
            assert training < last_full
            continue
        assert training <= last_full * 1.07 + 0.1
        last_full = training
    assert any(w["is_recovery_week"] for w in weeks)
    applied = {a["safeguard_id"] for a in made.plan["safeguard_applications"] if a["applied"]}
    assert "sg_volume_increase_injury_7" in applied


def test_paces_come_from_the_runners_vdot():
    made = plan_for(running={"vdot": 50.0})
    paces = training_paces(50.0)
    target = made.plan["target_paces"]
    assert target["threshold_sec_per_km"] == round(paces.threshold)
    assert target["easy_min_sec_per_km"] == round(paces.easy_fast)
    tempo = next(s for s in made.sessions if s["session_type"] == "tempo")
    work = next(seg for seg in tempo["structure_segments"] if seg["segment_type"] == "work")
    assert work["pace_min_sec_per_km"] <= paces.threshold <= work["pace_max_sec_per_km"]
    low, high = int(work["pace_min_sec_per_km"]), int(work["pace_max_sec_per_km"])
    assert tempo["pace_display"] == f"{low // 60}:{low % 60:02d}-{high // 60}:{high % 60:02d}/km"
    assert tempo["effort_display"] == "7/10"


def test_pain_removes_every_hard_session_and_says_so():
    made = plan_for(health={"current_pain": {"has_pain": True, "severity": 6, "location": "knee"}})
    assert not [
        s
        for s in made.sessions
        if s["session_type"] in HARD_SESSION_TYPES and s["session_type"] != "race"
    ]
    risks = made.plan["season_view"]["identified_risks"]
    assert any(r["severity"] == "critical" and "pain" in r["risk"].lower() for r in risks)


def test_masters_runners_get_at_most_two_hard_sessions_two_easier_days_apart():
    made = plan_for(
        physical={"age": 58},
        schedule={"preferred_days": list(WEEKDAYS), "blocked_days": [], "available_days": 7},
        running={"runs_per_week": 6, "experience_level": "elite"},
    )
    for week in weeks_of(made.sessions).values():
        hard = sorted(
            WEEKDAYS.index(s["day_of_week"])
            for s in week
            if s["session_type"] in HARD_SESSION_TYPES and s["session_type"] != "race"
        )
        assert len(hard) <= 2
        if len(hard) == 2:
            gap = hard[1] - hard[0] - 1
            assert min(gap, 7 - gap - 2) >= 2


def test_every_plan_field_is_explained():
    made = plan_for()
    plan = made.plan
    season = plan["season_view"]
    assert season["coach_summary"] and season["periodization_justification"]
    assert season["key_milestones"] and season["identified_risks"] and season["expected_outcomes"]
    assert all(w["notes"] and w["focus"] and w["warning_signals"] for w in plan["weekly_plan"])
    axes = ("endurance", "speed", "recovery", "consistency", "injury_risk", "race_ready")
    assert all(0 <= plan["runner_snapshot"][a]["score"] <= 100 for a in axes)
    assert plan["runner_snapshot"]["recovery"]["uncertain"]  # no readiness data
    knowledge = set(reference().knowledge)
    assert {d["knowledge_id"] for d in plan["decisions"]} <= knowledge
    for s in made.sessions:
        assert set(s["related_knowledge_ids"]) <= knowledge
        assert s["justification"] and s["placement_rationale"] and s["key_points"]
    intervals = next(s for s in made.sessions if s["session_type"] == "interval")
    repeat = next(seg for seg in intervals["structure_segments"] if seg["segment_type"] == "repeat")
    assert repeat["repetitions"] >= 1 and repeat["recovery_duration_seconds"]
    assert " x " in intervals["structure_display"] and "->" in intervals["structure_display"]


def test_goals_without_a_race_stay_in_base_or_maintenance():
    general = plan_for(goals={"goal_type": "general_health"})
    assert {p["name"] for p in general.plan["phases"]} == {"Maintenance"}
    assert general.plan["goal_feasibility"] == "achievable"
    comeback = plan_for(goals={"goal_type": "return_to_fitness"})
    assert [p["name"] for p in comeback.plan["phases"]] == ["Recovery", "Base"]
    passed = plan_for(goals={"race_date": dt.date(2026, 10, 1)})
    assert passed.plan["goal_feasibility"] == "needs_adjustment"
    assert "passed" in passed.plan["goal_feasibility_reason"]
    assert {p["name"] for p in passed.plan["phases"]} == {"Maintenance"}  # not a build-up


def test_a_race_named_by_its_label_is_planned_for_its_distance():
    made = plan_for(goals={"race_distance": None, "race_distance_label": "ten_k"})
    assert made.plan["race_distance_km"] == 10.0
    assert [p["name"] for p in made.plan["phases"]][-1] == "Taper"


def test_a_runner_not_ready_gets_no_plan_and_loses_the_one_they_had():
    ana = runner()
    made = generate_plan(ana, AS_OF, reference(), NOW)
    plans = pl.DataFrame([{**made.plan, "status": "active"}])
    blocked = {"ready_for_plan": False, "fields_to_confirm": ["schedule.blocked_days"]}
    not_ready = runner(conversation_state=blocked)
    assert replan([not_ready], plans.head(0), AS_OF, reference()) == Replan((), {})
    decision = replan([not_ready], plans, AS_OF, reference())
    assert decision == Replan((), {made.plan["plan_id"]: "abandoned"})
    fixed = runner(conversation_state={"ready_for_plan": True, "fields_to_confirm": []})
    assert replan([fixed], plans.head(0), AS_OF, reference()).generate == ("ana",)


def test_replanning_only_when_the_plan_shaping_facts_change():
    ana = runner()
    made = generate_plan(ana, AS_OF, reference(), NOW)
    plans = pl.DataFrame([{**made.plan, "status": "active"}])
    assert replan([ana], plans, AS_OF, reference()).generate == ()
    fitter = runner(current_state={"chronic_training_load": 70.0})
    assert replan([fitter], plans, AS_OF, reference()).generate == ()  # new data: keep going
    moved = runner(goals={"race_date": dt.date(2027, 4, 11)})
    decision = replan([moved], plans, AS_OF, reference())
    assert decision.generate == ("ana",)
    assert decision.retire == {made.plan["plan_id"]: "abandoned"}
    after = replan([ana], plans, dt.date(2027, 3, 20), reference())
    assert after.retire == {made.plan["plan_id"]: "completed"}
    assert plan_key(ana, reference()) != plan_key(moved, reference())


def test_apply_replan_sets_statuses_and_current_week():
    made = generate_plan(runner(), AS_OF, reference(), NOW)
    plans = pl.DataFrame([{**made.plan, "status": "active"}])
    fresh = plans.head(0)
    updated = apply_replan(
        plans, fresh, {made.plan["plan_id"]: "abandoned"}, dt.date(2026, 12, 2), NOW
    )
    assert updated["status"].to_list() == ["abandoned"]
    assert updated["current_week"].to_list() == [3]


def test_a_plan_made_again_in_its_first_week_replaces_the_old_one_and_stays_active():
    """A goal edited in the plan's first week makes a plan with the same id: retiring the old
    plan must not retire the new one, or the runner is left without an active plan."""
    made = generate_plan(runner(), AS_OF, reference(), NOW)
    plans = pl.DataFrame([{**made.plan, "status": "active"}])
    edited = generate_plan(runner(goals={"target_time": 6500.0}), AS_OF, reference(), NOW)
    assert edited.plan["plan_id"] == made.plan["plan_id"]
    fresh = pl.DataFrame([{**edited.plan, "status": "active"}])
    updated = apply_replan(plans, fresh, {made.plan["plan_id"]: "abandoned"}, AS_OF, NOW)
    assert updated["status"].to_list() == ["active"]
    assert updated["input_hash"].to_list() == [edited.plan["input_hash"]]


@pytest.mark.parametrize(
    "sections",
    [
        {},
        {"schedule": {"max_session_minutes": 120.0}, "running": {"experience_level": "casual"}},
        {"physical": {"age": 62}, "goals": {"race_distance": 10.0}},
        {"running": {"experience_level": "beginner", "current_volume": 12.0, "runs_per_week": 3}},
    ],
)
def test_full_weeks_never_fall_below_the_last_full_week(sections):
    """Cuts a safeguard makes inside a week are given back to easy running, so volume does
    not drift down week after week (a week's structure can hold a little less than the
    last: quality sessions change size through a phase)."""
    weeks = plan_for(**sections).plan["weekly_plan"]
    full = [
        w["planned_volume_km"] for w in weeks if not w["is_recovery_week"] and w["phase"] != "Taper"
    ]
    assert all(b >= 0.9 * a for a, b in itertools.pairwise(full)), full
    assert full[-1] > full[0]


@pytest.mark.parametrize(
    ("level", "planned_as"),
    [("returning", "beginner"), ("serious", "intermediate"), ("competitive", "advanced")],
)
def test_the_seeds_own_levels_are_planned_at_a_training_level(level, planned_as):
    said = plan_for(running={"experience_level": level}, coaching={"coaching_voice": "tough_love"})
    trained = plan_for(running={"experience_level": planned_as})
    assert [s["session_type"] for s in said.sessions] == [
        s["session_type"] for s in trained.sessions
    ]
    assert [s["distance_km"] for s in said.sessions] == [s["distance_km"] for s in trained.sessions]
    voice = said.plan["season_view"]["coach_summary"]  # the words are in their voice
    assert voice != trained.plan["season_view"]["coach_summary"]


def test_a_runner_returning_after_a_break_gets_one_hard_session_a_week_as_a_beginner_does():
    sessions = plan_for(running={"experience_level": "returning"}).sessions
    for week in weeks_of(sessions).values():
        assert sum(s["session_type"] in HARD_SESSION_TYPES for s in week) <= 1


def test_a_plan_held_by_the_schedule_says_so_and_names_no_peak_week():
    """Three runs of at most 75 minutes hold less than the runner already runs: the season
    holds its volume, and its summary says what holds it instead of "a peak of" week 1."""
    plan = plan_for(
        running={"current_volume": 40.0, "runs_per_week": 3},
        schedule={"available_days": 3, "max_session_minutes": 75.0},
        goals={"goal_type": "general_health", "race_date": None, "race_distance": None},
    ).plan["season_view"]
    summary = plan["coach_summary"]
    assert "Volume holds at about" in summary and "a peak of" not in summary
    assert "3 runs of at most 75 minutes" in summary
    assert not [m for m in plan["key_milestones"] if m["description"].startswith("Peak week")]


def test_a_plan_that_builds_names_its_peak_week():
    plan = plan_for().plan
    season = plan["season_view"]
    assert "a peak of" in season["coach_summary"]
    peak = max(plan["weekly_plan"], key=lambda w: w["planned_volume_km"])
    assert any(
        m["description"] == f"Peak week: {peak['planned_volume_km']:.1f} km"
        for m in season["key_milestones"]
    )
