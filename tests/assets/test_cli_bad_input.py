"""Every `cadence` command given bad input says why in one sentence and exits non-zero,
never with a traceback: in-process through `main()` for the many cases, and through the real
console script for the issue's own cases."""

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer

from assets import cli
from tests.assets.test_failure_text import same_instant_samples
from warehouse.connection import open_warehouse
from warehouse.runners import RunnerAPI
from warehouse.settings import CadenceHome

CADENCE = Path(sys.executable).with_name("cadence")
USAGE_ERROR = 2
"""click's exit code for a bad option or argument (its own one-sentence box)."""


class Execed(BaseException):
    """`cadence ui` replaced the process: a BaseException, so `main()` cannot swallow it."""


@pytest.fixture(autouse=True)
def never_exec(monkeypatch):
    """No test here may become `dagster dev`: exec'ing would replace pytest itself. What the
    commands change in this process (DAGSTER_HOME, the current folder) is undone after."""

    def execvp(file: str, args: list[str]) -> None:
        raise Execed(args)

    monkeypatch.setattr(os, "execvp", execvp)
    monkeypatch.setenv("DAGSTER_HOME", os.environ.get("DAGSTER_HOME", "set by a command"))
    monkeypatch.chdir(os.getcwd())


@pytest.fixture
def ana(home):
    with open_warehouse(home.warehouse) as con:
        RunnerAPI(con).create_runner("user-1", "Ana", runner_id="ana")
    return home


@pytest.fixture
def held_port() -> Iterator[int]:
    """A free port with a real listening socket on it, as another server would hold it."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


def cadence(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    """Run `cadence ARGS` through `main()`, as the console script does: (exit code, output)."""
    monkeypatch.setattr(sys, "argv", ["cadence", *args])
    with pytest.raises(SystemExit) as exited:
        cli.main()
    captured = capsys.readouterr()
    return int(exited.value.code or 0), captured.out + captured.err


def words(output: str) -> str:
    """The output's words, without the boxes click draws around a usage error."""
    return " ".join(output.translate({ord(c): " " for c in "│╭╮╰╯─"}).split())


def assert_says_why(code: int, output: str, expected: str) -> None:
    assert code != 0, output
    assert "Traceback" not in output and 'File "' not in output, output
    assert expected in words(output), output
    if code != USAGE_ERROR:  # main's own error: exactly one line
        lines = [line for line in output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("Error: "), output


IN_A_HOME = [
    (("runner", "create", "user-1", "Ana", "--runner-id", "Bad Id"), "is not a valid runner id"),
    (("runner", "create", "user-1", "Ana", "--runner-id", "ana"), "runner 'ana' already exists"),
    (("runner", "create", "", ""), "user_id: must be a non-empty text"),
    (("runner", "show", "nobody"), "no runner with runner_id 'nobody'"),
    (("runner", "show", "ana", "--yaml"), "No such option: --yaml"),
    (("runner", "update", "nobody", "physical.age=41"), "no runner with runner_id 'nobody'"),
    (("runner", "update", "ana", "physical.age=[1,2"), "physical.age: '[1,2' is not a YAML value"),
    (("runner", "update", "ana", "identity.name=: bad"), "identity.name: ': bad' is not a YAML"),
    (("runner", "update", "ana", "goals.race_date=2026-13-45"), "is not a valid value"),
    (("runner", "update", "ana", "physical.age"), "is not of the form section.field=value"),
    (("runner", "update", "ana", "physical.age=abc"), "physical.age: must be a whole number"),
    (("runner", "update", "ana", "fitness.vo2=50"), "fitness: is not a section of the runner"),
    (("runner", "update", "ana"), "Missing argument"),
    (("runner", "list", "extra"), "Got unexpected extra argument"),
    (("plan", "show", "Bad Id"), "is not a valid runner id"),
    (("plan", "show", "nobody"), "no runner with runner_id 'nobody'"),
    (("plan", "show", "ana"), "runner 'ana' has no active plan"),
    (("plan", "show", "ana", "--day", "2026-13-01"), "--day '2026-13-01' is not a date"),
    (("plan", "show", "ana", "--week", "two"), "Invalid value for '--week'"),
    (("plan", "show", "ana", "--week", "1", "--day", "2026-09-08"), "give --week or --day"),
    (("ingest", "nobody"), "no inbox folder for runner(s) nobody"),
    (("ingest",), "no runner folders in"),
    (("ingest", "--forced"), "No such option: --forced"),
    (("materialize", "--select", "gold"), "unknown asset group gold: choose from ingest"),
    (("materialize", "--runner", "Bad Id"), "'Bad Id' is not a valid runner id"),
    (("materialize", "--runner", "nobody"), "no inbox folder for runner nobody"),
    (("demo", "--days", "1"), "Invalid value for '--days'"),
    (("demo", "--runners", "many"), "Invalid value for '--runners'"),
    (("ui", "--port", "70000"), "Invalid value for '--port'"),
    (("ui", "--host", "no-such-host.invalid"), "--host no-such-host.invalid is not an address"),
    (("site", "--port", "70000"), "Invalid value for '--port'"),
    (("digest", "--to", "x"), "No such option: --to"),
    (("digest", "--send"), "--send needs CADENCE_SMTP_URL"),
    (("strava", "connect"), "Missing argument"),
    (("strava", "sync", "--all"), "No such option: --all"),
    (("sql", "select nope from coach.runners"), 'column "nope" not found'),
    (("sql", "delete from coach.runners"), "read-only mode"),
    (("doctor", "--fix"), "No such option: --fix"),
    (("init", "now"), "Got unexpected extra argument"),
    (("coach",), "No such command 'coach'"),
]


@pytest.mark.parametrize(
    ("args", "expected"), IN_A_HOME, ids=[" ".join(args) for args, _ in IN_A_HOME]
)
def test_bad_input_is_one_sentence(ana, monkeypatch, capsys, args, expected):
    assert_says_why(*cadence(monkeypatch, capsys, *args), expected)


def _commands(command: object, path: tuple[str, ...] = ()) -> Iterator[str]:
    if isinstance(command, typer.core.TyperGroup):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))
    else:
        yield " ".join(path)


