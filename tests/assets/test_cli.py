import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assets.cli import DEMO_MARKER, app

cli = CliRunner()


def run(*args: str):
    result = cli.invoke(app, list(args), catch_exceptions=False)
    return result


def test_init_creates_the_warehouse(home):
    assert run("init").exit_code == 0
    assert home.warehouse.exists()
    assert (home.root / "inbox").is_dir()


def test_runner_commands(home):
    created = run("runner", "create", "user-9", "Ana Sousa", "--runner-id", "ana")
    assert created.exit_code == 0, created.output
    updated = run("runner", "update", "ana", "physical.age=41", "schedule.blocked_days=[friday]")
    assert updated.exit_code == 0, updated.output
    shown = run("runner", "show", "ana", "--json")
    runner = json.loads(shown.output)
    assert runner["physical"]["age"] == 41
    assert runner["schedule"]["blocked_days"] == ["friday"]
    listed = run("runner", "list")
    assert "ana" in listed.output and "Ana Sousa" in listed.output


def _main(*args: str, env: dict, cwd: Path | None = None) -> subprocess.CompletedProcess:
    code = "from assets.cli import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=cwd,
        check=False,
    )


@pytest.fixture
def env(home, monkeypatch):
    import os

    return {**os.environ, "CADENCE_HOME": str(home.root), "COLUMNS": "200"}


def test_errors_are_one_sentence_not_a_traceback(env):
    missing = _main("runner", "show", "nobody", env=env)
    assert missing.returncode == 1
    assert "RUNNER_NOT_FOUND" in missing.stdout
    assert "Traceback" not in missing.stdout + missing.stderr
    _main("runner", "create", "u1", "Ana", "--runner-id", "ana", env=env)
    invalid = _main("runner", "update", "ana", "physical.age=400", env=env)
    assert invalid.returncode == 1
    assert "physical.age" in invalid.stdout
    assert "Traceback" not in invalid.stdout + invalid.stderr


def test_settings_come_from_a_dot_env_file_unless_already_set(env, home, tmp_path):
    project = tmp_path / "project"
    project.mkdir()
    (project / ".env").write_text(
        f"CADENCE_HOME={home.root}\nANTHROPIC_API_KEY=sk-from-dot-env\nCADENCE_LLM_CONCURRENCY=3\n"
    )
    env = {k: v for k, v in env.items() if k not in ("CADENCE_HOME", "ANTHROPIC_API_KEY")}
    env["CADENCE_LLM_CONCURRENCY"] = "2"
    _main("init", env=env, cwd=project)
    doctor = _main("doctor", env=env, cwd=project)
    assert str(home.root) in doctor.stdout and home.warehouse.exists()
    assert "ANTHROPIC_API_KEY set" in doctor.stdout
    assert "2 requests at a time" in doctor.stdout


def test_demo_builds_a_fresh_home_and_refuses_foreign_folders(home):
    result = run("demo", "--runners", "1", "--days", "14")
    assert result.exit_code == 0, result.output
    assert (home.root / DEMO_MARKER).exists()
    assert "coach" in result.output and "runners" in result.output
    assert "cadence ui" in result.output
    again = run("demo", "--runners", "1", "--days", "14")
    assert again.exit_code == 0, again.output
    (home.root / DEMO_MARKER).unlink()
    with pytest.raises(ValueError, match="not made by `cadence demo`"):
        run("demo", "--runners", "1", "--days", "14")


def test_doctor_says_what_to_fix(home, tmp_path, monkeypatch):
    monkeypatch.setenv("CADENCE_HOME", str(tmp_path / "nowhere"))
    missing = run("doctor")
    assert missing.exit_code == 1 and "cadence init" in missing.output
    monkeypatch.setenv("CADENCE_HOME", str(home.root))
    run("init")
    (home.inbox / "Bad Name").mkdir()
    ready = run("doctor")
    assert ready.exit_code == 0, ready.output
    assert "not a runner id" in ready.output and "templates" in ready.output
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    monkeypatch.setenv("CADENCE_LLM_CONCURRENCY", "2")
    assert "2 requests at a time" in run("doctor").output
    monkeypatch.setenv("CADENCE_LLM_CONCURRENCY", "many")
    wrong = run("doctor")
    assert wrong.exit_code == 1 and "CADENCE_LLM_CONCURRENCY must be a whole number" in wrong.output


def test_ingest_applies_profiles_and_names_a_bad_field(home):
    runner = home.inbox / "ana"
    runner.mkdir()
    (runner / "profile.yaml").write_text(
        "identity: {name: Ana, timezone: Europe/Lisbon}\nphysical: {age: 300}\n"
    )
    result = run("ingest")
    assert result.exit_code == 0, result.output
    assert "physical.age" in result.output
    shown = json.loads(run("runner", "show", "ana", "--json").output)
    assert shown["identity"]["name"] == "Ana" and (shown["physical"] or {}).get("age") is None
