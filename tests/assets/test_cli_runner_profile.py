"""What the CLI says about a runner's profile: a value it cannot read or cannot believe is one
sentence naming the field; a runner without a plan is told why wherever they look."""

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from assets.cli import app
from warehouse.runners import ValidationError

cli = CliRunner()


def main(home, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CADENCE_HOME": str(home.root), "COLUMNS": "300"}
    return subprocess.run(
        [sys.executable, "-c", "from assets.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


@pytest.fixture
def ana(home, monkeypatch):
    monkeypatch.setenv("CADENCE_PLAN_DATE", "2026-12-05")
    assert cli.invoke(app, ["runner", "create", "u1", "Ana", "--runner-id", "ana"]).exit_code == 0
    return home


@pytest.mark.parametrize("assignment", ["physical.age=[1,2", "identity.name=: bad"])
def test_a_value_yaml_cannot_read_is_one_sentence(ana, assignment):
    done = main(ana, "runner", "update", "ana", assignment)
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    [line] = done.stdout.strip().splitlines()
    assert line.startswith("Error: ") and assignment.split("=")[0] in line


@pytest.mark.parametrize(
    ("assignments", "field", "words"),
    [
        (["identity.timezone=Mars/Olympus"], "identity.timezone", "IANA timezone"),
        (["goals.race_distance=10", "goals.target_time=60"], "goals.target_time", "VDOT"),
        (["physical.age=400"], "physical.age", "<= 100"),
        (["schedule.blocked_days=[monday, blursday]"], "schedule.blocked_days[1]", "monday"),
    ],
)
def test_an_impossible_value_is_refused_with_its_field(ana, assignments, field, words):
    result = cli.invoke(app, ["runner", "update", "ana", *assignments])
    assert result.exit_code == 1
    assert isinstance(result.exception, ValidationError)
    assert result.exception.field == field and words in str(result.exception)


def test_a_past_race_is_kept_and_the_runner_told(ana):
    result = cli.invoke(
        app,
        ["runner", "update", "ana", "goals.goal_type=race", "goals.race_date=2026-03-01"],
    )
    assert result.exit_code == 0, result.output
    assert "kept as past" in result.output and "maintenance plan" in result.output


def test_ingest_and_runner_list_say_why_there_is_no_plan(home):
    folder = home.inbox / "ana"
    folder.mkdir(parents=True)
    (folder / "profile.yaml").write_text("identity: {name: Ana}\nphysical: {age: 400}\n")
    ingested = cli.invoke(app, ["ingest"])
    assert ingested.exit_code == 0, ingested.output
    sentence = "no plan until physical.age is fixed"
    assert f"ana has {sentence}" in " ".join(ingested.output.split())
    listed = main(home, "runner", "list")
    assert listed.returncode == 0 and sentence in listed.stdout