def test_every_command_is_given_bad_input():
    """A new command joins the tables above, or this fails."""
    tried = {" ".join(args) for args in [*(args for args, _ in IN_A_HOME), *HOME_IS_A_FILE]}
    untried = [
        command
        for command in _commands(typer.main.get_command(cli.app))
        if not any(line == command or line.startswith(f"{command} ") for line in tried)
    ]
    assert untried == []


HOME_IS_A_FILE = [
    ("init",),
    ("ingest",),
    ("materialize",),
    ("runner", "create", "user-1", "Ana"),
    ("runner", "show", "ana"),
    ("runner", "update", "ana", "physical.age=41"),
    ("runner", "list"),
    ("plan", "show", "ana"),
    ("demo",),
    ("ui",),
    ("doctor",),
    ("site",),
    ("digest",),
    ("sql", "select 1"),
]


@pytest.mark.parametrize("args", HOME_IS_A_FILE, ids=" ".join)
def test_a_home_that_is_a_file_is_named(tmp_path, monkeypatch, capsys, args):
    home = tmp_path / "home"
    home.write_text("not a folder")
    monkeypatch.setenv("CADENCE_HOME", str(home))
    code, output = cadence(monkeypatch, capsys, *args)
    if args == ("doctor",):  # the doctor's answer is its table, with the home's row failing
        assert code == 1 and "is a file, not a folder" in words(output), output
    elif args in (("plan", "show", "ana"), ("site",), ("digest",), ("sql", "select 1")):
        # they read only: they find no warehouse inside a file
        assert_says_why(code, output, "no warehouse at")
    else:
        assert_says_why(code, output, "is a file, not a folder: point CADENCE_HOME at one")


def test_digest_send_without_a_server_writes_nothing(ana, monkeypatch, capsys):
    monkeypatch.setenv("CADENCE_SMTP_URL", "http://mail.example.org")
    code, output = cadence(monkeypatch, capsys, "digest", "--send")
    assert code != 0 and "smtp" in words(output).lower(), output
    assert not any(CadenceHome.from_env().outbox.rglob("*.eml"))


def test_a_demo_never_empties_a_folder_it_did_not_make(home, monkeypatch, capsys):
    (home.inbox / "notes.txt").write_text("the coach's own notes")
    code, output = cadence(monkeypatch, capsys, "demo")
    assert_says_why(code, output, "was not made by `cadence demo`")
    assert (home.inbox / "notes.txt").exists()


