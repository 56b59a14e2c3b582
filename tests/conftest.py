from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from warehouse.connection import open_warehouse
from warehouse.settings import CadenceHome


def pytest_configure(config: pytest.Config) -> None:
    # Definitions build their dlt pipelines at import, inside $CADENCE_HOME: keep that
    # away from the developer's real home and the working tree.
    os.environ["CADENCE_HOME"] = tempfile.mkdtemp(prefix="cadence-tests-")
    os.environ.pop("CADENCE_WAREHOUSE", None)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `slow` run in CI (CI is set) or when a -m expression asks for them; a
    developer's `uv run pytest` leaves them out, saying how many, to stay within minutes."""
    if os.environ.get("CI") or config.getoption("markexpr"):
        return
    slow = [item for item in items if item.get_closest_marker("slow")]
    if slow:
        config.hook.pytest_deselected(items=slow)
        items[:] = [item for item in items if not item.get_closest_marker("slow")]
        config.stash[SLOW_LEFT_OUT] = len(slow)


SLOW_LEFT_OUT = pytest.StashKey[int]()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter, config: pytest.Config):
    left_out = config.stash.get(SLOW_LEFT_OUT, 0)
    if left_out:
        terminalreporter.write_line(
            f"{left_out} slow test(s) left out: CI runs them (CI=true), or `uv run pytest -m slow`."
        )


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CadenceHome:
    """A fresh Cadence home, also set as $CADENCE_HOME."""
    monkeypatch.setenv("CADENCE_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("CADENCE_WAREHOUSE", raising=False)
    return CadenceHome.from_env().create()


@pytest.fixture
def con(home: CadenceHome) -> Iterator[duckdb.DuckDBPyConnection]:
    with open_warehouse(home.warehouse) as connection:
        yield connection
