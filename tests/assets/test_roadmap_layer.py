"""The plan layer writes each runner's long-term goals, roadmap and milestones, and the
active plan is the roadmap's current block: regenerated when a goal changes."""

import datetime as dt
import itertools

import pytest
import yaml
from typer.testing import CliRunner

from assets.cli import app
from assets.run import materialize_home
from samples import write_sample_inbox
from warehouse.connection import open_warehouse

cli = CliRunner()
PLAN_DATE = dt.date(2026, 11, 4)
GOALS = [
    {"distance": "10k", "target_date": dt.date(2027, 2, 7), "target_time": 3000, "priority": 2},
    {"distance": "marathon", "target_date": dt.date(2027, 10, 10), "priority": 1},
    {"distance": "half_marathon", "target_date": dt.date(2028, 4, 16), "priority": 3},
]


@pytest.fixture
def goal_home(home, monkeypatch):
    monkeypatch.setenv("CADENCE_PLAN_DATE", PLAN_DATE.isoformat())
    [runner] = write_sample_inbox(home.inbox, runners=1, days=28, seed=3, end_date=PLAN_DATE)
    set_goals(home, runner.runner_id, GOALS)
    return home, runner.runner_id


def set_goals(home, runner_id, goals):
    path = home.inbox / runner_id / "profile.yaml"
    profile = yaml.safe_load(path.read_text())
    profile["goals"] = {"goal_type": "race", "long_term_goals": goals}
    path.write_text(yaml.safe_dump(profile, sort_keys=False))


def rows(home, sql):
    with open_warehouse(home.warehouse, read_only=True) as con:
        return con.execute(sql).fetchall()


def active_plan(home):
    return rows(
        home,
        "SELECT plan_id, end_date, input_hash FROM plans.training_plans WHERE status = 'active'",
    )


def test_goals_roadmap_milestones_and_the_current_block(goal_home):
    home, runner_id = goal_home
    assert materialize_home(home).success
    goals = rows(
        home, "SELECT target_date, priority, feasibility FROM coach.long_term_goals ORDER BY 1"
    )
    assert [(d, p) for d, p, _ in goals] == [(g["target_date"], g["priority"]) for g in GOALS]
    assert all(feasibility for _, _, feasibility in goals)
    phases = rows(
        home,
        "SELECT roadmap_id, phase_name, start_date, end_date FROM plans.roadmaps "
        "ORDER BY phase_number",
    )
    roadmap_id = phases[0][0]
    assert {p[0] for p in phases} == {roadmap_id}
    assert phases[0][2] == dt.date(2026, 11, 2)  # the plan week's Monday
    assert all(b[2] == a[3] + dt.timedelta(days=1) for a, b in itertools.pairwise(phases))
    assert rows(home, "SELECT count(DISTINCT phase_number) FROM plans.milestones") == [
        (len(phases),)
    ]
    # the active plan is the block leading to the first goal
    [(first_plan, first_end, first_key)] = active_plan(home)
    assert GOALS[0]["target_date"] <= first_end < GOALS[1]["target_date"]
    shown = cli.invoke(app, ["plan", "show", runner_id, "--roadmap"])
    assert shown.exit_code == 0, shown.output
    for words in ("Roadmap", "Goals", "Mini-taper", "Taper", "Recovery", "Milestones"):
        assert words in shown.output
    assert "km long run" in shown.output and "Marathon goal race" in shown.output
    assert (home.reports / runner_id / "plan_progression.png").stat().st_size > 0
    counts = "SELECT (SELECT count(*) FROM plans.roadmaps), (SELECT count(*) FROM plans.milestones)"
    before = rows(home, counts)

    assert materialize_home(home).success  # nothing changed: nothing added, nothing rebuilt
    assert rows(home, counts) == before
    assert rows(home, "SELECT DISTINCT roadmap_id FROM plans.roadmaps") == [(roadmap_id,)]
    assert active_plan(home) == [(first_plan, first_end, first_key)]

    set_goals(home, runner_id, [GOALS[0] | {"target_time": 2900}, *GOALS[1:]])
    assert materialize_home(home).success
    [(edited_roadmap,)] = rows(home, "SELECT DISTINCT roadmap_id FROM plans.roadmaps")
    assert edited_roadmap != roadmap_id
    assert rows(home, "SELECT DISTINCT roadmap_id FROM plans.milestones") == [(edited_roadmap,)]
    # the active plan is made again for the edited goals (same week, so the same plan id)
    [(_, edited_end, edited_key)] = active_plan(home)
    assert edited_key != first_key and edited_end == first_end
