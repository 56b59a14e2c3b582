"""Issue 11: the coach's rules every plan keeps, as properties over runners and as examples.

The checkers live in tests/plan_rules.py and recompute every figure from the session rows
(never with the generator's own measuring helpers); each returns readable violations.

| test | rule | checker | runners |
|---|---|---|---|
| test_the_race_is_on_race_day_whatever_the_weekday | 1 | race_day_violations | race |
| test_the_last_week_before_the_race_falls_from_the_peak | 1 | taper_volume_violations | race |
| test_no_key_session_or_long_run_just_before_the_race | 1 | race_eve_violations | race |
| test_the_long_run_is_the_longest_run_of_its_week | 2 | long_run_violations | coherent |
| test_week_one_starts_from_what_the_runner_runs | 3 | start_volume_violations | coherent |
| test_race_plans_of_eight_weeks_build_above_week_one | 3 | build_violations | race |
| test_a_lighter_week_is_20_to_30_percent_lighter | 3 | recovery_week_violations | coherent |
| test_weekly_figures_are_sums_of_their_sessions | 5 | weekly_row_violations | any |
| test_intensity_shares_are_measured_by_time | 5 | intensity_violations | any |
| test_session_time_and_distance_follow_their_segments | 5 | session_measure_violations | any |
| test_session_texts_name_only_what_the_structure_holds | 5 | session_text_violations | any |
| test_targets_are_ones_a_watch_can_follow | 6 | watch_target_violations | any |
| test_a_10k_on_a_tuesday, test_a_marathon_on_a_sunday | all | all | example |
| test_a_half_on_a_blocked_saturday, test_a_15k_without_pbs_in_pain | all | all | example |
| test_the_checkers_* | - | each checker on a hand-made plan | - |

Runners: `race` = race_runner_profiles() (coherent, race 3-30 weeks out on any weekday,
sometimes blocked, any distance), `coherent` = coherent_runner_profiles() (every goal),
`any` = runner_profiles() or a coherent one (rules 5 and 6 hold whatever the profile).
"""

import datetime as dt
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import plan_rules as rules
from tests.plan_runners import (
    AS_OF,
    NOW,
    coherent_runner_profiles,
    race_runner_profiles,
    reference,
    runner,
    runner_profiles,
)
from transforms.plans import generate_plan

RULE_SETTINGS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def _violations(check: rules.Checker, profile: dict[str, Any]) -> list[str]:
    made = generate_plan(profile, AS_OF, reference(), NOW)
    return check(made.plan, made.sessions, profile)


def _holds(check: rules.Checker, profile: dict[str, Any]) -> None:
    problems = _violations(check, profile)
    goals = profile.get("goals") or {}
    who = (
        f"{profile['runner_id']}: goal {goals.get('goal_type')} "
        f"{goals.get('race_distance')} km on {goals.get('race_date')}, "
        f"level {profile['running'].get('experience_level')}, "
        f"schedule {profile.get('schedule')}"
    )
    assert not problems, f"{check.__name__} ({len(problems)}) for {who}:\n" + "\n".join(
        problems[:12]
    )


ANY_RUNNER = st.one_of(runner_profiles(), coherent_runner_profiles())


# --- rule 1 ---------------------------------------------------------------------------------


@RULE_SETTINGS
@given(race_runner_profiles())
def test_the_race_is_on_race_day_whatever_the_weekday(profile):
    _holds(rules.race_day_violations, profile)


@RULE_SETTINGS
@given(race_runner_profiles())
def test_the_last_week_before_the_race_falls_from_the_peak(profile):
    _holds(rules.taper_volume_violations, profile)


@RULE_SETTINGS
@given(race_runner_profiles())
def test_no_key_session_or_long_run_just_before_the_race(profile):
    _holds(rules.race_eve_violations, profile)


# --- rule 2 ---------------------------------------------------------------------------------


