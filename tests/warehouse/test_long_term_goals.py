"""profile.yaml's goals.long_term_goals through the runner API and the profile loader."""

import datetime as dt

import pytest

from assets.profiles import apply_profiles
from tests.plan_runners import AS_OF
from warehouse.runners import RunnerAPI

PROFILE = """\
identity: {name: Ana}
goals:
  goal_type: race
  long_term_goals:
    - {distance: half_marathon, target_date: 2027-04-18, target_time: 5700, priority: 2}
    - {distance: marathon, target_date: 2029-05-20, target_time: 12600, priority: 1}
    - {distance: 42.2, target_date: 2027-10-10, target_time: 12600, priority: 1}
    - {distance: parkrun, target_date: 2027-02-06, priority: 3}
    - {distance: 10k, target_date: 2027-06-06, priority: 4}
"""
"""The second goal is 30 months after the plan date (2026-11-18); the fourth and fifth are
no race distance and no priority."""


@pytest.fixture
def api(con, monkeypatch):
    monkeypatch.setenv("CADENCE_PLAN_DATE", AS_OF.isoformat())  # the 24 months run from it
    return RunnerAPI(con)


def _raw(con, runner_id, text):
    con.execute("CREATE SCHEMA IF NOT EXISTS raw_profiles")
    con.execute(
        "CREATE TABLE IF NOT EXISTS raw_profiles.profiles "
        "(runner_id VARCHAR, source_file VARCHAR, profile_yaml VARCHAR)"
    )
    con.execute("DELETE FROM raw_profiles.profiles WHERE runner_id = ?", [runner_id])
    con.execute(
        "INSERT INTO raw_profiles.profiles VALUES (?, ?, ?)",
        [runner_id, f"{runner_id}/profile.yaml", text],
    )


def test_a_goal_30_months_out_is_quarantined_with_its_field_and_the_others_load(api, con):
    _raw(con, "ana", PROFILE)
    loaded = apply_profiles(con)
    reasons = {r.location: r.reason for r in loaded.rejections}
    assert set(reasons) == {
        "goals.long_term_goals[1].target_date",
        "goals.long_term_goals[3].distance",
        "goals.long_term_goals[4].priority",
    }
    assert (
        "more than 24 months after the plan date 2026-11-18"
        in reasons["goals.long_term_goals[1].target_date"]
    )
    stored = api.get_runner("ana")["goals"]["long_term_goals"]
    assert [(g["distance"], g["target_date"], g["priority"]) for g in stored] == [
        ("half_marathon", dt.date(2027, 4, 18), 2),
        ("42.2", dt.date(2027, 10, 10), 1),
    ]
    assert loaded.not_ready == {}  # the goals that loaded are enough for a plan
    quarantined = con.execute(
        "SELECT location FROM quarantine.rejected WHERE runner_id = 'ana' ORDER BY location"
    ).fetchall()
    assert [q for (q,) in quarantined] == sorted(reasons)


def test_a_new_list_replaces_the_old_one_and_single_goal_fields_still_load(api):
    runner_id = api.create_runner("user-1", "Ana", runner_id="ana")["runner_id"]
    first = [{"distance": "10k", "target_date": dt.date(2027, 3, 1), "priority": 1}]
    api.apply_profile(runner_id, {"goals": {"long_term_goals": first}})
    second = [{"distance": "5k", "target_date": dt.date(2027, 5, 1), "priority": 2}]
    applied = api.apply_profile(runner_id, {"goals": {"long_term_goals": second}})
    assert [g["distance"] for g in applied.runner["goals"]["long_term_goals"]] == ["5k"]
    single = {"goal_type": "race", "race_distance": 10, "race_date": dt.date(2027, 1, 10)}
    applied = api.apply_profile(runner_id, {"goals": single})
    assert applied.rejected == [] and applied.runner["goals"]["race_distance"] == 10
    not_a_list = api.apply_profile(runner_id, {"goals": {"long_term_goals": "marathon"}})
    assert [e.field for e in not_a_list.rejected] == ["goals.long_term_goals"]