def test_a_bad_profile_yaml_is_reported_not_raised(home, monkeypatch, capsys):
    runner = home.inbox / "ana"
    runner.mkdir()
    (runner / "profile.yaml").write_text("identity: {name: [Ana\n")
    _, output = cadence(monkeypatch, capsys, "ingest")
    assert "Traceback" not in output
    assert "YAML" in words(output) and "ana/profile.yaml" in words(output), output


def test_ui_on_a_port_in_use_starts_nothing(home, held_port, monkeypatch, capsys):
    code, output = cadence(monkeypatch, capsys, "ui", "--port", str(held_port))
    assert_says_why(code, output, f"cannot open the UI on 127.0.0.1:{held_port}")
    assert not (home.dagster_home / "dagster.yaml").exists()  # not even the instance was set up


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_ui_on_a_free_port_becomes_dagster_dev(home, monkeypatch, capsys):
    port = free_port()
    monkeypatch.setattr(sys, "argv", ["cadence", "ui", "--port", str(port)])
    with pytest.raises(Execed) as execed:
        cli.main()
    assert execed.value.args[0][:4] == [sys.executable, "-m", "dagster", "dev"]
    assert ["--port", str(port)] == execed.value.args[0][-4:-2]

    # This process now stands for that `dagster dev`: a second UI would be a second daemon.
    code, output = cadence(monkeypatch, capsys, "ui", "--port", str(free_port()))
    assert_says_why(code, output, f"a Dagster UI already runs on {home.root}")


def test_an_unexpected_error_is_one_line_unless_debugging(ana, monkeypatch, capsys):
    def broken(self):
        raise KeyError("identity")

    monkeypatch.setattr(RunnerAPI, "list_runners", broken)
    code, output = cadence(monkeypatch, capsys, "runner", "list")
    assert code == 1 and "Traceback" not in output
    assert output.strip() == (
        "Unexpected error (a bug in Cadence; CADENCE_DEBUG=1 shows the traceback): "
        "KeyError: 'identity'"
    )
    monkeypatch.setenv(cli.DEBUG_VARIABLE, "1")
    monkeypatch.setattr(sys, "argv", ["cadence", "runner", "list"])
    with pytest.raises(KeyError):
        cli.main()


def test_the_console_script_prints_no_traceback(ana, held_port):
    """The issue's cases through the real entry point, started together to share the wait:
    `dagster dev` on a taken port would never return, so a timeout fails the test too."""
    env = {**os.environ, "CADENCE_HOME": str(ana.root), "COLUMNS": "80"}
    cases = {
        ("runner", "update", "ana", "physical.age=[1,2"): "physical.age: '[1,2' is not a YAML",
        ("ui", "--port", str(held_port)): f"cannot open the UI on 127.0.0.1:{held_port}",
    }
    started = {
        args: subprocess.Popen(
            [str(CADENCE), *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for args in cases
    }
    for args, process in started.items():
        try:
            output, _ = process.communicate(timeout=120)
        finally:
            process.kill()
        assert_says_why(process.returncode, output, cases[args])


def test_a_failed_step_prints_its_cause_not_a_brace(home, monkeypatch, capsys):
    """The issue's `Failed terra_layer: }`: a real Dagster run whose step fails on a pandera
    report, printed by `cadence materialize`'s summary."""
    import dagster as dg

    from assets import run

    @dg.asset(name="terra_layer")
    def terra_layer() -> None:
        same_instant_samples()

    def failing_run(*args, **kwargs) -> dg.ExecuteInProcessResult:
        with dg.DagsterInstance.ephemeral() as instance:
            return dg.materialize([terra_layer], instance=instance, raise_on_error=False)

    monkeypatch.setattr(run, "materialize_home", failing_run)
    with pytest.raises(typer.Exit):
        cli._materialize(home, None, None)
    output = capsys.readouterr().out
    assert "}" not in [line.strip() for line in output.splitlines()]
    assert words(output).count("Failed") == 1
    assert (
        "Failed terra_layer: terra.activity_samples: columns '('activity_id', 'timestamp', "
        "'source')' not unique (2 rows) (whole error: step terra_layer of run"
    ) in words(output)