@RULE_SETTINGS
@given(coherent_runner_profiles())
def test_the_long_run_is_the_longest_run_of_its_week(profile):
    _holds(rules.long_run_violations, profile)


# --- rule 3 ---------------------------------------------------------------------------------


@RULE_SETTINGS
@given(coherent_runner_profiles())
def test_week_one_starts_from_what_the_runner_runs(profile):
    _holds(rules.start_volume_violations, profile)


@RULE_SETTINGS
@given(race_runner_profiles())
def test_race_plans_of_eight_weeks_build_above_week_one(profile):
    _holds(rules.build_violations, profile)


@RULE_SETTINGS
@given(coherent_runner_profiles())
def test_a_lighter_week_is_20_to_30_percent_lighter(profile):
    _holds(rules.recovery_week_violations, profile)


# --- rule 5 ---------------------------------------------------------------------------------


@RULE_SETTINGS
@given(ANY_RUNNER)
def test_weekly_figures_are_sums_of_their_sessions(profile):
    _holds(rules.weekly_row_violations, profile)


@RULE_SETTINGS
@given(ANY_RUNNER)
def test_intensity_shares_are_measured_by_time(profile):
    _holds(rules.intensity_violations, profile)


@RULE_SETTINGS
@given(ANY_RUNNER)
def test_session_time_and_distance_follow_their_segments(profile):
    _holds(rules.session_measure_violations, profile)


@RULE_SETTINGS
@given(ANY_RUNNER)
def test_session_texts_name_only_what_the_structure_holds(profile):
    _holds(rules.session_text_violations, profile)


# --- rule 6 ---------------------------------------------------------------------------------


@RULE_SETTINGS
@given(ANY_RUNNER)
def test_targets_are_ones_a_watch_can_follow(profile):
    _holds(rules.watch_target_violations, profile)


# --- examples -------------------------------------------------------------------------------


def _all_hold(profile: dict[str, Any]) -> None:
    made = generate_plan(profile, AS_OF, reference(), NOW)
    found = rules.all_violations(made.plan, made.sessions, profile)
    assert not found, "\n".join(f"{k}: {v[:4]}" for k, v in found.items())


def test_a_10k_on_a_tuesday():
    """The issue's case: the week before a Tuesday 10K was the peak week."""
    _all_hold(
        runner(
            goals={
                "race_distance": 10.0,
                "race_date": dt.date(2027, 2, 9),
                "target_time": 3000.0,
                "race_name": "Tuesday 10K",
            }
        )
    )


def test_a_marathon_on_a_sunday():
    _all_hold(
        runner(
            running={"current_volume": 40.0, "runs_per_week": 5},
            goals={
                "race_distance": 42.195,
                "race_date": dt.date(2027, 4, 25),
                "target_time": 13500.0,
                "race_name": "Spring Marathon",
            },
            schedule={
                "available_days": 5,
                "preferred_days": ["tuesday", "wednesday", "thursday", "saturday", "sunday"],
            },
        )
    )


def test_a_half_on_a_blocked_saturday():
    _all_hold(
        runner(
            goals={"race_date": dt.date(2027, 3, 13)},
            schedule={"blocked_days": ["monday", "saturday"]},
        )
    )


def test_a_15k_without_pbs_in_pain():
    """No personal bests (VDOT from an all-out effort), a measured volume below the declared
    one and knee pain: week 1 starts from the lower, measured figure."""
    _all_hold(
        runner(
            running={
                "personal_bests": None,
                "vdot": 41.0,
                "vdot_source": "all-out effort (5 km on 2026-10-11)",
                "current_volume": 35.0,
                "actual_weekly_volume_km": 24.0,
            },
            goals={"race_distance": 15.0, "race_date": dt.date(2027, 2, 24), "target_time": None},
            health={
                "past_injuries": ["itbs"],
                "current_pain": {"has_pain": True, "severity": 3.0, "location": "knee"},
            },
        )
    )


