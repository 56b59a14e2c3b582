"""Asset checks generated from the table contracts.

For every contract-backed asset: the stored table must pass its contract (types, allowed
values, ranges, key uniqueness — every failure counted, not only the first), and every
runner-owned row must belong to a runner in coach.runners.
"""

import dagster as dg
import pandera.errors
import polars as pl

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
}
FAILURES_SHOWN = 10


def _contract_check(key: tuple[str, str], table: TableContract) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(list(key)),
        name="matches_contract",
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


def _runner_check(key: tuple[str, str], table: TableContract) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=dg.AssetKey(list(key)),
        name="runners_exist",
        description=f"Every runner_id in {table.qualified_name} is a runner in coach.runners.",
    )
    def check(cadence: CadenceHomeResource) -> dg.AssetCheckResult:
        with open_warehouse(cadence.home.warehouse, read_only=True) as con:
            orphans = con.execute(
                f"SELECT count(*), count(DISTINCT t.runner_id) FROM {table.qualified_name} t "
                "ANTI JOIN coach.runners r USING (runner_id)"
            ).fetchall()[0]
        return dg.AssetCheckResult(
            passed=orphans[0] == 0,
            metadata={"orphan_rows": orphans[0], "unknown_runners": orphans[1], "threshold": 0},
        )

    return check


def contract_checks() -> list[dg.AssetChecksDefinition]:
    checks = []
    for key, name in CHECKED.items():
        table = contract(name)
        checks.append(_contract_check(key, table))
        if name != "coach.runners" and "runner_id" in table.columns:
            checks.append(_runner_check(key, table))
    return checks
