import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator

import duckdb
import pytest
from dagster._cli.utils import get_possibly_temporary_instance_for_cli
from dagster._core.instance.config import PoolGranularity

from assets.definitions import defs
from assets.ingest import WAREHOUSE_POOL
from assets.run import PROJECT_SETTINGS, dagster_instance, materialize_home
from samples import write_sample_inbox
from warehouse.connection import open_warehouse

LAYERS = ("ingest", "terra", "coach", "plans", "exports")
"""Asset groups in lineage order: an edge never points from a later group to an earlier one."""

REQUIRED_EDGES = {
    "coach/runner_profiles": {"raw_profiles"},
    "terra/activities": {"raw_strava", "raw_healthkit", "coach/runner_profiles"},
    "terra/daily_summaries": {"raw_strava", "raw_healthkit", "coach/runner_profiles"},
    "coach/runner_state": {"terra/activities", "terra/daily_summaries"},
    "coach/weekly_summaries": {"terra/activities", "terra/daily_summaries"},
    "coach/runner_states": {"terra/activities", "terra/daily_summaries"},
    "plans/training_plans": {
        "coach/runner_state",
        "coach/weekly_summaries",
        "reference/knowledge_base",
        "reference/safeguards",
        "reference/workout_templates",
    },
    "plans/planned_sessions": {"coach/runner_state", "terra/activities"},
    "exports/fit_files": {"plans/planned_sessions"},
    "exports/runner_reports": {"plans/training_plans", "terra/daily_summaries"},
}
"""asset -> upstream assets it must list: raw -> terra -> coach -> plans -> exports."""

OUTSIDE_THE_POOL = {"raw_strava_api"}
"""Steps that wait on the network and open the warehouse only for moments, through the waiting
`connect` (assets/strava.py says why): in the pool they would stall every other step."""

ASSET_GRAPH = """{
  assetNodes {
    assetKey { path }
    groupName
    pools
    dependencyKeys { path }
    assetChecksOrError { ... on AssetChecks { checks { name } } }
  }
}"""


@pytest.fixture
def sample_home(home):
    write_sample_inbox(home.inbox, runners=2, days=7, seed=3, end_date=dt.date(2026, 11, 1))
    return home


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def webserver(home) -> Iterator[str]:
    """`dagster-webserver` started in the project folder with no flags but the address, so it
    finds the definitions as a bare `dagster dev` does (workspace.yaml), on this home."""
    dagster_instance(home)
    port = _free_port()
    env = {**os.environ, "CADENCE_HOME": str(home.root), "DAGSTER_HOME": str(home.dagster_home)}
    server = subprocess.Popen(
        [sys.executable, "-m", "dagster_webserver", "-h", "127.0.0.1", "-p", str(port)],
        cwd=PROJECT_SETTINGS.parent,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its code server is a child: stop the whole group after
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                with urllib.request.urlopen(f"{url}/server_info", timeout=5):
                    break
            except OSError:
                assert server.poll() is None, "dagster-webserver exited"
                assert time.monotonic() < deadline, "dagster-webserver did not answer"
                time.sleep(1)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)


def _graphql(url: str, query: str) -> dict:
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        answer = json.loads(response.read())
    assert "errors" not in answer, answer["errors"]
    return answer["data"]


def test_the_ui_shows_the_layered_lineage_the_checks_and_the_pool(webserver):
    nodes = _graphql(webserver, ASSET_GRAPH)["assetNodes"]
    name = "/".join
    group = {name(n["assetKey"]["path"]): n["groupName"] for n in nodes}
    parents = {
        name(n["assetKey"]["path"]): {name(d["path"]) for d in n["dependencyKeys"]} for n in nodes
    }
    assert set(group.values()) <= set(LAYERS), group
    for asset, upstream in parents.items():
        for parent in upstream:
            assert LAYERS.index(group[parent]) <= LAYERS.index(group[asset]), (parent, asset)
    for asset, upstream in REQUIRED_EDGES.items():
        assert upstream <= parents[asset], asset
    pooled = [n for n in nodes if name(n["assetKey"]["path"]) not in OUTSIDE_THE_POOL]
    assert all(n["pools"] == [WAREHOUSE_POOL] for n in pooled), [
        (n["assetKey"], n["pools"]) for n in pooled
    ]
    shown = {
        (name(n["assetKey"]["path"]), check["name"])
        for n in nodes
        for check in n["assetChecksOrError"]["checks"]
    }
    defined = {
        (key.asset_key.to_user_string(), key.name)
        for key in defs.resolve_asset_graph().asset_check_keys
    }
    assert shown == defined and ("terra/activities", "matches_contract") in shown