def test_a_beginner_running_a_kilometre_a_week():
    """Almost no running and seven runs a week: week 1 starts at the 8 km minimum (not at a
    10 % rise on 1 km, which holds no run), in whole runs, and the 5K's taper falls from it."""
    _all_hold(
        runner(
            running={
                "experience_level": "beginner",
                "current_volume": None,
                "actual_weekly_volume_km": 1.0,
                "runs_per_week": 7,
            },
            goals={"race_distance": 5.0, "race_date": dt.date(2026, 12, 9), "target_time": None},
            schedule={"preferred_days": [], "blocked_days": []},
        )
    )


def test_one_run_a_week():
    """One run a week is a run, not a long run held to a share of itself (0 km)."""
    _all_hold(
        runner(
            running={"experience_level": "beginner", "current_volume": None, "runs_per_week": 1},
            goals={"goal_type": "base_building", "race_distance": None, "race_date": None},
            schedule={"preferred_days": ["monday"], "blocked_days": []},
        )
    )


# --- the checkers on hand-made plans (they must catch what they claim to) ------------------

PACES = {
    "vdot": 45.0,
    "easy_min_sec_per_km": 340,
    "easy_max_sec_per_km": 380,
    "marathon_sec_per_km": 300,
    "threshold_sec_per_km": 280,
    "interval_sec_per_km": 258,
    "repetition_sec_per_km": 240,
}
ZONES = [
    {"zone": i + 1, "name": f"z{i + 1}", "min_bpm": low, "max_bpm": low + 13.0}
    for i, low in enumerate((110.0, 123.0, 136.0, 149.0, 162.0))
]
START = dt.date(2026, 11, 16)


def _segment(kind: str, zone: str = "E", **fields: Any) -> dict[str, Any]:
    pace = {"E": (340, 380), "T": (277, 283), "I": (255, 261), "R": (237, 243)}.get(zone)
    return {
        "segment_index": 1,
        "segment_type": kind,
        "intensity_zone": zone,
        "pace_min_sec_per_km": pace[0] if pace else None,
        "pace_max_sec_per_km": pace[1] if pace else None,
        "hr_min_bpm": None,
        "hr_max_bpm": None,
        "description": None,
        **fields,
    }


def _session(date: dt.date, kind: str, km: float, **fields: Any) -> dict[str, Any]:
    steady = [_segment("steady", distance_km=km)]
    return {
        "scheduled_date": date,
        "week_number": (date - START).days // 7 + 1,
        "session_type": kind,
        "is_rest_day": kind == "rest",
        "is_key_session": kind not in ("easy", "recovery", "rest", "strides"),
        "distance_km": km,
        "duration_seconds": km * 360.0,
        "structure_segments": [] if kind == "rest" else steady,
        "description": None,
        "structure_display": None,
        "hr_zone": None,
        **fields,
    }


def _plan(**fields: Any) -> dict[str, Any]:
    return {
        "start_date": START,
        "target_paces": PACES,
        "hr_zones": ZONES,
        "weekly_plan": [],
        "decisions": [],
        **fields,
    }


def _race_runner(km: float, date: dt.date) -> dict[str, Any]:
    return runner(goals={"race_distance": km, "race_date": date})


def test_the_checkers_see_a_peak_week_in_the_last_seven_days_before_a_tuesday_10k():
    race = dt.date(2026, 12, 8)  # Tuesday of week 4
    sessions = [
        _session(START + dt.timedelta(days=d), "easy", km)
        for d, km in ((1, 6.0), (3, 6.0), (6, 10.0), (8, 7.0), (10, 7.0), (13, 12.0))
    ]
    # week 3 (Nov 30 - Dec 6) is the biggest week, wholly inside the 7 days before the race
    sessions += [_session(START + dt.timedelta(days=d), "easy", 9.0) for d in (15, 17, 19)]
    sessions += [_session(dt.date(2026, 12, 6), "long", 14.0)]
    sessions += [_session(race, "race", 12.0)]
    found = rules.taper_volume_violations(_plan(), sessions, _race_runner(10.0, race))
    assert found and "hold 41.0 km" in found[0] and "at most 70 %" in found[0]
    eve = rules.race_eve_violations(_plan(), sessions, _race_runner(10.0, race))
    assert any("a long run 2 day(s) before" in v for v in eve)
    moved = [s for s in sessions if s["session_type"] != "race"]
    assert (
        "race sessions: no day"
        in rules.race_day_violations(_plan(), moved, _race_runner(10.0, race))[0]
    )


