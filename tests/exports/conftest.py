"""One small demo-like home for the site, memory and digest tests; the browser figures in the
terminal summary."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from assets.run import materialize_home
from pipelines.ingest import run_ingest
from samples import write_sample_inbox
from warehouse.settings import CadenceHome

PLAN_WEEKS_AGO = 3
"""As `cadence demo` does: plans made three weeks before the data ends, to show them followed."""
ARTEFACTS_VARIABLE = "CADENCE_TEST_ARTEFACTS"
BROWSER_FIGURES = pytest.StashKey[list[str]]()


@dataclass(frozen=True)
class BuiltHome:
    home: CadenceHome
    today: dt.date
    runner_ids: tuple[str, ...]


@pytest.fixture(scope="session")
def built_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltHome]:
    """Two sample runners over five weeks ending today, ingested and materialized (the daily
    job, so the coach_site asset writes the site)."""
    today = dt.date.today()
    root = tmp_path_factory.mktemp("site") / "home"
    home = CadenceHome(root).create()
    truth = write_sample_inbox(home.inbox, runners=2, days=35, seed=11, end_date=today)
    saved = {k: os.environ.get(k) for k in ("CADENCE_HOME", "CADENCE_PLAN_DATE")}
    os.environ["CADENCE_HOME"] = str(root)
    os.environ["CADENCE_PLAN_DATE"] = (today - dt.timedelta(weeks=PLAN_WEEKS_AGO)).isoformat()
    try:
        run_ingest(home)
        result = materialize_home(home)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    assert result.success
    yield BuiltHome(home, today, tuple(sorted(t.runner_id for t in truth)))


def artefacts_folder() -> Path:
    """Where browser screenshots and figures are kept: $CADENCE_TEST_ARTEFACTS, or
    tmp/artefacts in the checkout."""
    folder = Path(
        os.environ.get(ARTEFACTS_VARIABLE)
        or Path(__file__).resolve().parents[2] / "tmp" / "artefacts"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def report_line(config: pytest.Config, line: str) -> None:
    config.stash.setdefault(BROWSER_FIGURES, []).append(line)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config):
    for line in config.stash.get(BROWSER_FIGURES, []):
        terminalreporter.write_line(line)