def test_every_step_that_opens_the_warehouse_is_in_the_one_writer_pool():
    steps = defs.resolve_asset_graph().assets_defs  # assets and asset checks
    assert {"terra_layer", "terra__activities_matches_contract"} <= {
        step.node_def.name for step in steps
    }
    outside = {step.node_def.name for step in steps if step.node_def.pool != WAREHOUSE_POOL}
    assert outside == OUTSIDE_THE_POOL
    publishing = defs.resolve_job_def("publish_warehouse")
    assert {node.definition.pool for node in publishing.nodes_in_topological_order} == {
        WAREHOUSE_POOL
    }


def test_a_bare_dagster_dev_in_the_project_folder_also_has_one_writer(monkeypatch):
    """Without DAGSTER_HOME, `dagster dev` keeps a temporary instance configured from the
    dagster.yaml of the folder it starts in: the project's, with the one-writer pool."""
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.chdir(PROJECT_SETTINGS.parent)
    with get_possibly_temporary_instance_for_cli("dagster dev") as instance:
        pools = instance.get_concurrency_config().pool_config
        assert (pools.default_pool_limit, pools.pool_granularity) == (1, PoolGranularity.OP)


def test_every_home_gets_the_projects_instance_settings(home):
    dagster_instance(home).dispose()
    written = (home.dagster_home / "dagster.yaml").read_text()
    assert written.endswith(PROJECT_SETTINGS.read_text())


def _cadence(home, *args: str) -> subprocess.Popen:
    env = {**os.environ, "CADENCE_HOME": str(home.root), "COLUMNS": "200"}
    return subprocess.Popen(
        [sys.executable, "-c", "from assets.cli import main; main()", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_a_runner_run_and_the_daily_run_at_once_both_succeed(sample_home):
    """What the inbox sensor and the schedule launch, started together in two processes:
    without the pool one of them would fail on DuckDB's lock."""
    runner = sorted(p.name for p in sample_home.inbox.iterdir())[0]
    daily = _cadence(sample_home, "materialize")
    one_runner = _cadence(sample_home, "materialize", "--runner", runner, "--select", "ingest")
    outputs = [process.communicate(timeout=600)[0] for process in (daily, one_runner)]
    assert [daily.returncode, one_runner.returncode] == [0, 0], outputs
    assert all("0 failed" in output for output in outputs), outputs
    instance = dagster_instance(sample_home)
    assert len(instance.get_runs()) == 4  # two runs, each followed by its publishing run


def _layer_figures(home) -> list[tuple]:
    with open_warehouse(home.warehouse, read_only=True) as con:
        return con.execute(
            "SELECT (SELECT count(*) FROM terra.activities), "
            "(SELECT sum(distance_meters) FROM terra.activities), "
            "(SELECT count(*) FROM coach.weekly_summaries), "
            "(SELECT list(current_state ORDER BY runner_id) FROM coach.runners)"
        ).fetchall()


def test_analysts_read_while_runs_go_on_and_a_failed_run_changes_nothing(sample_home, monkeypatch):
    first = materialize_home(sample_home)
    assert first.success
    evaluations = first.get_asset_check_evaluations()
    assert evaluations and all(e.passed for e in evaluations), [
        (e.asset_key, e.check_name, e.metadata) for e in evaluations if not e.passed
    ]
    published = sample_home.published

    reads: list[int] = []
    errors: list[BaseException] = []
    running = threading.Event()
    running.set()

    def analyst() -> None:
        while running.is_set():
            try:
                with duckdb.connect(str(published), read_only=True) as con:
                    reads.append(con.execute("SELECT count(*) FROM terra.activities").fetchall())
            except BaseException as error:
                errors.append(error)

    reader = threading.Thread(target=analyst)
    reader.start()
    try:
        assert materialize_home(sample_home).success
    finally:
        running.clear()
        reader.join()
    assert not errors, errors[:3]
    assert len(reads) > 10 and all(count[0][0] > 0 for count in reads)

    before_published = published.read_bytes()
    before = _layer_figures(sample_home)

    def broken(*args, **kwargs):
        raise RuntimeError("simulated failure in the middle of a run")

    monkeypatch.setattr("assets.layers.build_coach", broken)
    failed = materialize_home(sample_home)
    assert not failed.success
    assert _layer_figures(sample_home) == before
    assert published.read_bytes() == before_published
