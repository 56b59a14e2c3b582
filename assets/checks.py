"""Asset checks generated from the table contracts.

For every contract-backed asset: the stored table must pass its contract (types, allowed
values, ranges, key uniqueness — every failure counted, not only the first), and every
runner-owned row must belong to a runner in coach.runners. Checks read the warehouse, and
DuckDB lets no one read while another process writes, so they run in the writers' pool.
"""

import dagster as dg
import pandera.errors
import polars as pl

from assets.ingest import WAREHOUSE_POOL
from assets.resources import CadenceHomeResource
from warehouse.connection import open_warehouse, read_table
from warehouse.contract import TableContract
from warehouse.contracts import contract

CHECKED = {
    ("terra", "activities"): "terra.activities",
    ("terra", "activity_samples"): "terra.activity_samples",
    ("terra", "sleep_sessions"): "terra.sleep_sessions",
    ("terra", "body_measurements"): "terra.body_measurements",
    ("terra", "daily_summaries"): "terra.daily_summaries",
    ("coach", "weekly_summaries"): "coach.weekly_summaries",
    ("coach", "runner_states"): "coach.runner_states",
    ("coach", "runner_state"): "coach.runners",
    ("coach", "memory_summaries"): "coach.memory_summaries",
    ("reference", "knowledge_base"): "reference.knowledge_base",
    ("reference", "safeguards"): "reference.safeguards",
    ("reference", "workout_templates"): "reference.workout_templates",
    ("plans", "training_plans"): "plans.training_plans",
    ("plans", "planned_sessions"): "plans.planned_sessions",
    ("coach", "long_term_goals"): "coach.long_term_goals",
    ("plans", "roadmaps"): "plans.roadmaps",
    ("plans", "milestones"): "plans.milestones",
    ("exports", "fit_files"): "plans.fit_files",
}
BLOCKING = {("plans", "training_plans"), ("plans", "planned_sessions")}
"""A failed check here stops the run before anything downstream: an invalid plan never
reaches the FIT export."""
REFERENCES = {
    ("plans", "planned_sessions"): ("plan_id", "plans.training_plans"),
    ("exports", "fit_files"): ("session_id", "plans.planned_sessions"),
    ("plans", "milestones"): ("roadmap_id", "plans.roadmaps"),
}
"""Referential integrity beyond runners: runner -> plans -> sessions -> FIT files, and
roadmap -> milestones."""
FAILURES_SHOWN = 10


def _contract_check(key: tuple[str, str], table: TableContract) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(list(key)),
        name="matches_contract",
        pool=WAREHOUSE_POOL,
        blocking=key in BLOCKING,
        description=f"Every row of {table.qualified_name} has the types, allowed values and "
        f"ranges its contract declares, and its key ({', '.join(table.key)}) is unique.",
    )
    def check(cadence: CadenceHomeResource) -> dg.AssetCheckResult:
        with open_warehouse(cadence.home.warehouse, read_only=True) as con:
            frame = read_table(con, table)
        try:
            table.validate(frame)
            cases = pl.DataFrame()
        except pandera.errors.SchemaErrors as errors:
            cases = errors.failure_cases
        failing = cases.height
        columns = sorted(set(cases["column"].drop_nulls().to_list())) if failing else []
        return dg.AssetCheckResult(
            passed=failing == 0,
            severity=dg.AssetCheckSeverity.ERROR,
            metadata={
                "rows_checked": frame.height,
                "failing_values": failing,
                "threshold": 0,
                "failing_columns": ", ".join(columns) or "none",
                "examples": dg.MetadataValue.text(
                    str(cases.head(FAILURES_SHOWN)) if failing else "none"
                ),
            },
        )

    return check


def _parent_check(
    key: tuple[str, str], table: TableContract, column: str, parent: TableContract, name: str
) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(list(key)),
        name=name,
        pool=WAREHOUSE_POOL,
        blocking=key in BLOCKING,
        description=f"Every {column} in {table.qualified_name} is in {parent.qualified_name}.",
    )
    def check(cadence: CadenceHomeResource) -> dg.AssetCheckResult:
        with open_warehouse(cadence.home.warehouse, read_only=True) as con:
            orphans = con.execute(
                f"SELECT count(*) FROM {table.qualified_name} t "
                f"ANTI JOIN {parent.qualified_name} p USING ({column})"
            ).fetchall()[0][0]
        return dg.AssetCheckResult(
            passed=orphans == 0, metadata={"orphan_rows": orphans, "threshold": 0}
        )

    return check


@dg.asset_check(
    asset=dg.AssetKey(["plans", "training_plans"]),
    name="active_plans_validated",
    pool=WAREHOUSE_POOL,
    blocking=True,
    description="Every active plan passed its weekly validation (valid or repaired): an "
    "invalid plan is never active, so it never reaches a watch.",
)
def active_plans_validated(cadence: CadenceHomeResource) -> dg.AssetCheckResult:
    with open_warehouse(cadence.home.warehouse, read_only=True) as con:
        active, invalid = con.execute(
            "SELECT count(*), count(*) FILTER (validation_status NOT IN ('valid', 'repaired') "
            "OR validation_status IS NULL) FROM plans.training_plans WHERE status = 'active'"
        ).fetchall()[0]
    return dg.AssetCheckResult(
        passed=invalid == 0,
        metadata={"active_plans": active, "active_but_not_validated": invalid, "threshold": 0},
    )


def contract_checks() -> list[dg.AssetChecksDefinition]:
    checks = [active_plans_validated]
    runners = contract("coach.runners")
    for key, name in CHECKED.items():
        table = contract(name)
        checks.append(_contract_check(key, table))
        if name != "coach.runners" and "runner_id" in table.columns:
            checks.append(_parent_check(key, table, "runner_id", runners, "runners_exist"))
        if key in REFERENCES:
            column, parent = REFERENCES[key]
            checks.append(_parent_check(key, table, column, contract(parent), f"{column}_exists"))
    return checks
