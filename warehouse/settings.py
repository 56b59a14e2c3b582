"""Where a Cadence home's files live (layout in ARCHITECTURE.md), from the environment."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path

RUNNER_ID_PATTERN = re.compile(r"[a-z0-9_-]{1,64}")
DEFAULT_HOME = Path("data")
DEMO_HOME = Path("cadence-demo")


@dataclass(frozen=True)
class CadenceHome:
    root: Path
    warehouse_override: str | None = None

    @classmethod
    def from_env(cls, default: Path = DEFAULT_HOME) -> CadenceHome:
        root = Path(os.environ.get("CADENCE_HOME") or default).expanduser().resolve()
        return cls(root, os.environ.get("CADENCE_WAREHOUSE") or None)

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"

    @property
    def warehouse(self) -> Path:
        if self.warehouse_override:
            return Path(self.warehouse_override).expanduser().resolve()
        return self.root / "warehouse.duckdb"

    @property
    def published(self) -> Path:
        return self.root / "published" / "warehouse.duckdb"

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    @property
    def reports(self) -> Path:
        return self.root / "reports"

    @property
    def site(self) -> Path:
        """The coach's static site (exports/coach_site)."""
        return self.root / "site"

    @property
    def outbox(self) -> Path:
        """Weekly digests as .eml files, one folder per week's end date."""
        return self.root / "outbox"

    @property
    def dagster_home(self) -> Path:
        return self.root / "dagster"

    @property
    def dlt_dir(self) -> Path:
        return self.root / "dlt"

    @property
    def narrative_cache(self) -> Path:
        """Claude's validated plan narratives, one JSON file per input hash."""
        return self.root / "cache" / "narratives"

    def runner_inbox(self, runner_id: str) -> Path:
        return self.inbox / require_runner_id(runner_id)

    def create(self) -> CadenceHome:
        if self.root.exists() and not self.root.is_dir():
            raise ValueError(
                f"the Cadence home {self.root} is a file, not a folder: point CADENCE_HOME at one"
            )
        for folder in (
            self.inbox,
            self.exports,
            self.reports,
            self.dagster_home,
            self.dlt_dir,
            self.published.parent,
            self.warehouse.parent,
        ):
            folder.mkdir(parents=True, exist_ok=True)
        return self


def is_runner_id(text: str) -> bool:
    return RUNNER_ID_PATTERN.fullmatch(text) is not None


def require_runner_id(text: str) -> str:
    if not is_runner_id(text):
        raise ValueError(
            f"{text!r} is not a valid runner id: use 1-64 lowercase letters, digits, '-' or '_'"
        )
    return text


def plan_date() -> dt.date:
    """The day plans are made and followed as of: $CADENCE_PLAN_DATE (ISO date, e.g. to replay
    a past day) or today."""
    configured = os.environ.get("CADENCE_PLAN_DATE")
    if not configured:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(configured)
    except ValueError:
        raise ValueError(
            f"CADENCE_PLAN_DATE={configured!r} is not a date (e.g. 2026-11-21)"
        ) from None