def test_the_checkers_see_a_jog_the_text_gets_wrong_and_accept_the_right_one():
    repeat = _segment(
        "repeat",
        "I",
        segment_index=2,
        repetitions=5,
        distance_km=1.0,
        recovery_duration_seconds=90.0,
    )
    segments = [_segment("warmup", duration_seconds=900.0), repeat]
    seconds = 900 + 5 * (258 + 90)

    def session(text: str) -> dict[str, Any]:
        return _session(
            START,
            "interval",
            10.0,
            structure_segments=segments,
            structure_display=text,
            duration_seconds=float(seconds),
            distance_km=round(900 / 360 + 5 + 5 * 90 / 395, 2),
        )

    wrong = rules.session_text_violations(
        _plan(), [session("15 min warm-up -> 5 x 1 km (2 min jog)")], {}
    )
    assert len(wrong) == 1 and "'2 min'" in wrong[0]
    right = "15 min warm-up -> 5 x 1 km at 4:15-4:21/km (90 s jog; 1:30 jog), about 44 min"
    assert rules.session_text_violations(_plan(), [session(right)], {}) == []
    assert rules.session_measure_violations(_plan(), [session("")], {}) == []


def test_the_checkers_time_a_recovery_run_at_its_own_pace_and_want_pace_on_short_reps():
    slow = _segment("steady", distance_km=6.0, pace_min_sec_per_km=380, pace_max_sec_per_km=400)
    slow |= {"hr_min_bpm": 123.0, "hr_max_bpm": 136.0}
    recovery = _session(
        START, "recovery", 6.0, structure_segments=[slow], duration_seconds=6 * 360.0, hr_zone=1
    )
    timed = rules.session_measure_violations(_plan(), [recovery], {})
    assert timed and "2340-2340 s" in timed[0]
    zoned = rules.watch_target_violations(_plan(), [recovery], {})
    assert any("outside the named zone 1" in v for v in zoned)
    reps = _segment("repeat", "R", repetitions=8, distance_km=0.4, recovery_distance_km=0.4)
    reps |= {"hr_min_bpm": 162.0, "hr_max_bpm": 175.0}
    short = _session(START, "repetition", 7.0, structure_segments=[reps], hr_zone=5)
    found = rules.watch_target_violations(_plan(), [short], {})
    assert found == [
        f"{rules.where(short)} segment 1 (repeat R): heart-rate target on a 96 s effort "
        "(HR only on steady efforts of 10 min or more)"
    ]


def test_the_checkers_want_changes_against_the_previous_week_not_clamped():
    sessions = [
        _session(START, "easy", 20.0),
        _session(START + dt.timedelta(days=6), "long", 10.0),
        _session(START + dt.timedelta(days=7), "easy", 22.5),
    ]
    rows = [
        {"week_number": 1, "planned_volume_km": 30.0, "volume_change_percent": None},
        {"week_number": 2, "planned_volume_km": 22.5, "volume_change_percent": -25.0},
    ]
    for row, long_km in zip(rows, (10.0, 0.0), strict=True):
        row |= {"long_run_km": long_km, "session_count": None}
    assert rules.weekly_row_violations(_plan(weekly_plan=rows), sessions, {}) == []
    rows[1]["volume_change_percent"] = -100.0
    assert rules.weekly_row_violations(_plan(weekly_plan=rows), sessions, {}) == [
        "week 2: volume_change_percent -100.0, but 22.5 km after 30.0 km is -25.0 %"
    ]
