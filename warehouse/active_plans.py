"""Reading the plan a runner follows now, and its sessions, from the `plans` schema."""

from __future__ import annotations

import duckdb
import polars as pl

from warehouse.connection import read_table
from warehouse.contracts import contract

TRAINING_PLANS = contract("plans.training_plans")
PLANNED_SESSIONS = contract("plans.planned_sessions")

LATEST_ACTIVE = (
    "status = 'active' QUALIFY row_number() OVER (PARTITION BY runner_id "
    "ORDER BY generated_at DESC NULLS LAST, activated_at DESC NULLS LAST, plan_id DESC) = 1"
)
"""A runner's active plan: the latest generated one when several are marked active."""


def active_plans(
    con: duckdb.DuckDBPyConnection, runner_ids: list[str] | None = None
) -> pl.DataFrame:
    """One row per runner with an active plan (every `plans.training_plans` column), or only
    the runners asked for."""
    if runner_ids is None:
        return read_table(con, TRAINING_PLANS, LATEST_ACTIVE).sort("runner_id")
    where = f"runner_id IN (SELECT unnest(?)) AND {LATEST_ACTIVE}"
    return read_table(con, TRAINING_PLANS, where, [runner_ids]).sort("runner_id")


def plan_sessions(con: duckdb.DuckDBPyConnection, plan_id: str) -> pl.DataFrame:
    """Every planned day of a plan (rest days included), in date order."""
    return read_table(
        con, PLANNED_SESSIONS, "plan_id = ? ORDER BY scheduled_date, session_id", [plan_id]
    )
