"""No plan without a runner: a profile.yaml that does not parse stops the plan and its FIT
files, while the runner's exports still load; the fixed profile brings the plan back."""

import datetime as dt

import pytest

from assets.run import materialize_home
from samples import write_sample_inbox
from warehouse.connection import open_warehouse
from warehouse.settings import CadenceHome

END = dt.date(2026, 11, 1)
BROKEN_PROFILE = "identity: {name: Ana\ngoals: [race\n"


def rows(home: CadenceHome, sql: str) -> list[tuple]:
    with open_warehouse(home.warehouse, read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture
def sample_home(tmp_path, monkeypatch) -> tuple[CadenceHome, str]:
    home = CadenceHome(tmp_path / "home").create()
    monkeypatch.setenv("CADENCE_HOME", str(home.root))
    monkeypatch.setenv("CADENCE_PLAN_DATE", END.isoformat())
    [runner] = write_sample_inbox(home.inbox, runners=1, days=10, seed=5, end_date=END)
    return home, runner.runner_id


def test_an_unreadable_profile_gets_no_plan_until_it_is_fixed(sample_home):
    home, runner_id = sample_home
    profile = home.inbox / runner_id / "profile.yaml"
    good = profile.read_text()
    profile.write_text(BROKEN_PROFILE)

    assert materialize_home(home).success
    [(ready, confirm)] = rows(
        home,
        "SELECT conversation_state.ready_for_plan, conversation_state.fields_to_confirm "
        "FROM coach.runners",
    )
    assert (ready, confirm) == (False, ["profile.yaml"])
    assert rows(home, "SELECT count(*) FROM plans.training_plans") == [(0,)]
    assert not list(home.exports.rglob("*.fit"))
    assert rows(home, "SELECT count(*) > 0 FROM terra.activities") == [(True,)]
    assert rows(home, "SELECT count(*) > 0 FROM coach.weekly_summaries") == [(True,)]
    [(location,)] = rows(
        home, "SELECT location FROM quarantine.rejected WHERE source_file LIKE '%profile.yaml'"
    )
    assert location.startswith("line ")

    profile.write_text(good)
    assert materialize_home(home).success
    assert rows(home, "SELECT conversation_state.ready_for_plan FROM coach.runners") == [(True,)]
    assert rows(home, "SELECT status FROM plans.training_plans") == [("active",)]
    assert list(home.exports.rglob("*.fit"))
