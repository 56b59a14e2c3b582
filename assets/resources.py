"""Dagster resources: the Cadence home and its warehouse."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from warehouse.connection import open_warehouse
from warehouse.settings import CadenceHome


class CadenceHomeResource(dg.ConfigurableResource):
    """The Cadence home; empty `root` means $CADENCE_HOME (default ./data) at run time."""

    root: str = ""

    @property
    def home(self) -> CadenceHome:
        if self.root:
            return CadenceHome(Path(self.root).resolve())
        return CadenceHome.from_env()

    @contextmanager
    def warehouse(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with open_warehouse(self.home.create().warehouse) as con:
            yield con
