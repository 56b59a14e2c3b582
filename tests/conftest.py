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
